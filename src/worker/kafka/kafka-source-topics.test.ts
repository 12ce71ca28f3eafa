import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../test/support/kafka-mock.js';
import { ConfigError } from '../../errors.js';
import { loadKafka } from './kafka-client.js';
import { KafkaEventProducer } from './kafka-event-producer.js';
import { topicCreation } from './kafka-source-topics.js';

describe('topicCreation', () => {
  it('reads Connect’s default group: counts, and every other key as a topic config', () => {
    expect(
      topicCreation({
        'topic.creation.default.partitions': '6',
        'topic.creation.default.replication.factor': '-1',
        'topic.creation.default.cleanup.policy': 'compact',
        'topic.creation.default.compression.type': 'zstd',
        'topic.creation.default.include': 'ignored',
        'topic.prefix': 'shop',
      }),
    ).toEqual({ partitions: 6, replicationFactor: -1, configs: { 'cleanup.policy': 'compact', 'compression.type': 'zstd' } });
  });

  it('creates nothing without the counts, or when the worker turns topic creation off', () => {
    expect(topicCreation({ 'topic.creation.default.cleanup.policy': 'delete' })).toBeNull();
    expect(topicCreation({ 'topic.creation.enable': 'false', 'topic.creation.default.partitions': '1', 'topic.creation.default.replication.factor': '1' })).toBeNull();
  });

  it('names every key to fix at once', () => {
    const attempt = () => topicCreation({ 'topic.creation.default.partitions': '0' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/topic\.creation\.default\.partitions is "0": set it to a positive integer, or -1[\s\S]*topic\.creation\.default\.replication\.factor is missing/);
    expect(() => topicCreation({ 'topic.creation.enable': 'yes' })).toThrow(/topic\.creation\.enable is "yes": set it to true or false/);
  });
});

describe('data topic creation against a broker that cannot create topics', () => {
  let mock: MockKafka;
  beforeAll(async () => {
    mock = await startMockKafka(1);
  });
  afterAll(async () => {
    await mock.stop();
  });

  it('warns once per topic and produces to the auto-created topic', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const producer = await KafkaEventProducer.open({
      kafka: await loadKafka(), client: mock.clientConfig(), logger, topicCreationTimeoutMs: 50,
      connectorConfig: { 'topic.creation.default.partitions': '2', 'topic.creation.default.replication.factor': '1', 'topic.creation.default.cleanup.policy': 'delete' },
    });
    let acks = 0;
    const delivery = (n: number) => ({
      event: { topic: 'made.public.t', key: { id: n }, keySchema: null, value: { n }, valueSchema: null, headers: {}, timestamp: 1 },
      handle: { ack: () => acks++ },
      position: null,
    });
    // The first event of a new topic waits for it to be made sure of; later ones do not.
    await producer.deliver([delivery(1), delivery(2)]);
    expect(producer.deliver([delivery(3)])).toBeUndefined();
    await producer.drain();
    await producer.close();
    expect(acks).toBe(3);
    expect(lines.filter((line) => line.level === 40 && line.msg.includes('Could not create the Kafka topic made.public.t'))).toHaveLength(1);
    expect((await mock.readTopic('made.public.t')).map((r) => r.value)).toEqual(expect.arrayContaining(['{"schema":null,"payload":{"n":1}}', '{"schema":null,"payload":{"n":3}}']));
  });
});
