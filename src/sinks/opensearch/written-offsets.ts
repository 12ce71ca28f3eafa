/**
 * How far each topic-partition's records are written to OpenSearch, so that `preCommit` can answer
 * at once instead of waiting for the requests in flight (as Confluent's Elasticsearch sink does
 * unless `flush.synchronously`): a commit then never stalls the records behind it.
 *
 * Contract (one sink task, one event loop):
 * - `put(ref, action)` for every record the task takes, in put order; `action` null when it writes
 *   nothing (a skip, or a truncate already carried out).
 * - `written(actions)` when those actions are durable: their request settled and each item
 *   succeeded or was dealt with (behavior.on.malformed.documents, the dead-letter queue).
 * - `committable(key)`: the offset after the longest run of the partition's records, from the
 *   first put, whose actions are all written; undefined when nothing of it was put. It only moves
 *   forward, and never past a record whose action is not written.
 * - `forget(keys)` drops closed partitions; what they had in flight is delivered again to
 *   whoever opens them.
 */
import { topicPartitionKey } from '../../events.js';
import { RingQueue } from '../../util/ring-queue.js';
import type { BulkAction, RecordRef, WriteReceipt } from './bulk-body.js';

interface PartitionWrites {
  /** The offset after the last record put. */
  next: number;
  /** The receipts of actions not yet known written at the front, in put order, with any written behind them. */
  unwritten: RingQueue<WriteReceipt>;
}

export class WrittenOffsets {
  private readonly partitions = new Map<string, PartitionWrites>();
  /** The partition of the last record put: records come in runs of one partition, so its key is not made per record. */
  private last: { topic: string; partition: number; writes: PartitionWrites } | null = null;

  put(ref: RecordRef, action: BulkAction | null): void {
    const partition = this.last !== null && this.last.topic === ref.topic && this.last.partition === ref.partition ? this.last.writes : this.partitionOf(ref);
    // A retried put offers records again: the offset after them never moves back.
    partition.next = Math.max(partition.next, ref.offset + 1);
    if (action !== null) partition.unwritten.push(action.receipt);
  }

  /** Marks the actions' receipts written: a mark on a receipt leaves with it when its partition is forgotten. */
  written(actions: readonly BulkAction[]): void {
    for (const action of actions) action.receipt.written = true;
  }

  committable(key: string): number | undefined {
    const partition = this.partitions.get(key);
    if (!partition) return undefined;
    const { unwritten } = partition;
    for (let front = unwritten.peek(); front !== undefined && front.written; front = unwritten.peek()) unwritten.shift();
    return unwritten.peek()?.offset ?? partition.next;
  }

  forget(keys: Iterable<string>): void {
    for (const key of keys) this.partitions.delete(key);
    this.last = null;
  }

  private partitionOf(ref: RecordRef): PartitionWrites {
    const key = topicPartitionKey(ref.topic, ref.partition);
    let writes = this.partitions.get(key);
    if (!writes) this.partitions.set(key, (writes = { next: 0, unwritten: new RingQueue() }));
    this.last = { topic: ref.topic, partition: ref.partition, writes };
    return writes;
  }
}
