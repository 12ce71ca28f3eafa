/**
 * Test support: reads a Parquet file or JSON-lines files with DuckDB (@duckdb/node-api), an
 * independent reader, and returns its rows and the column types DuckDB sees.
 *
 * Values come as DuckDB's JSON-safe forms, which are exact: BIGINT and DECIMAL as their decimal
 * text, timestamps as "2024-01-02 01:04:05.123456" (with "+00" for TIMESTAMP WITH TIME ZONE, which
 * the session shows in UTC), DATE as "2024-01-02", BLOB as "\x01\xFF", NaN and infinities as text,
 * lists as arrays. Types are as DESCRIBE prints them: "DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE",
 * "JSON", "UUID", "INTEGER[][]". `readParquetFooter` gives what the footer says of row groups,
 * compression, the writer and the schema's types. One in-memory database per call, closed before
 * returning.
 */
import { DuckDBInstance, type Json } from '@duckdb/node-api';

export interface ParquetContents {
  /** Column name to DuckDB type, in file order. */
  types: Record<string, string>;
  rows: Record<string, Json>[];
}

/**
 * The rows of the file at `path` (or of several, a glob or list DuckDB accepts) as `SELECT <select>`
 * gives them, ordered by `orderBy` when given.
 */
export async function readParquet(path: string, options: { select?: string; orderBy?: string } = {}): Promise<ParquetContents> {
  return readFrom(`read_parquet(${quoted(path)})`, options);
}

/**
 * The records of the JSON-lines files at `path` (a glob or list; `.gz` files are decompressed), one
 * per line, as `SELECT <select>` gives them from read_json, ordered by `orderBy` when given.
 * `columns` fixes the types of the top-level fields (`{ after: 'JSON' }` keeps a field as its JSON
 * text, to take apart exactly with ->>); without it DuckDB infers them. `filename` names each
 * record's file.
 */
export async function readJsonLines(path: string, options: { columns?: Record<string, string>; select?: string; orderBy?: string } = {}): Promise<ParquetContents> {
  const columns = options.columns ? `, columns = {${Object.entries(options.columns).map(([name, type]) => `${quoted(name)}: ${quoted(type)}`).join(', ')}}` : '';
  return readFrom(`read_json(${quoted(path)}, format = 'newline_delimited', filename = true${columns})`, options);
}

async function readFrom(source: string, options: { select?: string; orderBy?: string }): Promise<ParquetContents> {
  return withDuckDb(async (query) => {
    const select = `SELECT ${options.select ?? '*'} FROM ${source}${options.orderBy ? ` ORDER BY ${options.orderBy}` : ''}`;
    const types: Record<string, string> = {};
    for (const row of await query(`DESCRIBE ${select}`)) types[String(row['column_name'])] = String(row['column_type']);
    return { types, rows: await query(select) };
  });
}

export interface ParquetFooter {
  /** Rows per row group, in file order. */
  rowGroups: number[];
  /** Bytes per row group in the file (its column chunks, compressed), in file order. */
  rowGroupBytes: number[];
  /** The compression codecs of the column chunks, each once. */
  codecs: string[];
  createdBy: string;
  /** The schema's elements below the root (of the first file, for several), depth first, with their types as DuckDB prints them (null where absent). */
  schema: { name: string; type: string | null; convertedType: string | null; logicalType: string | null }[];
}

export async function readParquetFooter(path: string): Promise<ParquetFooter> {
  return withDuckDb(async (query) => {
    const groups = await query(
      `SELECT row_group_id, any_value(row_group_num_rows) AS row_group_num_rows, sum(total_compressed_size) AS bytes FROM parquet_metadata(${quoted(path)}) GROUP BY row_group_id ORDER BY row_group_id`,
    );
    const codecs = await query(`SELECT DISTINCT compression FROM parquet_metadata(${quoted(path)}) ORDER BY 1`);
    const [file] = await query(`SELECT created_by FROM parquet_file_metadata(${quoted(path)})`);
    // The first file's, without its root.
    const elements = (await query(`SELECT file_name, name, type, converted_type, logical_type FROM parquet_schema(${quoted(path)})`)).filter((e, _, all) => e['file_name'] === all[0]!['file_name']);
    const text = (value: Json) => (value === null ? null : String(value));
    return {
      rowGroups: groups.map((g) => Number(g['row_group_num_rows'])),
      rowGroupBytes: groups.map((g) => Number(g['bytes'])),
      codecs: codecs.map((c) => String(c['compression'])),
      createdBy: String(file!['created_by']),
      schema: elements.slice(1).map((e) => ({ name: String(e['name']), type: text(e['type']), convertedType: text(e['converted_type']), logicalType: text(e['logical_type']) })),
    };
  });
}

async function withDuckDb<T>(work: (query: (sql: string) => Promise<Record<string, Json>[]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function quoted(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}
