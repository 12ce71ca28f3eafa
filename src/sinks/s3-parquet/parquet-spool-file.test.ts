import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquet, readParquetFooter } from '../../../test/support/duckdb.js';
import type { ConnectSchema } from '../../events.js';
import { numericMapping } from '../../sources/postgres/types/numeric.js';
import { parquetLayout } from './parquet-columns.js';
import { parquetCompression, type ParquetCodecName } from './parquet-codecs.js';
import { ParquetSpoolFile } from './parquet-spool-file.js';

const SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'test.public.items.Value',
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'note', type: 'string', optional: true },
    { field: 'amount', type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '12' } },
    { field: 'doc', type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 },
  ],
};
const LAYOUT = parquetLayout(SCHEMA, { metadataFieldPrefix: '__', unavailableValuePlaceholder: '__debezium_unavailable_value', uuidType: 'uuid', timeType: 'time' });
const amount = numericMapping('amount', 12, 2, 'precise');

/** Row `i`: compressible text that is not one repeated value, a negative amount for odd rows, JSON with an int64 beyond 2^53. */
const value = (i: number) => ({
  id: 9007199254740993n + BigInt(i),
  note: i % 5 === 0 ? null : `row ${i}: ${'the quick brown fox jumps over the lazy dog '.repeat(8)}${i}`,
  amount: amount.convert(`${i % 2 ? '-' : ''}${i}.25`),
  doc: `{"row": ${i}, "big": 123456789012345678901}`,
});
const expected = (i: number) => ({
  id: String(9007199254740993n + BigInt(i)),
  note: i % 5 === 0 ? null : `row ${i}: ${'the quick brown fox jumps over the lazy dog '.repeat(8)}${i}`,
  amount: `${i % 2 ? '-' : ''}${i}.25`,
  doc: `{"row": ${i}, "big": 123456789012345678901}`,
});
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-spool-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function spool(name: string, codec: ParquetCodecName = 'snappy', rowGroupRows = 1000): Promise<ParquetSpoolFile> {
  return ParquetSpoolFile.create(join(dir, name), LAYOUT, { compression: await parquetCompression(codec), rowGroupRows });
}

/** Writes rows 0..n-1, flushing a row group early after each index in `earlyFlushes`. */
async function writeRows(file: ParquetSpoolFile, n: number, earlyFlushes: number[] = []) {
  for (const i of range(n)) {
    await file.append(LAYOUT.rowOf(value(i))!);
    if (earlyFlushes.includes(i)) await file.flushBuffer();
  }
  return file.finish();
}

describe('ParquetSpoolFile', () => {
  it('writes a row group each parquet.row.group.rows rows and at each early flush, and reads back complete', async () => {
    const file = await spool('groups/a.parquet', 'snappy', 4);
    for (const i of range(6)) await file.append(LAYOUT.rowOf(value(i))!);
    expect([file.rows, file.bufferedRows]).toEqual([6, 2]);
    const resting = file.bufferedBytes;
    expect(file.fileBytes).toBeGreaterThan((await stat(file.path)).size);

    await file.flushBuffer(); // early, as the sink does at its memory budget
    // What stays is the output buffer, back to its resting size once the row group is written.
    expect([file.rows, file.bufferedRows]).toEqual([6, 0]);
    expect(file.bufferedBytes).toBeLessThan(resting);
    expect(file.bufferedBytes).toBeLessThanOrEqual(512);
    expect(file.fileBytes).toBe((await stat(file.path)).size);

    for (const i of range(4)) await file.append(LAYOUT.rowOf(value(6 + i))!);
    expect(file.bufferedRows).toBe(0); // the fourth row filled a group, which went to the file
    const finished = await file.finish();
    expect(finished).toEqual({ path: join(dir, 'groups/a.parquet'), bytes: (await stat(file.path)).size, rows: 10 });

    const footer = await readParquetFooter(finished.path);
    expect(footer.rowGroups).toEqual([4, 2, 4]);
    expect(footer.createdBy).toBe('sluice');
    const { types, rows } = await readParquet(finished.path);
    expect(types).toEqual({ id: 'BIGINT', note: 'VARCHAR', amount: 'DECIMAL(12,2)', doc: 'JSON' });
    expect(rows).toEqual(range(10).map(expected));
  });

  it('measures its buffered rows by writing them as a row group when its estimate says it reaches a size the row groups written cannot vouch for', async () => {
    const target = 16 * 1024;
    const file = await spool('reaches.parquet', 'snappy', 10_000);
    let rows = 0;
    // Before any row group, the rows' memory estimate stands for their encoded size: several times too big.
    while (file.fileBytes < target) await file.append(LAYOUT.rowOf(value(rows++))!);
    const firstGroup = rows;
    expect(await file.reaches(target)).toBe(false);
    expect(file.bufferedRows).toBe(0);
    expect(file.fileBytes).toBe((await stat(file.path)).size);
    expect(file.fileBytes).toBeLessThan(target / 2);
    while (!(await file.reaches(target))) await file.append(LAYOUT.rowOf(value(rows++))!);
    const finished = await file.finish();
    const footer = await readParquetFooter(finished.path);
    expect(footer.rowGroups[0]).toBe(firstGroup);
    expect(footer.rowGroups.reduce((a, b) => a + b)).toBe(rows);
    expect(Math.abs(finished.bytes - target)).toBeLessThan(Math.max(...footer.rowGroupBytes));
  });

  it('writes each codec so that DuckDB reads the same rows back, the compressed ones smaller', async () => {
    const sizes: Record<string, number> = {};
    for (const codec of ['snappy', 'gzip', 'zstd', 'none'] as const) {
      const finished = await writeRows(await spool(`codec-${codec}.parquet`, codec), 50, [20]);
      sizes[codec] = finished.bytes;
      expect((await readParquetFooter(finished.path)).codecs).toEqual([{ snappy: 'SNAPPY', gzip: 'GZIP', zstd: 'ZSTD', none: 'UNCOMPRESSED' }[codec]]);
      expect((await readParquet(finished.path)).rows).toEqual(range(50).map(expected));
    }
    for (const codec of ['snappy', 'gzip', 'zstd']) expect(sizes[codec]).toBeLessThan(sizes['none']!);
  });

  it('gives byte-identical files for identical rows', async () => {
    for (const codec of ['snappy', 'gzip', 'zstd'] as const) {
      const first = await writeRows(await spool(`same-${codec}-1.parquet`, codec, 16), 40, [3]);
      const second = await writeRows(await spool(`same-${codec}-2.parquet`, codec, 16), 40, [3]);
      expect((await readFile(second.path)).equals(await readFile(first.path))).toBe(true);
    }
  });

  it('finishes an empty file as a valid file of no rows', async () => {
    const finished = await (await spool('empty.parquet')).finish();
    expect(finished.rows).toBe(0);
    expect(await readParquet(finished.path)).toEqual({ types: { id: 'BIGINT', note: 'VARCHAR', amount: 'DECIMAL(12,2)', doc: 'JSON' }, rows: [] });
  });

  it('deletes the file on discard, and refuses to be used after finish or discard', async () => {
    const file = await spool('discarded.parquet', 'snappy', 2);
    for (const i of range(3)) await file.append(LAYOUT.rowOf(value(i))!);
    expect((await stat(file.path)).size).toBeGreaterThan(0);
    await file.discard();
    await expect(stat(file.path)).rejects.toMatchObject({ code: 'ENOENT' });
    await file.discard();
    await expect(file.append(LAYOUT.rowOf(value(0))!)).rejects.toThrow(/already finished or discarded/);

    const finished = await spool('finished.parquet');
    await finished.finish();
    await expect(finished.flushBuffer()).rejects.toThrow(/already finished or discarded/);
  });

  it('replaces a file left at its path (a retry rewrites the same name)', async () => {
    const first = await writeRows(await spool('retried.parquet'), 30);
    const second = await writeRows(await spool('retried.parquet'), 3);
    expect(second.bytes).toBeLessThan(first.bytes);
    expect((await readParquet(second.path)).rows).toEqual(range(3).map(expected));
  });
});
