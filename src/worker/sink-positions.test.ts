import { describe, expect, it } from 'vitest';
import { MemoryOffsetStore } from './offsets/memory-offset-store.js';
import { SinkPositions } from './sink-positions.js';

describe('SinkPositions', () => {
  it('keeps the cuts not yet passed by the durable position, across a reload', async () => {
    const store = new MemoryOffsetStore();
    const positions = await SinkPositions.load(store, 'lake');
    await positions.advance(new Map([['t', '0005']]));
    await positions.noteCut('t', '0005');
    await positions.noteCut('t', '0003');
    await positions.noteCut('t', '0009');
    await positions.noteCut('t', '0007');
    expect(positions.cuts('t')).toEqual(['0007', '0009']);
    expect(positions.skips('t', '0005')).toBe(true);
    expect(positions.skips('t', '0006')).toBe(false);

    const reloaded = await SinkPositions.load(store, 'lake');
    expect(reloaded.cuts('t')).toEqual(['0007', '0009']);
    await reloaded.advance(new Map([['t', '0008']]));
    expect(reloaded.cuts('t')).toEqual(['0009']);
    expect(await store.list('lake')).toEqual([{ partition: { kafka_topic: 't', kafka_partition: 0 }, offset: { position: '0008', cuts: '0009' } }]);
  });
});
