import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RingQueue } from './ring-queue.js';

describe('RingQueue', () => {
  it('behaves as an array used as a FIFO, across wrap-arounds, growth and shrinking', () => {
    const operation = fc.oneof(fc.record({ push: fc.integer() }), fc.constant({ shift: true }), fc.record({ at: fc.integer({ min: -2, max: 70 }) }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(operation, { maxLength: 400 }), (expected, operations) => {
        const queue = new RingQueue<number>(expected);
        const model: number[] = [];
        for (const op of operations) {
          if ('push' in op) {
            queue.push(op.push);
            model.push(op.push);
          } else if ('shift' in op) {
            expect(queue.shift()).toBe(model.shift());
          } else {
            expect(queue.at(op.at)).toBe(op.at >= 0 ? model[op.at] : undefined);
          }
          expect(queue.length).toBe(model.length);
          expect(queue.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its buffer through cycles of filling and draining, and gives back what a burst took', () => {
    const queue = new RingQueue<number>();
    const fillAndDrain = (count: number) => {
      for (let i = 0; i < count; i++) queue.push(i);
      let inOrder = 0;
      for (let i = 0; i < count; i++) if (queue.shift() === i) inOrder++;
      expect(inOrder).toBe(count);
    };
    fillAndDrain(5000);
    const filled = queue.capacity;
    expect(filled).toBeGreaterThanOrEqual(5000);
    for (let cycle = 0; cycle < 10; cycle++) {
      fillAndDrain(5000);
      expect(queue.capacity).toBe(filled);
    }
    // Past the burst, a few items at a time: the buffer comes down to a few times that.
    for (let round = 0; round < 5000; round++) fillAndDrain(10);
    expect(queue.capacity).toBeLessThanOrEqual(64);
    expect(queue.length).toBe(0);
  });

  it('holds no reference to an item once it is shifted out', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = new RingQueue<object>();
    const shifted = (() => {
      const item = {};
      queue.push(item);
      queue.push({});
      queue.shift();
      return new WeakRef(item);
    })();
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(shifted.deref()).toBeUndefined();
    expect(queue.length).toBe(1);
  });
});
