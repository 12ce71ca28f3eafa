/**
 * Kafka mode's TaskTransport (../task-transport.ts): a source task's events go to Kafka through a
 * KafkaEventProducer of its own; a sink task is fed by its connector's consumer group through a
 * KafkaSinkRunner. Connector configs are merged over the worker config first, so converters,
 * `topic.creation.*` and client settings given once for the worker apply to every connector (a
 * connector's own value wins), as in Kafka Connect.
 */
import type { Logger } from 'pino';
import type { ConnectorConfig } from '../herder.js';
import type { RunningSink, SinkStart, SourceTargets, TaskTransport } from '../task-transport.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { KafkaEventProducer } from './kafka-event-producer.js';
import { KafkaSinkRunner } from './kafka-sink-runner.js';

export interface KafkaTransportOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  /** The worker config's keys that connectors inherit (converters, topic creation, overrides). */
  workerConfig: Readonly<Record<string, string>>;
  /** offset.flush.interval.ms: how often sink tasks commit what is durable. */
  commitIntervalMs: number;
  /** How long CreateTopics may take before the broker is taken to be unable to create topics. */
  topicCreationTimeoutMs?: number;
}

export class KafkaTransport implements TaskTransport {
  constructor(private readonly options: KafkaTransportOptions) {}

  async sourceTargets(_connector: string, config: ConnectorConfig, logger: Logger, onFailure: (error: unknown) => void): Promise<SourceTargets> {
    const { kafka, client, topicCreationTimeoutMs } = this.options;
    const producer = await KafkaEventProducer.open({ kafka, client, connectorConfig: this.merged(config), logger, onFailure, topicCreationTimeoutMs });
    const targets = [producer];
    return { sinks: () => targets, close: () => producer.close() };
  }

  async startSink(start: SinkStart): Promise<RunningSink> {
    const { kafka, client, commitIntervalMs, topicCreationTimeoutMs } = this.options;
    const runner = new KafkaSinkRunner({
      kafka,
      client,
      topicCreationTimeoutMs,
      connector: start.connector,
      taskId: start.taskId,
      workDir: start.workDir,
      config: this.merged(start.config),
      task: start.task,
      logger: start.logger,
      commitIntervalMs,
      onFailure: start.onFailure,
      metrics: start.metrics,
    });
    await runner.start();
    return { topicNames: () => [...new Set(runner.assignment().map(({ topic }) => topic))], stop: () => runner.stop() };
  }

  private merged(config: ConnectorConfig): Record<string, string> {
    return { ...this.options.workerConfig, ...config };
  }
}
