/**
 * A random write workload on a test table, running until stopped: inserts, updates, deletes and
 * primary-key changes in transactions of varying size, on one connection.
 */
import pg from 'pg';

export interface Workload {
  stop(): Promise<number>;
}

export async function createItemsTable(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL, note text)`);
  await client.query(`INSERT INTO items SELECT g, g % 100, 'row ' || g FROM generate_series(1, $1) g`, [rows]);
  await client.query('ANALYZE items');
  await client.end();
}

/**
 * Runs random transactions against `items` until `stop()`, as fast as it can or `pauseMs` apart;
 * resolves with the number of transactions.
 */
export function startWorkload(url: string, options: { maxId: number; seed?: number; pauseMs?: number }): Workload {
  let running = true;
  let transactions = 0;
  let nextId = options.maxId + 1;
  let seed = options.seed ?? 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = () => 1 + Math.floor(random() * (nextId - 1));
  const done = (async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    while (running) {
      const statements = 1 + Math.floor(random() * 8);
      await client.query('BEGIN');
      for (let i = 0; i < statements; i++) {
        const r = random();
        if (r < 0.35) await client.query(`INSERT INTO items VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [nextId++, Math.floor(random() * 100), `new ${nextId}`]);
        else if (r < 0.75) await client.query(`UPDATE items SET qty = qty + 1, note = note || '+' WHERE id = $1`, [pick()]);
        else if (r < 0.92) await client.query(`DELETE FROM items WHERE id = $1`, [pick()]);
        else await client.query(`UPDATE items SET id = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM items WHERE id = $1)`, [nextId++, pick()]);
      }
      await client.query('COMMIT');
      transactions++;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      return transactions;
    },
  };
}

export async function selectItems(url: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT id, qty, note FROM items ORDER BY id');
  await client.end();
  return rows;
}
