/**
 * A sink that discards every record, for benchmarks: it measures the worker, the source and the
 * transport without any sink cost. `preCommit` returns the offsets it is given, since there is
 * nothing to make durable. Its config is the keys every sink connector has.
 */
import type { SinkTask } from '../../contracts/sink-task.js';
import type { ConfigDefinition } from '../../config/config-definition.js';
import { SINK_CONNECTOR_CONFIG } from '../../config/connector-common.js';
import type { TopicPartitionOffsets } from '../../events.js';

export const NULL_SINK_CLASS = 'NullSink';

export const NULL_SINK_CONFIG: ConfigDefinition = SINK_CONNECTOR_CONFIG;

export class NullSinkTask implements SinkTask {
  async start(): Promise<void> {}
  async open(): Promise<void> {}
  async put(): Promise<void> {}

  async preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets> {
    return current;
  }

  async close(): Promise<void> {}
  async stop(): Promise<void> {}
}
