/**
 * Builds Debezium PostgreSQL change events (shared/reference/change-events.md) for one connector.
 * Pure functions of their inputs plus the clock for the envelope's processing time.
 */
import type { ChangeEvent, Envelope, Op, Row, SourceInfo } from '../../events.js';
import type { Lsn } from './lsn.js';
import type { TableSchema } from './table-schema.js';

export const CONNECTOR_VERSION = '0.1.0';

/** Where in the source an event comes from. */
export interface EventOrigin {
  /** Commit time in microseconds since the epoch (snapshot: the read time). */
  commitTimeUs: number;
  txId: number | null;
  lsn: Lsn | null;
  /** End LSN of the last transaction committed before this one, for `source.sequence`. */
  lastCommitLsn: Lsn | null;
  snapshot: SourceInfo['snapshot'];
  transaction: Envelope['transaction'];
}

export class EventBuilder {
  constructor(
    private readonly serverName: string,
    private readonly database: string,
  ) {}

  source(table: { schema: string; table: string }, origin: EventOrigin): SourceInfo {
    const tsMs = Math.floor(origin.commitTimeUs / 1000);
    return {
      version: CONNECTOR_VERSION,
      connector: 'postgresql',
      name: this.serverName,
      ts_ms: tsMs,
      snapshot: origin.snapshot,
      db: this.database,
      sequence: JSON.stringify([origin.lastCommitLsn === null ? null : String(origin.lastCommitLsn), origin.lsn === null ? null : String(origin.lsn)]),
      ts_us: origin.commitTimeUs,
      ts_ns: origin.commitTimeUs * 1000,
      schema: table.schema,
      table: table.table,
      txId: origin.txId,
      lsn: origin.lsn,
      xmin: null,
    };
  }

  change(
    table: TableSchema,
    op: Op,
    key: Record<string, unknown> | null,
    before: Row | null,
    after: Row | null,
    origin: EventOrigin,
    headers: Record<string, string> = {},
  ): ChangeEvent {
    const nowUs = nowMicros();
    const value: Envelope = {
      before,
      after,
      source: this.source(table, origin),
      transaction: origin.transaction,
      op,
      ts_ms: Math.floor(nowUs / 1000),
      ts_us: nowUs,
      ts_ns: nowUs * 1000,
    };
    return {
      topic: table.topic,
      key,
      value,
      keySchema: table.keySchema,
      valueSchema: table.valueSchema,
      headers,
      timestamp: Math.floor(origin.commitTimeUs / 1000),
    };
  }

  /** The tombstone that follows a delete: same key, null value, so compaction can drop the key. */
  tombstone(deleted: ChangeEvent): ChangeEvent {
    return { ...deleted, value: null, valueSchema: null, headers: {} };
  }
}

let lastMicros = 0;

/** Wall-clock microseconds, strictly increasing within the process. */
export function nowMicros(): number {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastMicros = micros > lastMicros ? micros : lastMicros + 1;
  return lastMicros;
}
