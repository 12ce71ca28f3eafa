/**
 * The data topics a source connector produces to in Kafka mode, created when missing the way Kafka
 * Connect does it (KIP-158, the `default` group only).
 *
 * `topicCreation(config)` reads Connect's keys from the source connector's config (merged over the
 * worker's): `topic.creation.enable` (the worker's switch, default true) and
 * `topic.creation.default.partitions` / `.replication.factor` (both required together; a positive
 * count, or -1 for the broker's default). Every other `topic.creation.default.<name>` is a topic
 * config given to the new topic as is (`cleanup.policy`, `compression.type`, `retention.ms`, ...).
 * Without partitions and replication factor, Connect creates nothing and leaves new topics to the
 * broker's auto-creation: so does this (null). Pure; bad values are one ConfigError naming the keys.
 *
 * `DataTopics.ensure(topic)` makes sure one topic exists before the first event is produced to it:
 * once per topic name, concurrent callers share one attempt. It blocks on the brokers (metadata and
 * CreateTopics, through kafka-topics.ts); a broker that cannot create topics is tolerated with a
 * warning (auto-creation then applies, as for the internal topics). It never rejects: a topic
 * that could not be made sure of is logged and left to the producer, whose delivery fails if the
 * topic really is missing.
 */
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { ConfigError } from '../../errors.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { ensureTopic } from './kafka-topics.js';

export interface TopicCreation {
  /** -1: the broker's default. */
  partitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
  /** Topic configs for new topics, e.g. cleanup.policy. */
  configs: Record<string, string>;
}

const PREFIX = 'topic.creation.default.';
const PARTITIONS = `${PREFIX}partitions`;
const REPLICATION_FACTOR = `${PREFIX}replication.factor`;
// Keys of the default group that select topics rather than configure them (Connect ignores them for `default`).
const NOT_TOPIC_CONFIGS = new Set([PARTITIONS, REPLICATION_FACTOR, `${PREFIX}include`, `${PREFIX}exclude`]);

export function topicCreation(config: Readonly<Record<string, string>>): TopicCreation | null {
  const enable = (config['topic.creation.enable'] ?? 'true').trim().toLowerCase();
  if (enable !== 'true' && enable !== 'false') {
    throw new ConfigError(`topic.creation.enable is "${config['topic.creation.enable']}": set it to true or false.`);
  }
  const partitionsText = config[PARTITIONS];
  const replicationText = config[REPLICATION_FACTOR];
  if (enable === 'false' || (partitionsText === undefined && replicationText === undefined)) return null;

  const problems: string[] = [];
  const count = (key: string, text: string | undefined): number => {
    if (text === undefined) {
      problems.push(`${key} is missing: set it too (a positive integer, or -1 for the broker's default); Connect creates topics only with both ${PARTITIONS} and ${REPLICATION_FACTOR}.`);
      return -1;
    }
    const value = Number(text.trim());
    if (!Number.isInteger(value) || (value < 1 && value !== -1) || text.trim() === '') {
      problems.push(`${key} is "${text}": set it to a positive integer, or -1 for the broker's default.`);
    }
    return value;
  };
  const partitions = count(PARTITIONS, partitionsText);
  const replicationFactor = count(REPLICATION_FACTOR, replicationText);
  if (problems.length > 0) throw new ConfigError(`The connector's topic creation config cannot be used:\n${problems.map((p) => `- ${p}`).join('\n')}`);

  const configs: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(PREFIX) && !NOT_TOPIC_CONFIGS.has(key)) configs[key.slice(PREFIX.length)] = value;
  }
  return { partitions, replicationFactor, configs };
}

export interface DataTopicsOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  /** Null: nothing is created, the broker auto-creates topics on first produce. */
  creation: TopicCreation | null;
  /** A connected client that answers metadata requests (the producer). */
  metadataClient: Pick<KafkaConsumer, 'getMetadata'>;
  logger: Logger;
  creationTimeoutMs: number;
  requestTimeoutMs: number;
}

export class DataTopics {
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(private readonly options: DataTopicsOptions) {}

  /** Whether `topic` can be produced to without waiting: no creation configured, or already made sure of. */
  ready(topic: string): boolean {
    return this.options.creation === null || this.ensured.get(topic) === DONE;
  }

  ensure(topic: string): Promise<void> {
    let ensuring = this.ensured.get(topic);
    if (ensuring === undefined) {
      ensuring = this.create(topic).then(() => {
        this.ensured.set(topic, DONE);
      });
      this.ensured.set(topic, ensuring);
    }
    return ensuring;
  }

  private async create(topic: string): Promise<void> {
    const { kafka, client, creation, metadataClient, logger, creationTimeoutMs, requestTimeoutMs } = this.options;
    if (creation === null) return;
    try {
      await ensureTopic({
        kafka,
        client,
        consumer: metadataClient,
        topic: { name: topic, partitions: creation.partitions, replicationFactor: creation.replicationFactor },
        config: creation.configs,
        logger,
        creationTimeoutMs,
        requestTimeoutMs,
      });
    } catch (error) {
      logger.warn({ err: error, topic }, `Could not make sure the Kafka topic ${topic} exists; producing to it anyway`);
    }
  }
}

const DONE: Promise<void> = Promise.resolve();
