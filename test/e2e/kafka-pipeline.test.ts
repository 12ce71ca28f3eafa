/**
 * Kafka mode end to end with both real sinks: a Postgres source into Kafka (the mock cluster), and
 * out of it the OpenSearch sink (into the fake node) and the S3 Parquet sink (into fauxqs), each
 * through its consumer group, run by one DistributedHerder in this process. A workload writes
 * throughout while the OpenSearch node goes away and comes back, the S3 server fails every request
 * for a while, and the worker is shut down and opened again meanwhile. The new worker resumes from
 * the offsets in Kafka: the source from the offsets topic (no second snapshot), the sinks from their
 * groups' commits (the lake writes no object before them). Once the slot has confirmed a last write
 * and both groups have committed the topic's end, the index holds exactly the table, and so does
 * the lake, read with DuckDB and rebuilt per key (each id's last change by LSN, deletes removed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import pino from 'pino';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { Metrics } from '../../src/worker/metrics.js';
import { loadWorkerConfig, type WorkerConfig } from '../../src/worker/worker-config.js';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import { readParquet } from '../support/duckdb.js';
import { startFakeOpenSearch, type FakeOpenSearch } from '../support/fake-opensearch.js';
import { MOCK_CONSUMER_TUNING, startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { sinkGroupOffsets, totalOf } from '../support/kafka-worker.js';
import { downloadLake, rebuildTable, type LakeChange } from '../support/lake.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';
import { startS3Server, type S3Fault, type S3TestServer } from '../support/s3-server.js';
import { waitFor } from '../support/wait.js';
import { createItemsTable, selectItems, startWorkload, type Workload } from '../support/workload.js';

const ROWS = 1_000;
const TOPIC = 'test.public.items';
const INDEX = 'items';
const BUCKET = 'lake';
const SLOW_DOWN: S3Fault = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
// After the last member of a group leaves, the mock cluster lets the next one in only once the
// leaver's session timeout (less a second) has passed; a broker lets it in at once. Keep it short.
const SINK_CONSUMER = { 'consumer.override.session.timeout.ms': '6000', 'consumer.override.heartbeat.interval.ms': '1000' };
const logger = pino({ level: 'silent' });

describe('Kafka mode: Postgres to OpenSearch and S3 Parquet through Kafka', () => {
  let kafka: MockKafka;
  let db: TestDatabase;
  let search: FakeOpenSearch;
  let s3: S3TestServer;

  beforeAll(async () => {
    [kafka, db, search, s3] = await Promise.all([startMockKafka(1), createTestDatabase('kafka_pipeline'), startFakeOpenSearch({ refreshIntervalMs: null }), startS3Server()]);
    await createItemsTable(db.url, ROWS);
    await s3.createBucket(BUCKET);
  });
  afterAll(async () => {
    await s3?.stop();
    await search?.close();
    await kafka?.stop();
    await db?.drop();
  });

  const committed = (connector: string) => sinkGroupOffsets(kafka, TOPIC, connector);

  // One registry for both runs of the worker, so that what the first run's tasks met is still counted.
  const metrics = new Metrics({ processMetrics: false });
  const openWorker = async (config: WorkerConfig): Promise<DistributedHerder> => {
    const herder = await DistributedHerder.open(config, logger, { clientProperties: MOCK_CONSUMER_TUNING, metrics, restart: { initialDelayMs: 100, maxDelayMs: 500 } });
    await herder.start();
    return herder;
  };
  /** How often the sink task of `connector` failed with a retriable error and was offered the same records again. */
  const retries = async (connector: string): Promise<number> => {
    const counted = new RegExp(`^sluice_task_retries_total\\{connector="${connector}",task="0"\\} (\\d+)$`, 'm').exec((await metrics.render()).body);
    return Number(counted?.[1] ?? 0);
  };

  it('resumes every component from its stored offsets through restarts and outages, and both sinks end up equal to the table', { timeout: 120_000 }, async () => {
    const dir = workerDir();
    const config = await loadWorkerConfig({
      file: dir.configFile,
      env: { SLUICE_BOOTSTRAP_SERVERS: kafka.bootstrapServers, SLUICE_GROUP_ID: 'pipeline', SLUICE_REST_ADVERTISED_PORT: '18083', SLUICE_SLUICE_TOPIC_CREATION_TIMEOUT_MS: '200' },
    });
    const sourceConfig = postgresSourceConfig(db.url, { 'table.include.list': 'public.items' });
    const slot = sourceConfig['slot.name']!;
    // The S3 server fails every request while `s3Failing`, counting them; the data files written to it are noted (not the sink's record of its cuts).
    let s3Failing = false;
    let s3Failed = 0;
    const written: string[] = [];
    s3.intercept((request) => {
      if (s3Failing) {
        s3Failed++;
        return SLOW_DOWN;
      }
      const upload = request.method === 'PUT' || (request.method === 'POST' && request.query.has('uploads'));
      if (upload && request.key.endsWith('.parquet')) written.push(request.key);
      return undefined;
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();

    let herder = await openWorker(config);
    let workload: Workload | undefined;
    try {
      await herder.create('source', sourceConfig);
      // The sinks subscribe to a topic that exists.
      await waitFor(async () => [...(await kafka.endOffsets(TOPIC).catch(() => new Map<number, number>())).values()].some((end) => end > 0), 60_000, 'the source producing', 200);
      await herder.create('search', {
        'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector',
        'connection.url': search.url,
        topics: TOPIC,
        'topic.to.index.map': `${TOPIC}:${INDEX}`,
        'batch.size': '200',
        'retry.backoff.ms': '20',
        'max.retries': '3',
        ...SINK_CONSUMER,
      });
      await herder.create('lake', {
        'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
        's3.bucket.name': BUCKET,
        'store.url': s3.endpoint,
        's3.path.style.access.enabled': 'true',
        'aws.access.key.id': 'test',
        'aws.secret.access.key': 'test',
        topics: TOPIC,
        'flush.size': '300',
        'rotate.schedule.interval.ms': '500',
        'staging.dir': path.join(dir.dir, 'staging'),
        ...SINK_CONSUMER,
      });
      workload = startWorkload(db.url, { maxId: ROWS, seed: 17, pauseMs: 10 });
      await waitFor(async () => totalOf(await committed('search')) >= ROWS && totalOf(await committed('lake')) >= ROWS, 60_000, 'both sinks past the snapshot', 200);

      // The OpenSearch node goes away (connections refused) until the sink has failed on it, and comes back.
      await search.down();
      await waitFor(async () => (await retries('search')) > 0, 30_000, 'the OpenSearch sink to fail on the node away', 100);
      await search.up();

      // The S3 server fails every request from before the worker stops until its second run has met it.
      s3Failing = true;
      await waitFor(() => s3Failed > 0, 30_000, 'the lake to fail on the S3 server');
      // More changes the lake cannot upload, then a shutdown whose last upload fails too.
      await sleep(500);
      await herder.shutdown();
      const lakeAtShutdown = await committed('lake');
      written.length = 0;
      s3Failed = 0;
      herder = await openWorker(config);
      await waitFor(() => s3Failed > 0, 30_000, 'the lake of the second run to fail on the S3 server');
      await sleep(500);
      s3Failing = false;
      // Changes after the outages too.
      await sleep(1000);

      await workload.stop();
      await writeAndWaitForSlot(client, slot, `INSERT INTO items VALUES (-1, 0, 'last')`);
      const ends = await kafka.endOffsets(TOPIC);
      const holdsAll = async (connector: string) => {
        const offsets = await committed(connector);
        return [...ends].every(([partition, end]) => offsets.get(partition) === end);
      };
      await waitFor(async () => (await holdsAll('search')) && (await holdsAll('lake')), 60_000, 'both sinks to commit the end of the topic', 200);
      const table = await selectItems(db.url);

      // The source resumed from its offset: the topic holds one snapshot.
      const snapshotReads = (await kafka.readTopic(TOPIC)).filter((record) => record.value !== null && (JSON.parse(record.value) as { payload: { op: string } }).payload.op === 'r');
      expect(snapshotReads).toHaveLength(ROWS);

      // The lake resumed from its group's offsets: every object the new worker wrote starts at or after them.
      expect(written.length).toBeGreaterThan(0);
      for (const key of written) {
        const [, partition, start] = /\+(\d+)\+(\d+)\.parquet$/.exec(key)!;
        expect(Number(start)).toBeGreaterThanOrEqual(lakeAtShutdown.get(Number(partition)) ?? 0);
      }

      const documents = [...search.documents(INDEX).values()].map((document) => document.source).sort((a, b) => (a['id'] as number) - (b['id'] as number));
      expect(documents).toEqual(table);

      const lake = await downloadLake(s3.client, BUCKET);
      const { rows } = await readParquet(path.join(lake.dir, '**', '*.parquet'), { select: 'id, qty, note, __op, __lsn::VARCHAR AS __lsn, __snapshot' });
      expect(rebuildTable(rows as unknown as LakeChange[], 'id')).toEqual(table);
    } finally {
      await workload?.stop();
      s3.intercept(null);
      await client.end();
      await herder.shutdown();
    }
  });
});
