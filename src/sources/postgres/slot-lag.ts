/**
 * How far a replication slot trails the server: the bytes of WAL between the server's current
 * position and what the slot's reader has confirmed (`confirmed_flush_lsn`). This is the WAL the
 * server keeps on disk for the connector, and the metric to alert on.
 *
 * Contract:
 * - `slotLagBytes` runs one query on the given client; null when the slot does not exist or has
 *   never confirmed a position. On a standby (logical decoding there, PG 16+) the current position
 *   is the last replayed one.
 * - `SlotLagProbe` is what a source registers for metrics scrapes: it reads the lag on a connection
 *   of its own, opened on first use, so a scrape never queues behind the task's snapshot or catalog
 *   queries. A failed read rejects and drops the connection; the next read opens a new one.
 *   `close()` ends the connection (a later read would open another).
 */
import type pg from 'pg';
import { connect, type ConnectionSettings } from './connection.js';

export async function slotLagBytes(client: pg.Client, slotName: string): Promise<number | null> {
  const { rows } = await client.query<{ lag: string | null }>(
    `SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
                            confirmed_flush_lsn)::text AS lag
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName],
  );
  const lag = rows[0]?.lag;
  // A standby's replay position can trail what the slot confirmed; that is no lag.
  return lag === undefined || lag === null ? null : Math.max(0, Number(lag));
}

export class SlotLagProbe {
  private client: Promise<pg.Client> | undefined;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly slotName: string,
  ) {}

  async lagBytes(): Promise<number | null> {
    const opening = (this.client ??= this.open());
    try {
      return await slotLagBytes(await opening, this.slotName);
    } catch (error) {
      this.discard(opening);
      throw error;
    }
  }

  async close(): Promise<void> {
    const opening = this.client;
    this.client = undefined;
    if (opening) await opening.then((client) => client.end()).catch(() => {});
  }

  private open(): Promise<pg.Client> {
    const opening: Promise<pg.Client> = connect(this.settings).then((client) => {
      // The server or the network may end an idle connection between scrapes: reopen next time.
      client.once('end', () => {
        if (this.client === opening) this.client = undefined;
      });
      return client;
    });
    return opening;
  }

  private discard(opening: Promise<pg.Client>): void {
    if (this.client !== opening) return;
    this.client = undefined;
    void opening.then((client) => client.end()).catch(() => {});
  }
}
