import type { Logger } from 'pino';
import type { OffsetMap, SourceRecord } from '../events.js';

/**
 * A source task: reads changes from an external system and hands them to the worker as records.
 *
 * Lifecycle, always in this order, on one task object:
 *   start(context) -> poll()* interleaved with commit()* -> stop()
 *
 * - `start` resolves once the task can produce records; it reads the last committed offset of its
 *   partitions through the context (null on a first start). A start that fails must leave nothing half-created
 *   behind (e.g. a replication slot or publication it made during the attempt).
 * - `poll` resolves with the next records, in source order, or an empty array after waiting a short
 *   while (at most `pollTimeoutMs`) with nothing to hand over. It may block on the source; it must
 *   stop buffering when it has buffered enough (backpressure reaches the source through it).
 * - `commit(offset)` is called with an offset that the task itself emitted, once every record up to
 *   and including it is durable downstream. Only then may the task acknowledge that position to
 *   the source system (Postgres: the slot's confirmed flush LSN). Called from the worker, never
 *   concurrently with itself; it may run while a `poll` is waiting.
 * - `stop` releases connections; a `poll` in progress resolves (with records or empty). After stop,
 *   records not yet committed will be delivered again on the next start: at-least-once.
 */
export interface SourceTask {
  start(context: SourceTaskContext): Promise<void>;
  poll(): Promise<SourceRecord[]>;
  commit(offset: OffsetMap): Promise<void>;
  stop(): Promise<void>;
}

export interface SourceTaskContext {
  /** The connector's name. */
  connector: string;
  taskId: number;
  /** Reads the offset last committed for a source partition (null when none), like Connect's OffsetStorageReader. */
  offsetOf(partition: OffsetMap): Promise<OffsetMap | null>;
  logger: Logger;
  /** Reports progress of long work (snapshots) for logs, status and metrics. */
  progress: ProgressReporter;
}

export interface ProgressReporter {
  /** A table's snapshot advanced: `done` rows of an estimated `total` (null if unknown). */
  snapshot(table: string, done: number, total: number | null, finished: boolean): void;
}
