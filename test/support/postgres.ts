/**
 * Per-test-file databases on the shared test server. `createTestDatabase()` makes a database with a
 * unique name and returns its URL plus a `drop()` that first removes the replication slots left in it.
 */
import pg from 'pg';
import { inject } from 'vitest';
import { waitFor } from './wait.js';

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL in the test database on a short-lived connection. */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

let counter = 0;

export function serverUrl(): string {
  return inject('databaseUrl');
}

export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const base = serverUrl();
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase();
  await withClient(base, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(base, name);
  return {
    url,
    name,
    sql: (text, values) => withClient(url, async (c) => (await c.query(text, values as unknown[])).rows),
    async drop() {
      await withClient(base, async (c) => {
        // A terminated reader lets go of its slot a moment later; a slot still held cannot be dropped.
        for (let attempt = 0; ; attempt++) {
          const { rows } = await c.query(
            `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL`,
            [name],
          );
          if (rows.length === 0 || attempt === 100) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await c.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, [name]);
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

/**
 * Writes `sql` (one statement) in its own transaction and waits until the replication slot has
 * confirmed that transaction. The slot is confirmed only once every sink holds everything up to
 * it, so afterwards the pipeline has caught up with every write made before. A marker row seen in
 * the sink is not enough: after a restart the snapshot may read it before the stream replays the
 * changes made while the worker was down.
 */
export async function writeAndWaitForSlot(client: pg.Client, slot: string, sql: string, timeoutMs = 60_000): Promise<void> {
  await client.query('BEGIN');
  await client.query(sql);
  const [written] = (await client.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`)).rows;
  await client.query('COMMIT');
  await waitFor(
    async () => {
      const { rows } = await client.query<{ past: boolean }>(`SELECT confirmed_flush_lsn > $2::pg_lsn AS past FROM pg_replication_slots WHERE slot_name = $1`, [slot, written!.lsn]);
      return rows[0]?.past === true;
    },
    timeoutMs,
    `slot ${slot} to confirm the write "${sql}"`,
    100,
  );
}
