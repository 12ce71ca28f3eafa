/**
 * A FIFO queue on a power-of-two ring buffer: O(1) push and shift without the O(n) of
 * Array.prototype.shift. A slot is cleared as soon as its item is shifted out, so the queue never
 * keeps a taken item alive (the garbage collector may free it at once).
 *
 * The buffer grows by doubling and shrinks after a burst, so a peak of queued items does not stay
 * allocated. It shrinks only once a whole buffer's worth of items has been shifted out without the
 * queue filling a quarter of it: a queue filled and drained in cycles (acks gathered until a commit)
 * keeps its buffer instead of allocating it again at every cycle.
 */
const MIN_CAPACITY = 16;

export class RingQueue<T> {
  /** The smallest the buffer gets: a queue that fills to about this often is not resized each time. */
  private readonly minCapacity: number;
  private slots: Array<T | undefined>;
  private head = 0;
  private count = 0;
  /** Items shifted out since the buffer last changed size or was last judged too big. */
  private shifted = 0;
  /** The most items held over those shifts. */
  private peak = 0;

  /** `expected`: about how many items the queue holds when busy; the buffer never shrinks below it. */
  constructor(expected = MIN_CAPACITY) {
    this.minCapacity = MIN_CAPACITY;
    while (this.minCapacity < expected) this.minCapacity *= 2;
    this.slots = new Array<T | undefined>(this.minCapacity);
  }

  get length(): number {
    return this.count;
  }

  /** How many items the buffer has room for now. */
  get capacity(): number {
    return this.slots.length;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count++;
    if (this.count > this.peak) this.peak = this.count;
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
    if (++this.shifted >= this.slots.length) this.judgeSize();
    return item;
  }

  /** After a buffer's worth of shifts: down to twice the peak of that span, when it stayed under a quarter. */
  private judgeSize(): void {
    let capacity = this.slots.length;
    while (capacity > this.minCapacity && this.peak <= capacity / 4) capacity /= 2;
    if (capacity < this.slots.length) this.resize(capacity);
    this.shifted = 0;
    this.peak = this.count;
  }

  private resize(capacity: number): void {
    const slots = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.count; i++) slots[i] = this.slots[(this.head + i) & (this.slots.length - 1)];
    this.slots = slots;
    this.head = 0;
    this.shifted = 0;
    this.peak = this.count;
  }
}
