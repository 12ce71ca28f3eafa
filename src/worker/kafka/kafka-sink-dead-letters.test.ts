import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { startMockKafka, type MockKafka, type RawRecord } from '../../../test/support/kafka-mock.js';
import { waitFor } from '../../../test/support/wait.js';
import { orderUpdate } from '../../sinks/opensearch/orders-sink.fixture.js';
import { parseOpenSearchSinkConfig } from '../../sinks/opensearch/opensearch-sink-config.js';
import { OpenSearchSinkTask } from '../../sinks/opensearch/sink-task.js';
import { encodeChangeEvent, JSON_CONVERTER_CLASS, jsonConverters } from './json-converter.js';
import { loadKafka, type KafkaLibrary } from './kafka-client.js';
import { sinkErrorHandling } from './kafka-sink-dead-letters.js';
import { KafkaSinkRunner } from './kafka-sink-runner.js';
import { committedOffsets } from './kafka-sink.fixture.js';
import { taskWorkDir } from '../../../test/support/sink-context.js';

const silent = pino({ level: 'silent' });
const TIMESTAMP = 1_700_000_000_000;

let mock: MockKafka;
let kafka: KafkaLibrary;
let search: FakeOpenSearch;

beforeAll(async () => {
  kafka = await loadKafka();
  [mock, search] = await Promise.all([startMockKafka(), startFakeOpenSearch({ refreshIntervalMs: null })]);
});
afterAll(async () => {
  await Promise.all([mock.stop(), search.close()]);
});

interface Raw {
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** An order update as JsonConverter writes it. */
function order(id: number): Raw {
  const data = encodeChangeEvent(orderUpdate(0, id, 'placed'), jsonConverters({}));
  return { key: data.key!.toString(), value: data.value!.toString(), headers: data.headers };
}

/** Produces the messages to partition 0 of `topic`, in order, each with TIMESTAMP + its index. */
async function produce(topic: string, messages: Raw[]): Promise<void> {
  const producer = new kafka.KafkaJS.Kafka(mock.clientConfig()).producer();
  await producer.connect();
  await producer.send({ topic, messages: messages.map((m, i) => ({ ...m, partition: 0, timestamp: String(TIMESTAMP + i) })) });
  await producer.disconnect();
}

const committedAt = async (connector: string, topic: string): Promise<number> => (await committedOffsets(kafka, mock.bootstrapServers, connector, [{ topic, partition: 0 }]))[`${topic}:0`]!;
const context = (record: RawRecord, name: string): string | undefined => record.headers[`__connect.errors.${name}`];

describe('sinkErrorHandling', () => {
  it("reads Connect's errors.* keys, and refuses a dead-letter topic the connector consumes", () => {
    expect(sinkErrorHandling({ topics: 'a' })).toEqual({ tolerateAll: false, logErrors: false, deadLetterQueue: null });
    expect(sinkErrorHandling({ topics: 'a', 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'dlq', 'errors.deadletterqueue.context.headers.enable': 'true' })).toEqual({
      tolerateAll: true,
      logErrors: false,
      deadLetterQueue: { topic: 'dlq', replicationFactor: 3, contextHeaders: true },
    });
    expect(() => sinkErrorHandling({ topics: 'a', 'errors.tolerance': 'some' })).toThrow(/errors.tolerance/);
    expect(() => sinkErrorHandling({ topics: 'a,dlq', 'errors.deadletterqueue.topic.name': 'dlq' })).toThrow(/The DLQ topic 'dlq' may not be included in the list of topics/);
    expect(() => sinkErrorHandling({ 'topics.regex': 'd.*', 'errors.deadletterqueue.topic.name': 'dlq' })).toThrow(/The DLQ topic 'dlq' may not be included in the regex matching topics/);
  });
});

describe('KafkaSinkRunner dead-letter queue', () => {
  it('sends records the converters cannot read and documents OpenSearch rejects to the dead-letter topic as consumed, with error context, and commits past them', async () => {
    const topic = 'dead.orders';
    const dlq = 'dead.orders.dlq';
    const badValue: Raw = { key: order(50).key, value: 'not json', headers: { trace: 'abc' } };
    const badKey: Raw = { key: 'not json', value: order(3).value };
    const rejected = order(7);
    await produce(topic, [order(1), order(2), badValue, rejected, badKey, order(4)]);
    search.faults.failMapping((doc) => doc.id === '7');
    const config = {
      name: 'search-dlq',
      'connector.class': 'OpenSearchSink',
      topics: topic,
      'connection.url': search.url,
      'behavior.on.malformed.documents': 'report',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': dlq,
      'errors.deadletterqueue.context.headers.enable': 'true',
    };
    const task = new OpenSearchSinkTask(parseOpenSearchSinkConfig(config));
    const runner = new KafkaSinkRunner({ kafka, client: mock.clientConfig(), connector: 'search-dlq', config, task, workDir: taskWorkDir(), logger: silent, commitIntervalMs: 200, topicCreationTimeoutMs: 50 });
    await runner.start();
    try {
      await waitFor(async () => (await committedAt('search-dlq', topic)) === 6, 15_000, 'every offset committed');
      // Committed only once the dead letters were acknowledged: they are all there now.
      const letters = (await mock.readTopic(dlq)).sort((a, b) => Number(context(a, 'offset')) - Number(context(b, 'offset')));
      expect(letters.map((r) => [context(r, 'offset'), context(r, 'stage')])).toEqual([
        ['2', 'VALUE_CONVERTER'],
        ['3', 'TASK_PUT'],
        ['4', 'KEY_CONVERTER'],
      ]);
      const [value, document, key] = letters as [RawRecord, RawRecord, RawRecord];
      expect(value).toMatchObject({ key: badValue.key, value: 'not json', timestamp: TIMESTAMP + 2 });
      expect(value.headers).toEqual({
        trace: 'abc',
        '__connect.errors.topic': topic,
        '__connect.errors.partition': '0',
        '__connect.errors.offset': '2',
        '__connect.errors.connector.name': 'search-dlq',
        '__connect.errors.task.id': '0',
        '__connect.errors.stage': 'VALUE_CONVERTER',
        '__connect.errors.class.name': JSON_CONVERTER_CLASS,
        '__connect.errors.exception.class.name': 'SluiceError',
        '__connect.errors.exception.message': expect.stringMatching(/^A Kafka message is not JSON/) as unknown,
        '__connect.errors.exception.stacktrace': expect.stringMatching(/^SluiceError: A Kafka message is not JSON.*\n\s+at /) as unknown,
      });
      expect(document).toMatchObject({ key: rejected.key, value: rejected.value, timestamp: TIMESTAMP + 3 });
      expect(context(document, 'class.name')).toBe('org.apache.kafka.connect.sink.SinkTask');
      expect(context(document, 'exception.class.name')).toBe('DocumentRejected');
      expect(context(document, 'exception.message')).toMatch(/^OpenSearch rejected the document \(index dead\.orders, id 7\): mapper_parsing_exception/);
      expect(key).toMatchObject({ key: 'not json', value: badKey.value, timestamp: TIMESTAMP + 4 });
      expect([...search.documents(topic).keys()].sort()).toEqual(['1', '2', '4']);
      expect(runner.state).toBe('RUNNING');
    } finally {
      await runner.stop();
      search.faults.clear();
    }
  });

  it('fails the task on a record the converters cannot read under errors.tolerance=none, committing nothing past it', async () => {
    const topic = 'strict.orders';
    await produce(topic, [order(1), { key: order(2).key, value: 'not json' }, order(3)]);
    const config = { name: 'strict', 'connector.class': 'OpenSearchSink', topics: topic, 'connection.url': search.url };
    const failures: unknown[] = [];
    const task = new OpenSearchSinkTask(parseOpenSearchSinkConfig(config));
    const runner = new KafkaSinkRunner({ kafka, client: mock.clientConfig(), connector: 'strict', config, task, workDir: taskWorkDir(), logger: silent, commitIntervalMs: 200, onFailure: (error) => failures.push(error) });
    await runner.start();
    try {
      await waitFor(() => runner.state === 'FAILED', 15_000, 'the runner failed');
      expect(failures).toEqual([runner.failure]);
      expect((runner.failure as Error).message).toMatch(
        /^The record strict\.orders:0@1 cannot be read by the value converter: A Kafka message is not JSON .*set errors\.tolerance=all to skip such records/,
      );
      expect(await committedAt('strict', topic)).toBe(-1);
    } finally {
      await runner.stop();
    }
  });
});
