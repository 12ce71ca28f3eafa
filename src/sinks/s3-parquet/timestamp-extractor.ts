/**
 * The time a record is partitioned by (`timestamp.extractor`, Confluent's names), in milliseconds
 * since the epoch:
 * - Record: the event's `timestamp`, its commit time in the database (a snapshot row's: the
 *   snapshot's start, the same when a resumed snapshot reads the row again);
 * - Wallclock: the sink's clock when the record is partitioned;
 * - RecordField: the field `timestamp.field` of the record's row image (see `rowImageOf`), a dotted
 *   path reaching into structs (`audit.changed_at`) unless a field has that dotted name itself.
 *   What its value means comes from its Connect schema: Debezium's MicroTimestamp (µs),
 *   NanoTimestamp (ns), Timestamp and Connect Timestamp (ms), Date and Connect Date (days),
 *   ZonedTimestamp, IsoTimestamp and IsoDate (ISO-8601 text); any other int64 is milliseconds and
 *   any other string ISO-8601 text, as is a number or string without a schema. ISO text without an
 *   offset is read as UTC. Sub-millisecond parts are dropped (floored).
 *
 * Extractors are pure apart from Wallclock's clock, run per record and never block. A record without
 * a usable time throws a SluiceError naming the record, the field and the fix; so does a field the
 * row schema lacks. `rowImageOf` and `rowField` are shared with the FieldPartitioner.
 */
import type { ConnectSchema, Row, SinkRecord } from '../../events.js';
import { SluiceError } from '../../errors.js';
import { daysFromCivil } from '../../sources/postgres/types/calendar.js';
import { describeValue, findField, isPlainObject, LOGICAL, schemaOfField } from '../../transforms/connect-data.js';

export const TIMESTAMP_EXTRACTORS = ['Record', 'RecordField', 'Wallclock'] as const;
export type TimestampExtractorKind = (typeof TIMESTAMP_EXTRACTORS)[number];

export type TimestampExtractor = (record: SinkRecord) => number;

const DAY_MS = 86_400_000;
/** The range of instants a JS Date (and so a path) can hold. */
const MAX_MS = 8.64e15;

export function createTimestampExtractor(kind: TimestampExtractorKind, field: string | null, clock: () => number = Date.now): TimestampExtractor {
  switch (kind) {
    case 'Record':
      return (record) => record.timestamp;
    case 'Wallclock':
      return () => clock();
    case 'RecordField':
      if (field === null || field === '') throw new Error('timestamp.extractor=RecordField needs timestamp.field');
      return (record) => fieldTimestamp(record, field);
  }
}

/** The row of a record: `after` of an envelope, `before` for a delete, or a flat row (ExtractNewRecordState's). */
export interface RowImage {
  row: Row;
  /** The row's struct schema; null without schemas. */
  schema: ConnectSchema | null;
  /** Where the row came from, for messages. */
  image: 'after' | 'before' | 'row';
}

/** The record's row image, or why it has none (a tombstone, a truncate, a message, a delete without its old row). */
export function rowImageOf(record: SinkRecord): RowImage | { missing: string } {
  const { value, valueSchema } = record;
  if (value === null || value === undefined) return { missing: 'is a tombstone (null value)' };
  if (!isPlainObject(value)) return { missing: `holds a ${describeValue(value)}, not a row` };
  if (valueSchema?.name?.startsWith('io.debezium.connector.') === true) return { missing: `is not a row change (its value is ${valueSchema.name})` };
  const isEnvelope = valueSchema !== null ? valueSchema.name?.endsWith('.Envelope') === true : typeof value['op'] === 'string' && isPlainObject(value['source']);
  if (!isEnvelope) return { row: value, schema: valueSchema, image: 'row' };
  const op = value['op'];
  if (op === 't') return { missing: 'is a truncate, which has no row' };
  if (op === 'm') return { missing: 'is a logical decoding message, which has no row' };
  const image = op === 'd' ? 'before' : 'after';
  const row = value[image];
  if (!isPlainObject(row)) return { missing: `has no ${image} row` };
  const imageField = valueSchema === null ? undefined : findField(valueSchema, image);
  return { row, schema: imageField === undefined ? null : schemaOfField(imageField), image };
}

/**
 * A field of a row image by name or dotted path: its value (undefined when a schemaless row lacks
 * it) and schema; throws when the row's schema has no such field, which no record will fix.
 */
export function rowField(record: SinkRecord, image: RowImage, path: string, key: string): { value: unknown; schema: ConnectSchema | null } {
  if (Object.hasOwn(image.row, path)) return { value: image.row[path], schema: fieldSchema(image.schema, path) };
  let value: unknown = image.row;
  let schema = image.schema;
  for (const name of path.split('.')) {
    const next = schema === null ? null : findField(schema, name);
    if (schema !== null && next === undefined) {
      const known = (image.schema?.fields ?? []).map((f) => f.field).join(', ');
      throw new SluiceError('S3_FIELD_UNKNOWN', `${key} "${path}" is not a field of ${imageName(image)} of record ${recordRef(record)} (its fields: ${known}): set ${key} to one of them.`, { stage: 'put' });
    }
    schema = next === null || next === undefined ? null : schemaOfField(next);
    value = isPlainObject(value) ? value[name] : undefined;
  }
  return { value, schema };
}

/** `topic-partition@offset`, as sinks name a record in messages. */
export function recordRef(record: SinkRecord): string {
  return `${record.topic}-${record.kafkaPartition}@${record.kafkaOffset}`;
}

function imageName(image: RowImage): string {
  return image.image === 'row' ? 'the row' : `the ${image.image} row`;
}

function fieldSchema(schema: ConnectSchema | null, name: string): ConnectSchema | null {
  const field = schema === null ? undefined : findField(schema, name);
  return field === undefined ? null : schemaOfField(field);
}

function fieldTimestamp(record: SinkRecord, path: string): number {
  const ref = recordRef(record);
  const image = rowImageOf(record);
  const fail = (message: string) => new SluiceError('S3_RECORD_TIMESTAMP', message, { stage: 'put' });
  if ('missing' in image) {
    throw fail(`Record ${ref} ${image.missing}, so timestamp.extractor=RecordField finds no timestamp.field "${path}" in it: use timestamp.extractor=Record, or keep such records from this sink.`);
  }
  const { value, schema } = rowField(record, image, path, 'timestamp.field');
  if (value === null || value === undefined) {
    const hint = image.image === 'before' ? '; a delete carries its whole old row only with REPLICA IDENTITY FULL' : '';
    throw fail(`Record ${ref} has no value for timestamp.field "${path}" (null in ${imageName(image)}${hint}): timestamp.extractor=RecordField needs one in every record; choose a NOT NULL column, or use timestamp.extractor=Record.`);
  }
  const ms = instantOf(value, schema);
  if (typeof ms === 'string') throw fail(`timestamp.field "${path}" of record ${ref} holds ${show(value)}, ${ms}.`);
  if (!(Math.abs(ms) <= MAX_MS)) throw fail(`timestamp.field "${path}" of record ${ref} holds ${show(value)}, too far from now to name a partition (an infinity?).`);
  return ms;
}

type Reader = (value: unknown) => number | string;

const READERS: Readonly<Record<string, Reader>> = {
  'io.debezium.time.MicroTimestamp': (v) => units(v, 1000n),
  'io.debezium.time.NanoTimestamp': (v) => units(v, 1_000_000n),
  'io.debezium.time.Timestamp': (v) => units(v, 1n),
  [LOGICAL.timestamp]: (v) => units(v, 1n),
  'io.debezium.time.Date': (v) => days(v),
  [LOGICAL.date]: (v) => days(v),
  'io.debezium.time.ZonedTimestamp': (v) => isoText(v),
  'io.debezium.time.IsoTimestamp': (v) => isoText(v),
  'io.debezium.time.IsoDate': (v) => isoText(v),
};

const TIMES_OF_DAY = new Set([
  'io.debezium.time.Time',
  'io.debezium.time.MicroTime',
  'io.debezium.time.NanoTime',
  'io.debezium.time.ZonedTime',
  'io.debezium.time.IsoTime',
  LOGICAL.time,
]);

/** Milliseconds since the epoch, or what makes the value no point in time. */
function instantOf(value: unknown, schema: ConnectSchema | null): number | string {
  const name = schema?.name;
  if (name !== undefined) {
    const reader = READERS[name];
    if (reader !== undefined) return reader(value);
    if (TIMES_OF_DAY.has(name)) return `a time of day (${name}), not a point in time`;
  }
  const type = schema?.type;
  if (type === 'int64' || (type === undefined && (typeof value === 'number' || typeof value === 'bigint'))) return units(value, 1n);
  if (type === 'string' || (type === undefined && typeof value === 'string')) return isoText(value);
  return `of type ${name ?? type ?? describeValue(value)}, which holds no timestamp (use an int64 of milliseconds, a Debezium or Connect timestamp or date, or ISO-8601 text)`;
}

/** An integer count of `perMs` units per millisecond, floored to milliseconds. */
function units(value: unknown, perMs: bigint): number | string {
  if (typeof value === 'bigint') {
    const floored = value / perMs - (value % perMs < 0n ? 1n : 0n);
    return Number(floored);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'not a whole number';
  return perMs === 1n ? value : Math.floor(value / Number(perMs));
}

function days(value: unknown): number | string {
  return typeof value === 'number' && Number.isInteger(value) ? value * DAY_MS : 'not a whole number of days';
}

const ISO = /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/i;

/** ISO-8601 date or date-time text, with an offset or Z (UTC when it has none). */
function isoText(value: unknown): number | string {
  const problem = 'not an ISO-8601 date or timestamp';
  if (typeof value !== 'string') return problem;
  const match = ISO.exec(value.trim());
  if (match === null) return problem;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset = 'Z'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const dayNumber = daysFromCivil(year, month, day);
  const monthLength = daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
  if (month < 1 || month > 12 || day < 1 || day > monthLength || hour > 23 || minute > 59 || second > 59) return problem;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  return dayNumber * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offsetMs(offset);
}

function offsetMs(text: string): number {
  if (text.toUpperCase() === 'Z') return 0;
  const digits = text.slice(1).replaceAll(':', '');
  const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0);
  return (text.startsWith('-') ? -seconds : seconds) * 1000;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
