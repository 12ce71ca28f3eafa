/**
 * The lake in Kafka mode through crashes: a Kafka-mode worker, a child process on the mock cluster
 * (which lives in this process and outlives it), runs a Postgres source into Kafka and the S3 sink
 * out of it into fauxqs, its files rotated by count, by size under a small memory budget and by the
 * wall clock: cuts the records alone do not decide, so a run after a crash makes them again only
 * from the sink's record of them in the store (file-cuts.ts). A
 * workload writes all along while the worker is killed with SIGKILL four times: while the server
 * holds an object's upload (which goes through after the kill: uploaded, never committed), and at
 * moments while it writes and uploads. After a last run, stopped cleanly, every record of the topic
 * below the sink group's committed offsets is in the lake exactly once (an object is named by topic,
 * partition and first offset, so a run after a crash rewrites the same objects, never one beside),
 * DuckDB reads every object, and the lake rebuilds the table. The source is at least once into
 * Kafka (killed, it produces again what followed its last committed offset): the reference is the
 * topic's records, each of which the lake must hold once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../src/embedded/postgres-server.js';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import { readParquet } from '../support/duckdb.js';
import { startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { kafkaWorkerProcessSettings, sinkGroupOffsets, totalOf } from '../support/kafka-worker.js';
import { downloadLake, rebuildTable, type LakeChange } from '../support/lake.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { createItemsTable, selectItems, startWorkload } from '../support/workload.js';

const ROWS = 2_000;
const TOPIC = 'test.public.items';
const BUCKET = 'lake';
const FLUSH_SIZE = 100;
const ROTATE_SIZE_BYTES = 3000;
/** Where the sink records its cuts, beside the topics' directories. */
const CUTS_PREFIX = 'topics/_sluice/lake/';
/** Rows inserted at the end to push the last changes out of the open files have ids from here. */
const FILLER_FROM = 10_000_000;
// After a member dies, the mock cluster lets the next one in once the dead one's session timed out: keep it short.
const SINK_CONSUMER = { 'consumer.override.session.timeout.ms': '6000', 'consumer.override.heartbeat.interval.ms': '1000' };
const KEY = /^topics\/test\.public\.items\/year=\d{4}\/month=\d{2}\/day=\d{2}\/test\.public\.items\+\d+\+\d{10}\.parquet$/;

/** A change as both sides can name it: op, row id, LSN and whether a snapshot read it. */
const identity = (op: unknown, id: unknown, lsn: unknown, snapshot: boolean) => `${op}:${id}:${lsn}:${snapshot}`;

interface Envelope {
  payload: { op: string; before: { id: number } | null; after: { id: number } | null; source: { lsn: number; snapshot?: string | null } };
}

describe('Kafka mode: the S3 sink through kill -9', () => {
  let kafka: MockKafka;
  let db: TestDatabase;
  let s3: S3TestServer;
  beforeAll(async () => {
    [kafka, db, s3] = await Promise.all([startMockKafka(1), createTestDatabase('lake_kafka_crash'), startS3Server()]);
    await createItemsTable(db.url, ROWS);
    await s3.createBucket(BUCKET);
  });
  afterAll(async () => {
    await s3?.stop();
    await kafka?.stop();
    await db?.drop();
  });

  const committed = () => sinkGroupOffsets(kafka, TOPIC, 'lake');

  it('holds every record of the topic below the committed offsets exactly once, and the table, after kill -9 during writing and upload', { timeout: 300_000 }, async () => {
    const port = await freePort();
    // One REST port for every run: the same worker id, so that a run does not wait for the one before it to time out.
    const dir = workerDir({
      ...kafkaWorkerProcessSettings(kafka, 'lake-crash', port),
      // Commits seconds apart, so that a kill finds several files of a partition uploaded and not yet committed.
      'offset.flush.interval.ms': '3000',
    });
    const sourceConfig = postgresSourceConfig(db.url, { 'table.include.list': 'public.items' });
    const files = [
      dir.connectorFile('source', sourceConfig),
      dir.connectorFile('lake', {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
        's3.bucket.name': BUCKET,
        'store.url': s3.endpoint,
        's3.path.style.access.enabled': 'true',
        'aws.access.key.id': 'test',
        'aws.secret.access.key': 'test',
        topics: TOPIC,
        'flush.size': String(FLUSH_SIZE),
        // How big a file is when it reaches the size depends on when the budget wrote its rows out.
        'rotate.size.bytes': String(ROTATE_SIZE_BYTES),
        'buffer.memory.bytes': '16384',
        'rotate.schedule.interval.ms': '2000',
        'staging.dir': path.join(dir.dir, 'staging'),
        ...SINK_CONSUMER,
      }),
    ];
    let worker: WorkerProcess = startWorkerProcess(dir.configFile, files);
    const waitForWorker = (condition: () => Promise<boolean> | boolean, what: string) =>
      waitFor(condition, 120_000, what, 200).catch((error: Error) => {
        throw new Error(`${error.message}; the worker's log:\n${worker.stderr().slice(-5000)}`);
      });
    const kill = async () => {
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
    };

    const workload = startWorkload(db.url, { maxId: ROWS, seed: 23, pauseMs: 5 });
    try {
      await waitForWorker(async () => totalOf(await committed()) > 0, 'the lake to commit its first files');
      // 1. Killed while the server holds the upload of an object, which it then stores.
      const hold = s3.hold((request) => request.method === 'PUT' && request.bucket === BUCKET && request.key.endsWith('.parquet'));
      try {
        await waitForWorker(() => hold.held().length > 0, 'an upload held by the server');
        await kill();
      } finally {
        hold.release();
      }
      // 2. Killed at different moments after the restarted worker has committed more.
      for (const pause of [700, 1500, 300]) {
        worker = startWorkerProcess(dir.configFile, files);
        const before = totalOf(await committed());
        await waitForWorker(async () => totalOf(await committed()) > before, 'the lake to commit again after a restart');
        await sleep(pause);
        await kill();
      }
    } finally {
      await workload.stop();
    }

    // 3. The last run. The last changes wait in open files for FLUSH_SIZE more records of their
    // partition: filler rows bring those, until every partition is committed past the last change.
    worker = startWorkerProcess(dir.configFile, files);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await writeAndWaitForSlot(client, sourceConfig['slot.name']!, `INSERT INTO items VALUES (-1, 0, 'last')`, 120_000);
      const ends = await kafka.endOffsets(TOPIC);
      let filler = FILLER_FROM;
      await waitForWorker(async () => {
        const offsets = await committed();
        if ([...ends].every(([partition, end]) => offsets.get(partition)! >= end)) return true;
        await client.query(`INSERT INTO items SELECT g, 0, 'filler' FROM generate_series($1::int, $2::int) g`, [filler, filler + 199]);
        filler += 200;
        return false;
      }, 'every partition committed past the last change');
    } finally {
      await client.end();
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const final = await committed();
    const reference = (await kafka.readTopic(TOPIC))
      .filter((record) => record.value !== null && record.offset < final.get(record.partition)!)
      .map((record) => {
        const { payload } = JSON.parse(record.value!) as Envelope;
        const snapshot = payload.source.snapshot !== undefined && payload.source.snapshot !== null && payload.source.snapshot !== 'false';
        return identity(payload.op, (payload.after ?? payload.before)!.id, payload.source.lsn, snapshot);
      })
      .sort();
    // No upload is left open, and DuckDB reads every object whole.
    expect(s3.multipartUploads().filter((upload) => upload.state === 'open')).toEqual([]);
    const lake = await downloadLake(s3.client, BUCKET);
    const [cutRecords, dataKeys] = [lake.keys.filter((key) => key.startsWith(CUTS_PREFIX)), lake.keys.filter((key) => !key.startsWith(CUTS_PREFIX))];
    expect(cutRecords.length).toBeGreaterThan(0);
    for (const key of dataKeys) expect(key).toMatch(KEY);
    const rows = (await readParquet(path.join(lake.dir, '**', '*.parquet'), { select: 'id, qty, note, __op, __lsn::VARCHAR AS __lsn, __snapshot' })).rows as unknown as LakeChange[];
    expect(rows.map((row) => identity(row.__op, row['id'], row.__lsn, row.__snapshot)).sort()).toEqual(reference);
    // Every change is there: the lake rebuilds the table (the filler rows aside: the last ones may follow the last commit).
    const beforeFillers = (table: Array<Record<string, unknown>>) => table.filter((row) => (row['id'] as number) < FILLER_FROM);
    expect(beforeFillers(rebuildTable(rows, 'id'))).toEqual(beforeFillers(await selectItems(db.url)));
  });
});
