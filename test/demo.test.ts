/**
 * `sluice demo`, the README's first command, as a user runs it (the built program, in a directory
 * of its own): it exits 0 after its summary, and the summary's figures are what it wrote: the
 * events file holds the events it counts, and the Parquet lake, read with DuckDB, every snapshot
 * row and streamed change once (tombstones are not rows).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readParquet } from './support/duckdb.js';

const PROGRAM = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ROWS = 2000;

describe('sluice demo', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('captures its live workload into the events file and the lake, and its summary says what they hold', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-demo-'));
    const { stdout } = await promisify(execFile)(PROGRAM, ['demo', '--seconds', '3', '--rows', String(ROWS)], { cwd: dir, timeout: 170_000 });
    const figure = (pattern: RegExp) => {
      const match = pattern.exec(stdout);
      expect(match, `${pattern} in:\n${stdout}`).not.toBeNull();
      return match!.slice(1).map(Number);
    };
    const [snapshotted] = figure(/rows snapshotted:\s+(\d+)/);
    const [inserts, updates, deletes] = figure(/changes streamed:\s+(\d+) inserts, (\d+) updates, (\d+) deletes/);
    const [tombstones] = figure(/tombstones:\s+(\d+)/);
    const [events] = figure(/events file:.*\((\d+) events/);
    expect(snapshotted).toBeGreaterThanOrEqual(3 * ROWS);
    expect(inserts! + updates! + deletes!).toBeGreaterThan(0);
    expect(tombstones).toBe(deletes);

    const lines = (await readFile(path.join(dir, 'demo-events.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(events!);
    expect(events).toBeGreaterThanOrEqual(snapshotted! + inserts! + updates! + deletes! + tombstones!);
    const { rows } = await readParquet(path.join(dir, 'demo-lake', '**', '*.parquet'), { select: 'count(*)::INTEGER AS n' });
    expect(rows).toEqual([{ n: snapshotted! + inserts! + updates! + deletes! }]);
  });
});
