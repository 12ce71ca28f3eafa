/**
 * The Postgres source's offset format: what is stored after each committed record and read back at
 * start. Debezium-compatible field names where they exist (`lsn`, `lsn_proc`, `lsn_commit`, `txId`,
 * `ts_usec`, `snapshot`, `last_snapshot_record`); Connect offsets hold primitive values only, so the
 * snapshot's resume point travels as one JSON string field.
 *
 * Two phases:
 * - snapshot: `snapshot: "true"` plus progress, so a restart resumes from the last chunk that
 *   reached the sinks instead of from the start;
 * - streaming: `lsn_commit` is the end of the last transaction whose every event is durable
 *   downstream; streaming resumes there and the slot is confirmed up to it.
 */
import type { OffsetMap } from '../../events.js';
import type { Lsn } from './lsn.js';
import type { TextKeyOrder } from './snapshot/row-key-order.js';
import type { ResumePoint } from './snapshot/table-chunks.js';

export interface SnapshotProgress {
  /** The slot position the snapshot hands over to: streaming starts there. */
  lsn: Lsn;
  /** Tables ("schema.table") read completely. */
  done: string[];
  /** The table being read and where to continue it. */
  table: string | null;
  after: ResumePoint | null;
  /** Rows read so far in `table`, for progress reporting. */
  rows: number;
  /**
   * Names this snapshot among others taken at the same LSN (a snapshot taken again from a slot that
   * has not moved): its start time in base 36, kept when it resumes; null until it starts.
   */
  id: string | null;
  /**
   * How this snapshot orders text keys (row-key-order.ts), kept when it resumes, since a resume
   * point means something only in the order it was read in; null until it starts. A snapshot
   * stored before this existed ordered them by collation.
   */
  textKeyOrder: TextKeyOrder | null;
}

export interface StreamPosition {
  /** End of the last fully delivered transaction (or heartbeat): where streaming resumes. */
  lsnCommit: Lsn;
  /** WAL position of the record itself. */
  lsn: Lsn;
  txId: number | null;
  tsUsec: number | null;
}

const PROGRESS_KEY = 'sluice.snapshot.progress';

export function snapshotOffset(progress: SnapshotProgress): OffsetMap {
  return {
    snapshot: 'true',
    last_snapshot_record: false,
    lsn: progress.lsn,
    [PROGRESS_KEY]: JSON.stringify({
      done: progress.done, table: progress.table, after: progress.after, rows: progress.rows, id: progress.id, textKeyOrder: progress.textKeyOrder,
    }),
  };
}

export function streamOffset(position: StreamPosition): OffsetMap {
  return {
    lsn: position.lsn,
    lsn_proc: position.lsn,
    lsn_commit: position.lsnCommit,
    txId: position.txId,
    ts_usec: position.tsUsec,
  };
}

/** The progress in an offset, or null when the offset is not from an unfinished snapshot. */
export function readSnapshotProgress(offset: OffsetMap | null): SnapshotProgress | null {
  if (!offset || offset.snapshot !== 'true' || typeof offset[PROGRESS_KEY] !== 'string') return null;
  const parsed = JSON.parse(offset[PROGRESS_KEY]) as Omit<SnapshotProgress, 'lsn' | 'id' | 'textKeyOrder'> & { id?: unknown; textKeyOrder?: unknown };
  return {
    lsn: Number(offset.lsn),
    done: parsed.done,
    table: parsed.table,
    after: parsed.after,
    rows: parsed.rows,
    id: typeof parsed.id === 'string' ? parsed.id : null,
    textKeyOrder: parsed.textKeyOrder === 'bytes' ? 'bytes' : 'collation',
  };
}

/**
 * Where streaming resumes according to an offset, or null for a snapshot offset or none. A Debezium
 * offset without `lsn_commit` resumes from `lsn`.
 */
export function readStreamResumeLsn(offset: OffsetMap | null): Lsn | null {
  if (!offset || offset.snapshot === 'true') return null;
  const value = offset.lsn_commit ?? offset.lsn;
  return typeof value === 'number' && value > 0 ? value : null;
}

/**
 * A streamed record's position (SourceRecord.position): the end of the transaction before it and
 * its place among the records after that point, fixed-width hex so that strings sort as records
 * come. A restart resumes at a transaction end and Postgres sends the same transactions again in
 * the same order, so a record read again gets the same position.
 */
export function streamPosition(lastCommitLsn: Lsn, ordinal: number): string {
  return hexLsn(lastCommitLsn) + ordinal.toString(16).padStart(8, '0');
}

/**
 * The reading a snapshot's rows belong to (record-position.ts): the snapshot's LSN, spelled as in
 * stream positions, then '!' and the snapshot's id. '!' sorts before every hex digit, so its rows
 * sort after every change streamed before the snapshot and before every change streamed from it
 * (the stream that follows starts at that LSN), and after the rows of an earlier snapshot at the
 * same LSN. A snapshot resumed after a crash keeps its LSN and id: both readings are one reading.
 */
export function snapshotReading(progress: Pick<SnapshotProgress, 'lsn' | 'id'>): string {
  return `${hexLsn(progress.lsn)}!${progress.id ?? ''}`;
}

/** A new snapshot's id: its start time in base 36 (fixed width, so later ones sort after). */
export function newSnapshotId(now = Date.now()): string {
  return now.toString(36).padStart(9, '0');
}

/** When the snapshot with this id started, in milliseconds; null for a snapshot from before ids. */
export function snapshotStartMs(id: string | null): number | null {
  return id === null ? null : parseInt(id, 36);
}

const hexLsn = (lsn: Lsn): string => lsn.toString(16).padStart(16, '0');
