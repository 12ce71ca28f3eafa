/**
 * Builds Debezium PostgreSQL events (shared/reference/change-events.md) for one connector: change
 * events and their tombstones, truncates, logical decoding messages, and the companion topics'
 * transaction and heartbeat events, each with the Connect schemas Debezium gives them.
 * Pure functions of their inputs plus the clock for the processing time (`ts_*`).
 */
import type { ChangeEvent, ConnectSchema, Envelope, Op, Row, SourceInfo } from '../../events.js';
import type { Lsn } from './lsn.js';
import { SOURCE_SCHEMA, TRANSACTION_BLOCK_SCHEMA, type TableSchema } from './table-schema.js';
import { byteaMapping, type BinaryHandlingMode } from './types/binary.js';
import type { SchemaSpec, ValueMapping } from './types/connect-schemas.js';

export const CONNECTOR_VERSION = '0.1.0';

/** Where in the source an event comes from. */
export interface EventOrigin {
  /** Commit time in microseconds since the epoch (snapshot: the read time). */
  commitTimeUs: number;
  /**
   * The record's timestamp in milliseconds when it is not the commit time's: a snapshot row's is
   * the snapshot's start, the same however often a resumed snapshot reads the row again.
   */
  recordTimeMs?: number;
  /**
   * When the event is processed (`ts_ms`, `ts_us`, `ts_ns`), in microseconds, where the caller knows
   * it: a snapshot chunk's rows are processed as it is read. The clock's time otherwise.
   */
  processedUs?: number;
  txId: number | null;
  lsn: Lsn | null;
  /** End LSN of the last transaction committed before this one, for `source.sequence`. */
  lastCommitLsn: Lsn | null;
  snapshot: SourceInfo['snapshot'];
  transaction: Envelope['transaction'];
}

/** A transaction's BEGIN or END on `<prefix>.transaction`. */
export interface TransactionBoundary {
  status: 'BEGIN' | 'END';
  id: string;
  commitTimeUs: number;
  /** END only: events per data collection ("schema.table"), in first-seen order. */
  counts?: ReadonlyMap<string, number>;
}

/** The value of an `m` event: Debezium's MessageValue has no before/after and only `ts_ms`. */
export type MessageValue = Pick<Envelope, 'op' | 'ts_ms' | 'source' | 'transaction' | 'message'>;

export class EventBuilder {
  private readonly messageContent: ValueMapping;
  private readonly messageValueSchema: ConnectSchema;

  constructor(
    private readonly serverName: string,
    private readonly database: string,
    /** How logical messages' content is written, as bytea columns are (binary.handling.mode). */
    binaryHandlingMode: BinaryHandlingMode = 'bytes',
  ) {
    this.messageContent = byteaMapping(binaryHandlingMode);
    this.messageValueSchema = messageValueSchema(this.messageContent.schema);
  }

  source(table: { schema: string; table: string }, origin: EventOrigin): SourceInfo {
    const tsMs = Math.floor(origin.commitTimeUs / 1000);
    return {
      version: CONNECTOR_VERSION,
      connector: 'postgresql',
      name: this.serverName,
      ts_ms: tsMs,
      snapshot: origin.snapshot,
      db: this.database,
      sequence: `[${quotedLsn(origin.lastCommitLsn)},${quotedLsn(origin.lsn)}]`,
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
    op: Exclude<Op, 't' | 'm'>,
    key: Record<string, unknown> | null,
    before: Row | null,
    after: Row | null,
    origin: EventOrigin,
    headers: Readonly<Record<string, string>> = NO_HEADERS,
    /** Events of one snapshot chunk share one source block; computed from `origin` otherwise. */
    source: SourceInfo = this.source(table, origin),
  ): ChangeEvent {
    const nowUs = origin.processedUs ?? nowMicros();
    const value: Envelope = {
      before,
      after,
      source,
      transaction: origin.transaction,
      op,
      ts_ms: Math.floor(nowUs / 1000),
      ts_us: nowUs,
      ts_ns: nowUs * 1000,
    };
    return { topic: table.topic, key, value, keySchema: table.keySchema, valueSchema: table.valueSchema, headers, timestamp: origin.recordTimeMs ?? Math.floor(origin.commitTimeUs / 1000) };
  }

  /** The tombstone that follows a delete: same key and headers, null value, so compaction can drop the key. */
  tombstone(deleted: ChangeEvent): ChangeEvent {
    return { ...deleted, value: null, valueSchema: null };
  }

  /** A TRUNCATE of one table: on the table's topic, with a null key (and key schema) and no row images. */
  truncate(table: TableSchema, origin: EventOrigin): ChangeEvent {
    const value: Omit<Envelope, 'before' | 'after'> = { source: this.source(table, origin), transaction: origin.transaction, op: 't', ...processingTime(nowMicros()) };
    return { topic: table.topic, key: null, value, keySchema: null, valueSchema: table.valueSchema, headers: {}, timestamp: Math.floor(origin.commitTimeUs / 1000) };
  }

  /** A logical decoding message (`pg_logical_emit_message`) on `<prefix>.message`, content in base64. */
  message(prefix: string, content: Buffer, origin: EventOrigin): ChangeEvent {
    const value: MessageValue = {
      op: 'm',
      ts_ms: Math.floor(nowMicros() / 1000),
      source: this.source({ schema: '', table: '' }, origin),
      transaction: origin.transaction,
      message: { prefix, content: this.messageContent.convert(`\\x${content.toString('hex')}`) as string },
    };
    return { topic: `${this.serverName}.message`, key: { prefix }, value, keySchema: MESSAGE_KEY_SCHEMA, valueSchema: this.messageValueSchema, headers: {}, timestamp: Math.floor(origin.commitTimeUs / 1000) };
  }

  /** A BEGIN or END event on `<prefix>.transaction`, keyed by the transaction id. */
  transaction(boundary: TransactionBoundary): ChangeEvent {
    const counts = boundary.counts;
    const value = {
      status: boundary.status,
      id: boundary.id,
      event_count: counts ? [...counts.values()].reduce((sum, n) => sum + n, 0) : null,
      data_collections: counts ? [...counts].map(([data_collection, event_count]) => ({ data_collection, event_count })) : null,
      ts_ms: Math.floor(boundary.commitTimeUs / 1000),
    };
    return {
      topic: `${this.serverName}.transaction`,
      key: { id: boundary.id },
      value,
      keySchema: TRANSACTION_KEY_SCHEMA,
      valueSchema: TRANSACTION_VALUE_SCHEMA,
      headers: {},
      timestamp: Math.floor(boundary.commitTimeUs / 1000),
    };
  }

  /** A heartbeat on `__debezium-heartbeat.<prefix>`. */
  heartbeat(): ChangeEvent {
    const now = Date.now();
    return {
      topic: `__debezium-heartbeat.${this.serverName}`,
      key: { serverName: this.serverName },
      value: { ts_ms: now },
      keySchema: HEARTBEAT_KEY_SCHEMA,
      valueSchema: HEARTBEAT_VALUE_SCHEMA,
      headers: {},
      timestamp: now,
    };
  }
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** An LSN as `source.sequence` prints it: a quoted decimal string, or null. */
function quotedLsn(lsn: Lsn | null): string {
  return lsn === null ? 'null' : `"${lsn}"`;
}

function processingTime(nowUs: number): Pick<Envelope, 'ts_ms' | 'ts_us' | 'ts_ns'> {
  return { ts_ms: Math.floor(nowUs / 1000), ts_us: nowUs, ts_ns: nowUs * 1000 };
}

const MESSAGE_KEY_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.postgresql.MessageKey',
  version: 1,
  fields: [{ field: 'prefix', type: 'string', optional: true }],
};

/** The message value schema; `content` is typed as binary.handling.mode makes it (bytes or string). */
function messageValueSchema(content: SchemaSpec): ConnectSchema {
  return {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.postgresql.MessageValue',
  version: 1,
  fields: [
    { field: 'op', type: 'string', optional: false },
    { field: 'ts_ms', type: 'int64', optional: true },
    { ...SOURCE_SCHEMA, field: 'source' },
    { ...TRANSACTION_BLOCK_SCHEMA, field: 'transaction' },
    {
      field: 'message',
      type: 'struct',
      optional: false,
      name: 'io.debezium.connector.postgresql.Message',
      version: 1,
      fields: [
        { field: 'prefix', type: 'string', optional: true },
        { ...content, optional: true, field: 'content' },
      ],
    },
  ],
  };
}

const TRANSACTION_KEY_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.common.TransactionMetadataKey',
  version: 1,
  fields: [{ field: 'id', type: 'string', optional: false }],
};

const TRANSACTION_VALUE_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.common.TransactionMetadataValue',
  version: 1,
  fields: [
    { field: 'status', type: 'string', optional: false },
    { field: 'id', type: 'string', optional: false },
    { field: 'event_count', type: 'int64', optional: true },
    {
      field: 'data_collections',
      type: 'array',
      optional: true,
      items: {
        type: 'struct',
        optional: true,
        name: 'event.collection',
        version: 1,
        fields: [
          { field: 'data_collection', type: 'string', optional: false },
          { field: 'event_count', type: 'int64', optional: false },
        ],
      },
    },
    { field: 'ts_ms', type: 'int64', optional: false },
  ],
};

const HEARTBEAT_KEY_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.common.ServerNameKey',
  version: 1,
  fields: [{ field: 'serverName', type: 'string', optional: false }],
};

const HEARTBEAT_VALUE_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.common.Heartbeat',
  version: 1,
  fields: [{ field: 'ts_ms', type: 'int64', optional: false }],
};

let lastMicros = 0;
// Read once: the getter makes a new number at every call, and this runs for every event.
const TIME_ORIGIN_MS = performance.timeOrigin;

/** Wall-clock microseconds, strictly increasing within the process. */
export function nowMicros(): number {
  const micros = Math.floor((TIME_ORIGIN_MS + performance.now()) * 1000);
  lastMicros = micros > lastMicros ? micros : lastMicros + 1;
  return lastMicros;
}
