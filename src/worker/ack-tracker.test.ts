import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckTracker, type AckHandle } from './ack-tracker.js';
import type { OffsetMap } from '../events.js';

/**
 * A random run: records with 0-3 expected acks each, some carrying the same offset object as the
 * record before them (as a snapshot chunk's rows do), the acks delivered in a random order (only
 * the first `acksToDeliver` of them), records submitted ahead of their acks by a random lookahead,
 * and `committable()` polled at random points.
 */
const runArbitrary = fc
  .array(fc.integer({ min: 0, max: 3 }), { maxLength: 80 })
  .chain((acksPerRecord) => {
    const ackUnits = acksPerRecord.flatMap((count, record) => Array.from({ length: count }, () => record));
    return fc.record({
      acksPerRecord: fc.constant(acksPerRecord),
      sharesOffset: fc.array(fc.boolean(), { minLength: acksPerRecord.length, maxLength: acksPerRecord.length }),
      ackOrder: fc.shuffledSubarray(ackUnits, { minLength: ackUnits.length, maxLength: ackUnits.length }),
      acksToDeliver: fc.integer({ min: 0, max: ackUnits.length }),
      lookahead: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: ackUnits.length, maxLength: ackUnits.length }),
      pollAfterAck: fc.array(fc.boolean(), { minLength: ackUnits.length, maxLength: ackUnits.length }),
    });
  });

describe('AckTracker', () => {
  it('commits exactly the longest fully acknowledged prefix, monotonically, whatever the ack order', () => {
    fc.assert(
      fc.property(runArbitrary, ({ acksPerRecord, sharesOffset, ackOrder, acksToDeliver, lookahead, pollAfterAck }) => {
        const tracker = new AckTracker();
        const offsets: OffsetMap[] = [];
        const handles: AckHandle[] = [];
        const remaining: number[] = [];
        // The model of groups: a record joins the group of the record before it when it carries
        // the same offset object, expects acks, and that group still waits for some.
        const groupOf: number[] = [];
        const groupRemaining: number[] = [];
        const groupLast: number[] = [];
        let lastCommitted = -1;

        const submitUpTo = (count: number): void => {
          while (offsets.length < Math.min(count, acksPerRecord.length)) {
            const record = offsets.length;
            const acks = acksPerRecord[record]!;
            const shared = record > 0 && sharesOffset[record];
            offsets.push(shared ? offsets[record - 1]! : { lsn: record });
            remaining.push(acks);
            const previous = groupOf[record - 1];
            if (shared && acks > 0 && groupRemaining[previous!]! > 0) {
              groupOf.push(previous!);
              groupRemaining[previous!]! += acks;
              groupLast[previous!] = record;
            } else {
              groupOf.push(groupRemaining.length);
              groupRemaining.push(acks);
              groupLast.push(record);
            }
            handles.push(tracker.submit(offsets[record]!, acks));
          }
        };
        const ackedPrefixLength = (): number => {
          let length = 0;
          while (length < offsets.length && remaining[length] === 0) length++;
          return length;
        };
        const ackedGroups = (): number => {
          let groups = 0;
          while (groups < groupRemaining.length && groupRemaining[groups] === 0) groups++;
          return groups;
        };
        const poll = (): void => {
          const offset = tracker.committable();
          const groups = ackedGroups();
          // The last record of the fully acknowledged groups at the front.
          const expected = groups === 0 ? -1 : groupLast[groups - 1]!;
          // Never beyond an unacknowledged record, whatever the model says.
          expect(expected).toBeLessThan(ackedPrefixLength());
          if (offset === null) {
            // Nothing new since the last commit.
            expect(expected).toBe(lastCommitted);
          } else {
            // Monotone, and the very object submitted for that record.
            expect(expected).toBeGreaterThan(lastCommitted);
            expect(offset).toBe(offsets[expected]);
            lastCommitted = expected;
          }
          expect(tracker.pending()).toBe(groupRemaining.filter((count) => count > 0).length);
          expect(tracker.retained()).toBe(groupRemaining.length - groups);
        };

        for (let step = 0; step < acksToDeliver; step++) {
          const record = ackOrder[step]!;
          submitUpTo(Math.max(record + 1, offsets.length + lookahead[step]!));
          handles[record]!.ack();
          remaining[record]!--;
          groupRemaining[groupOf[record]!]!--;
          if (pollAfterAck[step]) poll();
        }
        submitUpTo(acksPerRecord.length);
        poll();

        if (acksToDeliver === ackOrder.length) {
          expect(lastCommitted).toBe(acksPerRecord.length - 1);
          expect(tracker.pending()).toBe(0);
          expect(tracker.retained()).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('makes a record with no expected acks committable as soon as everything before it is', () => {
    const tracker = new AckTracker();
    const first = tracker.submit({ lsn: 1 });
    const positionOnly = { lsn: 2 };
    tracker.submit(positionOnly, 0);
    expect(tracker.committable()).toBeNull();
    first.ack();
    expect(tracker.committable()).toBe(positionOnly);
    expect(tracker.committable()).toBeNull();
  });

  it('waits for every sink when a record expects several acks', () => {
    const tracker = new AckTracker();
    const handle = tracker.submit({ lsn: 1 }, 2);
    handle.ack();
    expect(tracker.committable()).toBeNull();
    expect(tracker.pending()).toBe(1);
    handle.ack();
    expect(tracker.committable()).toEqual({ lsn: 1 });
  });

  it('tracks records sharing one offset object as one group, committed when all of them are acknowledged', () => {
    const tracker = new AckTracker();
    const chunk = { table: 't', after: 100 };
    const handles = [tracker.submit(chunk), tracker.submit(chunk, 2), tracker.submit(chunk)];
    expect(tracker.retained()).toBe(1);
    expect(new Set(handles).size).toBe(1);
    handles[2]!.ack();
    handles[0]!.ack();
    handles[1]!.ack();
    expect(tracker.committable()).toBeNull();
    handles[1]!.ack();
    expect(tracker.committable()).toBe(chunk);
    expect(tracker.retained()).toBe(0);
    // Once its group is acknowledged, the same offset starts a new group.
    const again = tracker.submit(chunk);
    expect(again).not.toBe(handles[0]);
    again.ack();
    expect(tracker.committable()).toBe(chunk);
  });

  it('rejects an ack beyond the expected count and a bad pendingAcks', () => {
    const tracker = new AckTracker();
    const handle = tracker.submit({ lsn: 1 });
    handle.ack();
    expect(() => handle.ack()).toThrow(/more times/);
    expect(() => tracker.submit({ lsn: 2 }, -1)).toThrow(RangeError);
    expect(() => tracker.submit({ lsn: 2 }, 1.5)).toThrow(RangeError);
  });

  it('awaitEmpty resolves true once the last outstanding ack arrives', async () => {
    const tracker = new AckTracker();
    await expect(tracker.awaitEmpty(0)).resolves.toBe(true);
    const a = tracker.submit({ lsn: 1 });
    const b = tracker.submit({ lsn: 2 });
    const empty = tracker.awaitEmpty(60_000);
    b.ack();
    a.ack();
    await expect(empty).resolves.toBe(true);
  });

  it('awaitEmpty resolves false when acks are still outstanding at the timeout', async () => {
    const tracker = new AckTracker();
    const handle = tracker.submit({ lsn: 1 });
    await expect(tracker.awaitEmpty(1)).resolves.toBe(false);
    handle.ack();
    await expect(tracker.awaitEmpty(1)).resolves.toBe(true);
  });
});
