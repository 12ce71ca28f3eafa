/**
 * A FIFO queue on a power-of-two ring buffer: O(1) push and shift without the O(n) of
 * Array.prototype.shift. A slot is cleared as soon as its item is shifted out, so the queue never
 * keeps a taken item alive (the garbage collector may free it at once), and the buffer shrinks
 * again after a burst so a peak of queued items does not stay allocated.
 */
const MIN_CAPACITY = 16;

export class RingQueue<T> {
  /** The smallest the buffer gets: a queue that fills to about this often is not resized each time. */
  private readonly minCapacity: number;
  private slots: Array<T | undefined>;
  private head = 0;
  private count = 0;

  /** `expected`: about how many items the queue holds when busy; the buffer never shrinks below it. */
  constructor(expected = MIN_CAPACITY) {
    this.minCapacity = MIN_CAPACITY;
    while (this.minCapacity < expected) this.minCapacity *= 2;
    this.slots = new Array<T | undefined>(this.minCapacity);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** The item `index` places from the front (0 is the front), or undefined past the end. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.count ? this.slots[(this.head + index) & (this.slots.length - 1)] : undefined;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
    if (this.slots.length > this.minCapacity && this.count <= this.slots.length / 4) this.resize(this.slots.length / 2);
    return item;
  }

  private resize(capacity: number): void {
    const slots = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.count; i++) slots[i] = this.slots[(this.head + i) & (this.slots.length - 1)];
    this.slots = slots;
    this.head = 0;
  }
}
