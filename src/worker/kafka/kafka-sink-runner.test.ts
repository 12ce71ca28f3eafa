import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useMockKafka } from '../../../test/support/kafka-mock.js';
import { waitFor } from '../../../test/support/wait.js';
import type { SinkTask, TopicPartition } from '../../contracts/sink-task.js';
import { RetriableError } from '../../errors.js';
import type { SinkRecord, TopicPartitionOffsets } from '../../events.js';
import { FileSinkTask } from '../../sinks/file/file-sink-task.js';
import { sinkSubscription } from './kafka-sink-consumer.js';
import { KafkaSinkRunner, type KafkaSinkRunnerOptions } from './kafka-sink-runner.js';
import { committedOffsets, eventMessages, KEY_SCHEMA, PARTITIONS } from './kafka-sink.fixture.js';
import { taskWorkDir } from '../../../test/support/sink-context.js';

const silent = pino({ level: 'silent' });

const cluster = useMockKafka();

/** Produces `count` events per topic with a plain producer, ids 0.. spread over the 4 partitions. */
async function produce(topics: string[], count: number, converterConfig: Record<string, string> = {}): Promise<void> {
  const producer = new cluster.kafka.KafkaJS.Kafka(cluster.mock.clientConfig()).producer();
  await producer.connect();
  for (const topic of topics) await producer.send({ topic, messages: eventMessages(topic, Array.from({ length: count }, (_, id) => id), converterConfig) });
  await producer.disconnect();
}

/** The group's committed offsets of every partition of `topics`. */
function committed(connector: string, topics: string[]): Promise<Record<string, number>> {
  return committedOffsets(cluster.kafka, cluster.mock.bootstrapServers, connector, topics.flatMap((topic) => PARTITIONS.map((partition) => ({ topic, partition }))));
}

/** Offsets per partition of `count` events produced as `produce` spreads them. */
function ends(topics: string[], count: number, perPartition = (n: number) => n): Record<string, number> {
  const result: Record<string, number> = {};
  for (const topic of topics) for (const p of PARTITIONS) result[`${topic}:${p}`] = perPartition(Math.floor(count / 4) + (p < count % 4 ? 1 : 0));
  return result;
}

/** A sink that keeps what it is given and reports durable what `durable` decides. */
class RecordingSink implements SinkTask {
  readonly records: SinkRecord[] = [];
  readonly opened: TopicPartition[][] = [];
  readonly closed: TopicPartition[][] = [];
  stopped = false;
  constructor(private readonly durable: (current: TopicPartitionOffsets) => TopicPartitionOffsets = (current) => new Map(current)) {}
  async start(): Promise<void> {}
  async open(partitions: TopicPartition[]): Promise<void> {
    this.opened.push(partitions);
  }
  async put(records: SinkRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets> {
    return this.durable(current);
  }
  async close(partitions: TopicPartition[]): Promise<void> {
    this.closed.push(partitions);
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

function runner(connector: string, task: SinkTask, config: Record<string, string>, extra: Partial<KafkaSinkRunnerOptions> = {}): KafkaSinkRunner {
  return new KafkaSinkRunner({ kafka: cluster.kafka, client: cluster.mock.clientConfig(), connector, config: { name: connector, ...config }, task, workDir: taskWorkDir(), logger: silent, commitIntervalMs: 200, ...extra });
}

const idsOf = (records: SinkRecord[], topic: string): number[] =>
  records.filter((r) => r.topic === topic).map((r) => Number((r.key as { id: number }).id)).sort((a, b) => a - b);

describe('sinkSubscription', () => {
  it('takes the names of topics, or topics.regex anchored, and rejects both or neither', () => {
    expect(sinkSubscription({ topics: ' a, b ,' })).toEqual(['a', 'b']);
    expect(sinkSubscription({ 'topics.regex': 'shop\\..*' })).toEqual(['^(shop\\..*)$']);
    expect(() => sinkSubscription({ topics: 'a', 'topics.regex': 'a.*' })).toThrow(/mutually exclusive/);
    expect(() => sinkSubscription({})).toThrow(/Must configure one of topics or topics.regex/);
  });
});

describe('KafkaSinkRunner', () => {
  it('writes every event of two topics through the FileStreamSink, retrying a put that failed retriably, and commits the ends', async () => {
    const topics = ['file.orders', 'file.customers'];
    await produce(topics, 20);
    const dir = await mkdtemp(join(tmpdir(), 'kafka-sink-'));
    const path = join(dir, 'out.jsonl');
    const file = new FileSinkTask({ file: path });
    // The first put fails; its records must come again (the consumer may hand them over in one
    // batch or several, so later puts are counted, not assumed to be one).
    let puts = 0;
    const flaky: SinkTask = {
      start: (context) => file.start(context),
      open: (partitions) => file.open(partitions),
      put: async (records) => {
        if (puts++ === 0) throw new RetriableError('TEST_FLAKY', 'the first put fails');
        return file.put(records);
      },
      preCommit: (current) => file.preCommit(current),
      close: (partitions) => file.close(partitions),
      stop: () => file.stop(),
    };
    const run = runner('file-sink', flaky, { topics: topics.join(',') });
    await run.start();
    try {
      await waitFor(async () => JSON.stringify(await committed('file-sink', topics)) === JSON.stringify(ends(topics, 20)), 15_000, 'the ends committed');
      const lines = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { topic: string; key: { id: number }; value: unknown; headers: unknown });
      expect(lines).toHaveLength(40);
      for (const topic of topics) {
        expect(lines.filter((l) => l.topic === topic).map((l) => l.key.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      }
      expect(lines.find((l) => l.topic === 'file.orders' && l.key.id === 7)).toEqual({ topic: 'file.orders', key: { id: 7 }, value: { n: 7 }, headers: { source: 'test' } });
      expect(puts).toBeGreaterThan(1);
      expect(run.state).toBe('RUNNING');
    } finally {
      await run.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(run.state).toBe('STOPPED');
  });

  it('closes and stops the sink task even when its last flush fails, so the task releases what it holds', async () => {
    const topics = ['release.orders'];
    await produce(topics, 8, { 'value.converter.schemas.enable': 'false' });
    const task = new (class extends RecordingSink {
      failFlush = false;
      async flush(): Promise<void> {
        if (this.failFlush) throw new Error('the store is away');
      }
    })();
    const sink = runner('release-sink', task, { 'topics.regex': 'release\\..*', 'value.converter.schemas.enable': 'false' });
    await sink.start();
    await waitFor(() => task.records.length === 8, 15_000, 'every record put');
    task.failFlush = true;
    await sink.stop();
    expect(task.closed.at(-1)?.map(({ partition }) => partition).sort()).toEqual(PARTITIONS);
    expect(task.stopped).toBe(true);
  });

  it('commits only what the sink reports durable, and a restarted runner resumes there, receiving the rest exactly once', async () => {
    const topics = ['partial.orders', 'partial.customers'];
    // Values without schemas, read with value.converter.schemas.enable=false.
    await produce(topics, 40, { 'value.converter.schemas.enable': 'false' });
    // The mock cluster keeps a member that left until its session times out (librdkafka's minimum,
    // 6 s, instead of the default 45 s), and only then lets a new member in.
    const config = { 'topics.regex': 'partial\\..*', 'value.converter.schemas.enable': 'false', 'consumer.override.session.timeout.ms': '6000' };
    // Durable: only the first 5 records of each partition (offsets 0..4).
    const halfDurable = new RecordingSink((current) => new Map([...current].map(([key, offset]) => [key, Math.min(offset, 5)])));
    const first = runner('partial-sink', halfDurable, config);
    await first.start();
    await waitFor(() => halfDurable.records.length === 80, 15_000, 'every record put');
    await waitFor(async () => JSON.stringify(await committed('partial-sink', topics)) === JSON.stringify(ends(topics, 40, () => 5)), 10_000, 'the durable part committed');
    const sample = halfDurable.records.find((r) => r.topic === 'partial.orders' && r.kafkaOffset === 2 && r.kafkaPartition === 1)!;
    expect(sample).toMatchObject({ key: { id: 9 }, value: { n: 9 }, keySchema: KEY_SCHEMA, valueSchema: null, headers: { source: 'test' }, timestamp: 1_700_000_000_009, position: null });
    await first.stop();
    expect(halfDurable.stopped).toBe(true);
    // Stopping flushed and asked again: still only the durable part.
    expect(await committed('partial-sink', topics)).toEqual(ends(topics, 40, () => 5));

    const rest = new RecordingSink();
    const second = runner('partial-sink', rest, config);
    await second.start();
    try {
      await waitFor(async () => JSON.stringify(await committed('partial-sink', topics)) === JSON.stringify(ends(topics, 40)), 15_000, 'the ends committed');
      // Offsets 5.. of each partition are ids 20..39 (id = offset * 4 + partition).
      for (const topic of topics) expect(idsOf(rest.records, topic)).toEqual(Array.from({ length: 20 }, (_, i) => i + 20));
      expect(rest.records.every((r) => r.kafkaOffset >= 5)).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
