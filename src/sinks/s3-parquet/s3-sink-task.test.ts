/**
 * The S3 sink task on a local directory store, read back with DuckDB, for each file format
 * (Parquet, JSON lines, gzipped JSON lines): hundreds of open date partitions stay within the
 * memory budget (gzip files by ending members early, as the process's resident memory shows),
 * and no file is closed for it; a put that failed in an upload, offered again, writes each row once; records delivered
 * again after a crash are cut where they were cut before; tombstones write nothing and are
 * committed. Parquet only: a schema change mid-stream closes the file and starts one with the new
 * schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../events.js';
import { RetriableError } from '../../errors.js';
import { readingRowPosition } from '../../record-position.js';
import { readParquet, readParquetFooter } from '../../../test/support/duckdb.js';
import { gzipMembers } from '../../../test/support/gzip-members.js';
import { openObjectStore, type ObjectStore } from './object-store.js';
import { field, filesUnder, FORMATS, GZIP_JSON_LINES, JSON_LINES, memoryCuts, PARQUET, startTask, TOPIC, visit, VISIT } from './s3-sink-task.fixture.js';

const VISIT_WITH_SCORE = { ...VISIT, fields: [...VISIT.fields!, field('score', { type: 'int64' })] };

describe.each([PARQUET, JSON_LINES])('S3 sink task writing $name', (format) => {
  it('keeps 200 open date partitions within buffer.memory.bytes by writing buffers out early', { timeout: 60_000 }, async () => {
    const budget = 256 * 1024;
    const rows = 200 * 25;
    const { task, lake } = await startTask({ ...format.config, 'buffer.memory.bytes': String(budget), 'flush.size': String(rows) });
    const records = Array.from({ length: rows }, (_, i) => visit(i, 19_000 + (i % 200)));
    let peak = 0;
    // What the process holds in buffers outside the JavaScript heap (the files' output buffers),
    // measured rather than estimated: 200 open files must not each keep a buffer of their own.
    const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
    let arrayBuffersPeak = 0;
    for (let i = 0; i < rows; i += 250) {
      await task.put(records.slice(i, i + 250));
      peak = Math.max(peak, task.bufferedBytes);
      arrayBuffersPeak = Math.max(arrayBuffersPeak, process.memoryUsage().arrayBuffers - arrayBuffersBefore);
      if (i + 250 < rows) expect(task.bufferedBytes).toBeLessThanOrEqual(budget);
    }
    // Measured here: about 3 MB with garbage not yet collected; 17 MB when each Parquet file kept a
    // 64 KiB output buffer open.
    expect(arrayBuffersPeak).toBeLessThan(32 * budget);
    // The last record rotated all 200 files at once.
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, rows]]))).toEqual(new Map([[`${TOPIC}:0`, rows]]));
    await task.stop();
    expect(peak).toBeGreaterThan(budget / 2);
    const { rows: written } = await format.read(lake, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids, count(DISTINCT visited_on)::INTEGER AS days, count(DISTINCT filename)::INTEGER AS files' });
    // One file per day.
    expect(written).toEqual([{ n: rows, ids: rows, days: 200, files: 200 }]);
    if (format.extension === 'parquet') {
      // Each wrote its rows in several row groups, not in one buffered lump.
      const firstDay = path.join(lake, 'topics', TOPIC, 'year=2022', 'month=01', 'day=08');
      const footer = await readParquetFooter(path.join(firstDay, '*.parquet'));
      expect(footer.rowGroups.length).toBeGreaterThan(1);
      expect(footer.rowGroups.reduce((a, b) => a + b, 0)).toBe(25);
    }
  });
});

describe('S3 sink task writing gzipped JSON lines', () => {
  /** The rows, ids, days and files of the lake as DuckDB reads them. */
  const census = async (lake: string) =>
    (await GZIP_JSON_LINES.read(lake, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids, count(DISTINCT visited_on)::INTEGER AS days, count(DISTINCT filename)::INTEGER AS files' })).rows[0];

  it('keeps 300 open date partitions within buffer.memory.bytes by the resident memory the process measures', { timeout: 120_000 }, async () => {
    const budget = 512 * 1024;
    const days = 300;
    const rows = days * 10;
    const { task, lake } = await startTask({ ...GZIP_JSON_LINES.config, 'buffer.memory.bytes': String(budget) });
    // A deflate state is native memory, outside the ArrayBuffers and the "external" memory Node
    // reports: only the process's resident size shows it. Garbage is collected before each
    // measurement, so that what is measured is what is held.
    const collectGarbage = gc();
    collectGarbage();
    const residentBefore = process.memoryUsage.rss();
    let residentPeak = 0;
    for (let i = 0; i < rows; i += 250) {
      await task.put(Array.from({ length: 250 }, (_, j) => visit(i + j, 19_000 + ((i + j) % days))));
      expect(task.bufferedBytes).toBeLessThanOrEqual(budget);
      collectGarbage();
      residentPeak = Math.max(residentPeak, process.memoryUsage.rss() - residentBefore);
    }
    // Measured here: 4 to 8 MB, mostly what zlib's allocations leave in the allocator's per-thread
    // arenas however many members were begun and ended one after another; 50 to 64 MB when every
    // open file wrote its lines into a deflate state of its own (240 KiB each) and kept it.
    expect(residentPeak).toBeLessThan(40 * 1024 * 1024);
    await task.flush();
    await task.stop();
    expect(await census(lake)).toMatchObject({ n: rows, ids: rows, days });
  });

  it('counts each gzip member in buffer.memory.bytes from its file\'s first write to disk, and ends members early when they fill it, not files', { timeout: 60_000 }, async () => {
    const budget = 1024 * 1024;
    const days = 12;
    // About 300 KB of lines per day: each file writes its lines out once they pass 256 KiB, beginning
    // a gzip member; three members and their lines fill the budget.
    const rows = days * 700;
    const { task, lake } = await startTask({ ...GZIP_JSON_LINES.config, 'buffer.memory.bytes': String(budget) });
    for (let i = 0; i < rows; i += 300) {
      await task.put(Array.from({ length: Math.min(300, rows - i) }, (_, j) => visit(i + j, 19_000 + ((i + j) % days))));
      expect(task.bufferedBytes).toBeLessThanOrEqual(budget);
    }
    // Nothing was uploaded early: the files are still open.
    expect(filesUnder(lake)).toEqual([]);
    await task.flush();
    await task.stop();
    // One file a day, as with memory to spare; twelve members open at once would have held 3.4 MB.
    expect(await census(lake)).toEqual({ n: rows, ids: rows, days, files: days });
    const members = filesUnder(lake).map((file) => gzipMembers(readFileSync(path.join(lake, file))).length);
    expect(Math.max(...members)).toBeGreaterThan(1);
  });
});

/** The garbage collector, made callable. */
function gc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe.each(FORMATS)('S3 sink task writing $name', (format) => {
  it('stages files in its own work directory: a task of the same name in another worker on the machine leaves them alone', async () => {
    // Two workers with data directories of their own, each running task 0 of a connector "lake".
    const here = await startTask({ ...format.config, 'flush.size': '10' });
    await here.task.put(Array.from({ length: 5 }, (_, i) => visit(i, 19_800)));
    const there = await startTask({ ...format.config, 'flush.size': '10' });
    await there.task.put(Array.from({ length: 3 }, (_, i) => visit(i, 19_800)));
    await here.task.put(Array.from({ length: 5 }, (_, i) => visit(5 + i, 19_800)));
    expect(await here.task.preCommit(new Map([[`${TOPIC}:0`, 10]]))).toEqual(new Map([[`${TOPIC}:0`, 10]]));
    await here.task.stop();
    await there.task.stop();
    const { rows } = await format.read(here.lake, { select: 'id::INTEGER AS id', orderBy: 'id' });
    expect(rows.map((r) => r['id'])).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('writes each row once when a put that failed in an upload is offered again', async () => {
    let failNext = true;
    const failingOnce = (settings: Parameters<typeof openObjectStore>[0], logger: Parameters<typeof openObjectStore>[1]): ObjectStore => {
      const store = openObjectStore(settings, logger);
      return {
        ...store,
        check: () => store.check(),
        list: (prefix) => store.list(prefix),
        describe: () => store.describe(),
        close: () => store.close(),
        async upload(key, localPath, bytes) {
          if (failNext) {
            failNext = false;
            throw new RetriableError('TEST_UPLOAD', 'the store is away');
          }
          return store.upload(key, localPath, bytes);
        },
      };
    };
    const { task, lake } = await startTask({ ...format.config, 'flush.size': '4' }, failingOnce);
    const batch = Array.from({ length: 6 }, (_, i) => visit(i, 19_600));
    await expect(task.put(batch)).rejects.toBeInstanceOf(RetriableError);
    await task.put(batch);
    await task.put([6, 7].map((i) => visit(i, 19_600)));
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, 8]]))).toEqual(new Map([[`${TOPIC}:0`, 8]]));
    await task.stop();
    const { rows } = await format.read(lake, { select: 'id::INTEGER AS id', orderBy: 'id' });
    expect(rows.map((r) => r['id'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('cuts records delivered again after a crash where the wall clock cut them before, so no object overlaps another', async () => {
    const cuts = memoryCuts();
    const first = await startTask({ ...format.config, 'flush.size': '10', 'rotate.schedule.interval.ms': '1' }, openObjectStore, { cuts });
    const day = 19_700;
    await first.task.put(Array.from({ length: 7 }, (_, i) => visit(i, day)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The schedule cuts after record 6, flush.size after record 16; both files are uploaded, and the
    // worker dies before it records them as durable.
    expect(await first.task.preCommit(new Map([[`${TOPIC}:0`, 7]]))).toEqual(new Map([[`${TOPIC}:0`, 7]]));
    await first.task.put(Array.from({ length: 10 }, (_, i) => visit(7 + i, day)));
    expect(cuts.noted).toEqual(['00000006', '00000016']);

    // Delivered again from the start, in one batch, with a schedule that never fires: without the
    // noted cuts, flush.size would cut after records 9 and 19, and the object of 7-16 would overlap both.
    const second = await startTask({ ...format.config, 'flush.size': '10', 'rotate.schedule.interval.ms': '-1' }, openObjectStore, { cuts, dir: first.dir });
    await second.task.put(Array.from({ length: 20 }, (_, i) => visit(i, day)));
    await second.task.flush();
    await second.task.stop();
    const { rows } = await format.read(second.lake, { select: 'id::INTEGER AS id, filename', orderBy: 'id' });
    expect(rows.map((r) => r['id'])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const files = [...new Set(rows.map((r) => path.basename(String(r['filename']))))].sort();
    expect(files).toEqual(['00000000', '00000007', '00000017'].map((start) => `${TOPIC}+0+${start}.${format.extension}`));
  });

  it('rewrites the same objects when a resumed snapshot reads other rows than the first reading, so no row is there twice', async () => {
    const day = 19_750;
    // Snapshot rows: positions of one reading, keys that sort as the reading goes.
    const row = (id: number, offset: number): SinkRecord => ({ ...visit(id, day), kafkaOffset: offset, position: readingRowPosition('R', String(id).padStart(4, '0')) });
    const reading = (ids: number[]) => ids.map((id, offset) => row(id, offset));
    const cuts = memoryCuts();
    const first = await startTask({ ...format.config, 'flush.size': '4' }, openObjectStore, { cuts });
    // Two files uploaded (10-40, 50-80), 90 and 100 still open; the worker dies before any is durable.
    await first.task.put(reading([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]));
    expect(cuts.noted).toEqual(['R!0040', 'R!0080']);

    // Read again with newer data: 30 and 40 deleted, 45 and 75 inserted. The first file now ends at
    // 20, the second takes 45 to 80, and both keep their names, so the first reading's objects are
    // replaced rather than joined.
    const second = await startTask({ ...format.config, 'flush.size': '4' }, openObjectStore, { cuts, dir: first.dir });
    await second.task.put(reading([10, 20, 45, 50, 60, 70, 75, 80, 90, 100]));
    await second.task.flush();
    await second.task.stop();
    const { rows } = await format.read(second.lake, { select: 'id::INTEGER AS id, filename', orderBy: 'id' });
    expect(rows.map((r) => r['id'])).toEqual([10, 20, 45, 50, 60, 70, 75, 80, 90, 100]);
    const byFile = new Map<string, number[]>();
    for (const r of rows) {
      const name = path.basename(String(r['filename']));
      byFile.set(name, [...(byFile.get(name) ?? []), r['id'] as number]);
    }
    expect(Object.fromEntries(byFile)).toEqual({
      [`${TOPIC}+0+R!.${format.extension}`]: [10, 20],
      [`${TOPIC}+0+R!0040.${format.extension}`]: [45, 50, 60, 70, 75, 80],
      [`${TOPIC}+0+R!0080.${format.extension}`]: [90, 100],
    });    // The dead run's open spool files: a process that dies has its files closed by the system.
    await first.task.stop();
  });

  it('names the first file of a resumed snapshot after the last row reported durable', async () => {
    const day = 19_760;
    const row = (id: number, offset: number): SinkRecord => ({ ...visit(id, day), kafkaOffset: offset, position: readingRowPosition('R', String(id).padStart(4, '0')) });
    const { task, lake } = await startTask({ ...format.config, 'flush.size': '2' }, openObjectStore, { cuts: memoryCuts('R!0040') });
    await task.put([row(50, 0), row(60, 1), row(70, 2)]);
    await task.flush();
    await task.stop();
    const { rows } = await format.read(lake, { select: 'id::INTEGER AS id, filename', orderBy: 'id' });
    expect(rows.map((r) => [r['id'], path.basename(String(r['filename']))])).toEqual([
      [50, `${TOPIC}+0+R!0040.${format.extension}`],
      [60, `${TOPIC}+0+R!0040.${format.extension}`],
      [70, `${TOPIC}+0+R!0060.${format.extension}`],
    ]);
  });

  it('writes nothing for tombstones and commits them with the records around them', async () => {
    const { task, lake } = await startTask({ ...format.config, 'flush.size': '3' });
    const day = 19_800;
    const tombstone = (offset: number): SinkRecord => ({ ...visit(offset, day), value: null, valueSchema: null });
    // Tombstones count towards flush.size: 0-2 and 3-5 are rotated (a file of 0, a file of 3 and 5);
    // 6 is still in an open file, and the tombstone after it waits with it.
    await task.put([visit(0, day), tombstone(1), tombstone(2), visit(3, day), tombstone(4), visit(5, day), visit(6, day), tombstone(7)]);
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, 8]]))).toEqual(new Map([[`${TOPIC}:0`, 6]]));
    await task.flush();
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, 8]]))).toEqual(new Map([[`${TOPIC}:0`, 8]]));
    // With no file open, a tombstone is committed at once.
    await task.put([tombstone(8)]);
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, 9]]))).toEqual(new Map([[`${TOPIC}:0`, 9]]));
    await task.stop();
    const { rows } = await format.read(lake, { select: 'id::INTEGER AS id', orderBy: 'id' });
    expect(rows.map((r) => r['id'])).toEqual([0, 3, 5, 6]);
  });
});

describe('S3 sink task writing Parquet', () => {
  it('closes the file at a schema change and starts one with the new schema: two readable files', async () => {
    const { task, lake } = await startTask({ 'flush.size': '7' });
    const day = 19_500;
    await task.put([visit(0, day), visit(1, day), visit(2, day), visit(3, day, VISIT_WITH_SCORE, { score: 7 }), visit(4, day, VISIT_WITH_SCORE, { score: 9007199254740993n })]);
    // The change rotated the first file: offsets 0-2 are durable, 3-4 are in the new open file.
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, 5]]))).toEqual(new Map([[`${TOPIC}:0`, 3]]));
    await task.put(Array.from({ length: 5 }, (_, i) => visit(5 + i, day, VISIT_WITH_SCORE, { score: i })));
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, 10]]))).toEqual(new Map([[`${TOPIC}:0`, 10]]));
    await task.stop();
    const dir = path.join(lake, 'topics', TOPIC, 'year=2023', 'month=05', 'day=23');
    const before = await readParquet(path.join(dir, `${TOPIC}+0+00000000.parquet`), { orderBy: 'id' });
    const after = await readParquet(path.join(dir, `${TOPIC}+0+00000003.parquet`), { orderBy: 'id' });
    // DuckDB adds the Hive partition columns (year, month, day) of the path; the files' own columns come first.
    const fileColumns = (types: Record<string, string>) => Object.keys(types).filter((name) => !['year', 'month', 'day'].includes(name));
    expect(fileColumns(before.types)).toEqual(['id', 'visited_on', 'body']);
    expect(before.rows.map((r) => r['id'])).toEqual([0, 1, 2]);
    expect(fileColumns(after.types)).toEqual(['id', 'visited_on', 'body', 'score']);
    expect(after.types['score']).toBe('BIGINT');
    expect(after.rows.map((r) => [r['id'], r['score']])).toEqual([[3, '7'], [4, '9007199254740993'], [5, '0'], [6, '1'], [7, '2'], [8, '3'], [9, '4']]);
  });
});
