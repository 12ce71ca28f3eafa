/**
 * Reads one table in chunks inside the caller's open snapshot transaction, through `COPY ... TO
 * STDOUT` (the fastest way out of the server).
 * - A table with a key: in key order (as row-key-order.ts spells it), by one COPY of the whole table
 *   from the resume point on (`WHERE (k1, k2) > (...) ORDER BY k1, k2`), handed on in chunks of at
 *   most `chunkSize` rows as they arrive.
 * - A table without one: by ranges of heap pages (`ctid` ranges, a TID range scan on PostgreSQL
 *   14+), one COPY per chunk of about `chunkSize` rows, in ctid order, each row followed by its ctid.
 * - A partitioned table without one: the same, partition by partition (CatalogTable.leaves), each
 *   row followed by its ctid and its partition's qualified name. When the user may not read the
 *   partitions on their own, by one COPY through the root instead (page ranges through the root
 *   would read every partition's pages of that range), in chunks as they arrive, each row followed
 *   by its ctid, its partition's oid and its place in the scan: see root-chunks.ts.
 *
 * Each chunk carries the resume point after it (`after`): the last key's text values, the next
 * page (and partition), or for a read through the root the partitions finished and the last row
 * read of the current one. Starting again from a chunk's `after` reads exactly the rows that follow
 * it, so a snapshot interrupted by a crash resumes from its last finished chunk. Reads of one COPY
 * hand on chunks as copy-chunks.ts streams them.
 */
import type pg from 'pg';
import { qualifiedName, quoteIdent, quoteLiteral, quoteTable } from '../connection.js';
import type { CatalogTable } from '../catalog.js';
import { copyRows, streamedChunks, type Rows } from './copy-chunks.js';
import { rootChunks, type RootResumePoint } from './root-chunks.js';
import type { KeyOrder } from './row-key-order.js';

export type ResumePoint =
  | { kind: 'key'; values: Array<string | null> }
  | { kind: 'page'; page: number; partition?: string }
  | RootResumePoint;

/**
 * Whether resuming at `point` reads its table again from the start: a partitioned table read
 * through its root recorded `{kind: 'page', page: 0}` before reads through the root could resume.
 */
export function readsFromTableStart(point: ResumePoint | null): boolean {
  return point?.kind === 'page' && point.page === 0 && point.partition === undefined;
}

export interface TableChunk {
  /** Text values in column order; for a table without a key, then the row's ctid (and partition, and place: see above). */
  rows: Rows;
  /** Where the next chunk starts; null when the table is done. */
  after: ResumePoint | null;
}

/** `order`: how the table's key orders rows (keyOrder), the same for every reading of one snapshot. */
export async function* readTableChunks(
  client: pg.Client,
  table: CatalogTable,
  order: KeyOrder,
  chunkSize: number,
  from: ResumePoint | null,
): AsyncGenerator<TableChunk> {
  const name = quoteTable(table);
  const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  if (table.keyColumns.length > 0) {
    yield* keyChunks(client, table, order, name, columns, chunkSize, from?.kind === 'key' ? from.values : null);
  } else if (table.leaves !== null) {
    yield* partitionChunks(client, table.leaves, columns, chunkSize, from?.kind === 'page' ? from : null);
  } else if (table.partitioned) {
    yield* rootChunks(client, name, columns, chunkSize, from?.kind === 'root' ? from : null);
  } else {
    for await (const { rows, nextPage } of pageChunks(client, name, `${columns}, ctid`, chunkSize, from?.kind === 'page' ? from.page : 0)) {
      yield { rows, after: nextPage === null ? null : { kind: 'page', page: nextPage } };
    }
  }
}

async function* keyChunks(
  client: pg.Client,
  table: CatalogTable,
  keyOrder: KeyOrder,
  name: string,
  columns: string,
  chunkSize: number,
  start: Array<string | null> | null,
): AsyncGenerator<TableChunk> {
  const keyIndexes = table.keyColumns.map((k) => table.columns.findIndex((c) => c.name === k));
  const order = keyOrder.columns.join(', ');
  const where = start === null ? '' : ` WHERE (${order}) > (${start.map((v) => (v === null ? 'NULL' : quoteLiteral(v))).join(', ')})`;
  for await (const { rows, last } of streamedChunks(client, `SELECT ${columns} FROM ${name}${where} ORDER BY ${order}`, chunkSize)) {
    const lastRow = rows[rows.length - 1]!;
    yield { rows, after: last ? null : { kind: 'key', values: keyIndexes.map((i) => lastRow[i] ?? null) } };
  }
}

/**
 * The partitions from the one `from` names on (or, when it is gone, the next in byte order), each by
 * pages; a partition's last chunk resumes at the next partition's first page.
 */
async function* partitionChunks(
  client: pg.Client,
  leaves: Array<{ schema: string; name: string }>,
  columns: string,
  chunkSize: number,
  from: { page: number; partition?: string } | null,
): AsyncGenerator<TableChunk> {
  const qualifiedNames = leaves.map(qualifiedName);
  const resumeAt = from?.partition;
  const start = resumeAt === undefined ? 0 : qualifiedNames.findIndex((name) => Buffer.compare(Buffer.from(name), Buffer.from(resumeAt)) >= 0);
  if (start < 0) {
    yield { rows: [], after: null };
    return;
  }
  for (let i = start; i < leaves.length; i++) {
    const partition = qualifiedNames[i]!;
    const next = qualifiedNames[i + 1];
    const name = quoteTable(leaves[i]!);
    const startPage = partition === resumeAt ? from!.page : 0;
    for await (const { rows, nextPage } of pageChunks(client, name, `${columns}, ctid, ${quoteLiteral(partition)}`, chunkSize, startPage)) {
      if (nextPage !== null) yield { rows, after: { kind: 'page', page: nextPage, partition } };
      else yield { rows, after: next === undefined ? null : { kind: 'page', page: 0, partition: next } };
    }
  }
}

/**
 * One table's rows by ranges of pages from `startPage`, each chunk with the page after it (null
 * after the last). `name`: the table as SQL spells it; `selected`: the columns and what follows
 * them in each row.
 */
async function* pageChunks(client: pg.Client, name: string, selected: string, chunkSize: number, startPage: number): AsyncGenerator<{ rows: Rows; nextPage: number | null }> {
  const { rows: sizeRows } = await client.query<{ pages: string; per_page: string }>(
    `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int8)::text AS pages,
            (CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 100 END)::text AS per_page
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [name],
  );
  const pages = Number(sizeRows[0]?.pages ?? 0);
  const pagesPerChunk = Math.max(1, Math.floor(chunkSize / Math.max(1, Number(sizeRows[0]?.per_page ?? 100))));
  let page = startPage;
  do {
    const end = page + pagesPerChunk;
    const rows: Rows = [];
    const query = `SELECT ${selected} FROM ONLY ${name} WHERE ctid >= '(${page},0)'::tid AND ctid < '(${end},0)'::tid ORDER BY ctid`;
    for await (const batch of copyRows(client, query)) {
      for (const row of batch) rows.push(row);
    }
    page = end;
    yield { rows, nextPage: page < pages ? page : null };
  } while (page < pages);
}
