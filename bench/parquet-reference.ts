/**
 * The parquet case's reference and its check, run in the orchestrator so none of it counts in
 * Sluice's CPU time or peak RSS: DuckDB (@duckdb/node-api) writing the same rows to one Parquet file
 * with snappy, and DuckDB counting the rows in the files Sluice's sink wrote.
 *
 * Contract:
 * - `columnTypesOf` reads a table's columns and their types from Postgres (format_type names such
 *   as `numeric(12,2)` and `timestamp with time zone`, which DuckDB understands as they are).
 * - `timeDuckDbParquet` loads a CSV export of the rows into an in-memory DuckDB table of those
 *   types (untimed), then times `COPY (SELECT * FROM rows) TO <file> (FORMAT parquet, COMPRESSION
 *   snappy)`; it rejects when the file does not hold `expectedRows` rows.
 * - `checkParquetFiles` finds every .parquet file under a directory and rejects unless together
 *   they hold exactly `expectedRows` rows with as many distinct keys: a run that wrote nothing, or
 *   a row twice, fails loudly.
 * Each call opens its own in-memory databases and closes them before returning; the counts go
 * through the test suite's DuckDB reader (test/support/duckdb.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { readParquet } from '../test/support/duckdb.js';

/** Column name to type, in table order. */
export type ColumnTypes = Array<[name: string, type: string]>;

export interface ParquetOutput {
  files: number;
  bytes: number;
  rows: number;
}

export async function columnTypesOf(databaseUrl: string, table: string): Promise<ColumnTypes> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [table],
    );
    return rows.map((row) => [row.name, row.type]);
  } finally {
    await client.end();
  }
}

/** Seconds DuckDB took to write the rows of `csv` to `out`, and what it wrote. */
export async function timeDuckDbParquet(csv: string, columns: ColumnTypes, out: string, expectedRows: number): Promise<{ seconds: number; output: ParquetOutput }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let seconds: number;
  try {
    const columnList = columns.map(([name, type]) => `${quoted(name)}: ${quoted(type)}`).join(', ');
    await connection.run(`CREATE TABLE bench_rows AS SELECT * FROM read_csv(${quoted(csv)}, header = false, columns = {${columnList}})`);
    const started = process.hrtime.bigint();
    await connection.run(`COPY (SELECT * FROM bench_rows) TO ${quoted(out)} (FORMAT parquet, COMPRESSION snappy)`);
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const rows = await countRows(out);
  if (rows !== expectedRows) throw new Error(`DuckDB wrote ${rows} rows to ${out}, not ${expectedRows}`);
  return { seconds, output: { files: 1, bytes: (await stat(out)).size, rows } };
}

/** The .parquet files under `dir`, checked to hold `expectedRows` rows with distinct `key` values. */
export async function checkParquetFiles(dir: string, key: string, expectedRows: number): Promise<ParquetOutput> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.parquet')).map((entry) => path.join(entry.parentPath, entry.name));
  if (files.length === 0) throw new Error(`the parquet sink wrote no .parquet file under ${dir}`);
  const { rows: [counts] } = await readParquet(path.join(dir, '**', '*.parquet'), { select: `count(*) AS n, count(DISTINCT "${key}") AS keys` });
  const rows = Number(counts!['n']);
  const keys = Number(counts!['keys']);
  if (rows !== expectedRows || keys !== expectedRows) {
    throw new Error(`the parquet sink's ${files.length} file(s) under ${dir} hold ${rows} rows with ${keys} distinct ${key} values, not ${expectedRows}`);
  }
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  return { files: files.length, bytes: sizes.reduce((sum, size) => sum + size, 0), rows };
}

async function countRows(file: string): Promise<number> {
  const { rows: [row] } = await readParquet(file, { select: 'count(*) AS n' });
  return Number(row!['n']);
}

const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;
