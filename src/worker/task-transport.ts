/**
 * How a connector's task is wired to what feeds it or what it feeds: the one thing that differs
 * between the standalone worker (in-process channels, in-process-transport.ts) and Kafka mode
 * (a producer per source task, a consumer group per sink task: kafka/kafka-transport.ts). The
 * ConnectorRuntime drives a task's life the same way over either.
 *
 * - `sourceTargets` is called just before a source task's runner starts; the runner hands its
 *   events to the targets it returns. `close` is called after the runner has stopped (and drained
 *   into them). A target that fails calls `onFailure`, which stops the task.
 * - `startSink` starts a sink task and whatever feeds it, and resolves once it runs; a failure of
 *   the running task is reported through `onFailure`, once. `stop` flushes what the task holds,
 *   commits what it made durable and releases the task.
 */
import type { Logger } from 'pino';
import type { SinkTask } from '../contracts/sink-task.js';
import type { ConnectorConfig } from './herder.js';
import type { SinkTaskMetrics } from './metrics.js';
import type { DeliveryChannel } from './sink-runner.js';
import type { SinkTarget } from './source-runner.js';

export interface SourceTargets {
  /** The same array until the set of targets changes (sources cache topic routing per array). */
  sinks(): SinkTarget[];
  close(): Promise<void>;
}

export interface RunningSink {
  /** Topics the task has taken records of (or been assigned partitions of). */
  topicNames(): string[];
  /** Where a standalone source hands events for this sink; none in Kafka mode. */
  channel?: DeliveryChannel;
  stop(): Promise<void>;
}

export interface SinkStart {
  connector: string;
  taskId: number;
  /** The task's SinkTaskContext.workDir. */
  workDir: string;
  /** The resolved config (placeholders replaced). */
  config: ConnectorConfig;
  task: SinkTask;
  accepts(topic: string): boolean;
  logger: Logger;
  metrics: SinkTaskMetrics;
  onFailure(error: unknown): void;
}

export interface TaskTransport {
  sourceTargets(connector: string, config: ConnectorConfig, logger: Logger, onFailure: (error: unknown) => void): Promise<SourceTargets>;
  startSink(start: SinkStart): Promise<RunningSink>;
}
