/**
 * In-order commit of out-of-order acknowledgements (Kafka Connect's SubmittedRecords, Confluent's
 * AsyncOffsetTracker).
 *
 * A source runner calls `submit(offset, pendingAcks)` for each record, in source order, and gets a
 * handle; whoever makes the record durable (one or several sinks) calls `handle.ack()`, in any
 * order. `committable()` returns the offset of the last record of the longest fully acknowledged
 * prefix of everything submitted, or null when that prefix has not grown since the previous
 * non-null answer. Offsets are opaque: the tracker returns exactly the object it was given.
 * Consecutive records submitted with the same offset object (a snapshot's rows carry their chunk's
 * offset) are tracked as one group, which counts as acknowledged once all of its records are: its
 * offset is then committed once, when it would have been committed for the group's last record.
 *
 * Guarantees: the committable offset never passes a record with acks outstanding, only moves
 * forward, and reaches the last record once all are acknowledged. Acknowledged records at the front
 * are dropped as soon as they are acknowledged, so memory holds only the groups from the oldest
 * unacknowledged one on, one small object per group. submit, ack and committable are O(1) amortised. Nothing here blocks except
 * `awaitEmpty`, which waits for the outstanding acks (the worker's flush at shutdown).
 *
 * Single-threaded by construction (one event loop); not meant to be shared between tasks.
 */
import type { OffsetMap } from '../events.js';
import { RingQueue } from '../util/ring-queue.js';

/** One submitted record's acknowledgement. */
export interface AckHandle {
  /**
   * Counts one of the record's expected acks. Throws if its group (records sharing one offset
   * object) is acknowledged more often than the pendingAcks of its records add up to.
   */
  ack(): void;
}

/** A group of submitted records sharing one offset; it is their handle, so a group allocates one object. */
class Entry implements AckHandle {
  constructor(
    private readonly tracker: AckTracker,
    readonly offset: OffsetMap,
    public remaining: number,
  ) {}

  ack(): void {
    this.tracker.acknowledge(this);
  }
}

export class AckTracker {
  private readonly entries = new RingQueue<Entry>();
  private outstanding = 0;
  private latest: OffsetMap | null = null;
  private emptyWaiters: Array<() => void> = [];

  /**
   * Registers the next record in source order. `pendingAcks` is how many acks make it durable
   * (one per sink that receives it); 0 means it is durable already (a position-only record).
   */
  submit(offset: OffsetMap, pendingAcks = 1): AckHandle {
    if (!Number.isInteger(pendingAcks) || pendingAcks < 0) {
      throw new RangeError(`pendingAcks must be a non-negative integer, got ${pendingAcks}`);
    }
    const last = this.entries.at(this.entries.length - 1);
    if (pendingAcks > 0 && last !== undefined && last.offset === offset && last.remaining > 0) {
      last.remaining += pendingAcks;
      return last;
    }
    const entry = new Entry(this, offset, pendingAcks);
    this.entries.push(entry);
    if (pendingAcks > 0) this.outstanding++;
    else this.advance();
    return entry;
  }

  /**
   * The offset to commit now: the last record of the fully acknowledged prefix, or null when it
   * has not advanced since the last non-null answer.
   */
  committable(): OffsetMap | null {
    const offset = this.latest;
    this.latest = null;
    return offset;
  }

  /** How many groups of submitted records still wait for at least one ack. */
  pending(): number {
    return this.outstanding;
  }

  /** How many groups are held in memory: from the oldest unacknowledged one to the newest. */
  retained(): number {
    return this.entries.length;
  }

  /** Resolves true once no acks are outstanding, or false when `timeoutMs` passes first. */
  awaitEmpty(timeoutMs: number): Promise<boolean> {
    if (this.outstanding === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onEmpty = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.emptyWaiters = this.emptyWaiters.filter((waiter) => waiter !== onEmpty);
        resolve(false);
      }, timeoutMs);
      this.emptyWaiters.push(onEmpty);
    });
  }

  /** @internal Called by a handle; counts one of its acks. */
  acknowledge(entry: Entry): void {
    if (entry.remaining === 0) {
      throw new Error('A record was acknowledged more times than its pendingAcks');
    }
    entry.remaining--;
    if (entry.remaining > 0) return;
    this.outstanding--;
    if (entry === this.entries.peek()) this.advance();
    if (this.outstanding === 0) this.notifyEmpty();
  }

  /** Drops the acknowledged records at the front, remembering the last one's offset. */
  private advance(): void {
    for (let head = this.entries.peek(); head !== undefined && head.remaining === 0; head = this.entries.peek()) {
      this.latest = head.offset;
      this.entries.shift();
    }
  }

  private notifyEmpty(): void {
    const waiters = this.emptyWaiters;
    this.emptyWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
