/**
 * Making sure an internal topic exists before the worker reads it, as Kafka Connect's TopicAdmin
 * does: called once when a topic-backed store opens; blocks on broker round trips (metadata, and
 * CreateTopics with `creationTimeoutMs`).
 *
 * `ensureTopic` answers the topic's partition ids. A missing topic is created with the given
 * partitions and config (cleanup.policy=compact for every internal topic) and a replication
 * factor of at most the number of brokers, so a one-broker development cluster works with the
 * default of 3. A broker that cannot create it (no permission, no controller, too old) gets a
 * warning, and the topic is then asked for in a metadata request that lets the broker auto-create
 * it; if even that gives no topic, a ConfigError names the topic to create by hand.
 */
import type { KafkaConsumer, Metadata } from '@confluentinc/kafka-javascript';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ConfigError } from '../../errors.js';
import type { InternalTopic } from './internal-topics.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';

type MetadataClient = Pick<KafkaConsumer, 'getMetadata'>;

export interface EnsureTopicOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  /** A connected client (a consumer with allow.auto.create.topics=true, or a producer): used for metadata. */
  consumer: MetadataClient;
  topic: InternalTopic;
  config: Readonly<Record<string, string>>;
  logger: Logger;
  creationTimeoutMs: number;
  requestTimeoutMs: number;
}

export async function ensureTopic(options: EnsureTopicOptions): Promise<number[]> {
  const { consumer, topic, requestTimeoutMs } = options;
  // All topics: asking for this one by name would let the broker auto-create it before we can.
  const cluster = await metadata(consumer, { allTopics: true, timeout: requestTimeoutMs });
  const existing = partitionsOf(cluster, topic.name);
  if (existing.length > 0) return existing;

  await createTopic(options, cluster.brokers.length);
  // A new topic takes a moment to reach every broker's metadata (and librdkafka's answer).
  for (let wait = 10, deadline = Date.now() + requestTimeoutMs; ; wait = Math.min(wait * 2, 1000)) {
    const created = partitionsOf(await metadata(consumer, { topic: topic.name, timeout: requestTimeoutMs }), topic.name);
    if (created.length > 0) return created;
    if (Date.now() >= deadline) break;
    await delay(wait);
  }
  throw new ConfigError(
    `The Kafka topic ${topic.name} does not exist and could not be created: create it with ${cleanupPolicy(options.config)}` +
      `${topic.partitions > 0 ? ` and ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}` : ''}, or let the worker's principal create topics.`,
  );
}

async function createTopic(options: EnsureTopicOptions, brokerCount: number): Promise<void> {
  const { kafka, client, topic, config, logger, creationTimeoutMs } = options;
  const replicationFactor = topic.replicationFactor === -1 ? -1 : Math.max(1, Math.min(topic.replicationFactor, brokerCount));
  const admin = new kafka.KafkaJS.Kafka(client).admin();
  try {
    await admin.connect();
    await admin.createTopics({
      timeout: creationTimeoutMs,
      topics: [
        {
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    logger.info({ topic: topic.name, partitions: topic.partitions, replicationFactor }, `Created the Kafka topic ${topic.name}`);
  } catch (error) {
    logger.warn(
      { topic: topic.name, err: error },
      `Could not create the Kafka topic ${topic.name} (${creationFailure(error)}); relying on the broker to auto-create it. ` +
        `Auto-created topics take the broker's defaults: create ${topic.name} with ${cleanupPolicy(config)} yourself if they differ.`,
    );
  } finally {
    await admin.disconnect();
  }
}

function cleanupPolicy(config: Readonly<Record<string, string>>): string {
  return `cleanup.policy=${config['cleanup.policy'] ?? 'delete'}`;
}

function creationFailure(error: unknown): string {
  const nested = (error as { errors?: unknown[] }).errors;
  const first = Array.isArray(nested) && nested.length > 0 ? nested[0] : error;
  return first instanceof Error ? first.message : String(first);
}

function partitionsOf(cluster: Metadata, name: string): number[] {
  const topic = cluster.topics.find((t) => t.name === name);
  return (topic?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
}

function metadata(consumer: MetadataClient, request: { topic?: string; allTopics?: boolean; timeout: number }): Promise<Metadata> {
  return new Promise((resolve, reject) => consumer.getMetadata(request, (error, data) => (error ? reject(error) : resolve(data))));
}
