/**
 * A bounded FIFO between one producer and one consumer, the unit of backpressure in the worker.
 *
 * - `put(items)` appends at once and returns nothing while the queue holds fewer than `capacity`
 *   items; otherwise it returns a promise that resolves once the consumer has taken enough to fall
 *   below it (and the items are in). One batch is never split, so a queue can briefly hold capacity
 *   + one batch: memory stays bounded. Returning no promise on the common path keeps a producer
 *   that handles millions of small batches synchronous.
 * - `take(max, waitMs)` resolves with up to `max` items, waiting up to `waitMs` for the first one;
 *   an empty array means nothing arrived in time, or the queue was closed.
 * - `close()` wakes every waiter; later puts are dropped and takes return what is left.
 *
 * Why a ring: items taken are no longer referenced here, so a queue between a fast producer and
 * its consumer does not keep thousands of taken events alive past the young generation.
 */
import { RingQueue } from './ring-queue.js';

export class BoundedQueue<T> {
  private readonly items: RingQueue<T>;
  private spaceWaiters: Array<() => void> = [];
  private dataWaiter: (() => void) | undefined;
  private closed = false;

  constructor(readonly capacity: number) {
    // Room for the capacity and a batch on top without resizing at every batch.
    this.items = new RingQueue<T>(capacity * 4);
  }

  get size(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  put(batch: readonly T[]): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.size >= this.capacity) return this.putWhenRoom(batch);
    for (const item of batch) this.items.push(item);
    this.wakeConsumer();
    return undefined;
  }

  private async putWhenRoom(batch: readonly T[]): Promise<void> {
    while (!this.closed && this.size >= this.capacity) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    await this.put(batch);
  }

  async take(max: number, waitMs: number): Promise<T[]> {
    if (this.size === 0 && !this.closed && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.dataWaiter = undefined;
          resolve();
        }, waitMs);
        this.dataWaiter = () => {
          clearTimeout(timer);
          // One more turn of the event loop lets a producer that handles a burst add the rest of
          // it, so batches stay large instead of one item each.
          setImmediate(resolve);
        };
      });
    }
    const count = Math.min(max, this.size);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = this.items.shift()!;
    if (count > 0 && this.size < this.capacity) this.wakeProducers();
    return out;
  }

  close(): void {
    this.closed = true;
    this.wakeConsumer();
    this.wakeProducers();
  }

  private wakeConsumer(): void {
    const waiter = this.dataWaiter;
    this.dataWaiter = undefined;
    waiter?.();
  }

  private wakeProducers(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }
}
