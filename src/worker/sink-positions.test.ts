import { describe, expect, it } from 'vitest';
import { MemoryOffsetStore } from './offsets/memory-offset-store.js';
import { readingRowPosition } from '../record-position.js';
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

  it('keeps a cut noted while an advance is being written, and the advance too', async () => {
    const store = new MemoryOffsetStore();
    const positions = await SinkPositions.load(store, 'lake');
    await positions.noteCut('t', '0004');
    // The runner records how far it got while the task cuts a new file: neither may undo the other.
    await Promise.all([positions.advance(new Map([['t', '0005']])), positions.noteCut('t', '0009'), positions.advance(new Map([['t', '0006']]))]);
    expect(positions.reached('t')).toBe('0006');
    expect(positions.cuts('t')).toEqual(['0009']);
    const reloaded = await SinkPositions.load(store, 'lake');
    expect([reloaded.reached('t'), reloaded.cuts('t')]).toEqual(['0006', ['0009']]);
  });

  it('passes over snapshot rows only up to the last one recorded of the same reading', async () => {
    const positions = await SinkPositions.load(new MemoryOffsetStore(), 'lake');
    const row = (reading: string, key: string) => readingRowPosition(reading, key);
    await positions.advance(new Map([['t', row('00a!s1', 'p0240')]]));
    expect(positions.reached('t')).toBe('00a!s1!p0240');
    // The same reading, resumed: rows up to the recorded key are held, later ones are not.
    expect(positions.skips('t', row('00a!s1', 'p0230'))).toBe(true);
    expect(positions.skips('t', row('00a!s1', 'p0240'))).toBe(true);
    expect(positions.skips('t', row('00a!s1', 'p0241'))).toBe(false);
    // A snapshot taken again at the same LSN, or at an earlier one, is another reading: delivered whole.
    expect(positions.skips('t', row('00a!s0', 'p0210'))).toBe(false);
    expect(positions.skips('t', row('009!s2', 'p0210'))).toBe(false);
    // Streamed changes compare as before: one from before the snapshot is held.
    expect(positions.skips('t', '0090000000001')).toBe(true);
  });

  it('passes over the rows of a reading resumed after the recorded position reached the stream after it, and delivers a later reading', async () => {
    const positions = await SinkPositions.load(new MemoryOffsetStore(), 'lake');
    const row = (reading: string, key: string) => readingRowPosition(reading, key);
    // The snapshot at LSN 00a was delivered whole and the sink went on into the stream from there;
    // the source had not recorded the snapshot complete, so it reads it again from a chunk.
    await positions.advance(new Map([['t', '00a0000000003']]));
    expect(positions.skips('t', row('00a!s1', 'p0230'))).toBe(true);
    expect(positions.skips('t', row('00a!s1', 'p9999'))).toBe(true);
    // A snapshot taken later (its LSN at or past the last commit streamed) is delivered.
    expect(positions.skips('t', row('00b!s2', 'p0001'))).toBe(false);
    expect(positions.skips('t', '00a0000000004')).toBe(false);
  });
});

