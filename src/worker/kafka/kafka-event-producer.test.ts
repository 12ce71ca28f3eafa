/**
 * The Kafka producer of change events behind a real SourceRunner and a KafkaOffsetStore, against
 * librdkafka's mock cluster over real sockets; what lands in Kafka is read back raw with a plain
 * consumer (test/support/kafka-mock.ts), independent of our code.
 */
import type { KafkaConsumer, Metadata } from '@confluentinc/kafka-javascript';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startMockKafka, useMockKafka, type RawRecord } from '../../../test/support/kafka-mock.js';
import { waitFor } from '../../../test/support/wait.js';
import type { OffsetStore } from '../../contracts/offset-store.js';
import type { SourceTask } from '../../contracts/source-task.js';
import type { ChangeEvent, ConnectSchema, OffsetMap, SourceRecord } from '../../events.js';
import type { AckHandle } from '../ack-tracker.js';
import { ProgressLog } from '../progress-log.js';
import { SourceRunner } from '../source-runner.js';
import { KafkaEventProducer, type KafkaEventProducerOptions } from './kafka-event-producer.js';
import { KafkaOffsetStore } from './kafka-offset-store.js';

const logger = pino({ level: 'silent' });
const cluster = useMockKafka();
let names = 0;

const KEY_SCHEMA: ConnectSchema = { type: 'struct', optional: false, name: 'shop.public.orders.Key', fields: [{ type: 'int32', optional: false, field: 'id' }] };
const VALUE_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: true,
  name: 'shop.public.orders.Envelope',
  fields: [
    { type: 'string', optional: false, field: 'op' },
    { type: 'int32', optional: true, field: 'n' },
  ],
};

/**
 * Records 1..count over two topics of one prefix and six keys; every fifth record of a key is a
 * delete followed by its tombstone. Each event carries its record number in the `seq` header.
 */
function changeRecords(prefix: string, count: number): SourceRecord[] {
  const partition = { server: prefix };
  const records: SourceRecord[] = [];
  for (let n = 1; records.length < count; n++) {
    const id = n % 6;
    const topic = `${prefix}.public.${id % 2 === 0 ? 'orders' : 'items'}`;
    const event = (value: unknown, seq: number): ChangeEvent => ({
      topic, key: { id }, keySchema: KEY_SCHEMA, value, valueSchema: value === null ? null : VALUE_SCHEMA, headers: { seq: String(seq) }, timestamp: 1_700_000_000_000 + seq,
    });
    const deletes = n % 5 === 0;
    records.push({ partition, offset: { n: records.length + 1 }, event: event({ op: deletes ? 'd' : 'u', n }, records.length + 1) });
    if (deletes && records.length < count) records.push({ partition, offset: { n: records.length + 1 }, event: event(null, records.length + 1) });
  }
  return records;
}

/** Hands out `records`, `perPoll` at a time, then nothing; remembers what the runner committed. */
function scriptedSource(records: SourceRecord[], perPoll: number): SourceTask & { polled: number; committed: OffsetMap[]; onPoll?: () => void } {
  return {
    polled: 0,
    committed: [],
    async start() {},
    async poll() {
      this.onPoll?.();
      await new Promise((resolve) => setTimeout(resolve, this.polled < records.length ? 0 : 10));
      const batch = records.slice(this.polled, this.polled + perPoll);
      this.polled += batch.length;
      return batch;
    },
    async commit(offset) {
      this.committed.push(offset);
    },
    async stop() {},
  };
}

async function openProducer(overrides: Partial<KafkaEventProducerOptions> = {}): Promise<KafkaEventProducer> {
  return KafkaEventProducer.open({ kafka: cluster.kafka, client: cluster.mock.clientConfig(), connectorConfig: {}, logger, topicCreationTimeoutMs: 50, ...overrides });
}

async function openOffsets(name = `offsets-${++names}`): Promise<KafkaOffsetStore> {
  return KafkaOffsetStore.open({ kafka: cluster.kafka, client: cluster.mock.clientConfig(), topic: { name, partitions: 5, replicationFactor: 3 }, logger, topicCreationTimeoutMs: 50 });
}

function runner(task: SourceTask, offsets: OffsetStore, producer: KafkaEventProducer): SourceRunner {
  return new SourceRunner({
    connector: 'shop', task, transform: (event) => event, offsets, sinks: () => [producer],
    logger, progress: new ProgressLog(logger), commitIntervalMs: 10, shutdownTimeoutMs: 10_000,
  });
}

/** Kafka's default partitioner (Java's Utils.murmur2, made positive, modulo the partitions). */
function javaPartition(key: Buffer, partitions: number): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ key.length;
  const whole = key.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    h = Math.imul(h, m) ^ Math.imul(k, m);
  }
  const rest = key.length - whole;
  if (rest === 3) h ^= key[whole + 2]! << 16;
  if (rest >= 2) h ^= key[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ key[whole]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return (h & 0x7fffffff) % partitions;
}

async function partitionCount(topic: string): Promise<number> {
  const consumer: KafkaConsumer = new cluster.kafka.KafkaConsumer({ 'bootstrap.servers': cluster.mock.bootstrapServers, 'group.id': 'meta', log_level: 0 });
  await new Promise<void>((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
  try {
    const metadata = await new Promise<Metadata>((resolve, reject) => consumer.getMetadata({ topic, timeout: 10_000 }, (error, data) => (error ? reject(error) : resolve(data))));
    return metadata.topics.find((t) => t.name === topic)!.partitions.length;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

const seqOf = (record: RawRecord): number => Number(record.headers.seq);

describe('KafkaEventProducer', () => {
  it('produces every event of a source to its topic in JsonConverter bytes, each key in one partition and in order, and commits the last offset', async () => {
    const prefix = `shop${++names}`;
    const records = changeRecords(prefix, 120);
    const task = scriptedSource(records, 7);
    const offsetsTopic = `offsets-${++names}`;
    const offsets = await openOffsets(offsetsTopic);
    const producer = await openProducer({ connectorConfig: { 'topic.creation.default.partitions': '3', 'topic.creation.default.replication.factor': '1' } });
    const source = runner(task, offsets, producer);
    await source.start();
    await waitFor(() => task.committed.at(-1)?.n === records.length, 20_000, 'the last offset to be committed');
    await source.stop();
    await producer.close();

    const expected = new Map(records.map((r) => [String(r.offset.n), r.event!]));
    const produced: RawRecord[] = [];
    for (const topic of [`${prefix}.public.orders`, `${prefix}.public.items`]) {
      const raw = await cluster.mock.readTopic(topic);
      const partitions = await partitionCount(topic);
      const byKey = new Map<string, RawRecord[]>();
      for (const record of raw) byKey.set(record.key!, [...(byKey.get(record.key!) ?? []), record]);
      for (const [key, keyed] of byKey) {
        // One partition per key, the one Java's partitioner picks; within it, the source's order.
        expect(new Set(keyed.map((r) => r.partition))).toEqual(new Set([javaPartition(Buffer.from(key), partitions)]));
        const seqs = keyed.sort((a, b) => a.offset - b.offset).map(seqOf);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
      for (const record of raw) {
        const event = expected.get(record.headers.seq!)!;
        expect(event.topic).toBe(topic);
        const id = (event.key as { id: number }).id;
        expect(record.key).toBe(`{"schema":{"type":"struct","optional":false,"name":"shop.public.orders.Key","fields":[{"type":"int32","optional":false,"field":"id"}]},"payload":{"id":${id}}}`);
        const value = event.value as { op: string; n: number } | null;
        expect(record.value).toBe(
          value === null
            ? null
            : `{"schema":{"type":"struct","optional":true,"name":"shop.public.orders.Envelope","fields":[{"type":"string","optional":false,"field":"op"},{"type":"int32","optional":true,"field":"n"}]},"payload":{"op":"${value.op}","n":${value.n}}}`,
        );
        expect(record.headers).toEqual(event.headers);
        expect(record.timestamp).toBe(event.timestamp);
      }
      produced.push(...raw);
    }
    expect(produced.map(seqOf).sort((a, b) => a - b)).toEqual(records.map((r) => r.offset.n));
    expect(produced.filter((r) => r.value === null).length).toBe(records.filter((r) => r.event!.value === null).length);
    expect(produced.filter((r) => r.value === null).length).toBeGreaterThan(0);

    await offsets.close();
    // What a restarted worker reads.
    const reopened = await openOffsets(offsetsTopic);
    expect(await reopened.get('shop', { server: prefix })).toEqual({ n: records.length });
    await reopened.close();
  });

  it('writes no source offset before the broker holds every event up to it', async () => {
    const prefix = `held${++names}`;
    const records = changeRecords(prefix, 60);
    const task = scriptedSource(records, 5);
    const store = await openOffsets();
    const checks: Array<{ offset: number; missing: number[] }> = [];
    // Before each offset write, what the broker holds is read back raw: the offset may not pass it.
    const offsets: OffsetStore = {
      get: (connector, partition) => store.get(connector, partition),
      list: (connector) => store.list(connector),
      close: () => store.close(),
      async set(connector, partition, offset) {
        const held = new Set<number>();
        for (const topic of [`${prefix}.public.orders`, `${prefix}.public.items`]) for (const record of await cluster.mock.readTopic(topic).catch(() => [])) held.add(seqOf(record));
        const upTo = Number(offset!.n);
        checks.push({ offset: upTo, missing: records.map((r) => Number(r.offset.n)).filter((n) => n <= upTo && !held.has(n)) });
        await store.set(connector, partition, offset);
      },
    };
    // A long linger keeps produced events in the client, unacknowledged, across many commit rounds.
    const producer = await openProducer({ tuning: { lingerMs: 300 } });
    const source = runner(task, offsets, producer);
    await source.start();
    await waitFor(() => task.committed.at(-1)?.n === records.length, 20_000, 'the last offset to be committed');
    await source.stop();
    await producer.close();
    await store.close();

    expect(checks.length).toBeGreaterThan(0);
    expect(checks.at(-1)!.offset).toBe(records.length);
    expect(checks.filter((check) => check.missing.length > 0)).toEqual([]);
  });

  it('holds the source while too many messages or bytes are unacknowledged', async () => {
    const prefix = `slow${++names}`;
    const records = changeRecords(prefix, 100);
    const task = scriptedSource(records, 4);
    const offsets = await openOffsets();
    const limits = { maxInFlightMessages: 10, maxInFlightBytes: 1500 };
    const producer = await openProducer({ tuning: { lingerMs: 20, ...limits } });
    const peaks = { messages: 0, bytes: 0, waits: 0 };
    task.onPoll = () => {
      const { messages, bytes } = producer.inFlight();
      peaks.messages = Math.max(peaks.messages, messages);
      peaks.bytes = Math.max(peaks.bytes, bytes);
    };
    const deliver = producer.deliver.bind(producer);
    producer.deliver = (deliveries) => {
      const waiting = deliver(deliveries);
      if (waiting !== undefined) peaks.waits++;
      return waiting;
    };
    const source = runner(task, offsets, producer);
    await source.start();
    await waitFor(() => task.committed.at(-1)?.n === records.length, 20_000, 'the last offset to be committed');
    await source.stop();
    await producer.close();
    await offsets.close();

    // Each message is ~300 bytes: the byte bound binds first, passed by one message at most.
    expect(peaks.waits).toBeGreaterThan(0);
    expect(peaks.messages).toBeLessThanOrEqual(limits.maxInFlightMessages);
    expect(peaks.bytes).toBeLessThan(limits.maxInFlightBytes + 400);
    const all = [...(await cluster.mock.readTopic(`${prefix}.public.orders`)), ...(await cluster.mock.readTopic(`${prefix}.public.items`))];
    expect(all).toHaveLength(records.length);
  });

  it('writes the payload alone with schemas disabled, and acknowledges each handle once its message is in Kafka', async () => {
    const topic = `plain${++names}.public.t`;
    const producer = await openProducer({ connectorConfig: { 'key.converter.schemas.enable': 'false', 'value.converter.schemas.enable': 'false' } });
    const acks: number[] = [];
    const handle = (n: number): AckHandle => ({ ack: () => acks.push(n) });
    const event = (value: unknown): ChangeEvent => ({ topic, key: { id: 1 }, keySchema: KEY_SCHEMA, value, valueSchema: VALUE_SCHEMA, headers: {}, timestamp: 1 });
    expect(producer.deliver([
      { event: event({ op: 'c', n: 1 }), handle: handle(1), position: null },
      { event: event(null), handle: handle(2), position: null },
    ])).toBeUndefined();
    await producer.drain();
    expect(acks.sort()).toEqual([1, 2]);
    await producer.close();
    const raw = await cluster.mock.readTopic(topic);
    expect(raw.map((r) => [r.key, r.value, r.headers])).toEqual([
      ['{"id":1}', '{"op":"c","n":1}', {}],
      ['{"id":1}', null, {}],
    ]);
  });

  it('passes the connector\'s producer.override.* keys to the client', async () => {
    await expect(openProducer({ connectorConfig: { 'producer.override.compression.codec': 'brotli' } })).rejects.toThrow(/compression\.codec/);
    const producer = await openProducer({ connectorConfig: { 'producer.override.compression.codec': 'zstd' } });
    await producer.close();
  });

  it('fails for good when the brokers are gone past the delivery timeout: nothing acknowledged, drain resolves', async () => {
    const gone = await startMockKafka(1);
    const failures: unknown[] = [];
    const producer = await KafkaEventProducer.open({
      kafka: cluster.kafka, client: gone.clientConfig(), connectorConfig: {}, logger, tuning: { deliveryTimeoutMs: 300, lingerMs: 5 }, closeTimeoutMs: 100,
      onFailure: (error) => failures.push(error),
    });
    await gone.stop();
    const acks: number[] = [];
    const deliveries = [1, 2, 3].map((n) => ({
      event: { topic: 'lost.public.t', key: { id: n }, keySchema: null, value: { n }, valueSchema: null, headers: {}, timestamp: 1 },
      handle: { ack: () => acks.push(n) },
      position: null,
    }));
    producer.deliver(deliveries);
    await producer.drain();
    expect(producer.state).toBe('FAILED');
    expect(String(producer.failure)).toMatch(/lost\.public\.t failed for good/);
    expect(failures).toHaveLength(1);
    expect(producer.deliver(deliveries)).toBeUndefined();
    expect(acks).toEqual([]);
    await producer.close();
  });
});

