/**
 * Test support for the type mapping tests (not used by the worker): a database on the test server and
 * a connection that reads values the way the Postgres source does, as raw text under the session
 * settings. `read` creates a table, inserts rows, reads them back as text, resolves the column types
 * with loadTypes (from pg_attribute, as the source does) and maps every column with mapColumn.
 */
import pg from 'pg';
import type { ConnectField } from '../../src/events.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { sessionOptions } from '../../src/sources/postgres/session.js';
import { DEFAULT_TYPE_MAPPING, mapColumn, type ColumnMapping, type TypeMappingOptions } from '../../src/sources/postgres/types/column-mapping.js';
import { loadTypes, type PgType } from '../../src/sources/postgres/types/type-catalog.js';

export interface ReadColumn {
  field: ConnectField;
  type: PgType;
  typeMod: number;
  /** the text of each row's value, null for SQL NULL */
  texts: (string | null)[];
  /** each row's converted value, null for SQL NULL */
  values(): unknown[];
  convert: ColumnMapping['convert'];
}

export interface TextFixture {
  /** A connection with the source's session settings that returns every value as text. */
  client: pg.Client;
  /** Runs DDL or DML on the fixture connection. */
  sql(text: string): Promise<void>;
  /**
   * Creates a table with `columns` (SQL column definitions), inserts `rows` (lists of SQL value
   * expressions, one per column) and returns the columns, read back and mapped, by name.
   */
  read(columns: Record<string, string>, rows: string[][], options?: Partial<TypeMappingOptions>): Promise<Record<string, ReadColumn>>;
  close(): Promise<void>;
}

export async function openTextFixture(prefix: string): Promise<TextFixture> {
  const db: TestDatabase = await createTestDatabase(prefix);
  const client = new pg.Client({ connectionString: db.url, options: sessionOptions(), types: { getTypeParser: () => (value: string) => value } });
  await client.connect();
  let tables = 0;
  return {
    client,
    async sql(text) {
      await client.query(text);
    },
    async read(columns, rows, options = {}) {
      const table = `read_${tables++}`;
      const names = Object.keys(columns);
      const definitions = names.map((name) => `${pg.escapeIdentifier(name)} ${columns[name]}`);
      await client.query(`CREATE TABLE ${table} (ord int, ${definitions.join(', ')})`);
      for (const [i, row] of rows.entries()) await client.query(`INSERT INTO ${table} VALUES (${i}, ${row.join(', ')})`);
      const attributes = await client.query<{ name: string; type: string; typmod: string; notnull: string }>(
        `SELECT attname AS name, atttypid AS type, atttypmod AS typmod, attnotnull AS notnull
           FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 1 AND NOT attisdropped ORDER BY attnum`,
        [table],
      );
      const types = await loadTypes(client, attributes.rows.map((row) => Number(row.type)));
      const result = await client.query<(string | null)[]>({ text: `SELECT ${names.map((n) => pg.escapeIdentifier(n)).join(', ')} FROM ${table} ORDER BY ord`, rowMode: 'array' });
      const read: Record<string, ReadColumn> = {};
      attributes.rows.forEach((attribute, index) => {
        const type = types.get(Number(attribute.type))!;
        const typeMod = Number(attribute.typmod);
        const { field, convert } = mapColumn({ name: attribute.name, type, typeMod, optional: attribute.notnull !== 't' }, { ...DEFAULT_TYPE_MAPPING, ...options });
        const texts = result.rows.map((row) => row[index] ?? null);
        const values = () => texts.map((text) => (text === null ? null : convert(text)));
        read[attribute.name] = { field, type, typeMod, texts, values, convert };
      });
      return read;
    },
    async close() {
      await client.end();
      await db.drop();
    },
  };
}
