/**
 * A Kafka-mode worker (DistributedHerder) on the mock cluster, as the worker tests open one: a
 * worker config of its own (workerDir), silent, the mock's consumer tuning, and a short topic
 * creation timeout (the mock cannot create topics: it auto-creates them). Opened, not started.
 * `kafkaWorkerProcessSettings` are the same settings for a worker run as a child process
 * (worker-process.ts), with its REST port, which with the host is its id in the group.
 * `sinkGroupOffsets` reads what a sink connector's group has committed, `totalOf` sums it.
 */
import pino from 'pino';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { loadKafka } from '../../src/worker/kafka/kafka-client.js';
import { committedOffsets } from '../../src/worker/kafka/kafka-sink.fixture.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { workerDir } from './connectors.js';
import { MOCK_CONSUMER_TUNING, type MockKafka } from './kafka-mock.js';

export interface KafkaWorkerOptions {
  group: string;
  /** The advertised REST port: with the host, the worker's id in the group. */
  port: number;
  /** More worker settings, as environment variables (SLUICE_<KEY>). */
  env?: Record<string, string>;
  /** The worker config file; a fresh one by default. */
  configFile?: string;
}

export async function openKafkaWorker(kafka: MockKafka, options: KafkaWorkerOptions): Promise<DistributedHerder> {
  const config = await loadWorkerConfig({
    file: options.configFile ?? workerDir().configFile,
    env: {
      SLUICE_BOOTSTRAP_SERVERS: kafka.bootstrapServers,
      SLUICE_GROUP_ID: options.group,
      SLUICE_REST_ADVERTISED_PORT: String(options.port),
      SLUICE_SLUICE_TOPIC_CREATION_TIMEOUT_MS: '200',
      ...options.env,
    },
  });
  return DistributedHerder.open(config, pino({ level: 'silent' }), { clientProperties: MOCK_CONSUMER_TUNING });
}

/** The worker config of a Kafka-mode worker process on the mock cluster, serving REST on `port`. */
export function kafkaWorkerProcessSettings(kafka: MockKafka, group: string, port: number): Record<string, string> {
  return {
    'bootstrap.servers': kafka.bootstrapServers,
    'group.id': group,
    'rest.port': String(port),
    'rest.advertised.host.name': '127.0.0.1',
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'task.restart.initial.delay.ms': '500',
    'sluice.topic.creation.timeout.ms': '200',
  };
}

/**
 * What the group of the sink connector `connector` has committed for each partition of `topic` (0
 * where nothing), read with a consumer's committed(): the mock cluster answers the admin client's
 * offset fetch with nothing. Empty before the topic exists.
 */
export async function sinkGroupOffsets(kafka: MockKafka, topic: string, connector: string): Promise<Map<number, number>> {
  const ends = await kafka.endOffsets(topic).catch(() => new Map<number, number>());
  const partitions = [...ends.keys()].map((partition) => ({ topic, partition }));
  if (partitions.length === 0) return new Map();
  const offsets = await committedOffsets(await loadKafka(), kafka.bootstrapServers, connector, partitions);
  return new Map(partitions.map(({ partition }) => [partition, Math.max(0, offsets[`${topic}:${partition}`]!)]));
}

export const totalOf = (offsets: Map<number, number>): number => [...offsets.values()].reduce((sum, offset) => sum + offset, 0);
