/**
 * The replication slot: the durable buffer of changes on the server. Created once with an exported
 * snapshot, so the initial snapshot and the stream meet exactly at the slot's consistent point.
 *
 * A slot serves one reader at a time. Inside one worker process `claimSlot` refuses a second
 * connector on the same slot before either touches the server; across processes the server's own
 * `active` flag tells (`checkSlotUsable`).
 */
import type pg from 'pg';
import { ConfigError, RetriableError, SluiceError } from '../../errors.js';
import { quoteIdent } from './connection.js';
import { parseLsn, type Lsn } from './lsn.js';

export interface SlotInfo {
  name: string;
  /** null for a physical slot */
  plugin: string | null;
  database: string | null;
  active: boolean;
  activePid: number | null;
  /** Who reads the slot now, as far as pg_stat_activity shows this user. */
  reader: { applicationName: string | null; clientAddr: string | null } | null;
  confirmedFlushLsn: Lsn | null;
}

interface SlotRow {
  slot_name: string;
  plugin: string | null;
  database: string | null;
  active: string;
  active_pid: string | null;
  application_name: string | null;
  client_addr: string | null;
  confirmed_flush_lsn: string | null;
}

export async function slotInfo(client: pg.Client, slotName: string): Promise<SlotInfo | null> {
  const { rows } = await client.query<SlotRow>(
    `SELECT s.slot_name, s.plugin, s.database, s.active::text, s.active_pid::text, s.confirmed_flush_lsn::text,
            NULLIF(a.application_name, '') AS application_name, host(a.client_addr) AS client_addr
       FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid
      WHERE s.slot_name = $1`,
    [slotName],
  );
  const row = rows[0];
  if (!row) return null;
  const activePid = row.active_pid === null ? null : Number(row.active_pid);
  return {
    name: row.slot_name,
    plugin: row.plugin,
    database: row.database,
    active: row.active === 'true',
    activePid,
    reader: activePid === null ? null : { applicationName: row.application_name, clientAddr: row.client_addr },
    confirmedFlushLsn: row.confirmed_flush_lsn === null ? null : parseLsn(row.confirmed_flush_lsn),
  };
}

/**
 * Refuses a slot this connector cannot use, naming the fix. A slot another reader holds is
 * retriable: the reader may be an earlier run of this connector that the server has not yet seen go.
 */
export function checkSlotUsable(slot: SlotInfo, database: string): void {
  if (slot.plugin === null) {
    throw new ConfigError(`Replication slot "${slot.name}" is a physical slot (for standby servers), not a logical one. Choose another slot.name.`);
  }
  if (slot.plugin !== 'pgoutput') {
    throw new ConfigError(`Replication slot "${slot.name}" uses the ${slot.plugin} plugin, but Sluice reads pgoutput. Choose another slot.name, or drop that slot if nothing else uses it.`);
  }
  if (slot.database !== database) {
    throw new ConfigError(`Replication slot "${slot.name}" belongs to database "${slot.database}", not "${database}". Choose another slot.name.`);
  }
  if (slot.active) {
    const reader = [
      `process ${slot.activePid}`,
      slot.reader?.applicationName ? `application "${slot.reader.applicationName}"` : null,
      slot.reader?.clientAddr ? `from ${slot.reader.clientAddr}` : null,
    ].filter(Boolean);
    throw new RetriableError(
      'PG_SLOT_IN_USE',
      `Replication slot "${slot.name}" is held by another reader (${reader.join(', ')}), and a slot serves one reader at a time. ` +
        `Stop that reader, or give this connector its own slot.name. If the reader is an earlier run of this connector that did not shut down cleanly, ` +
        `the server releases the slot within wal_sender_timeout; to release it now: SELECT pg_terminate_backend(${slot.activePid});`,
      { stage: 'start' },
    );
  }
}

const claims = new Map<string, string>();

/**
 * Reserves `slotName` on `server` ("host:port") for `connector` within this process, and returns
 * the function that gives it back. Refuses a slot another connector of this worker has reserved.
 */
export function claimSlot(server: string, slotName: string, connector: string): () => void {
  const key = `${server}/${slotName}`;
  const holder = claims.get(key);
  if (holder !== undefined) {
    throw new ConfigError(
      `slot.name "${slotName}" is already used by connector "${holder}" in this worker, on the same server (${server}). A replication slot serves one connector: give connector "${connector}" a slot.name of its own.`,
    );
  }
  claims.set(key, connector);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    claims.delete(key);
  };
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

const RELEASE_POLL_MS = 100;

/**
 * Drops the slot; resolves once it is gone. A reader that has just disconnected (this task's own
 * stream, a failed start's replication connection) releases the slot a moment after its socket
 * closes, so a held slot is waited for up to `waitMs` before this gives up naming the holder.
 */
export async function dropSlot(client: pg.Client, slotName: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const slot = await slotInfo(client, slotName);
    if (!slot) return;
    if (!slot.active) {
      try {
        await client.query(`SELECT pg_drop_replication_slot($1)`, [slotName]);
        return;
      } catch (error) {
        // 55006: taken again in between; 42704: dropped by someone else. The next look decides.
        const code = (error as { code?: string }).code;
        if (code !== '55006' && code !== '42704') throw error;
      }
    } else if (Date.now() >= deadline) {
      throw new SluiceError(
        'PG_SLOT_IN_USE',
        `Replication slot "${slotName}" could not be dropped: process ${slot.activePid} still reads it. Drop it once that reader is gone: SELECT pg_drop_replication_slot('${slotName}');`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, RELEASE_POLL_MS));
  }
}
