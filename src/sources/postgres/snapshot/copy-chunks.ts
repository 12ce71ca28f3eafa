/**
 * The rows of one query out of the server through `COPY (query) TO STDOUT`, as COPY's text values,
 * in the batches they arrive in (`copyRows`), or handed on in chunks of a bounded size as they
 * arrive (`streamedChunks`), for the readers of table-chunks.ts and root-chunks.ts. Both run on the
 * caller's connection inside its transaction; while the caller works on what was yielded, the
 * server goes on writing until the connection's buffers are full, then waits to be read.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyTextRows } from './copy-text-rows.js';

/** Rows as COPY gives them: each row's values as text, in column order. */
export type Rows = Array<Array<string | null>>;

/** The rows of `query`, in the batches they arrive in. */
export async function* copyRows(client: pg.Client, query: string): AsyncGenerator<Rows> {
  const rows = new CopyTextRows();
  for await (const bytes of client.query(copyTo(`COPY (${query}) TO STDOUT`)) as AsyncIterable<Buffer>) {
    yield rows.push(bytes);
  }
  if (rows.pending) throw new Error(`the server's COPY output ended inside a row (${query})`);
}

/**
 * The rows of `query` handed on as they arrive, in chunks of at most chunkSize so that few rows wait
 * here. A chunk is handed on once a row after it has arrived, or the query has ended, so the last
 * one is known as such (`last`; it is empty when the query returned nothing).
 */
export async function* streamedChunks(client: pg.Client, query: string, chunkSize: number): AsyncGenerator<{ rows: Rows; last: boolean }> {
  let held: Rows = [];
  for await (const rows of copyRows(client, query)) {
    if (rows.length === 0) continue;
    if (held.length > 0) yield { rows: held, last: false };
    for (let from = 0; from + chunkSize < rows.length; from += chunkSize) yield { rows: rows.slice(from, from + chunkSize), last: false };
    held = rows.length <= chunkSize ? rows : rows.slice(Math.floor((rows.length - 1) / chunkSize) * chunkSize);
  }
  yield { rows: held, last: true };
}
