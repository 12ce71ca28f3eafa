import type { Logger } from 'pino';
import type { SinkRecord, TopicPartitionOffsets } from '../events.js';

/**
 * A sink task: writes records to an external system. The same task runs in both modes; only the
 * transport that feeds it differs (an in-process channel standalone, a consumer group in Kafka mode).
 *
 * Lifecycle: start(context) -> open(partitions) -> put(batch)* interleaved with preCommit()* ->
 * close(partitions) -> stop(). Methods are never called concurrently with each other.
 *
 * - `put` takes ownership of the batch (records of the open partitions, in order per partition). It
 *   may buffer and return before anything is written; it may block to push back on the transport
 *   (the worker stops reading meanwhile). It throws RetriableError when the batch may be offered again.
 * - `preCommit(current)` receives the offsets after the last record put per partition and returns
 *   the offsets that are truly durable in the external system (the next offset to read, as Kafka
 *   commits them). It may flush first. Only the returned offsets are committed; a sink that uploads
 *   files returns only what is uploaded. Returning fewer partitions than given means "none yet" for
 *   the missing ones.
 * - `flush` (optional) writes out everything buffered, even what no policy of the sink would write
 *   yet (a file not full yet), so that the next `preCommit` returns the offsets after every record
 *   put. Called on a clean stop before the last `preCommit`, and when the worker holds too many of
 *   the sink's records unacknowledged. A sink that makes records durable in `preCommit` anyway
 *   needs none.
 * - `close` is called when partitions are taken away (rebalance, shutdown): drop their buffers;
 *   what was not committed is delivered again to whoever opens them next.
 * - `stop` releases connections.
 */
export interface SinkTask {
  start(context: SinkTaskContext): Promise<void>;
  open(partitions: TopicPartition[]): Promise<void>;
  put(records: SinkRecord[]): Promise<void>;
  preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets>;
  flush?(): Promise<void>;
  close(partitions: TopicPartition[]): Promise<void>;
  stop(): Promise<void>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface SinkTaskContext {
  connector: string;
  taskId: number;
  logger: Logger;
  /**
   * A directory of this task's own on the worker's disk (under its `sluice.data.dir`), for files it
   * keeps until they are durable elsewhere: the same for every run of the task on this worker, used
   * by no other task, and by no other worker with a data directory of its own. It may not exist yet.
   * Its last segment names the task (`<connector>-<task>`, URI-encoded), for a task that keeps its
   * files in a directory of the user's choosing instead.
   */
  workDir: string;
  /**
   * Whether a record's `kafkaOffset` names the same record after a restart (Kafka mode), or only
   * counts deliveries in this process (standalone, where `SinkRecord.position` names records).
   */
  stableOffsets: boolean;
  /** Standalone: durable cut points, for a sink whose outputs depend on where it cut them (see SinkCuts). */
  cuts?: SinkCuts;
  /**
   * Kafka mode: the offset from which a partition's records would be delivered again after a crash:
   * the offset last committed for it, else the first delivered since it was assigned (what was
   * before that is gone from the topic); null before its first record. No record below it is read again.
   */
  resumeOffset?(topic: string, partition: number): number | null;
  /** The connector's dead-letter queue, when the worker keeps one for it (Kafka mode: errors.deadletterqueue.topic.name). */
  errantRecordReporter?: ErrantRecordReporter;
}

/**
 * Where a sink task sends a record it cannot write and skips (Kafka Connect's ErrantRecordReporter):
 * the connector's dead-letter queue. Called from any task method, as often as needed.
 *
 * `report` resolves once the report is durable (in Kafka mode: the record as it was consumed, its
 * key, value and headers, acknowledged by the dead-letter topic). The worker commits no offset past
 * a reported record before that, whether or not the task waits. It rejects when the report cannot
 * be kept; the task should then fail, and the worker fails it at its next commit in any case.
 */
export interface ErrantRecordReporter {
  report(record: SinkRecord, error: Error): Promise<void>;
}

/**
 * Where a sink ended its outputs (files), kept durably per topic in source positions until the
 * sink reports the records durable past them: when those records are delivered again after a
 * crash, the sink ends its outputs at the same records, whatever clock or budget decided it the
 * first time, and so rewrites the same objects instead of overlapping them.
 */
export interface SinkCuts {
  /** The cuts not yet passed by what the sink reported durable, in order. */
  get(topic: string): string[];
  /** The position of the last record the sink reported durable, or null: where its next output begins. */
  durable(topic: string): string | null;
  /** Records a cut after the record at `position`; resolves once durable. */
  note(topic: string, position: string): Promise<void>;
}
