/**
 * Schema changes end to end: a worker captures a table of a real PostgreSQL into the S3 sink (a
 * local directory store) while ALTER TABLEs run between its changes: a column added, a column
 * dropped, a numeric's scale raised. Read back with DuckDB one file at a time, every file has one
 * of the table's four schemas, every change is in a file of the schema it was made under, exactly
 * once and with its exact values (a decimal at its file's scale), and nothing is coerced into a
 * schema it was not made under.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { filesUnder } from '../../src/sinks/s3-parquet/s3-sink-task.fixture.js';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import { readParquet } from '../support/duckdb.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';

/** The columns of each schema the table goes through, as DuckDB types them, metadata columns left out. */
const SCHEMAS = {
  created: { id: 'INTEGER', name: 'VARCHAR', price: 'DECIMAL(12,2)' },
  qtyAdded: { id: 'INTEGER', name: 'VARCHAR', price: 'DECIMAL(12,2)', qty: 'INTEGER' },
  nameDropped: { id: 'INTEGER', price: 'DECIMAL(12,2)', qty: 'INTEGER' },
  priceRescaled: { id: 'INTEGER', price: 'DECIMAL(12,4)', qty: 'INTEGER' },
  noteAdded: { id: 'INTEGER', price: 'DECIMAL(12,4)', qty: 'INTEGER', note: 'VARCHAR' },
};
type SchemaName = keyof typeof SCHEMAS;

/**
 * What the lake must hold, per schema: each change as `op id column=value...` with the values as
 * DuckDB prints them. Deletes carry only the key (REPLICA IDENTITY DEFAULT).
 */
const EXPECTED: Record<SchemaName, string[]> = {
  created: ['r 1 name=apple price=1.50', 'r 2 name=pear price=2.25', 'c 3 name=plum price=3.10', 'u 1 name=apple price=1.75'],
  qtyAdded: ['c 4 name=fig price=4.05 qty=7', 'u 2 name=pear price=2.25 qty=4', 'c 5 name=kiwi price=0.99 qty=null'],
  nameDropped: ['c 6 price=6.60 qty=1', 'd 3 price=null qty=null', 'u 4 price=4.10 qty=7'],
  priceRescaled: ['c 7 price=7.1234 qty=2', 'u 1 price=1.7501 qty=null', 'u 6 price=6.6000 qty=3', 'u 2 price=2.2500 qty=5'],
  noteAdded: ['c 8 price=8.0000 qty=null note=ripe', 'u 7 price=7.1234 qty=2 note=null'],
};

/** The statements, each its own transaction, after the snapshot of rows 1 and 2 (and before the closing update of 7). */
const STATEMENTS = [
  `INSERT INTO prices VALUES (3, 'plum', 3.10)`,
  `UPDATE prices SET price = 1.75 WHERE id = 1`,
  `ALTER TABLE prices ADD COLUMN qty int`,
  `INSERT INTO prices VALUES (4, 'fig', 4.05, 7)`,
  `UPDATE prices SET qty = 4 WHERE id = 2`,
  `INSERT INTO prices (id, name, price) VALUES (5, 'kiwi', 0.99)`,
  `ALTER TABLE prices DROP COLUMN name`,
  `INSERT INTO prices VALUES (6, 6.6, 1)`,
  `DELETE FROM prices WHERE id = 3`,
  `UPDATE prices SET price = 4.1 WHERE id = 4`,
  `ALTER TABLE prices ALTER COLUMN price TYPE numeric(12,4)`,
  `INSERT INTO prices VALUES (7, 7.1234, 2)`,
  `UPDATE prices SET price = price + 0.0001 WHERE id = 1`,
  `UPDATE prices SET qty = 3 WHERE id = 6`,
  // A change made before and one after the ALTER TABLE in the same transaction.
  `BEGIN; UPDATE prices SET qty = 5 WHERE id = 2; ALTER TABLE prices ADD COLUMN note text; INSERT INTO prices VALUES (8, 8, NULL, 'ripe'); COMMIT`,
];

describe('S3 sink: schema changes while the worker runs', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('schema');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('closes the file at each ALTER TABLE and writes every change once, in a file of its own schema with its exact values', { timeout: 120_000 }, async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE prices (id int PRIMARY KEY, name text, price numeric(12,2))`);
    await client.query(`INSERT INTO prices VALUES (1, 'apple', 1.5), (2, 'pear', 2.25)`);
    const dir = workerDir();
    const lake = path.join(dir.dir, 'lake');
    const slot = `${db.name}_prices`;
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }));
    try {
      await herder.start([
        // No record limit and the wall clock rotating rarely: the files end where the schema changes.
        { name: 'lake', config: { 'connector.class': 'S3ParquetSink', topics: 'test.public.prices', 'store.url': `file://${lake}`, 'rotate.schedule.interval.ms': '500' } },
        { name: 'source', config: postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': 'public.prices', 'heartbeat.interval.ms': '0' }) },
      ]);
      for (const statement of STATEMENTS) await client.query(statement);
      // A last change, once confirmed, means that every change before it is in uploaded files.
      await writeAndWaitForSlot(client, slot, `UPDATE prices SET qty = qty WHERE id = 7`);
    } finally {
      await herder.shutdown();
      await client.end();
    }

    const files = filesUnder(lake).map((file) => path.join(lake, file));
    const found: Record<SchemaName, string[]> = { created: [], qtyAdded: [], nameDropped: [], priceRescaled: [], noteAdded: [] };
    for (const file of files) {
      const { types, rows } = await readParquet(file, { orderBy: '__lsn, id' });
      // Each file has exactly one of the table's schemas: its row columns (DuckDB adds the Hive
      // partition columns of the path after them).
      const columns = Object.fromEntries(Object.entries(types).filter(([name]) => !name.startsWith('__') && !['year', 'month', 'day'].includes(name)));
      const schema = (Object.keys(SCHEMAS) as SchemaName[]).find((name) => JSON.stringify(SCHEMAS[name]) === JSON.stringify(columns));
      expect(schema, `${path.basename(file)} has columns ${JSON.stringify(columns)}`).toBeDefined();
      for (const row of rows) {
        const values = Object.keys(columns).filter((name) => name !== 'id').map((name) => `${name}=${row[name] === null ? 'null' : String(row[name])}`);
        found[schema!].push([row['__op'], row['id'], ...values].join(' '));
      }
    }
    console.log(files.map((f) => path.basename(f)), JSON.stringify(found, null, 1));
    for (const name of Object.keys(EXPECTED) as SchemaName[]) expect([...found[name]].sort(), name).toEqual([...EXPECTED[name]].sort());
  });
});
