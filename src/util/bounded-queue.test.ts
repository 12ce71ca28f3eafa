import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('hands items over in order, without a promise while there is room', async () => {
    const q = new BoundedQueue<number>(10);
    expect(q.put([1, 2, 3])).toBeUndefined();
    expect(await q.take(2, 0)).toEqual([1, 2]);
    expect(await q.take(5, 0)).toEqual([3]);
  });

  it('makes a producer wait while full, and releases it when the consumer takes', async () => {
    const q = new BoundedQueue<number>(2);
    await q.put([1, 2]);
    let released = false;
    const waiting = q.put([3]);
    expect(waiting).toBeInstanceOf(Promise);
    const pending = waiting!.then(() => {
      released = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false);
    expect(await q.take(1, 0)).toEqual([1]);
    await pending;
    expect(released).toBe(true);
    expect(await q.take(10, 0)).toEqual([2, 3]);
  });

  it('wakes a waiting consumer on put and returns empty on timeout', async () => {
    const q = new BoundedQueue<string>(5);
    expect(await q.take(1, 10)).toEqual([]);
    const taking = q.take(1, 5000);
    await q.put(['x']);
    expect(await taking).toEqual(['x']);
  });

  it('close releases waiters on both sides', async () => {
    const q = new BoundedQueue<number>(1);
    await q.put([1]);
    const producer = q.put([2]);
    q.close();
    await producer;
    expect(await q.take(5, 1000)).toEqual([1]);
    expect(await q.take(5, 1000)).toEqual([]);
  });
});
