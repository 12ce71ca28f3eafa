/**
 * The S3 sink task in Kafka mode (files named after Kafka offsets, cuts kept in the store:
 * file-cuts.ts): records delivered again after a crash, from the offset the task last reported
 * durable, are cut where they were cut before, so the same objects are rewritten with the same rows
 * and none overlaps another; also when what decided a cut (a flush, a file's size under
 * buffer.memory.bytes) is not there the second time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipMembers } from '../../../test/support/gzip-members.js';
import type { SinkRecord } from '../../events.js';
import { openObjectStore } from './object-store.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { filesUnder, GZIP_JSON_LINES, JSON_LINES, PARQUET, startTask, TOPIC, visit } from './s3-sink-task.fixture.js';

const PARTITION = `${TOPIC}:0`;
const DAY = 19_800;
const visits = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => visit(from + i, DAY));
const tombstone = (offset: number): SinkRecord => ({ ...visit(offset, DAY), value: null, valueSchema: null });

describe.each([PARQUET, JSON_LINES])('S3 sink task in Kafka mode writing $name', (format) => {
  it('cuts records delivered again from a commit just past a tombstone where it cut them before, so no object overlaps another', async () => {
    const config = { ...format.config, 'flush.size': '3' };
    const first = await startTask(config, openObjectStore, { stableOffsets: true });
    // A file of 0-2; the tombstone after it, with no file open, is committed at once.
    await first.task.put([...visits(0, 2), tombstone(3)]);
    expect(await first.task.preCommit(new Map([[PARTITION, 4]]))).toEqual(new Map([[PARTITION, 4]]));
    // More files go up; the worker dies before it commits them.
    await first.task.put(visits(4, 9));
    const uploaded = filesUnder(first.lake);
    expect(uploaded).toHaveLength(3);

    // The next run reads again from the offset committed, in a task of the same directory.
    const second = await startTask(config, openObjectStore, { stableOffsets: true, dir: first.dir });
    await second.task.put(visits(4, 9));
    expect(await second.task.preCommit(new Map([[PARTITION, 10]]))).toEqual(new Map([[PARTITION, 10]]));
    await second.task.stop();
    expect(filesUnder(second.lake)).toEqual(uploaded);
    const { rows } = await format.read(second.lake, { select: 'id::INTEGER AS id', orderBy: 'id' });
    expect(rows.map((row) => row['id'])).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });
});

describe.each([PARQUET, JSON_LINES])('S3 sink task in Kafka mode writing $name, cuts not decided by the records', (format) => {
  it('cuts records delivered again where flushes cut them before the crash, so the objects of the run before are rewritten and none overlaps another', async () => {
    const first = await startTask(format.config, openObjectStore, { stableOffsets: true });
    await first.task.put(visits(0, 5));
    await first.task.flush();
    await first.task.put(visits(6, 9));
    await first.task.flush();
    await first.task.put(visits(10, 11));
    const uploaded = filesUnder(first.lake);
    expect(uploaded.map(startOffset)).toEqual([0, 6]);

    // The worker dies before it commits; the next run gets all twelve records in one put.
    const second = await startTask(format.config, openObjectStore, { stableOffsets: true, dir: first.dir });
    await second.task.put(visits(0, 11));
    await second.task.flush();
    await second.task.stop();
    expect(filesUnder(second.lake).map(startOffset)).toEqual([0, 6, 10]);
    const { rows } = await format.read(second.lake, { select: 'id::INTEGER AS id', orderBy: 'id' });
    expect(rows.map((row) => row['id'])).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

describe('S3 sink task in Kafka mode, the record of its cuts', () => {
  it('cuts a replay under an unlimited buffer.memory.bytes where rotate.size.bytes cut files under a tiny one, though its own sizes would cut elsewhere', { timeout: 60_000 }, async () => {
    const rows = 3000;
    const records = Array.from({ length: rows }, (_, i) => visit(i, DAY + (i % 4), undefined, { body: noise(i) }));
    const config = (budget: number) => ({ 'rotate.size.bytes': '6000', 'buffer.memory.bytes': String(budget) });
    const putAll = async (task: { put(records: SinkRecord[]): Promise<void> }) => {
      for (let i = 0; i < rows; i += 100) await task.put(records.slice(i, i + 100));
    };
    // Under pressure row groups are written small, compress worse, and files reach the size sooner.
    const pressed = await startTask(config(4096), openObjectStore, { stableOffsets: true });
    await putAll(pressed.task);
    const keys = filesUnder(pressed.lake);
    // The worker dies before it commits; the next run reads again from offset 0 with memory to spare.
    const replay = await startTask(config(1024 ** 3), openObjectStore, { stableOffsets: true, dir: pressed.dir });
    await putAll(replay.task);
    await replay.task.flush();
    await replay.task.stop();
    // The same objects, and the files the flush ended after the last cut: one a day.
    const replayed = filesUnder(replay.lake);
    expect(replayed).toEqual(expect.arrayContaining(keys));
    expect(replayed).toHaveLength(keys.length + 4);
    const { rows: census } = await PARQUET.read(replay.lake, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids' });
    expect(census).toEqual([{ n: rows, ids: rows }]);
    // A run with memory to spare and no record of cuts cuts elsewhere: the record is what kept the keys.
    const unpressed = await startTask(config(1024 ** 3), openObjectStore, { stableOffsets: true });
    await putAll(unpressed.task);
    await unpressed.task.stop();
    expect(filesUnder(unpressed.lake).filter((key) => !keys.includes(key))).not.toEqual([]);
  });

  it('keeps only the cuts at or past where the partition resumes, in one object of its own outside the topics', async () => {
    let resume: number | null = null;
    const run = await startTask({ 'flush.size': '2' }, openObjectStore, { stableOffsets: true, resumeOffset: () => resume });
    await run.task.put(visits(0, 5));
    const cutsObject = path.join(run.lake, 'topics', '_sluice', 'lake', `${TOPIC}+0.cuts`);
    expect(JSON.parse(readFileSync(cutsObject, 'utf8'))).toEqual({ topic: TOPIC, partition: 0, cuts: [1, 3, 5] });
    // The worker commits offset 4: records from 4 on may be delivered again, and only the cut at 5 lies among them.
    resume = 4;
    await run.task.put(visits(6, 7));
    expect(JSON.parse(readFileSync(cutsObject, 'utf8'))).toEqual({ topic: TOPIC, partition: 0, cuts: [5, 7] });
    await run.task.stop();
  });

  it('refuses, naming the object and the fix, a record of cuts that is not the sink\'s', async () => {
    const first = await startTask({ 'flush.size': '2' }, openObjectStore, { stableOffsets: true });
    await first.task.put(visits(0, 1));
    await first.task.stop();
    writeFileSync(path.join(first.lake, 'topics', '_sluice', 'lake', `${TOPIC}+0.cuts`), '{"cuts":"1,3"}');
    const second = await startTask({ 'flush.size': '2' }, openObjectStore, { stableOffsets: true, dir: first.dir });
    const error = await rejectionOf(second.task.put(visits(0, 1)));
    expect(error.code).toBe('S3_CUT_LOG_INVALID');
    expect(error.message).toContain(`topics/_sluice/lake/${TOPIC}+0.cuts`);
    expect(error.message).toContain('restore it, or delete it');
    await second.task.stop();
  });
});

describe('S3 sink task in Kafka mode writing gzipped JSON lines', () => {
  it('cuts files at the same records under a tiny buffer.memory.bytes as under an unlimited one, so a replay with other memory rewrites the same objects with the same lines', { timeout: 60_000 }, async () => {
    const days = 30;
    const rows = days * 40;
    // Three rotations by count, of 30 open files each: about 180 KB of lines, every file's own gzip
    // member holding 280 KiB more, against a budget of 64 KiB.
    const config = { ...GZIP_JSON_LINES.config, 'flush.size': String(rows / 3) };
    const budget = 64 * 1024;
    const records = Array.from({ length: rows }, (_, i) => visit(i, DAY + (i % days)));
    const first = await startTask({ ...config, 'buffer.memory.bytes': String(budget) }, openObjectStore, { stableOffsets: true });
    for (let i = 0; i < rows; i += 100) {
      await first.task.put(records.slice(i, i + 100));
      expect(first.task.bufferedBytes).toBeLessThanOrEqual(budget);
    }
    // The worker dies before it commits anything.
    const keys = filesUnder(first.lake);
    const pressed = new Map(keys.map((key) => [key, readFileSync(path.join(first.lake, key))]));
    // DuckDB reads each object whole, however many members the budget ended it in.
    const { rows: read } = await GZIP_JSON_LINES.read(first.lake, { select: 'id::INTEGER AS id, filename' });
    for (const [key, bytes] of pressed) {
      const inFile = read.filter((row) => row['filename'] === path.join(first.lake, key)).map((row) => row['id'] as number);
      expect(inFile.sort((a, b) => a - b)).toEqual(idsOf(gunzipSync(bytes)).sort((a, b) => a - b));
    }

    // The next run reads again from offset 0 with memory to spare.
    const second = await startTask({ ...config, 'buffer.memory.bytes': String(1024 ** 3) }, openObjectStore, { stableOffsets: true, dir: first.dir });
    for (let i = 0; i < rows; i += 100) await second.task.put(records.slice(i, i + 100));
    expect(await second.task.preCommit(new Map([[PARTITION, rows]]))).toEqual(new Map([[PARTITION, rows]]));
    await second.task.stop();
    // The same keys: three rotations of one file a day, each named after its first offset.
    expect(keys).toHaveLength(3 * days);
    expect(filesUnder(second.lake)).toEqual(keys);
    for (const [key, bytes] of pressed) {
      const rewritten = readFileSync(path.join(second.lake, key));
      expect(gzipMembers(rewritten)).toHaveLength(1);
      // Each object's lines, in order, are what the run under pressure wrote.
      expect(gunzipSync(rewritten).toString('utf8')).toBe(gunzipSync(bytes).toString('utf8'));
    }
    expect(read).toHaveLength(rows);
    // The budget had ended members early: files of several members (the test would prove nothing otherwise).
    expect(Math.max(...[...pressed.values()].map((bytes) => gzipMembers(bytes).length))).toBeGreaterThan(1);
    const { rows: census } = await GZIP_JSON_LINES.read(second.lake, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids' });
    expect(census).toEqual([{ n: rows, ids: rows }]);
  });
});

/** The offset an object's name starts at. */
function startOffset(key: string): number {
  return Number(/\+(\d+)\.[a-z.]+$/.exec(key)![1]);
}

/** Text of letters that compresses like real text rather than like a run of one letter. */
function noise(seed: number): string {
  let state = (seed * 2654435761) >>> 0;
  let text = '';
  for (let i = 0; i < 60; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    text += 'abcdefghij'[state % 10];
  }
  return text;
}

/** The ids of the JSON lines in `text`, in order. */
function idsOf(text: Buffer): number[] {
  return text.toString('utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { id: number }).id);
}
