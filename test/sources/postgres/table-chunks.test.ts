/**
 * The snapshot's table reader (COPY in chunks) against a real PostgreSQL: it must hand on exactly
 * the texts a query returns, cut into chunks whose resume points read exactly the rows after them,
 * whatever the values hold (tabs, newlines, backslashes, quotes, multi-byte characters, long text).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTables, type CatalogTable } from '../../../src/sources/postgres/catalog.js';
import { sessionOptions } from '../../../src/sources/postgres/session.js';
import { keyOrder, type TextKeyOrder } from '../../../src/sources/postgres/snapshot/row-key-order.js';
import { loadTypes } from '../../../src/sources/postgres/types/type-catalog.js';
import { readTableChunks, type ResumePoint, type TableChunk } from '../../../src/sources/postgres/snapshot/table-chunks.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('table_chunks');
  client = new pg.Client({ connectionString: db.url, options: sessionOptions(), types: { getTypeParser: () => (value: string) => value } });
  await client.connect();
  // Keys and values that COPY's text format must escape, and a string constant that needs E'' with
  // standard_conforming_strings off.
  await client.query(`CREATE TABLE tricky (k text, n int, note text, tags text[], data bytea, doc jsonb, PRIMARY KEY (k, n))`);
  await client.query(`INSERT INTO tricky
    SELECT k, n, note, ARRAY[k, note, NULL], convert_to(k, 'UTF8'), jsonb_build_object('k', k, 'note', note)
      FROM unnest(ARRAY[E'tab\\there', E'new\\nline', E'back\\\\slash', E'quote''s', '\\N', '', 'é€𝄞', E'cr\\rlf\\n', 'plain']) AS k,
           generate_series(1, 7) AS n,
           LATERAL (SELECT CASE WHEN n % 3 = 0 THEN NULL WHEN n % 3 = 1 THEN repeat(k || E'\\t\\\\', n * 1000) ELSE '' END AS note) AS notes`);
  await client.query(`CREATE TABLE keyless (a int, b text)`);
  await client.query(`INSERT INTO keyless SELECT i, repeat(E'x\\t', i % 50) FROM generate_series(1, 5000) AS i`);
  await client.query(`ANALYZE keyless`);
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

async function table(name: string): Promise<CatalogTable> {
  const [found] = await listTables(client, (_schema, t) => t === name);
  return found!;
}

async function queryTexts(sql: string): Promise<Array<Array<string | null>>> {
  return (await client.query<Array<string | null>>({ text: sql, rowMode: 'array' })).rows;
}

async function readChunks(source: CatalogTable, chunkSize: number, from: ResumePoint | null, textKeyOrder: TextKeyOrder = 'bytes'): Promise<TableChunk[]> {
  const chunks: TableChunk[] = [];
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    for await (const chunk of readTableChunks(client, source, keyOrder(source, textKeyOrder, await loadTypes(client, source.columns.map((c) => c.typeOid))), chunkSize, from)) chunks.push(chunk);
  } finally {
    await client.query('COMMIT');
  }
  return chunks;
}

describe('readTableChunks', () => {
  it.each([
    ['bytes', 'k COLLATE "C", n'],
    ['collation', 'k, n'],
  ] as const)('reads a keyed table in key order (text keys by %s), with the same texts as a query, in chunks whose resume points read what follows them', async (textKeyOrder, order) => {
    const tricky = await table('tricky');
    const expected = await queryTexts(`SELECT k, n, note, tags, data, doc FROM tricky ORDER BY ${order}`);
    expect(expected).toHaveLength(63);
    const chunks = await readChunks(tricky, 10, null, textKeyOrder);
    // Chunks go on as rows arrive: never more than the chunk size, never empty, the last one marked.
    expect(chunks.every((c) => c.rows.length > 0 && c.rows.length <= 10)).toBe(true);
    expect(chunks.map((c) => c.after === null)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
    expect(chunks.flatMap((c) => c.rows)).toEqual(expected);
    await client.query(`SET standard_conforming_strings = off`);
    try {
      let read = 0;
      for (const chunk of chunks.slice(0, -1)) {
        read += chunk.rows.length;
        const rest = await readChunks(tricky, 1000, chunk.after, textKeyOrder);
        expect(rest.flatMap((c) => c.rows)).toEqual(expected.slice(read));
      }
    } finally {
      await client.query(`RESET standard_conforming_strings`);
    }
  });

  it('reads a table keyed by an enum and a domain in their labels\' and base type\'s byte order, resuming where each chunk ended', async () => {
    await client.query(`CREATE TYPE phase AS ENUM ('waxing', 'full'); ALTER TYPE phase ADD VALUE 'new' BEFORE 'waxing'; CREATE DOMAIN tag AS text`);
    await client.query(`CREATE TABLE phases (p phase, t tag, n int, PRIMARY KEY (p, t))`);
    await client.query(`INSERT INTO phases SELECT p, t, g FROM unnest(enum_range(NULL::phase)) p, unnest(ARRAY['b', 'B', 'é', 'a b', '']) WITH ORDINALITY AS x(t, g)`);
    const phases = await table('phases');
    const expected = await queryTexts(`SELECT p, t, n FROM phases ORDER BY p::text COLLATE "C", t COLLATE "C"`);
    expect(expected.map((row) => row[0])).toEqual([...Array(5).fill('full'), ...Array(5).fill('new'), ...Array(5).fill('waxing')]);
    const chunks = await readChunks(phases, 4, null);
    expect(chunks.flatMap((c) => c.rows)).toEqual(expected);
    let read = 0;
    for (const chunk of chunks.slice(0, -1)) {
      read += chunk.rows.length;
      expect((await readChunks(phases, 100, chunk.after)).flatMap((c) => c.rows)).toEqual(expected.slice(read));
    }
  });

  it('cuts rows that arrive together into chunks of at most the chunk size, and reads an empty table as one empty chunk', async () => {
    await client.query(`CREATE TABLE small_rows (id int PRIMARY KEY)`);
    await client.query(`INSERT INTO small_rows SELECT generate_series(1, 1000)`);
    const chunks = await readChunks(await table('small_rows'), 7, null);
    expect(chunks.flatMap((c) => c.rows.map((r) => Number(r[0])))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(Math.max(...chunks.map((c) => c.rows.length))).toBe(7);
    expect(chunks.every((c) => c.rows.length > 0)).toBe(true);
    expect(chunks.filter((c) => c.after === null)).toEqual([chunks.at(-1)]);
    await client.query(`CREATE TABLE empty_keyed (id int PRIMARY KEY)`);
    expect(await readChunks(await table('empty_keyed'), 10, null)).toEqual([{ rows: [], after: null }]);
  });

  it('reads a table without a key by ranges of pages in ctid order, each row followed by its ctid, resuming at the page after a chunk', async () => {
    const keyless = await table('keyless');
    const expected = await queryTexts(`SELECT a, b, ctid FROM keyless ORDER BY ctid`);
    const chunks = await readChunks(keyless, 500, null);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.flatMap((c) => c.rows)).toEqual(expected);
    const middle = chunks[2]!;
    expect(middle.after?.kind).toBe('page');
    const rest = await readChunks(keyless, 500, middle.after);
    expect(rest.flatMap((c) => c.rows)).toEqual(expected.slice(chunks.slice(0, 3).reduce((n, c) => n + c.rows.length, 0)));
  });
});

describe('readTableChunks through a partitioned table’s root', () => {
  beforeAll(async () => {
    await client.query(`CREATE TABLE spans (n int, at date) PARTITION BY RANGE (at)`);
    for (const month of [2, 3, 4]) await client.query(`CREATE TABLE spans_${month} PARTITION OF spans FOR VALUES FROM ('2026-0${month}-01') TO ('2026-0${month + 1}-01')`);
    await client.query(`INSERT INTO spans SELECT g, DATE '2026-02-01' + (g % 89) FROM generate_series(1, 3000) g`);
  });

  /** The table as the catalog lists it for a user who may read only its root. */
  const rootOnly = async () => ({ ...(await table('spans')), leaves: null });

  it('follows each row with its ctid, its partition and the partition’s index in the scan order, which resume points carry on', async () => {
    const spans = await rootOnly();
    const oids = (await queryTexts(`SELECT unnest(ARRAY['spans_2', 'spans_3', 'spans_4']::regclass[]::oid[])`)).map((row) => row[0]!);
    const chunks = await readChunks(spans, 250, null);
    const rows = chunks.flatMap((c) => c.rows);
    // Partitions one after another, in the plan's order (by bound), each in ctid order.
    expect(rows.map((r) => r.slice(0, 4))).toEqual(await queryTexts(`SELECT n, at, ctid, tableoid FROM spans ORDER BY at >= '2026-03-01', at >= '2026-04-01', ctid`));
    expect(rows.map((r) => r[4])).toEqual(rows.map((r) => String(oids.indexOf(r[3]!))));
    expect(chunks.slice(0, -1).every((c) => c.after?.kind === 'root' && c.after.order?.join() === oids.join())).toBe(true);
    // Resumed anywhere, the rest of the rows come with the same places.
    let read = 0;
    for (const chunk of chunks.slice(0, -1)) {
      read += chunk.rows.length;
      expect((await readChunks(spans, 1000, chunk.after)).flatMap((c) => c.rows)).toEqual(rows.slice(read));
    }
  });

  it('gives no place to the rows of a partition attached since the first reading, nor to any row once the scan goes back in the order it recorded', async () => {
    const spans = await rootOnly();
    const chunks = await readChunks(spans, 250, null);
    const rows = chunks.flatMap((c) => c.rows);
    const resumeAt = chunks.findIndex((c) => c.after?.kind === 'root' && c.after.done.length === 1);
    const after = chunks[resumeAt]!.after as Extract<ResumePoint, { kind: 'root' }>;
    const rest = rows.slice(chunks.slice(0, resumeAt + 1).reduce((n, c) => n + c.rows.length, 0));
    await client.query(`CREATE TABLE spans_1 PARTITION OF spans FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')`);
    try {
      await client.query(`INSERT INTO spans SELECT g, DATE '2026-01-01' + (g % 31) FROM generate_series(5001, 5100) g`);
      // The new partition sorts first: its rows come first, without a place; the others keep theirs.
      const resumed = (await readChunks(spans, 1000, after)).flatMap((c) => c.rows);
      expect(resumed.slice(0, 100).map((r) => [Number(r[0]) > 5000, r[4]])).toEqual(Array(100).fill([true, null]));
      expect(resumed.slice(100)).toEqual(rest);
    } finally {
      await client.query(`DROP TABLE spans_1`);
    }
    // An order that puts the second partition first: resumed in the first partition, the scan goes
    // back in that order when it reaches the second, so neither its rows nor any after them have a place.
    const [first, second, third] = after.order!;
    const start = chunks[0]!.after as Extract<ResumePoint, { kind: 'root' }>;
    const fromStart = rows.slice(chunks[0]!.rows.length);
    const swapped = (await readChunks(spans, 1000, { ...start, order: [second!, first!, third!] })).flatMap((c) => c.rows);
    expect(swapped.map((r) => r.slice(0, 4))).toEqual(fromStart.map((r) => r.slice(0, 4)));
    expect(swapped.map((r) => r[4])).toEqual(fromStart.map((r) => (r[3] === String(first) ? '1' : null)));
    // A resume point from before places: none.
    const { order: _order, ...older } = after;
    expect((await readChunks(spans, 1000, older)).flatMap((c) => c.rows).map((r) => r[4])).toEqual(rest.map(() => null));
    expect(new Set(rest.map((r) => r[4]))).toEqual(new Set(['1', '2']));
  });
});
