/**
 * Crash safety: the worker runs as a child process and is killed with SIGKILL during the snapshot
 * and during streaming, then restarted. Every change must arrive at least once, the snapshot must
 * resume rather than start over, and the events must rebuild the final table exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { readEvents, rebuild, sortedRows } from '../support/change-log.js';
import { fileSinkConfig, postgresSourceConfig, workerDir } from '../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { createItemsTable, selectItems, startWorkload } from '../support/workload.js';

// Large enough that the snapshot is still running when the test sees its first committed chunk.
const ROWS = 200_000;

describe('kill -9 and restart', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('crash');
    await createItemsTable(db.url, ROWS);
  });
  afterAll(() => db.drop());

  // Generous limits: a loaded CI machine runs child processes and a 200k-row snapshot slowly.
  it('delivers every change at least once and resumes an interrupted snapshot', { timeout: 300_000 }, async () => {
    const dir = workerDir();
    const files = [
      dir.connectorFile('source', postgresSourceConfig(db.url, { 'snapshot.fetch.size': '100' })),
      dir.connectorFile('sink', fileSinkConfig(dir.eventsFile)),
    ];
    const snapshotReads = () => readEvents(dir.eventsFile).filter((e) => e.value?.op === 'r').length;
    // Polled checks look at the text, not parsed events: the file grows to many megabytes.
    const eventsText = () => (existsSync(dir.eventsFile) ? readFileSync(dir.eventsFile, 'utf8') : '');
    const snapshotDone = () => eventsText().includes('"snapshot":"last"');
    const offsets = () => {
      try {
        return readFileSync(path.join(dir.dir, 'data', 'offsets.json'), 'utf8');
      } catch {
        return '';
      }
    };
    const kill = async (worker: WorkerProcess) => {
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
    };
    const workload = startWorkload(db.url, { maxId: ROWS, seed: 7 });

    // 1. Killed mid-snapshot, once a chunk's progress is committed.
    let worker = startWorkerProcess(dir.configFile, files);
    // The committed offset names a finished chunk inside the table (not yet the table's end).
    const committedProgress = () => {
      const stored = offsets();
      if (!stored.includes('sluice.snapshot.progress')) return null;
      // The source's entry; the sink's (how far it wrote) are beside it.
      const offset = Object.values(JSON.parse(stored) as Record<string, Record<string, string>>).find((entry) => 'sluice.snapshot.progress' in entry)!;
      const progress = JSON.parse(offset['sluice.snapshot.progress']!) as { after: { values: string[] } | null };
      return progress.after;
    };
    await waitFor(() => committedProgress() !== null, 120_000, 'snapshot progress');
    await kill(worker);
    const readsBeforeRestart = snapshotReads();
    expect(snapshotDone()).toBe(false);
    const committedKey = Number(committedProgress()!.values[0]);
    expect(committedKey).toBeGreaterThan(0);

    // 2. Restarted: the snapshot resumes right after the last committed chunk, not from the start.
    worker = startWorkerProcess(dir.configFile, files);
    await waitFor(snapshotDone, 120_000, 'snapshot end', 500);
    const resumed = readEvents(dir.eventsFile).filter((e) => e.value?.op === 'r')[readsBeforeRestart]!;
    expect(resumed.value!.source.snapshot).not.toBe('first');
    expect(resumed.key!.id).toBeGreaterThan(committedKey);

    // 3. Killed while streaming, twice, at different moments.
    for (const pause of [700, 1300]) {
      await new Promise((r) => setTimeout(r, pause));
      await kill(worker);
      worker = startWorkerProcess(dir.configFile, files);
      await waitFor(() => worker.stderr().includes('streaming changes'), 120_000, 'streaming');
    }

    // 4. Writes stop; a marker shows when everything before it has arrived; a clean stop exits 0.
    await new Promise((r) => setTimeout(r, 500));
    await workload.stop();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`INSERT INTO items VALUES (-1, 0, 'marker')`);
    await client.end();
    await waitFor(() => eventsText().includes('"note":"marker"'), 120_000, 'marker', 500);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const rebuilt = sortedRows(rebuild(readEvents(dir.eventsFile), 'test.public.items'), 'id');
    expect(rebuilt).toEqual(await selectItems(db.url));
  });
});
