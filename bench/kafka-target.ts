/**
 * The Kafka case's cluster, run in the orchestrator so that the brokers' work counts in neither
 * Sluice's CPU time nor its peak RSS: librdkafka's mock cluster (test/support/kafka-mock.ts, three
 * brokers, its threads in this process), reached by the capture process over 127.0.0.1.
 *
 * Contract: `startKafkaTarget` starts a fresh cluster and, untimed, makes the worker's offsets topic
 * in it, as a Kafka-mode worker finds it once it has started before (the mock cannot create topics:
 * the store gives up on CreateTopics after a moment and the broker auto-creates the topic). The
 * data topic is left to the broker's auto-creation on the first event, as for a source without
 * topic.creation.* keys. `connection` is the capture request's `kafka`, with the mock's consumer
 * tuning (kafka-mock.ts). `messagesIn(topic)` sums the high watermarks of the topic's partitions:
 * with an idempotent, non-transactional producer, the number of messages it holds. `stop()`
 * destroys the cluster and everything in it.
 */
import type { KafkaConsumer, Metadata } from '@confluentinc/kafka-javascript';
import { pino } from 'pino';
import { MOCK_CONSUMER_TUNING, startMockKafka } from '../test/support/kafka-mock.js';
import { internalTopics } from '../src/worker/kafka/internal-topics.js';
import { librdkafkaProperties, loadKafka } from '../src/worker/kafka/kafka-client.js';
import { KafkaOffsetStore } from '../src/worker/kafka/kafka-offset-store.js';
import type { CaptureRequest } from './capture-process.js';

const TIMEOUT_MS = 10_000;

export interface KafkaTarget {
  connection: NonNullable<CaptureRequest['kafka']>;
  messagesIn(topic: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startKafkaTarget(): Promise<KafkaTarget> {
  const mock = await startMockKafka();
  try {
    const kafka = await loadKafka();
    const logger = pino({ level: 'silent' });
    const client = mock.clientConfig();
    const offsets = await KafkaOffsetStore.open({ kafka, client, topic: internalTopics({ extra: {} }).offsets, logger, topicCreationTimeoutMs: 50 });
    await offsets.close();
    // Without the client's logger, which cannot travel to another process, and without the mock's
    // consumer tuning: the capture only produces, and librdkafka warns about consumer properties.
    const { kafkaJS, ...clientProperties } = client;
    for (const key of Object.keys(MOCK_CONSUMER_TUNING)) delete (clientProperties as Record<string, unknown>)[key];
    return {
      connection: { bootstrapServers: mock.bootstrapServers, clientProperties: clientProperties as Record<string, string | number | boolean> },
      messagesIn: async (topic) => {
        const consumer = new kafka.KafkaConsumer({ ...librdkafkaProperties(client), 'group.id': 'bench-counter' });
        await call((done) => consumer.connect({ timeout: TIMEOUT_MS }, done));
        try {
          return await messagesIn(consumer, topic);
        } finally {
          await call((done) => consumer.disconnect(done));
        }
      },
      stop: () => mock.stop(),
    };
  } catch (error) {
    await mock.stop();
    throw error;
  }
}

async function messagesIn(consumer: KafkaConsumer, topic: string): Promise<number> {
  const metadata = await call<Metadata>((done) => consumer.getMetadata({ topic, timeout: TIMEOUT_MS }, done));
  const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
  let messages = 0;
  for (const { id } of partitions) {
    const { highOffset } = await call<{ highOffset: number }>((done) => consumer.queryWatermarkOffsets(topic, id, TIMEOUT_MS, done));
    messages += highOffset;
  }
  return messages;
}

function call<T = unknown>(start: (done: (error: unknown, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}
