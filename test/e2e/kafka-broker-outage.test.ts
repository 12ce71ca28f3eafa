/**
 * Kafka mode through a broker outage: the mock cluster runs in a process of its own, which the test
 * freezes (SIGSTOP) for longer than the groups' sessions and the requests' timeouts, and then lets
 * go on with the records it held, as a broker that hangs or is cut off and comes back. A workload
 * writes to Postgres all along. The worker (one DistributedHerder in this process: the source into
 * Kafka, the OpenSearch sink out of it) must come through without a restart by hand, twice over:
 * - the outage is shorter than the producer's delivery timeout: the source's messages wait in the
 *   client and go out when the broker is back, and the sink's group rejoins;
 * - it is longer: the producer gives up, the source task fails, and the worker restarts it until
 *   the broker answers; it resumes from the offset in the offsets topic, so events after that are
 *   produced again (at least once), and none is missing.
 * Afterwards both connectors and their tasks are RUNNING, the topic holds one snapshot, and the
 * index holds exactly the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import pino from 'pino';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { Metrics } from '../../src/worker/metrics.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import { startFakeOpenSearch, type FakeOpenSearch } from '../support/fake-opensearch.js';
import { MOCK_CONSUMER_TUNING, startMockKafkaProcess } from '../support/kafka-mock.js';
import { createTestDatabase, writeAndWaitForSlot } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { createItemsTable, selectItems, startWorkload, type Workload } from '../support/workload.js';

const ROWS = 500;
/** Longer than the groups' sessions (6 s) and a request's timeout. */
const OUTAGE_MS = 20_000;
const SESSION = { 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '1000' };
const logger = pino({ level: 'silent' });

describe('Kafka mode: a broker outage', () => {
  let search: FakeOpenSearch;
  beforeAll(async () => {
    search = await startFakeOpenSearch({ refreshIntervalMs: null });
  });
  afterAll(async () => {
    await search?.close();
  });

  it.each<{ outage: string; name: string; producer: Record<string, string> }>([
    { outage: 'shorter than the delivery timeout', name: 'short', producer: {} },
    { outage: 'longer than the delivery timeout', name: 'long', producer: { 'producer.override.delivery.timeout.ms': '4000' } },
  ])('comes through a frozen broker $outage on its own: connectors RUNNING, one snapshot, the index equal to the table', { timeout: 180_000 }, async ({ name, producer }) => {
    // A cluster and a database of its own: the same topic and table names in both cases.
    const [kafka, db] = await Promise.all([startMockKafkaProcess(1), createTestDatabase(`kafka_outage_${name}`)]);
    const topic = `${name}.public.items`;
    const index = `items-${name}`;
    const metrics = new Metrics({ processMetrics: false });
    const restarts = async (connector: string): Promise<number> => {
      const counted = new RegExp(`^sluice_task_restarts_total\\{connector="${connector}",task="0"\\} (\\d+)$`, 'm').exec((await metrics.render()).body);
      return Number(counted?.[1] ?? 0);
    };
    let herder: DistributedHerder | undefined;
    let workload: Workload | undefined;
    const client = new pg.Client({ connectionString: db.url });
    try {
      await createItemsTable(db.url, ROWS);
      await client.connect();
      const config = await loadWorkerConfig({
        file: workerDir().configFile,
        env: {
          SLUICE_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
          SLUICE_GROUP_ID: `outage-${name}`,
          SLUICE_SLUICE_TOPIC_CREATION_TIMEOUT_MS: '200',
          SLUICE_SESSION_TIMEOUT_MS: SESSION['session.timeout.ms'],
          SLUICE_HEARTBEAT_INTERVAL_MS: SESSION['heartbeat.interval.ms'],
        },
      });
      const sourceConfig = postgresSourceConfig(db.url, { 'table.include.list': 'public.items', 'topic.prefix': name, ...producer });
      herder = await DistributedHerder.open(config, logger, { clientProperties: MOCK_CONSUMER_TUNING, metrics, restart: { initialDelayMs: 100, maxDelayMs: 1000 } });
      await herder.start();
      await herder.create('source', sourceConfig);
      await waitFor(async () => [...(await kafka.endOffsets(topic).catch(() => new Map<number, number>())).values()].some((end) => end > 0), 60_000, 'the source producing', 200);
      // Once the snapshot is taken (the slot is made before the first row is produced): it reads ROWS rows.
      workload = startWorkload(db.url, { maxId: ROWS, seed: 23, pauseMs: 10 });
      await herder.create('search', {
        'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector',
        'connection.url': search.url,
        topics: topic,
        'topic.to.index.map': `${topic}:${index}`,
        'consumer.override.session.timeout.ms': SESSION['session.timeout.ms'],
        'consumer.override.heartbeat.interval.ms': SESSION['heartbeat.interval.ms'],
      });
      await waitFor(() => search.documents(index).size >= ROWS / 2, 60_000, 'the sink indexing', 200);

      kafka.freeze();
      await sleep(OUTAGE_MS);
      kafka.thaw();
      // Changes after the outage too.
      await sleep(3000);
      await workload.stop();
      await writeAndWaitForSlot(client, sourceConfig['slot.name']!, `INSERT INTO items VALUES (-1, 0, 'last')`);
      const table = await selectItems(db.url);
      const indexed = () => [...search.documents(index).values()].map((document) => document.source).sort((a, b) => (a['id'] as number) - (b['id'] as number));
      await waitFor(() => JSON.stringify(indexed()) === JSON.stringify(table), 90_000, 'the index to equal the table', 500);

      for (const connector of ['source', 'search']) {
        const status = herder.status(connector);
        expect(status.connector.state, connector).toBe('RUNNING');
        expect(status.tasks.map((task) => task.state), connector).toEqual(['RUNNING']);
      }
      // The longer outage failed the source task, which the worker restarted by itself.
      if (name === 'long') expect(await restarts('source')).toBeGreaterThan(0);
      else expect(await restarts('source')).toBe(0);
      // One snapshot, each row once: the source never went back into it.
      const snapshotReads = (await kafka.readTopic(topic)).filter((record) => record.value !== null && (JSON.parse(record.value) as { payload: { op: string } }).payload.op === 'r');
      expect(new Set(snapshotReads.map((record) => record.key)).size).toBe(ROWS);
      expect(snapshotReads).toHaveLength(ROWS);
      expect(indexed()).toEqual(table);
    } finally {
      kafka.thaw();
      await workload?.stop();
      await client.end();
      await herder?.shutdown();
      await kafka.stop();
      await db.drop();
    }
  });
});
