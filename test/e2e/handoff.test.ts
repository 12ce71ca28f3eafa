/**
 * The snapshot-to-stream handoff under live writes: the slot and its snapshot start while a
 * workload keeps writing, and the captured events rebuild exactly the final table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createLogger } from '../../src/logger.js';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { readEvents, rebuild, sortedRows } from '../support/change-log.js';
import { fileSinkConfig, postgresSourceConfig, workerDir } from '../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { createItemsTable, selectItems, startWorkload } from '../support/workload.js';
import { waitFor } from '../support/wait.js';

describe('snapshot and stream handoff', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('handoff');
    await createItemsTable(db.url, 3000);
  });
  afterAll(() => db.drop());

  it('rebuilds the final table exactly from the events, with writes running throughout', async () => {
    const dir = workerDir();
    const workload = startWorkload(db.url, { maxId: 3000 });
    await new Promise((r) => setTimeout(r, 300));
    const worker = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), createLogger('warn'));
    await worker.start([
      { name: 'source', config: postgresSourceConfig(db.url, { 'snapshot.fetch.size': '250' }) },
      { name: 'sink', config: fileSinkConfig(dir.eventsFile) },
    ]);
    await waitFor(() => readEvents(dir.eventsFile).some((e) => e.value?.source.snapshot === 'last'), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const transactions = await workload.stop();
    expect(transactions).toBeGreaterThan(10);

    // A marker written after the workload: once it arrives, everything before it has arrived.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`INSERT INTO items VALUES (-1, 0, 'marker')`);
    await client.end();
    await waitFor(() => readEvents(dir.eventsFile).some((e) => e.value?.after?.note === 'marker'), 30_000);
    await worker.shutdown();

    const events = readEvents(dir.eventsFile);
    expect(events.filter((e) => e.value?.op === 'r').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.value?.op === 'u').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.value?.op === 'd').length).toBeGreaterThan(0);
    const rebuilt = sortedRows(rebuild(events, 'test.public.items'), 'id');
    expect(rebuilt).toEqual(await selectItems(db.url));
  });
});
