/**
 * Decides what a starting Postgres source task does, from `snapshot.mode`, the committed offset and
 * whether the replication slot exists. Pure, so every case is unit-tested.
 *
 * The one invariant every plan keeps: the stream starts at or before the point the snapshot's data
 * reflects, so nothing falls in between. A snapshot in the slot's exported snapshot meets the stream
 * exactly; a snapshot taken later (resuming after a crash, or with a slot that already existed) sees
 * data newer than the slot's position, and the stream then replays those changes again: harmless,
 * since events carry whole rows and are applied in order (at-least-once).
 */
import { ConfigError } from '../../errors.js';
import type { Lsn } from './lsn.js';
import type { SnapshotProgress } from './source-offset.js';

export type SnapshotMode = 'initial' | 'initial_only' | 'no_data' | 'always' | 'when_needed';

export interface StartState {
  mode: SnapshotMode;
  slotName: string;
  /** The slot's confirmed position, or null when it does not exist. */
  slotLsn: Lsn | null;
  /** Unfinished snapshot in the offset, if any. */
  progress: SnapshotProgress | null;
  /** Streaming resume point in the offset, if any. */
  resumeLsn: Lsn | null;
}

export interface StartPlan {
  /** Create the slot; `export` takes the snapshot from it. */
  createSlot: 'export' | 'plain' | null;
  /**
   * Read tables, resuming from `progress`. A null lsn is filled in at start: with the new slot's
   * consistent point, or (initial_only, no slot) with the WAL position the snapshot sees.
   */
  snapshot: { progress: Omit<SnapshotProgress, 'lsn'> & { lsn: Lsn | null } } | null;
  /** Stream after the snapshot (or at once), from this LSN when known (else the slot's position). */
  stream: { from: Lsn | null } | null;
  /** A note for the log on why this plan; `warn` when it redoes work or gives up changes. */
  reason: string;
  level: 'info' | 'warn';
}

const FRESH = { done: [], table: null, after: null, rows: 0, id: null, textKeyOrder: null };

export function planStart(state: StartState): StartPlan {
  const { mode, slotLsn, progress, resumeLsn } = state;
  const slotExists = slotLsn !== null;
  const fullSnapshotWithNewSlot = (reason: string, level: StartPlan['level'] = 'info'): StartPlan => ({
    createSlot: 'export',
    snapshot: { progress: { ...FRESH, lsn: null } },
    stream: { from: null },
    reason,
    level,
  });
  const snapshotThenStream = (from: SnapshotProgress | null, reason: string): StartPlan => ({
    createSlot: null,
    snapshot: { progress: from ?? { ...FRESH, lsn: slotLsn } },
    stream: { from: from?.lsn ?? slotLsn },
    reason,
    level: 'info',
  });

  const resumeStream = (reason: string): StartPlan => {
    const from = resumeLsn === null || slotLsn === null ? resumeLsn : resumePoint(resumeLsn, slotLsn);
    if (from === resumeLsn) return { createSlot: null, snapshot: null, stream: { from }, reason, level: 'info' };
    return {
      createSlot: null,
      snapshot: null,
      stream: { from },
      reason: `the replication slot "${state.slotName}" has confirmed changes past this connector's stored offset (the offsets are older than the slot: restored from a backup?); streaming from the slot's position. The changes in between were confirmed as written and are not read again.`,
      level: 'warn',
    };
  };

  switch (mode) {
    case 'no_data':
      if (slotExists) return resumeStream('snapshot.mode=no_data: streaming from the slot');
      if (resumeLsn !== null) {
        return {
          createSlot: 'plain',
          snapshot: null,
          stream: { from: null },
          reason: `the replication slot "${state.slotName}" is gone, and snapshot.mode=no_data takes no snapshot: changes made since the last committed offset are lost. Creating the slot and streaming from now; snapshot.mode=when_needed would recover them with a new snapshot.`,
          level: 'warn',
        };
      }
      return { createSlot: 'plain', snapshot: null, stream: { from: null }, reason: 'snapshot.mode=no_data: creating the slot and streaming from now', level: 'info' };
    case 'initial_only':
      if (resumeLsn !== null) return { createSlot: null, snapshot: null, stream: null, reason: 'snapshot.mode=initial_only and the snapshot is complete: nothing to do', level: 'info' };
      return {
        createSlot: null,
        snapshot: { progress: progress ?? { ...FRESH, lsn: null } },
        stream: null,
        reason: progress ? 'snapshot.mode=initial_only: resuming the snapshot' : 'snapshot.mode=initial_only: taking a snapshot',
        level: 'info',
      };
    case 'always':
      if (progress && slotExists) return snapshotThenStream(progress, 'resuming the interrupted snapshot');
      if (!slotExists) return fullSnapshotWithNewSlot('snapshot.mode=always: creating the slot and taking a snapshot');
      return snapshotThenStream(null, 'snapshot.mode=always: taking a snapshot, then streaming from the slot');
    case 'initial':
    case 'when_needed':
      if (progress) {
        if (slotExists) return snapshotThenStream(progress, 'resuming the interrupted snapshot from its last finished chunk');
        return fullSnapshotWithNewSlot(`the replication slot "${state.slotName}" is gone, so the interrupted snapshot starts over`, 'warn');
      }
      if (resumeLsn !== null) {
        if (slotExists) return resumeStream('resuming the stream');
        if (mode === 'when_needed') return fullSnapshotWithNewSlot(`the replication slot "${state.slotName}" is gone: taking a new snapshot (snapshot.mode=when_needed)`, 'warn');
        throw new ConfigError(
          `The replication slot "${state.slotName}" no longer exists, but this connector's offsets say it streamed from it: changes made since then cannot be recovered from the slot. To take a new snapshot, set snapshot.mode=when_needed (or delete the connector's offsets).`,
        );
      }
      if (slotExists) return snapshotThenStream(null, `the replication slot "${state.slotName}" exists: taking a snapshot, then streaming from the slot`);
      return fullSnapshotWithNewSlot('first start: creating the slot and taking the initial snapshot');
  }
}

/**
 * Where a stream resumed from a stored offset starts, and so what its first changes' positions are
 * named after (source-offset.ts `streamPosition`): the offset's LSN, unless the slot has confirmed
 * past it. The source confirms a position only once the offsets up to it are durable
 * (replication-stream.ts), so the slot is ahead only of offsets older than what was written,
 * restored from a backup. The server then sends nothing before the slot's
 * position; named after the older offset, its first changes would sort at or below positions the
 * sinks' restored records hold, and be passed over as changes they already have.
 */
function resumePoint(resumeLsn: Lsn, slotLsn: Lsn): Lsn {
  return Math.max(resumeLsn, slotLsn);
}
