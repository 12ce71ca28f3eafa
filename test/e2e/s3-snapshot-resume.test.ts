/**
 * A snapshot resumed behind the S3 sink, end to end and deterministic. The worker is killed
 * (SIGKILL) in the window where the sink has recorded a streamed change but the source has not yet
 * committed the end of its snapshot: the source's offset still points inside the snapshot, the
 * sink's position is already in the stream, and the slot still sits where the snapshot began. The
 * window is held open by committing source offsets only once an hour. Restarted, the worker reads
 * the rest of the snapshot again and replays the stream from the slot; the sink passes all of that
 * over instead of writing it again under the keys of the snapshot's first files, so the lake holds
 * every snapshot row once and every streamed change once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import { readParquet } from '../support/duckdb.js';
import { downloadLake } from '../support/lake.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/** 200 chunks of 100 rows in 40 files of 500: the source commits offsets inside the snapshot. */
const ROWS = 20_000;
const PROGRESS = 'sluice.snapshot.progress';
const SOURCE_KEY = JSON.stringify(['source', { server: 'test' }]);
const SINK_KEY = JSON.stringify(['lake', { kafka_partition: 0, kafka_topic: 'test.public.items' }]);

let db: TestDatabase;
let s3: S3TestServer;
beforeAll(async () => {
  db = await createTestDatabase('s3_resume');
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
  await db?.drop();
});

async function kill(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  expect(await worker.exited).toBeNull();
}

it('keeps every snapshot row once when the source resumes a snapshot the sink has already passed', { timeout: 180_000 }, async () => {
  await s3.createBucket('resume');
  await db.sql(`CREATE TABLE items (id int PRIMARY KEY, note text)`);
  await db.sql(`INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, ${ROWS}) g`);
  const eager = workerDir({ 'offset.flush.interval.ms': '50' });
  const dataDir = path.join(eager.dir, 'data');
  // The same data directory, with source offsets committed only at shutdown (sinks still record their positions whenever idle).
  const lazy = workerDir({ 'sluice.data.dir': dataDir, 'offset.flush.interval.ms': '3600000' });
  const offsetsFile = path.join(dataDir, 'offsets.json');
  const offsets = (): Record<string, Record<string, unknown>> => (existsSync(offsetsFile) ? JSON.parse(readFileSync(offsetsFile, 'utf8')) : {});
  const slot = `${db.name}_items`;
  const files = [
    eager.connectorFile('lake', {
      'connector.class': 'io.confluent.connect.s3.S3SinkConnector', 's3.bucket.name': 'resume', 'store.url': s3.endpoint, 's3.path.style.access.enabled': 'true',
      'aws.access.key.id': 'test', 'aws.secret.access.key': 'test', topics: 'test.public.items', 'flush.size': '500', 'rotate.schedule.interval.ms': '200',
    }),
    eager.connectorFile('source', postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': 'public.items', 'heartbeat.interval.ms': '0', 'snapshot.fetch.size': '100' })),
  ];
  const slotLsn = async () => (await db.sql(`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = '${slot}'`))[0]!['lsn'];
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();

  // Killed once the source has committed a chunk: a restart resumes this snapshot.
  let worker = startWorkerProcess(eager.configFile, files);
  await waitFor(() => typeof offsets()[SOURCE_KEY]?.[PROGRESS] === 'string', 60_000, 'the source to commit an offset inside its snapshot', 10);
  await kill(worker);
  const midSnapshot = offsets()[SOURCE_KEY];
  expect(midSnapshot?.[PROGRESS]).toEqual(expect.any(String));
  const slotAtSnapshot = await slotLsn();

  // Finishes the snapshot and streams a change into the lake, then is killed before the source commits anything.
  worker = startWorkerProcess(lazy.configFile, files);
  await client.query(`INSERT INTO items VALUES (-1, 'streamed before the crash')`);
  await waitFor(() => /^[0-9a-f]+$/.test(String(offsets()[SINK_KEY]?.['position'])), 60_000, 'the sink to record a streamed change', 10);
  await kill(worker);
  expect(offsets()[SOURCE_KEY]).toEqual(midSnapshot);
  expect(await slotLsn()).toBe(slotAtSnapshot);

  worker = startWorkerProcess(eager.configFile, files);
  await writeAndWaitForSlot(client, slot, `INSERT INTO items VALUES (-2, 'streamed after the restart')`);
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  await client.end();

  const lake = await downloadLake(s3.client, 'resume');
  const { rows } = await readParquet(path.join(lake.dir, '**', '*.parquet'), { select: 'id, __op, __snapshot', orderBy: 'id' });
  const snapshotIds = rows.filter((row) => row['__snapshot']).map((row) => row['id'] as number);
  expect(snapshotIds).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
  const streamed = rows.filter((row) => !row['__snapshot']).map((row) => `${row['__op'] as string}:${row['id'] as number}`);
  expect(streamed).toEqual(['c:-2', 'c:-1']);
});
