/**
 * A Kafka cluster for tests: librdkafka's mock cluster (`test.mock.num.brokers`), in this process,
 * reachable over real sockets on 127.0.0.1 by any client, in this process or a child one, through
 * `bootstrapServers` (pass it as bootstrap.servers). One per call, so test files running in
 * parallel each have their own; it lives until `stop()`.
 *
 * The cluster is started by a client of its own, which keeps it alive while connected; librdkafka
 * names the brokers' addresses only in a log line, caught here through that client's logger. The
 * mock implements produce, fetch, metadata, list offsets and groups but no CreateTopics: topics are
 * auto-created with 4 partitions on first use, so give stores a short topic creation timeout.
 *
 * `clientConfig()` is our client config for the cluster, logging nowhere (librdkafka warns about
 * the mock). `readTopic()` reads a whole topic with a plain consumer, independent of our code;
 * `endOffsets()` gives each partition's end (high watermark), read the same way. `useMockKafka()`
 * gives a test file one cluster for all its tests, and closes what each test opened.
 */
import type { KafkaConsumer, KafkaJS, Message, Metadata } from '@confluentinc/kafka-javascript';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { kafkaClientConfig, loadKafka, type KafkaClientConfig, type KafkaLibrary } from '../../src/worker/kafka/kafka-client.js';

export interface MockKafka {
  /** host:port of each broker, comma-separated. */
  bootstrapServers: string;
  clientConfig(logger?: Logger): KafkaClientConfig;
  readTopic(topic: string): Promise<RawRecord[]>;
  /** Each partition of `topic` and the offset after its last record. */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** Writes records (creating the topic on first use) and resolves once they are acknowledged. */
  produce(topic: string, records: Array<{ key: string | null; value: string | null }>): Promise<void>;
  stop(): Promise<void>;
}

/** A test file's mock cluster and Kafka library (useMockKafka). */
export interface MockKafkaFixture {
  /** Set before the file's tests run. */
  readonly mock: MockKafka;
  readonly kafka: KafkaLibrary;
  /** Closes `resource` after the current test; returns it. */
  closeAfterEach<T extends { close(): Promise<void> }>(resource: T): T;
}

/**
 * Gives the calling test file a mock cluster of its own and the Kafka library, ready before its
 * tests (vitest's beforeAll) and stopped after them; what `closeAfterEach` is given is closed after
 * each test. Call it at the top level of a test file.
 */
export function useMockKafka(brokers?: number): MockKafkaFixture {
  let mock: MockKafka | undefined;
  let kafka: KafkaLibrary | undefined;
  const opened: Array<{ close(): Promise<void> }> = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useMockKafka: the mock cluster is used before the tests started');
    return value;
  };
  beforeAll(async () => {
    kafka = await loadKafka();
    mock = await startMockKafka(brokers);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((resource) => resource.close()));
  });
  afterAll(async () => {
    await mock?.stop();
  });
  return {
    get mock() {
      return ready(mock);
    },
    get kafka() {
      return ready(kafka);
    },
    closeAfterEach(resource) {
      opened.push(resource);
      return resource;
    },
  };
}

export interface RawRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** Milliseconds since the epoch. */
  timestamp: number | undefined;
}

const BOOTSTRAP_LINE = /Mock cluster enabled: .* replaced with (\S+)/;
// The mock answers a fetch that finds nothing new only after the whole wait (a broker answers as
// soon as data arrives): keep that wait short, or every read-back takes half a second. The first
// fetches of a topic it has just auto-created fail; retry them soon too.
export const MOCK_CONSUMER_TUNING = { 'fetch.wait.max.ms': 10, 'fetch.error.backoff.ms': 10 };

export async function startMockKafka(brokers = 3): Promise<MockKafka> {
  const { KafkaJS } = await loadKafka();
  let announce!: (servers: string) => void;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const ignore = (): void => {};
  const logger: KafkaJS.Logger = {
    warn: (message) => {
      const match = BOOTSTRAP_LINE.exec(message);
      if (match !== null) announce(match[1]!);
    },
    info: ignore,
    error: ignore,
    debug: ignore,
    namespace: () => logger,
    setLogLevel: ignore,
  };
  // A hidden librdkafka property, absent from the typings. The brokers given are ignored. The
  // address line is a notice: the default (info) level lets it through.
  const mock = { 'test.mock.num.brokers': brokers };
  const holder = new KafkaJS.Kafka({ kafkaJS: { brokers: ['127.0.0.1:9'], logger }, ...mock }).admin();
  await holder.connect();
  const silence = setTimeout(() => announce(''), 30_000);
  const bootstrapServers = await announced;
  clearTimeout(silence);
  if (bootstrapServers === '') {
    await holder.disconnect();
    throw new Error('librdkafka did not log the mock cluster\'s address: has the "Mock cluster enabled" line changed?');
  }
  return { ...clusterClient(KafkaJS, bootstrapServers), stop: () => holder.disconnect() };
}

/** What a test does with a cluster at `bootstrapServers`, through clients of its own. */
function clusterClient(kafkaJS: typeof KafkaJS, bootstrapServers: string): Omit<MockKafka, 'stop'> {
  const clientConfig = (log: Logger = pino({ level: 'silent' })): KafkaClientConfig => ({
    ...kafkaClientConfig({ bootstrapServers: bootstrapServers.split(','), extra: {} }, log),
    ...MOCK_CONSUMER_TUNING,
  });
  return {
    bootstrapServers,
    clientConfig,
    readTopic: (topic) => readTopic(bootstrapServers, topic),
    endOffsets: (topic) => withReader(bootstrapServers, (reader) => endOffsets(reader, topic)),
    produce: async (topic, records) => {
      const producer = new kafkaJS.Kafka(clientConfig()).producer();
      await producer.connect();
      try {
        await producer.send({ topic, messages: records });
      } finally {
        await producer.disconnect();
      }
    },
  };
}

/** A mock cluster in a child process (kafka-mock-host.ts), which the test can freeze and let go on. */
export interface MockKafkaProcess extends MockKafka {
  /** Stops the cluster's process (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void;
  /** Lets it go on (SIGCONT), with every record it held. */
  thaw(): void;
}

export async function startMockKafkaProcess(brokers = 1): Promise<MockKafkaProcess> {
  const host = fileURLToPath(new URL('./kafka-mock-host.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', host, String(brokers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bootstrapServers = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the mock Kafka process exited with ${code} before naming its brokers`)));
  });
  return {
    ...clusterClient((await loadKafka()).KafkaJS, bootstrapServers),
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    stop: async () => {
      child.kill('SIGCONT');
      child.stdin!.end();
      await exited;
    },
  };
}

function call<T>(start: (done: (error: unknown, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** Runs `work` with a plain consumer of its own, connected, and disconnects it afterwards. */
async function withReader<T>(bootstrapServers: string, work: (consumer: KafkaConsumer) => Promise<T>): Promise<T> {
  const { KafkaConsumer } = await loadKafka();
  const consumer = new KafkaConsumer({ 'bootstrap.servers': bootstrapServers, 'group.id': 'test-reader', 'enable.auto.commit': false, log_level: 0, ...MOCK_CONSUMER_TUNING });
  await call((done) => consumer.connect({}, done));
  try {
    return await work(consumer);
  } finally {
    await call((done) => consumer.disconnect(done));
  }
}

async function endOffsets(consumer: KafkaConsumer, topic: string): Promise<Map<number, number>> {
  const metadata = await call<Metadata>((done) => consumer.getMetadata({ topic, timeout: 10_000 }, done));
  const partitions = metadata.topics.find((t) => t.name === topic)!.partitions.map((p) => p.id);
  const ends = new Map<number, number>();
  for (const partition of partitions) {
    const { highOffset } = await call<{ highOffset: number }>((done) => consumer.queryWatermarkOffsets(topic, partition, 10_000, done));
    ends.set(partition, highOffset);
  }
  return ends;
}

function readTopic(bootstrapServers: string, topic: string): Promise<RawRecord[]> {
  return withReader(bootstrapServers, async (consumer) => {
    const ends = await endOffsets(consumer, topic);
    consumer.assign([...ends.keys()].map((partition) => ({ topic, partition, offset: 0 })));
    consumer.setDefaultConsumeTimeout(100);
    const records: RawRecord[] = [];
    const next = new Map<number, number>([...ends.keys()].map((p) => [p, 0]));
    while ([...ends].some(([partition, end]) => next.get(partition)! < end)) {
      for (const message of await call<Message[]>((done) => consumer.consume(100, done))) {
        next.set(message.partition, message.offset + 1);
        records.push({
          partition: message.partition,
          offset: message.offset,
          key: message.key == null ? null : message.key.toString(),
          value: message.value === null ? null : message.value.toString(),
          headers: Object.fromEntries((message.headers ?? []).flatMap((header) => Object.entries(header).map(([k, v]) => [k, v.toString()]))),
          timestamp: message.timestamp,
        });
      }
    }
    return records;
  });
}
