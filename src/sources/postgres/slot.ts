/**
 * The replication slot: the durable buffer of changes on the server. Created once with an exported
 * snapshot, so the initial snapshot and the stream meet exactly at the slot's consistent point.
 */
import type pg from 'pg';
import { ConfigError } from '../../errors.js';
import { quoteIdent } from './connection.js';
import { parseLsn, type Lsn } from './lsn.js';

export interface SlotInfo {
  name: string;
  plugin: string;
  database: string;
  active: boolean;
  activePid: number | null;
  confirmedFlushLsn: Lsn | null;
}

export async function slotInfo(client: pg.Client, slotName: string): Promise<SlotInfo | null> {
  const { rows } = await client.query<{ slot_name: string; plugin: string; database: string; active: string; active_pid: string | null; confirmed_flush_lsn: string | null }>(
    `SELECT slot_name, plugin, database, active::text, active_pid::text, confirmed_flush_lsn::text
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    name: row.slot_name,
    plugin: row.plugin,
    database: row.database,
    active: row.active === 'true',
    activePid: row.active_pid === null ? null : Number(row.active_pid),
    confirmedFlushLsn: row.confirmed_flush_lsn === null ? null : parseLsn(row.confirmed_flush_lsn),
  };
}

/** Refuses a slot this connector cannot use, naming the fix. */
export function checkSlotUsable(slot: SlotInfo, database: string): void {
  if (slot.plugin !== 'pgoutput') {
    throw new ConfigError(`Replication slot "${slot.name}" uses the ${slot.plugin} plugin, but Sluice reads pgoutput. Choose another slot.name, or drop that slot if nothing else uses it.`);
  }
  if (slot.database !== database) {
    throw new ConfigError(`Replication slot "${slot.name}" belongs to database "${slot.database}", not "${database}". Choose another slot.name.`);
  }
  if (slot.active) {
    throw new ConfigError(
      `Replication slot "${slot.name}" is in use by another client (process ${slot.activePid}). A slot allows one reader: give this connector its own slot.name, or stop the other reader.`,
    );
  }
}

export interface ExportedSlot {
  consistentPoint: Lsn;
  snapshotName: string;
}

/**
 * Creates the slot on a replication connection and returns the snapshot it exported. The snapshot
 * can be imported (SET TRANSACTION SNAPSHOT) only while `replicationClient` stays open and idle.
 */
export async function createSlotWithSnapshot(replicationClient: pg.Client, slotName: string): Promise<ExportedSlot> {
  const { rows } = await replicationClient.query<{ consistent_point: string; snapshot_name: string }>(
    `CREATE_REPLICATION_SLOT ${quoteIdent(slotName)} LOGICAL pgoutput EXPORT_SNAPSHOT`,
  );
  const row = rows[0]!;
  return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
}

/** Creates the slot without a snapshot (snapshot.mode=no_data); returns its consistent point. */
export async function createSlot(replicationClient: pg.Client, slotName: string): Promise<Lsn> {
  const { rows } = await replicationClient.query<{ consistent_point: string }>(
    `CREATE_REPLICATION_SLOT ${quoteIdent(slotName)} LOGICAL pgoutput NOEXPORT_SNAPSHOT`,
  );
  return parseLsn(rows[0]!.consistent_point);
}

export async function dropSlot(client: pg.Client, slotName: string): Promise<void> {
  await client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`, [slotName]);
}
