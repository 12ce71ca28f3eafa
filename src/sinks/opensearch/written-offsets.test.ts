import { describe, expect, it } from 'vitest';
import { topicPartitionKey } from '../../events.js';
import type { BulkAction } from './bulk-body.js';
import { WrittenOffsets } from './written-offsets.js';

const ref = (topic: string, offset: number) => ({ topic, partition: 0, offset });
/** Only what WrittenOffsets reads of an action: its receipt. */
const action = (offset: number) => ({ receipt: { offset, written: false } }) as BulkAction;
const A = topicPartitionKey('a', 0);
const B = topicPartitionKey('b', 0);

describe('WrittenOffsets', () => {
  it('answers per partition the offset after the records whose actions are all written, never past an unwritten one', () => {
    const writes = new WrittenOffsets();
    const [a0, a2, b0] = [action(0), action(2), action(0)];
    writes.put(ref('a', 0), a0);
    writes.put(ref('a', 1), null);
    writes.put(ref('b', 0), b0);
    writes.put(ref('a', 2), a2);
    expect([writes.committable(A), writes.committable(B)]).toEqual([0, 0]);
    writes.written([a2, b0]);
    expect([writes.committable(A), writes.committable(B)]).toEqual([0, 1]);
    writes.written([a0]);
    expect(writes.committable(A)).toBe(3);
    expect(writes.committable(topicPartitionKey('c', 0))).toBeUndefined();
  });

  it('starts a partition afresh when it is put again after being forgotten', () => {
    const writes = new WrittenOffsets();
    writes.put(ref('a', 0), action(0));
    writes.forget([A]);
    expect(writes.committable(A)).toBeUndefined();
    const again = action(5);
    writes.put(ref('a', 5), again);
    expect(writes.committable(A)).toBe(5);
    writes.written([again]);
    expect(writes.committable(A)).toBe(6);
  });
});
