/**
 * Rotation of a topic partition's files, driven through the sink task as it composes them, on a
 * local directory store read back with DuckDB: rotate.interval.ms measures the timestamp
 * extractor's time and cuts before the record past it (Confluent's TopicPartitionWriter), also
 * when a record goes to another directory than the one before it; its cuts fall on the same
 * records however the records are batched and redelivered; rotate.size.bytes gives files near
 * the target, measured by the objects' real sizes.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../events.js';
import { readParquetFooter } from '../../../test/support/duckdb.js';
import { DAY_MS, filesUnder, GZIP_JSON_LINES, PARQUET, startTask, TOPIC, visit, type Format } from './s3-sink-task.fixture.js';

/** 2023-01-01, in days since 1970-01-01. */
const JAN_1 = 19_358;
const NO_SCHEDULE = { 'rotate.schedule.interval.ms': '-1' };

/** The ids in each object of the lake, by its path under the topic's directory. */
async function idsByFile(format: Format, lake: string): Promise<Record<string, number[]>> {
  const { rows } = await format.read(lake, { select: 'id::INTEGER AS id, filename', orderBy: 'id' });
  const byFile: Record<string, number[]> = {};
  for (const row of rows) {
    const file = path.relative(path.join(lake, 'topics', TOPIC), String(row['filename']));
    (byFile[file] ??= []).push(row['id'] as number);
  }
  return byFile;
}

describe('rotate.interval.ms', () => {
  it('measures the timestamp extractor\'s time and closes the files before the record that is the interval past the first one', async () => {
    // One directory a month, so that only the interval cuts; every record committed at the same
    // moment, so that only the visited_on field (timestamp.extractor=RecordField) tells time.
    const { task, lake } = await startTask({ ...NO_SCHEDULE, 'path.format': "'year'=YYYY/'month'=MM", 'rotate.interval.ms': String(2 * DAY_MS) });
    const days = [0, 0, 1, 2, 2, 3, 4];
    await task.put(days.map((day, id): SinkRecord => ({ ...visit(id, JAN_1 + day), timestamp: JAN_1 * DAY_MS })));
    // Day 2 is two days past day 0: it begins the second file; day 4 the third, still open.
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, days.length]]))).toEqual(new Map([[`${TOPIC}:0`, 6]]));
    await task.flush();
    await task.stop();
    expect(await idsByFile(PARQUET, lake)).toEqual({
      'year=2023/month=01/shop.public.visits+0+00000000.parquet': [0, 1, 2],
      'year=2023/month=01/shop.public.visits+0+00000003.parquet': [3, 4, 5],
      'year=2023/month=01/shop.public.visits+0+00000006.parquet': [6],
    });
  });

  it('closes the files before a record that goes to another directory than the record before it, as Confluent\'s sink does', async () => {
    const { task, lake } = await startTask({ ...NO_SCHEDULE, 'rotate.interval.ms': String(7 * DAY_MS) });
    // A late visit of the first day after two of the second: each change of directory begins new files.
    const days = [0, 0, 1, 1, 0, 2];
    await task.put(days.map((day, id) => visit(id, JAN_1 + day)));
    expect(await task.preCommit(new Map([[`${TOPIC}:0`, days.length]]))).toEqual(new Map([[`${TOPIC}:0`, 5]]));
    await task.flush();
    await task.stop();
    expect(await idsByFile(PARQUET, lake)).toEqual({
      'year=2023/month=01/day=01/shop.public.visits+0+00000000.parquet': [0, 1],
      'year=2023/month=01/day=02/shop.public.visits+0+00000002.parquet': [2, 3],
      'year=2023/month=01/day=01/shop.public.visits+0+00000004.parquet': [4],
      'year=2023/month=01/day=03/shop.public.visits+0+00000005.parquet': [5],
    });
  });

  it('cuts at the same records when they are delivered again after a crash in other batches, so that each row is in one object (Kafka mode)', async () => {
    const config = { ...NO_SCHEDULE, 'path.format': "'year'=YYYY/'month'=MM", 'rotate.interval.ms': String(3 * DAY_MS), 'flush.size': '5' };
    const days = [0, 1, 1, 2, 3, 3, 4, 5, 9, 9, 10, 11, 12, 12, 13, 17, 17, 18];
    const records = days.map((day, id) => visit(id, JAN_1 + day));
    const uninterrupted = await startTask(config, undefined, { stableOffsets: true });
    await uninterrupted.task.put(records);
    await uninterrupted.task.flush();
    await uninterrupted.task.stop();

    // Batches of four; the worker dies after its fourth put, with files uploaded beyond the offset
    // it committed last (after the second put). The records after that offset come again, in one batch.
    const first = await startTask(config, undefined, { stableOffsets: true });
    let committed = 0;
    for (let put = 0; put < 4; put++) {
      await first.task.put(records.slice(put * 4, put * 4 + 4));
      if (put === 1) committed = (await first.task.preCommit(new Map([[`${TOPIC}:0`, 8]]))).get(`${TOPIC}:0`)!;
    }
    await first.task.stop();
    expect(committed).toBeGreaterThan(0);
    const second = await startTask(config, undefined, { stableOffsets: true, dir: first.dir });
    await second.task.put(records.slice(committed));
    await second.task.flush();
    await second.task.stop();

    const expected = await idsByFile(PARQUET, uninterrupted.lake);
    expect(Object.keys(expected).length).toBeGreaterThan(4);
    expect(await idsByFile(PARQUET, second.lake)).toEqual(expected);
  });
});

describe('rotate.size.bytes', () => {
  /** Rows that compress as table rows do: some repetition, no one repeated value. */
  const row = (id: number) => visit(id, JAN_1, undefined, { body: `visit ${id} of customer ${(id * 7919) % 10007}: ${'page view '.repeat(id % 9)}${(id * 104729) % 1000003}` });
  const rows = Array.from({ length: 12_000 }, (_, id) => row(id));

  /** Writes the rows with `target` and returns the real size of each object, in the order they were written. */
  async function objectSizes(format: Format, target: number): Promise<{ lake: string; files: string[]; sizes: number[] }> {
    const { task, lake } = await startTask({ ...format.config, ...NO_SCHEDULE, 'rotate.size.bytes': String(target) });
    for (let i = 0; i < rows.length; i += 500) await task.put(rows.slice(i, i + 500));
    await task.flush();
    await task.stop();
    const files = filesUnder(lake).map((file) => path.join(lake, file));
    return { lake, files, sizes: files.map((file) => statSync(file).size) };
  }

  it.each([8 * 1024, 32 * 1024, 128 * 1024])('ends Parquet files within a row group of %i bytes', async (target) => {
    const { files, sizes } = await objectSizes(PARQUET, target);
    expect(files.length).toBeGreaterThan(2);
    // Every file but the last, which holds what was left.
    for (const [i, file] of files.slice(0, -1).entries()) {
      const { rowGroupBytes } = await readParquetFooter(file);
      expect(Math.abs(sizes[i]! - target)).toBeLessThanOrEqual(Math.max(...rowGroupBytes));
    }
  });

  it.each([16 * 1024, 32 * 1024, 64 * 1024])('ends gzipped JSON-lines files at %i bytes or up to about a deflate block past it', async (target) => {
    const { files, sizes } = await objectSizes(GZIP_JSON_LINES, target);
    expect(files.length).toBeGreaterThan(2);
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(target);
      // zlib gives its output out a deflate block at a time: about 20 KiB of these rows, compressed.
      expect(size - target).toBeLessThan(48 * 1024);
    }
  });
});
