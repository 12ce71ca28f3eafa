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
        let lastCommitted = -1;

        const submitUpTo = (count: number): void => {
          while (offsets.length < Math.min(count, acksPerRecord.length)) {
            const record = offsets.length;
            offsets.push(record > 0 && sharesOffset[record] ? offsets[record - 1]! : { lsn: record });
            remaining.push(acksPerRecord[record]!);
            handles.push(tracker.submit(offsets[record]!, acksPerRecord[record]));
          }
        };
        const ackedPrefixLength = (): number => {
          let length = 0;
          while (length < offsets.length && remaining[length] === 0) length++;
          return length;
        };
        const poll = (): void => {
          const offset = tracker.committable();
          const prefix = ackedPrefixLength();
          if (offset === null) {
            // Nothing new: the acknowledged prefix ends where the last commit did, or the records
            // after that share their offset with the unacknowledged record ending the prefix.
            for (let record = lastCommitted + 1; record < prefix; record++) expect(offsets[record]).toBe(offsets[prefix]);
          } else {
            // The very object submitted, for a record of the acknowledged prefix (never beyond an
            // unacknowledged record), later than the last commit's: monotone.
            const record = offsets.lastIndexOf(offset, prefix - 1);
            expect(record).toBeGreaterThan(lastCommitted);
            // The longest prefix, short of records sharing the offset of the record ending it.
            for (let later = record + 1; later < prefix; later++) expect(offsets[later]).toBe(offsets[prefix]);
            lastCommitted = record;
          }
          const unacknowledged = remaining.filter((count) => count > 0).length;
          expect(tracker.pending()).toBeLessThanOrEqual(unacknowledged);
          expect(tracker.pending() === 0).toBe(unacknowledged === 0);
          expect(tracker.retained()).toBeLessThanOrEqual(offsets.length - prefix);
          expect(tracker.retained() === 0).toBe(offsets.length === prefix);
        };

        for (let step = 0; step < acksToDeliver; step++) {
          const record = ackOrder[step]!;
          submitUpTo(Math.max(record + 1, offsets.length + lookahead[step]!));
          handles[record]!.ack();
          remaining[record]!--;
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
