/**
 * The S3 sink task in Kafka mode (files named after Kafka offsets, no SinkCuts): records delivered
 * again after a crash, from the offset the task last reported durable, are cut where they were cut
 * before, so the same objects are rewritten with the same rows and none overlaps another; also
 * when buffer.memory.bytes pressed the run before and not the run after (gzip members ended early
 * change a file's bytes, not its lines).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipMembers } from '../../../test/support/gzip-members.js';
import type { SinkRecord } from '../../events.js';
import { openObjectStore } from './object-store.js';
import { filesUnder, GZIP_JSON_LINES, JSON_LINES, PARQUET, startTask, TOPIC, visit } from './s3-sink-task.fixture.js';

const PARTITION = `${TOPIC}:0`;
const DAY = 19_800;
const visits = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => visit(from + i, DAY));
const tombstone = (offset: number): SinkRecord => ({ ...visit(offset, DAY), value: null, valueSchema: null });

describe.each([PARQUET, JSON_LINES])('S3 sink task in Kafka mode writing $name', (format) => {
  it('cuts records delivered again from a commit just past a tombstone where it cut them before, so no object overlaps another', async () => {
    const config = { ...format.config, 'flush.size': '3' };
    const first = await startTask(config, openObjectStore, { stableOffsets: true });
    // A file of 0-2; the tombstone after it, with no file open, is committed at once.
    await first.task.put([...visits(0, 2), tombstone(3)]);
    expect(await first.task.preCommit(new Map([[PARTITION, 4]]))).toEqual(new Map([[PARTITION, 4]]));
    // More files go up; the worker dies before it commits them.
    await first.task.put(visits(4, 9));
    const uploaded = filesUnder(first.lake);
    expect(uploaded).toHaveLength(3);

    // The next run reads again from the offset committed, in a task of the same directory.
    const second = await startTask(config, openObjectStore, { stableOffsets: true, dir: first.dir });
    await second.task.put(visits(4, 9));
    expect(await second.task.preCommit(new Map([[PARTITION, 10]]))).toEqual(new Map([[PARTITION, 10]]));
    await second.task.stop();
    expect(filesUnder(second.lake)).toEqual(uploaded);
    const { rows } = await format.read(second.lake, { select: 'id::INTEGER AS id', orderBy: 'id' });
    expect(rows.map((row) => row['id'])).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });
});

describe('S3 sink task in Kafka mode writing gzipped JSON lines', () => {
  it('cuts files at the same records under a tiny buffer.memory.bytes as under an unlimited one, so a replay with other memory rewrites the same objects with the same lines', { timeout: 60_000 }, async () => {
    const days = 30;
    const rows = days * 40;
    // Three rotations by count, of 30 open files each: about 180 KB of lines, every file's own gzip
    // member holding 280 KiB more, against a budget of 64 KiB.
    const config = { ...GZIP_JSON_LINES.config, 'flush.size': String(rows / 3) };
    const budget = 64 * 1024;
    const records = Array.from({ length: rows }, (_, i) => visit(i, DAY + (i % days)));
    const first = await startTask({ ...config, 'buffer.memory.bytes': String(budget) }, openObjectStore, { stableOffsets: true });
    for (let i = 0; i < rows; i += 100) {
      await first.task.put(records.slice(i, i + 100));
      expect(first.task.bufferedBytes).toBeLessThanOrEqual(budget);
    }
    // The worker dies before it commits anything.
    const keys = filesUnder(first.lake);
    const pressed = new Map(keys.map((key) => [key, readFileSync(path.join(first.lake, key))]));
    // DuckDB reads each object whole, however many members the budget ended it in.
    const { rows: read } = await GZIP_JSON_LINES.read(first.lake, { select: 'id::INTEGER AS id, filename' });
    for (const [key, bytes] of pressed) {
      const inFile = read.filter((row) => row['filename'] === path.join(first.lake, key)).map((row) => row['id'] as number);
      expect(inFile.sort((a, b) => a - b)).toEqual(idsOf(gunzipSync(bytes)).sort((a, b) => a - b));
    }

    // The next run reads again from offset 0 with memory to spare.
    const second = await startTask({ ...config, 'buffer.memory.bytes': String(1024 ** 3) }, openObjectStore, { stableOffsets: true, dir: first.dir });
    for (let i = 0; i < rows; i += 100) await second.task.put(records.slice(i, i + 100));
    expect(await second.task.preCommit(new Map([[PARTITION, rows]]))).toEqual(new Map([[PARTITION, rows]]));
    await second.task.stop();
    // The same keys: three rotations of one file a day, each named after its first offset.
    expect(keys).toHaveLength(3 * days);
    expect(filesUnder(second.lake)).toEqual(keys);
    for (const [key, bytes] of pressed) {
      const rewritten = readFileSync(path.join(second.lake, key));
      expect(gzipMembers(rewritten)).toHaveLength(1);
      // Each object's lines, in order, are what the run under pressure wrote.
      expect(gunzipSync(rewritten).toString('utf8')).toBe(gunzipSync(bytes).toString('utf8'));
    }
    expect(read).toHaveLength(rows);
    // The budget had ended members early: files of several members (the test would prove nothing otherwise).
    expect(Math.max(...[...pressed.values()].map((bytes) => gzipMembers(bytes).length))).toBeGreaterThan(1);
    const { rows: census } = await GZIP_JSON_LINES.read(second.lake, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids' });
    expect(census).toEqual([{ n: rows, ids: rows }]);
  });
});

/** The ids of the JSON lines in `text`, in order. */
function idsOf(text: Buffer): number[] {
  return text.toString('utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
}
