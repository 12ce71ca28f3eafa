/**
 * Reads one table in chunks inside the caller's open snapshot transaction. Tables with a key are
 * read in key order by keyset pagination (`WHERE (k1, k2) > (...) ORDER BY k1, k2 LIMIT n`); tables
 * without one by ranges of heap pages (`ctid` ranges, a TID range scan on PostgreSQL 14+).
 *
 * Each chunk carries the resume point after it (`after`): the last key's text values, or the next
 * page. Starting again from a chunk's `after` reads exactly the rows that follow it, so a snapshot
 * interrupted by a crash resumes from its last finished chunk.
 */
import type pg from 'pg';
import { quoteIdent } from '../connection.js';
import type { CatalogTable } from '../catalog.js';

export type ResumePoint = { kind: 'key'; values: Array<string | null> } | { kind: 'page'; page: number };

export interface TableChunk {
  rows: Array<Array<string | null>>;
  /** Where the next chunk starts; null when the table is done. */
  after: ResumePoint | null;
}

export async function* readTableChunks(
  client: pg.Client,
  table: CatalogTable,
  chunkSize: number,
  from: ResumePoint | null,
): AsyncGenerator<TableChunk> {
  const name = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  if (table.keyColumns.length > 0) {
    yield* keyChunks(client, table, name, columns, chunkSize, from?.kind === 'key' ? from.values : null);
  } else {
    yield* pageChunks(client, table, name, columns, chunkSize, from?.kind === 'page' ? from.page : 0);
  }
}

async function* keyChunks(client: pg.Client, table: CatalogTable, name: string, columns: string, chunkSize: number, start: Array<string | null> | null): AsyncGenerator<TableChunk> {
  const keys = table.keyColumns.map(quoteIdent);
  const keyIndexes = table.keyColumns.map((k) => table.columns.findIndex((c) => c.name === k));
  const order = keys.join(', ');
  const params = keys.map((_, i) => `$${i + 1}`).join(', ');
  const first = `SELECT ${columns} FROM ${name} ORDER BY ${order} LIMIT ${chunkSize + 1}`;
  const next = `SELECT ${columns} FROM ${name} WHERE (${order}) > (${params}) ORDER BY ${order} LIMIT ${chunkSize + 1}`;
  const read = (from: Array<string | null> | null) =>
    client.query<Array<string | null>>({ text: from === null ? first : next, values: from ?? [], rowMode: 'array' });
  // The next chunk's query runs on the server while the caller works on this one.
  let pending = read(start);
  try {
    for (;;) {
      // One row past the chunk tells whether another chunk follows, so the last chunk is known as such.
      const result = await pending;
      const more = result.rows.length > chunkSize;
      const rows = more ? result.rows.slice(0, chunkSize) : result.rows;
      const last = rows[rows.length - 1]!;
      const after = more ? keyIndexes.map((i) => last[i] ?? null) : null;
      if (after) pending = read(after);
      yield { rows, after: after ? { kind: 'key', values: after } : null };
      if (!after) return;
    }
  } finally {
    pending.catch(() => {}); // a caller that stops early leaves the prefetch unread
  }
}

async function* pageChunks(client: pg.Client, table: CatalogTable, name: string, columns: string, chunkSize: number, startPage: number): AsyncGenerator<TableChunk> {
  const { rows: sizeRows } = await client.query<{ pages: string; per_page: string }>(
    `SELECT (pg_relation_size($1::oid) / current_setting('block_size')::int8)::text AS pages,
            (CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 100 END)::text AS per_page
       FROM pg_class c WHERE c.oid = $1::oid`,
    [table.oid],
  );
  const pages = Number(sizeRows[0]?.pages ?? 0);
  const pagesPerChunk = Math.max(1, Math.floor(chunkSize / Math.max(1, Number(sizeRows[0]?.per_page ?? 100))));
  let page = startPage;
  do {
    const end = page + pagesPerChunk;
    const result = await client.query<Array<string | null>>({
      text: `SELECT ${columns} FROM ${name} WHERE ctid >= $1::tid AND ctid < $2::tid`,
      values: [`(${page},0)`, `(${end},0)`],
      rowMode: 'array',
    });
    page = end;
    yield { rows: result.rows, after: page < pages ? { kind: 'page', page } : null };
  } while (page < pages);
}
