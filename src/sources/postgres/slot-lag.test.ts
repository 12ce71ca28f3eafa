import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import type { ConnectionSettings } from './connection.js';
import { SlotLagProbe, slotLagBytes } from './slot-lag.js';

function settingsOf(url: string): ConnectionSettings {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: u.pathname.slice(1),
    ssl: false,
    sslFallback: false,
  };
}

/** Writes about 2 MB of WAL; returns how far the server's WAL position moved meanwhile, in bytes. */
async function writeWal(client: pg.Client): Promise<number> {
  const [before] = (await client.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows;
  await client.query(`INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 10000) g`);
  return walSince(client, before!.lsn);
}

async function walSince(client: pg.Client, lsn: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes`, [lsn]);
  return Number(rows[0]!.bytes);
}

describe('slot lag', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const slot = 'lag_slot';

  beforeAll(async () => {
    db = await createTestDatabase('slot_lag');
    await db.sql(`CREATE TABLE filler (id int, pad text)`);
    await db.sql(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // The test server commits asynchronously; waiting for the WAL write makes each insert count at once.
    await client.query(`SET synchronous_commit = on`);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('grows with the WAL written after the confirmed position and drops when the slot advances', async () => {
    const start = await slotLagBytes(client, slot);
    expect(start).not.toBeNull();
    const written = await writeWal(client);
    expect(written).toBeGreaterThan(0);
    const behind = (await slotLagBytes(client, slot))!;
    expect(behind).toBeGreaterThanOrEqual(start! + written);

    const { rows } = await client.query<{ lsn: string }>(`SELECT end_lsn::text AS lsn FROM pg_replication_slot_advance($1, pg_current_wal_lsn())`, [slot]);
    const caughtUp = (await slotLagBytes(client, slot))!;
    // What remains is at most the WAL written (by anyone on the server) since the advance.
    expect(caughtUp).toBeLessThanOrEqual(await walSince(client, rows[0]!.lsn));
    expect(caughtUp).toBeLessThan(behind);
  });

  it('is null for a slot that does not exist', async () => {
    expect(await slotLagBytes(client, 'no_such_slot')).toBeNull();
  });

  it('reads through a probe on a connection of its own, reopened after the server ends it', async () => {
    const probe = new SlotLagProbe(settingsOf(db.url), slot);
    try {
      const written = await writeWal(client);
      expect(await probe.lagBytes()).toBeGreaterThanOrEqual(written);
      const probes = () =>
        db.sql<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sluice'`);
      const [backend] = await probes();
      expect(backend).toBeDefined();

      await db.sql(`SELECT pg_terminate_backend($1)`, [backend!.pid]);
      while ((await probes()).length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // The read right after may still find the dead connection, and fails; the next one reconnects.
      await probe.lagBytes().catch(() => null);
      expect(await probe.lagBytes()).toBeGreaterThan(0);
      const [reopened] = await probes();
      expect(reopened!.pid).not.toBe(backend!.pid);
    } finally {
      await probe.close();
    }
    expect(await probe.lagBytes().finally(() => probe.close())).toBeGreaterThan(0);
  });
});
