import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../events.js';
import { readingRowPosition } from '../../record-position.js';
import { objectKey, type ObjectKeyContext } from './object-key.js';

const STANDALONE: ObjectKeyContext = { topicsDir: 'topics', stableOffsets: false, runId: 'run1' };
const READING = '0000000001a2b3c4!mhx0a1b2c';

function record(position: string | null, kafkaOffset = 5): SinkRecord {
  return { topic: 'shop.public.items', key: null, value: null, headers: [], timestamp: 0, kafkaPartition: 0, kafkaOffset, position } as unknown as SinkRecord;
}

/** A text key's sortable form as row-key-order.ts writes it: UTF-8 hex, then '-'. */
const textKey = (text: string) => `${Buffer.from(text).toString('hex')}-`;

describe('objectKey', () => {
  it('names a file after the Kafka offset in Kafka mode, the position standalone, a run-unique name without one', () => {
    expect(objectKey({ ...STANDALONE, stableOffsets: true }, record(null, 42), null, 'year=2026', 'parquet')).toBe('topics/shop.public.items/year=2026/shop.public.items+0+0000000042.parquet');
    expect(objectKey(STANDALONE, record('00000000000000ff00000003'), null, 'year=2026', 'parquet')).toBe('topics/shop.public.items/year=2026/shop.public.items+0+00000000000000ff00000003.parquet');
    expect(objectKey(STANDALONE, record(null, 7), null, 'p', 'json')).toBe('topics/shop.public.items/p/shop.public.items+0+rrun1-7.json');
  });

  it("names a snapshot row's file after the row its rotation starts after, or the reading", () => {
    const row = readingRowPosition(READING, textKey('b'));
    const before = readingRowPosition(READING, textKey('a'));
    expect(objectKey(STANDALONE, record(row), before, 'p', 'parquet')).toBe(`topics/shop.public.items/p/shop.public.items+0+${before}.parquet`);
    expect(objectKey(STANDALONE, record(row), null, 'p', 'parquet')).toBe(`topics/shop.public.items/p/shop.public.items+0+${READING}!.parquet`);
  });

  it('shortens a long position to a prefix and a digest: the same for the same position, another for another', () => {
    const long = (text: string) => readingRowPosition(READING, textKey(text));
    const name = (after: string) => objectKey(STANDALONE, record(long('z'.repeat(300))), after, 'p', 'parquet').split('/').at(-1)!;
    const first = name(long(`${'k'.repeat(200)}1`));
    expect(first).toBe(name(long(`${'k'.repeat(200)}1`)));
    expect(first).not.toBe(name(long(`${'k'.repeat(200)}2`)));
    expect(Buffer.byteLength(first)).toBeLessThan(255);
    expect(first).toMatch(new RegExp(`^shop\\.public\\.items\\+0\\+${long('k'.repeat(200)).slice(0, 64)}-[0-9a-f]{32}\\.parquet$`));
    // At the limit a position stays whole.
    const atLimit = `${READING}!${'6b'.repeat(46)}-`;
    expect(atLimit).toHaveLength(120);
    expect(name(atLimit)).toBe(`shop.public.items+0+${atLimit}.parquet`);
  });
});
