/**
 * The real Postgres source through a SourceRunner into Kafka (the mock cluster), offsets in a
 * KafkaOffsetStore: the topic holds Debezium-compatible events, read back raw, and each write
 * is waited for until the slot is confirmed past it (so its events went through Kafka).
 */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSourceConfig } from '../../../test/support/connectors.js';
import { startMockKafka, type MockKafka } from '../../../test/support/kafka-mock.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../../../test/support/postgres.js';
import { PostgresSourceTask } from '../../sources/postgres/postgres-source-task.js';
import { ProgressLog } from '../progress-log.js';
import { SourceRunner } from '../source-runner.js';
import { loadKafka } from './kafka-client.js';
import { KafkaEventProducer } from './kafka-event-producer.js';
import { KafkaOffsetStore } from './kafka-offset-store.js';

const logger = pino({ level: 'silent' });
let mock: MockKafka;
let db: TestDatabase;

beforeAll(async () => {
  [mock, db] = await Promise.all([startMockKafka(), createTestDatabase('kafka_src')]);
});
afterAll(async () => {
  await Promise.all([mock?.stop(), db?.drop()]);
});

interface Envelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
  op: string;
}

describe('Postgres source into Kafka', () => {
  it('produces Debezium-compatible events, a tombstone after a delete, and stores the offsets in Connect’s format', async () => {
    await db.sql(`CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, big bigint)`);
    await db.sql(`INSERT INTO customers VALUES (1, 'Alice', 9007199254740993), (2, 'Bob', NULL)`);
    const config = postgresSourceConfig(db.url, { 'topic.prefix': 'shop', name: 'shop' });
    const kafka = await loadKafka();
    const offsets = await KafkaOffsetStore.open({ kafka, client: mock.clientConfig(), topic: { name: 'connect-offsets', partitions: 5, replicationFactor: 3 }, logger, topicCreationTimeoutMs: 50 });
    const producer = await KafkaEventProducer.open({ kafka, client: mock.clientConfig(), connectorConfig: config, logger });
    const runner = new SourceRunner({
      connector: 'shop', task: new PostgresSourceTask(config), transform: (event) => event, offsets, sinks: () => [producer],
      logger, progress: new ProgressLog(logger), commitIntervalMs: 20, shutdownTimeoutMs: 10_000,
    });
    await runner.start();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const slot = config['slot.name']!;
      await writeAndWaitForSlot(client, slot, `INSERT INTO customers VALUES (3, 'Carol', -1)`);
      await writeAndWaitForSlot(client, slot, `UPDATE customers SET name = 'Bobby' WHERE id = 2`);
      await writeAndWaitForSlot(client, slot, `DELETE FROM customers WHERE id = 1`);
    } finally {
      await client.end();
      await runner.stop();
      await producer.close();
    }

    const records = await mock.readTopic('shop.public.customers');
    const events = records.map((r) => ({ ...r, envelope: r.value === null ? null : (JSON.parse(r.value) as { payload: Envelope }).payload }));
    const of = (id: number) => events.filter((e) => (JSON.parse(e.key!) as { payload: { id: number } }).payload.id === id).sort((a, b) => a.offset - b.offset);
    expect(of(1).map((e) => e.envelope?.op ?? 'tombstone')).toEqual(['r', 'd', 'tombstone']);
    expect(of(2).map((e) => e.envelope?.op)).toEqual(['r', 'u']);
    expect(of(3).map((e) => e.envelope?.op)).toEqual(['c']);
    for (const id of [1, 2, 3]) expect(new Set(of(id).map((e) => e.partition)).size).toBe(1);

    // JsonConverter with schemas: the key schema by Debezium's name, the bigint exact in the bytes.
    const alice = of(1)[0]!;
    const key = JSON.parse(alice.key!) as Record<string, unknown>;
    expect(Object.keys(key)).toEqual(['schema', 'payload']);
    expect(key).toEqual({
      schema: { type: 'struct', optional: false, name: 'shop.public.customers.Key', fields: [expect.objectContaining({ type: 'int32', optional: false, field: 'id' })] },
      payload: { id: 1 },
    });
    expect(alice.value).toContain('"after":{"id":1,"name":"Alice","big":9007199254740993}');
    const value = JSON.parse(alice.value!) as { schema: { name: string; type: string }; payload: Envelope };
    expect(value.schema).toMatchObject({ type: 'struct', name: 'shop.public.customers.Envelope' });
    expect(value.payload.source).toMatchObject({ connector: 'postgresql', name: 'shop', schema: 'public', table: 'customers', db: db.name });
    expect(['true', 'first', 'last', 'first_in_data_collection', 'last_in_data_collection']).toContain(value.payload.source.snapshot);
    const deleted = of(1)[1]!.envelope!;
    expect(deleted).toMatchObject({ op: 'd', before: { id: 1 }, after: null });
    expect(of(2)[1]!.envelope).toMatchObject({ op: 'u', after: { id: 2, name: 'Bobby', big: null } });
    expect(of(3)[0]!.envelope!.source).toMatchObject({ snapshot: 'false', txId: expect.any(Number), lsn: expect.any(Number) });

    // The offset the slot was confirmed at is in the offsets topic, in Connect's key format.
    const stored = (await mock.readTopic('connect-offsets')).filter((r) => r.key === '["shop",{"server":"shop"}]');
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.parse(stored.at(-1)!.value!)).toMatchObject({ lsn: expect.any(Number) });
    await offsets.close();
  });
});
