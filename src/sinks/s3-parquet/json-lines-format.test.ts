/**
 * The JSON-lines format: records to lines, and spool files read back with DuckDB's read_json and
 * node:zlib; plain and gzip files, buffers written out early or not, gzip members ended early or not.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonLines } from '../../../test/support/duckdb.js';
import { gzipMembers } from '../../../test/support/gzip-members.js';
import type { SinkRecord } from '../../events.js';
import { GZIP_STREAM_BYTES, jsonLinesFormat, JsonLinesSpoolFile, type JsonLinesOptions } from './json-lines-format.js';

const PLAIN: JsonLinesOptions = { compression: 'none', level: -1 };
const GZIP: JsonLinesOptions = { compression: 'gzip', level: -1 };

const record = (value: unknown): SinkRecord => ({
  topic: 'test.public.items',
  key: null,
  value,
  keySchema: null,
  valueSchema: null,
  headers: {},
  timestamp: 0,
  kafkaPartition: 0,
  kafkaOffset: 0,
  position: null,
});

/** Line `i`: a flat row with an int64 beyond 2^53, text that is not one repeated value, and a line break inside a string. */
const line = (i: number) =>
  jsonLinesFormat(PLAIN).rowOf(record({ id: 9007199254740993n + BigInt(i), note: `row ${i}: ${'the quick brown fox '.repeat(i % 7)}\nsecond line`, flag: i % 2 === 0 }), undefined)!.values;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'json-lines-spool-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes lines 0..n-1 to a new file, writing the buffer out early after each index in `earlyFlushes`. */
async function writeLines(name: string, options: JsonLinesOptions, n: number, earlyFlushes: number[] = []) {
  const file = await JsonLinesSpoolFile.create(join(dir, name), options);
  for (let i = 0; i < n; i++) {
    await file.append(line(i));
    if (earlyFlushes.includes(i)) await file.flushBuffer();
  }
  return { file, finished: await file.finish() };
}

describe('the JSON-lines format', () => {
  it('writes each record as its value in JSON on one line, exact int64 included, and needs no schema', () => {
    const plain = jsonLinesFormat(PLAIN);
    expect([plain.extension, jsonLinesFormat(GZIP).extension]).toEqual(['json', 'json.gz']);
    const envelope = { before: null, after: { id: 1, big: 9007199254740993n, text: 'a\nb' }, op: 'c', source: { lsn: 42 } };
    const row = plain.rowOf(record(envelope), undefined)!;
    expect(row.values).toBe('{"before":null,"after":{"id":1,"big":9007199254740993,"text":"a\\nb"},"op":"c","source":{"lsn":42}}\n');
    // One layout for every record: a schema change never rotates a JSON-lines file.
    expect(plain.rowOf(record({ other: [1, 2] }), row.layout)!.layout).toBe(row.layout);
  });

  it('writes the lines appended, in order, whenever the buffer was written out', async () => {
    const n = 3000;
    const { finished } = await writeLines('plain.json', PLAIN, n, [0, 10, 11, 2000]);
    const text = await readFile(finished.path, 'utf8');
    expect(text).toBe(Array.from({ length: n }, (_, i) => line(i)).join(''));
    expect(finished).toEqual({ path: finished.path, bytes: Buffer.byteLength(text), rows: n });
    const { rows, types } = await readJsonLines(finished.path, { select: 'id::VARCHAR AS id, note, flag', orderBy: 'id' });
    expect(types).toEqual({ id: 'VARCHAR', note: 'VARCHAR', flag: 'BOOLEAN' });
    expect(rows).toHaveLength(n);
    expect(rows[1]).toEqual({ id: '9007199254740994', note: 'row 1: the quick brown fox \nsecond line', flag: false });
  });

  it('knows the exact size of a plain file while it is written, and writes its buffer out past 256 KiB', async () => {
    const file = await JsonLinesSpoolFile.create(join(dir, 'sizes.json'), PLAIN);
    let bytes = 0;
    let peak = 0;
    for (let i = 0; i < 5000; i++) {
      await file.append(line(i));
      bytes += Buffer.byteLength(line(i));
      expect(file.fileBytes).toBe(bytes);
      peak = Math.max(peak, file.bufferedBytes);
    }
    expect(peak).toBeGreaterThan(128 * 1024);
    expect(peak).toBeLessThan(256 * 1024 + 1024);
    await file.flushBuffer();
    expect(file.bufferedBytes).toBe(0);
    expect(file.fileBytes).toBe(bytes);
    expect((await file.finish()).bytes).toBe(bytes);
  });

  it('gzips the whole file as one member, to the same bytes however the buffer was written out', async () => {
    const n = 3000;
    const once = await writeLines('once.json.gz', GZIP, n);
    const often = await writeLines('often.json.gz', GZIP, n, Array.from({ length: 300 }, (_, i) => i * 7));
    const compressed = await readFile(once.finished.path);
    expect(gzipMembers(compressed)).toHaveLength(1);
    expect(await readFile(often.finished.path)).toEqual(compressed);
    expect(once.finished.bytes).toBe(compressed.length);
    expect(gunzipSync(compressed).toString('utf8')).toBe(Array.from({ length: n }, (_, i) => line(i)).join(''));
    expect(compressed.length).toBeLessThan(Buffer.byteLength(gunzipSync(compressed)) / 4);
    const { rows } = await readJsonLines(once.finished.path, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids' });
    expect(rows).toEqual([{ n, ids: n }]);
    // s3.compression.level reaches zlib: level 0 stores the text, bigger than it.
    const stored = await writeLines('stored.json.gz', { compression: 'gzip', level: 0 }, 100);
    expect(stored.finished.bytes).toBeGreaterThan(Array.from({ length: 100 }, (_, i) => Buffer.byteLength(line(i))).reduce((a, b) => a + b));
  });

  it('counts a gzip stream in its memory from the first lines written out until it is finished, and a plain file nothing beside its lines', async () => {
    const gzip = await JsonLinesSpoolFile.create(join(dir, 'memory.json.gz'), GZIP);
    await gzip.append(line(1));
    // The lines only: the stream is made when lines are first written out.
    expect(gzip.bufferedBytes).toBe(16 + line(1).length);
    expect(gzip.restingBytes).toBe(GZIP_STREAM_BYTES);
    await gzip.flushBuffer();
    expect(gzip.bufferedBytes).toBe(GZIP_STREAM_BYTES);
    await gzip.append(line(2));
    expect(gzip.bufferedBytes).toBe(GZIP_STREAM_BYTES + 16 + line(2).length);
    expect(gunzipSync(await readFile((await gzip.finish()).path)).toString('utf8')).toBe(line(1) + line(2));

    const plain = await JsonLinesSpoolFile.create(join(dir, 'memory.json'), PLAIN);
    await plain.append(line(1));
    expect([plain.bufferedBytes, plain.restingBytes]).toEqual([16 + line(1).length, 0]);
    await plain.flushBuffer();
    expect(plain.bufferedBytes).toBe(0);
    await plain.discard();
  });

  it('ends its gzip member when released, freeing its stream, and a file of many members reads whole with zlib and DuckDB', async () => {
    const n = 3000;
    const file = await JsonLinesSpoolFile.create(join(dir, 'members.json.gz'), GZIP);
    let releases = 0;
    for (let i = 0; i < n; i++) {
      await file.append(line(i));
      // Members of seven lines up to line 1500, one of them written out in two parts; one member after.
      if (i === 3) {
        await file.flushBuffer();
        expect(file.bufferedBytes).toBe(GZIP_STREAM_BYTES);
      }
      if (i < 1500 && i % 7 === 6) {
        await file.release();
        releases++;
        // Nothing held: no lines, no member until lines are written out again.
        expect(file.bufferedBytes).toBe(0);
      }
    }
    const finished = await file.finish();
    const compressed = await readFile(finished.path);
    expect(finished).toEqual({ path: finished.path, bytes: compressed.length, rows: n });
    const members = gzipMembers(compressed);
    expect(members).toHaveLength(releases + 1);
    // A member ends after a whole line.
    expect(members.every((member) => member.toString('utf8').endsWith('\n'))).toBe(true);
    const text = Array.from({ length: n }, (_, i) => line(i)).join('');
    expect(gunzipSync(compressed).toString('utf8')).toBe(text);
    const { rows } = await readJsonLines(finished.path, { select: 'count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids, max(id)::VARCHAR AS last' });
    expect(rows).toEqual([{ n, ids: n, last: String(9007199254740993n + BigInt(n - 1)) }]);
    // The same lines in one member: other bytes, the same text.
    const once = await writeLines('one-member.json.gz', GZIP, n);
    const single = await readFile(once.finished.path);
    expect(gzipMembers(single)).toHaveLength(1);
    expect(single).not.toEqual(compressed);
    expect(gunzipSync(single).toString('utf8')).toBe(text);
  });

  it('deletes a discarded file, and refuses appends after finish', async () => {
    const { file } = await writeLines('finished.json.gz', GZIP, 3);
    await expect(file.append(line(3))).rejects.toThrow(/already finished or discarded/);
    const open = await JsonLinesSpoolFile.create(join(dir, 'dropped.json.gz'), GZIP);
    await open.append(line(0));
    await open.flushBuffer();
    await open.discard();
    await open.discard();
    expect(existsSync(join(dir, 'dropped.json.gz'))).toBe(false);
  });
});
