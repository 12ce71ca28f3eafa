/**
 * The Kafka case's worker, in the measured process: Kafka mode's source side put together from its
 * parts, as src/worker/kafka/kafka-source-postgres.test.ts does (the worker that will run them is
 * not built yet): the Postgres source task in a SourceRunner whose one target is a
 * KafkaEventProducer, its offsets in a KafkaOffsetStore on the worker's offsets topic.
 *
 * Contract: `startKafkaSource` loads the Kafka client, opens the offset store and the producer
 * (blocking on the brokers; the offsets topic must exist: the mock cluster cannot create topics,
 * and the store would spend its 30 s CreateTopics timeout on it) and starts the runner. `failures()` names what failed: the runner, or the producer,
 * after which nothing is acknowledged any more. `shutdown()` stops the runner (it drains the
 * producer and commits once more), then closes the producer and the store; safe to call twice.
 */
import type { Logger } from 'pino';
import { PostgresSourceTask } from '../src/sources/postgres/postgres-source-task.js';
import { internalTopics } from '../src/worker/kafka/internal-topics.js';
import { kafkaClientConfig, loadKafka, type KafkaClientConfig } from '../src/worker/kafka/kafka-client.js';
import { KafkaEventProducer } from '../src/worker/kafka/kafka-event-producer.js';
import { KafkaOffsetStore } from '../src/worker/kafka/kafka-offset-store.js';
import { ProgressLog } from '../src/worker/progress-log.js';
import { SourceRunner } from '../src/worker/source-runner.js';
import type { WorkerConfig } from '../src/worker/worker-config.js';

export interface KafkaSourceOptions {
  connector: string;
  /** The source connector's config, without `name`; also the producer's (converters, topic creation). */
  sourceConfig: Record<string, string>;
  /** A worker config with bootstrap.servers; its offset.flush.interval.ms and shutdown timeout apply. */
  worker: WorkerConfig;
  /** librdkafka properties over the worker's client config (the mock cluster's tuning). */
  clientProperties: Record<string, string | number | boolean>;
  logger: Logger;
}

export interface KafkaSource {
  runner: SourceRunner;
  failures(): Array<{ name: string; trace: string }>;
  shutdown(): Promise<void>;
}

export async function startKafkaSource(options: KafkaSourceOptions): Promise<KafkaSource> {
  const { connector, worker, logger } = options;
  const sourceConfig = { ...options.sourceConfig, name: connector };
  const kafka = await loadKafka();
  const client: KafkaClientConfig = { ...kafkaClientConfig(worker, logger), ...options.clientProperties };
  const offsets = await KafkaOffsetStore.open({ kafka, client, topic: internalTopics(worker).offsets, logger });
  const producer = await KafkaEventProducer.open({ kafka, client, connectorConfig: sourceConfig, logger }).catch(async (error: unknown) => {
    await offsets.close();
    throw error;
  });
  const targets = [producer];
  const runner = new SourceRunner({
    connector,
    task: new PostgresSourceTask(sourceConfig),
    transform: (event) => event, // the bench's source has no transforms
    offsets,
    sinks: () => targets,
    logger,
    progress: new ProgressLog(logger),
    commitIntervalMs: worker.offsetFlushIntervalMs,
    shutdownTimeoutMs: worker.taskShutdownGracefulTimeoutMs,
  });
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      await runner.stop();
      await producer.close();
      await offsets.close();
    })());
  try {
    await runner.start();
  } catch (error) {
    await shutdown();
    throw error;
  }
  return {
    runner,
    failures: () => [
      ...(runner.state === 'FAILED' ? [{ name: connector, trace: String(runner.failure) }] : []),
      ...(producer.state === 'FAILED' ? [{ name: `${connector} (Kafka producer)`, trace: String(producer.failure) }] : []),
    ],
    shutdown,
  };
}
