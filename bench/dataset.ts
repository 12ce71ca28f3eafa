/**
 * The benchmark's data: one table of realistic rows (bigint key, int, ~40-character text,
 * numeric(12,2), timestamptz, boolean), loaded with generate_series, and a backlog of changes on it
 * made by the server itself (a procedure that commits as it goes), so generating a million changes
 * costs no client round trip per change.
 *
 * Contract: `createBenchDatabase` makes the database, table and publication and loads the rows;
 * `createSlots` must run before `generateBacklog`, so every slot made there sees the whole backlog.
 * `generateBacklog` returns exactly how many row changes it made and the end LSN of its last
 * transaction (the position a consumer has read everything at). Each call blocks on the server.
 */
import pg from 'pg';

export const TABLE = 'public.t';
export const PUBLICATION = 'bench_pub';

/** Column values of the row with key `id` (a SQL expression), used by the load and the backlog alike. */
const rowValues = (id: string) =>
  `${id}, (${id} % 1000)::int, 'customer-' || md5(${id}::text), ((${id} % 10000000) / 100.0)::numeric(12,2), ` +
  `timestamptz '2024-01-01 00:00:00+00' + ${id} * interval '1 second', ${id} % 2 = 0`;

// Small transactions of 1 to 10 statements, each changing exactly one row. In every run of ten
// statements three insert new rows, two delete rows inserted earlier in the same run, five update
// loaded rows. The whole procedure is deterministic, so the change counts are known in advance.
const SMALL_CHANGES_PROCEDURE = `
CREATE PROCEDURE bench_small_changes(first_step bigint, end_step bigint, new_base bigint, loaded bigint)
LANGUAGE plpgsql AS $$
DECLARE
  step bigint := first_step;
  tx bigint := 0;
  op int;
  new_id bigint;
BEGIN
  WHILE step < end_step LOOP
    FOR s IN 1..(1 + tx % 10) LOOP
      EXIT WHEN step >= end_step;
      op := (step % 10)::int;
      new_id := new_base + (step / 10) * 3 + op;
      IF op < 3 THEN
        INSERT INTO t VALUES (${rowValues('new_id')});
      ELSIF op < 5 THEN
        DELETE FROM t WHERE id = new_id - 3;
      ELSE
        UPDATE t SET qty = qty + 1, amount = amount + 0.01, created_at = created_at + interval '1 second'
         WHERE id = 1 + (step * 7919) % loaded;
      END IF;
      step := step + 1;
    END LOOP;
    COMMIT;
    tx := tx + 1;
  END LOOP;
END $$`;

export interface Backlog {
  changes: number;
  inserts: number;
  updates: number;
  deletes: number;
  smallTransactions: number;
  largeTransactions: number;
  /** End LSN of the backlog's last transaction, as `X/Y`. */
  endLsn: string;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(serverUrl: string, databaseUrl: string, database: string, rows: number): Promise<void> {
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${database}`));
  await withClient(databaseUrl, async (client) => {
    // No autovacuum: it would write WAL and compete for the CPU in the middle of a measurement.
    await client.query(`CREATE TABLE t (
      id bigint PRIMARY KEY, qty int NOT NULL, note text NOT NULL, amount numeric(12,2) NOT NULL,
      created_at timestamptz NOT NULL, active boolean NOT NULL) WITH (autovacuum_enabled = false)`);
    await client.query(`INSERT INTO t SELECT ${rowValues('i')} FROM generate_series(1, $1::bigint) AS i`, [rows]);
    await client.query('VACUUM ANALYZE t');
    await client.query(`CREATE PUBLICATION ${PUBLICATION} FOR TABLE t`);
    await client.query('CREATE EXTENSION pg_walinspect');
    await client.query(SMALL_CHANGES_PROCEDURE);
  });
}

export async function createSlots(databaseUrl: string, names: string[]): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    for (const name of names) await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [name]);
  });
}

/** How many statements of each kind `bench_small_changes` runs for steps [from, to). */
function smallCounts(from: number, to: number): { inserts: number; updates: number; deletes: number; transactions: number } {
  const counts = { inserts: 0, updates: 0, deletes: 0, transactions: 0 };
  for (let step = from, tx = 0; step < to; tx++) {
    counts.transactions++;
    for (let s = 0; s < 1 + (tx % 10) && step < to; s++, step++) {
      const op = step % 10;
      if (op < 3) counts.inserts++;
      else if (op < 5) counts.deletes++;
      else counts.updates++;
    }
  }
  return counts;
}

/**
 * Makes `changes` row changes: 30% (at most 300,000) in three large single-statement transactions
 * (an insert, an update and a delete of up to 100,000 rows each), the rest in small transactions,
 * in four runs between the large ones. One last single-row update, committed synchronously, marks
 * the end; its commit record's end is read back with pg_walinspect.
 */
export async function generateBacklog(databaseUrl: string, loadedRows: number, changes: number): Promise<Backlog> {
  return withClient(databaseUrl, async (client) => {
    const large = Math.min(100_000, Math.floor(changes / 10), loadedRows);
    const small = changes - 3 * large - 1;
    const newBase = loadedRows + large + 1;
    const quarter = Math.ceil(small / 4);
    const runs = [0, 1, 2, 3].map((i) => [Math.min(small, i * quarter), Math.min(small, (i + 1) * quarter)] as const);
    const counts = { inserts: 0, updates: 0, deletes: 0, smallTransactions: 0 };
    const runSmall = async ([from, to]: readonly [number, number]) => {
      if (to <= from) return;
      await client.query('CALL bench_small_changes($1, $2, $3, $4)', [from, to, newBase, loadedRows]);
      const c = smallCounts(from, to);
      counts.inserts += c.inserts;
      counts.updates += c.updates;
      counts.deletes += c.deletes;
      counts.smallTransactions += c.transactions;
    };
    const rowCount = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;

    await runSmall(runs[0]!);
    counts.inserts += await rowCount(`INSERT INTO t SELECT ${rowValues('i')} FROM generate_series($1::bigint + 1, $1::bigint + $2) AS i`, [loadedRows, large]);
    await runSmall(runs[1]!);
    counts.updates += await rowCount(`UPDATE t SET qty = qty + 1, note = upper(note), amount = amount * 2 WHERE id <= $1`, [large]);
    await runSmall(runs[2]!);
    counts.deletes += await rowCount(`DELETE FROM t WHERE id > $1 AND id <= $1::bigint + $2`, [loadedRows, large]);
    await runSmall(runs[3]!);

    const before = (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
    await client.query('SET synchronous_commit = on');
    await client.query('BEGIN');
    const xid = (await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid;
    counts.updates += await rowCount('UPDATE t SET qty = qty + 1 WHERE id = 1', []);
    await client.query('COMMIT');
    const { rows } = await client.query<{ lsn: string | null }>(
      `SELECT max(end_lsn)::text AS lsn FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_insert_lsn())
        WHERE record_type = 'COMMIT' AND xid::text = ($2::bigint % 4294967296)::text`,
      [before, xid],
    );
    const endLsn = rows[0]?.lsn;
    if (!endLsn) throw new Error('could not find the commit record of the backlog\'s last transaction');
    return {
      changes: counts.inserts + counts.updates + counts.deletes,
      inserts: counts.inserts,
      updates: counts.updates,
      deletes: counts.deletes,
      smallTransactions: counts.smallTransactions + 1,
      largeTransactions: large > 0 ? 3 : 0,
      endLsn,
    };
  });
}
