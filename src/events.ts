/**
 * The change event: one type, used by every source, transform, transport and sink.
 *
 * Its `key` and `value` are the payloads Debezium's PostgreSQL connector emits through Kafka
 * Connect's JsonConverter (shared/reference/change-events.md): `value` is the envelope
 * (`before`, `after`, `source`, `op`, `ts_*`), or null for a tombstone. `keySchema` and
 * `valueSchema` are the Connect schemas of both, so the Kafka transport can write
 * `{"schema", "payload"}` and sinks can derive typed columns from them (each row field carries the
 * Postgres type in `parameters["__debezium.source.column.type"]`).
 *
 * JSON values only: int64 columns beyond 2^53 are carried as `bigint`, which our JSON writer
 * (src/json.ts) prints as an exact number; nothing else outside plain JSON appears.
 */

/** A Kafka Connect schema as JsonConverter prints it. */
export interface ConnectSchema {
  type: 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'boolean' | 'string' | 'bytes' | 'struct' | 'array' | 'map';
  optional: boolean;
  name?: string;
  version?: number;
  default?: unknown;
  parameters?: Record<string, string>;
  /** struct only */
  fields?: ConnectField[];
  /** array only */
  items?: ConnectSchema;
  /** map only */
  keys?: ConnectSchema;
  values?: ConnectSchema;
}

export interface ConnectField extends ConnectSchema {
  field: string;
}

export type Op = 'r' | 'c' | 'u' | 'd' | 't' | 'm';

/** The `source` block of a Debezium PostgreSQL envelope. */
export interface SourceInfo {
  version: string;
  connector: 'postgresql';
  name: string;
  ts_ms: number;
  snapshot: 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'incremental' | 'false';
  db: string;
  sequence: string;
  ts_us: number;
  ts_ns: number;
  schema: string;
  table: string;
  txId: number | null;
  lsn: number | null;
  xmin: null;
}

export type Row = Record<string, unknown>;

export interface Envelope {
  before?: Row | null;
  after?: Row | null;
  source: SourceInfo;
  transaction: { id: string; total_order: number; data_collection_order: number } | null;
  op: Op;
  ts_ms: number;
  ts_us: number;
  ts_ns: number;
  /** op `m` only */
  message?: { prefix: string; content: string };
}

/** A source partition or offset map: Connect requires primitive values. */
export type OffsetMap = Record<string, string | number | boolean | null>;

/** One keyed record on its way from a source to the sinks. Never mutated after creation. */
export interface ChangeEvent {
  topic: string;
  key: unknown;
  /** The envelope, a transformed value, or null for a tombstone. */
  value: unknown;
  keySchema: ConnectSchema | null;
  valueSchema: ConnectSchema | null;
  headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch: the commit time for change events. */
  timestamp: number;
}

/**
 * What a source task hands to the worker. `offset` is the source position reached once this record
 * (and everything before it) is durable downstream. `event` is null for a record that only moves
 * the position (a transaction's end, a heartbeat); the worker commits it without sending anything.
 */
export interface SourceRecord {
  partition: OffsetMap;
  offset: OffsetMap;
  event: ChangeEvent | null;
  /**
   * Where the record stands in its topic's order (record-position.ts): a string that sorts as the
   * records come. Postgres: every streamed change (the same each time it is read again) and every
   * snapshot row of a table keyed by integers or uuids (its key within the snapshot, so that a
   * resumed snapshot's rows sort among the first reading's). Absent where the source cannot name
   * the record so (other snapshot rows). Offsets cannot serve: a restart resumes at an offset, and
   * several records share one (a transaction's changes).
   */
  position?: string;
}

/**
 * What a sink task receives: the event plus its coordinates in the transport. In Kafka mode these
 * are the Kafka topic, partition and offset; standalone, each topic has one partition whose offsets
 * count the events delivered to it. A sink reports durability in these coordinates (SinkTask.preCommit).
 */
export interface SinkRecord extends ChangeEvent {
  kafkaPartition: number;
  kafkaOffset: number;
  /**
   * Standalone: the source record's position (SourceRecord.position), or null when it has none.
   * Kafka mode: null, the Kafka offset is the position. A sink that names what it writes after the
   * records in it (S3 object keys) uses this when present: the same after a restart, unlike the
   * standalone Kafka offsets, which count deliveries in this process.
   */
  position: string | null;
}

/** Sink-side positions: the next offset to read per topic partition (Kafka's committed offset). */
export type TopicPartitionOffsets = Map<string, number>;

export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
