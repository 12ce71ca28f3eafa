/**
 * TimestampConverter (org.apache.kafka.connect.transforms.TimestampConverter$Key / $Value):
 * converts one field (`field`), or the whole key or value, between Unix epoch numbers (in
 * `unix.precision`), strings (in `format`, a SimpleDateFormat pattern, UTC) and Connect's Date,
 * Time and Timestamp, as `target.type` says. The field's schema becomes the target's.
 *
 * The input's kind comes from its schema, as in Kafka: Connect's Date/Time/Timestamp by name, any
 * other string as text in `format`, any other int64 as a Unix number in `unix.precision`. Beyond
 * Kafka, Debezium's temporal types are read by what their names say (io.debezium.time.Date in days,
 * MicroTimestamp in microseconds, ZonedTimestamp as ISO-8601 text, ...), so a Postgres column
 * converts without matching `unix.precision` or `format` to it. Without a schema a number is a Unix
 * number and a string is text in `format`. Values are JSON: a Connect Date is int32 days, Time int32
 * milliseconds of the day, Timestamp int64 milliseconds; a nanosecond result past 2^53 is a bigint.
 * A null key or value, or a null field, passes unchanged.
 */
import type { ConfigDefinition, ConfigProblem } from '../config/config-definition.js';
import type { ConfigValues } from '../config/config-values.js';
import { oneOf } from '../config/validators.js';
import type { Transform } from '../contracts/transform.js';
import type { ConnectSchema } from '../events.js';
import { describeValue, fieldsOf, LOGICAL, requireMap, requireStruct, structLike } from './connect-data.js';
import { compileDateFormat, dateFormatError, type DateFormat } from './java-date-format.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const TIMESTAMP_CONVERTER_CLASS = 'org.apache.kafka.connect.transforms.TimestampConverter';
const PURPOSE = 'converting timestamp formats';
const GROUP = 'TimestampConverter';
const DAY_MS = 86_400_000;

const TARGET_TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
const PRECISIONS = ['nanoseconds', 'microseconds', 'milliseconds', 'seconds'] as const;
export type TimestampType = (typeof TARGET_TYPES)[number];
export type UnixPrecision = (typeof PRECISIONS)[number];
/** Units per millisecond (or milliseconds per unit, for seconds), as bigint for exact arithmetic. */
const PER_MS: Readonly<Record<UnixPrecision, { multiply: bigint; divide: bigint }>> = {
  nanoseconds: { multiply: 1_000_000n, divide: 1n },
  microseconds: { multiply: 1000n, divide: 1n },
  milliseconds: { multiply: 1n, divide: 1n },
  seconds: { multiply: 1n, divide: 1000n },
};

function requireFormatForStrings(values: ConfigValues): ConfigProblem[] {
  if (values.optionalString('target.type') !== 'string' || values.string('format').trim() !== '') return [];
  return [{ key: 'format', message: 'TimestampConverter requires format option to be specified when using string timestamps' }];
}

export const TIMESTAMP_CONVERTER_CONFIG: ConfigDefinition = {
  checks: [requireFormatForStrings],
  keys: [
    { name: 'field', type: 'STRING', default: '', importance: 'HIGH', group: GROUP, documentation: 'The field containing the timestamp, or empty if the entire value is a timestamp' },
    {
      name: 'target.type', type: 'STRING', importance: 'HIGH', group: GROUP, validator: oneOf(TARGET_TYPES),
      documentation: 'The desired timestamp representation: string, unix, Date, Time, or Timestamp',
    },
    {
      name: 'format', type: 'STRING', default: '', importance: 'MEDIUM', group: GROUP,
      validator: { describe: 'a java.text.SimpleDateFormat pattern', check: (value) => (String(value) === '' ? undefined : dateFormatError(String(value))) },
      documentation: 'A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.',
    },
    {
      name: 'unix.precision', type: 'STRING', default: 'milliseconds', importance: 'LOW', group: GROUP, validator: oneOf(PRECISIONS),
      documentation: 'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long. Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.',
    },
  ],
};

export interface TimestampConversion {
  field: string;
  target: TimestampType;
  format: DateFormat | null;
  precision: UnixPrecision;
}

/** Milliseconds since the epoch from a number of `unit`s, truncating toward zero as Java's TimeUnit does. */
function unitsToMillis(value: unknown, unit: UnixPrecision): number {
  const integral = typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
  if (!integral) throw new Error(`Expected Unix timestamp to be a Long, but found ${describeValue(value)} ${String(value)}`);
  const { multiply, divide } = PER_MS[unit];
  return Number((BigInt(value as number | bigint) * divide) / multiply);
}

/** Readers of the inputs known by schema name: milliseconds since the epoch (or since midnight for times). */
const NAMED_INPUTS: Readonly<Record<string, (value: unknown) => number>> = {
  [LOGICAL.timestamp]: (v) => unitsToMillis(v, 'milliseconds'),
  [LOGICAL.date]: (v) => unitsToMillis(v, 'milliseconds') * DAY_MS,
  [LOGICAL.time]: (v) => unitsToMillis(v, 'milliseconds'),
  'io.debezium.time.Date': (v) => unitsToMillis(v, 'milliseconds') * DAY_MS,
  'io.debezium.time.Timestamp': (v) => unitsToMillis(v, 'milliseconds'),
  'io.debezium.time.MicroTimestamp': (v) => unitsToMillis(v, 'microseconds'),
  'io.debezium.time.NanoTimestamp': (v) => unitsToMillis(v, 'nanoseconds'),
  'io.debezium.time.Time': (v) => unitsToMillis(v, 'milliseconds'),
  'io.debezium.time.MicroTime': (v) => unitsToMillis(v, 'microseconds'),
  'io.debezium.time.NanoTime': (v) => unitsToMillis(v, 'nanoseconds'),
  'io.debezium.time.ZonedTimestamp': (v) => {
    const ms = typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) throw new Error(`Could not parse timestamp: value (${String(v)}) is not an ISO-8601 timestamp`);
    return ms;
  },
};

function parseText(value: unknown, format: DateFormat | null): number {
  if (typeof value !== 'string') throw new Error(`Expected string timestamp to be a String, but found ${describeValue(value)}`);
  if (format === null) throw new Error('TimestampConverter requires format option to be specified when using string timestamps');
  const ms = format.parse(value);
  if (ms === undefined) throw new Error(`Could not parse timestamp: value (${value}) does not match pattern (${format.pattern})`);
  return ms;
}

/** The instant a value holds, in milliseconds since the epoch. */
function readInstant(schema: ConnectSchema | null, value: unknown, conversion: TimestampConversion): number {
  const named = schema?.name === undefined ? undefined : NAMED_INPUTS[schema.name];
  if (named !== undefined) return named(value);
  const type = schema?.type ?? (typeof value === 'number' || typeof value === 'bigint' ? 'int64' : typeof value === 'string' ? 'string' : undefined);
  if (type === 'string') return parseText(value, conversion.format);
  if (type === 'int64') return unitsToMillis(value, conversion.precision);
  if (schema !== null) throw new Error(`Schema ${schema.type}${schema.name ? ` (${schema.name})` : ''} does not correspond to a known timestamp type format`);
  throw new Error(`TimestampConverter does not support ${describeValue(value)} objects as timestamps`);
}

function writeInstant(ms: number, conversion: TimestampConversion): unknown {
  switch (conversion.target) {
    case 'string':
      return conversion.format!.format(ms);
    case 'unix': {
      const { multiply, divide } = PER_MS[conversion.precision];
      const units = (BigInt(ms) * multiply) / divide;
      return Number.isSafeInteger(Number(units)) ? Number(units) : units;
    }
    case 'Date':
      return Math.floor(ms / DAY_MS);
    case 'Time':
      return ms - Math.floor(ms / DAY_MS) * DAY_MS;
    case 'Timestamp':
      return ms;
  }
}

function targetSchema(target: TimestampType, optional: boolean): ConnectSchema {
  switch (target) {
    case 'string':
      return { type: 'string', optional };
    case 'unix':
      return { type: 'int64', optional };
    case 'Date':
      return { type: 'int32', optional, name: LOGICAL.date, version: 1 };
    case 'Time':
      return { type: 'int32', optional, name: LOGICAL.time, version: 1 };
    case 'Timestamp':
      return { type: 'int64', optional, name: LOGICAL.timestamp, version: 1 };
  }
}

function convert(schema: ConnectSchema | null, value: unknown, conversion: TimestampConversion): unknown {
  return value === null || value === undefined ? value : writeInstant(readInstant(schema, value, conversion), conversion);
}

export function createTimestampConverter(conversion: TimestampConversion, side: RecordSide): Transform {
  const { field, target } = conversion;
  return {
    apply(event) {
      const data = side.data(event);
      if (data === null) return event;
      const schema = side.schema(event);
      if (field === '') return side.with(event, schema === null ? null : targetSchema(target, schema.optional), convert(schema, data, conversion));
      if (schema === null) {
        const map = requireMap(data, PURPOSE);
        return Object.hasOwn(map, field) ? side.with(event, null, { ...map, [field]: convert(null, map[field], conversion) }) : event;
      }
      const struct = requireStruct(schema, data, PURPOSE);
      const fieldSchema = fieldsOf(schema).find((f) => f.field === field);
      if (fieldSchema === undefined) return event;
      const fields = fieldsOf(schema).map((f) => (f === fieldSchema ? { ...targetSchema(target, f.optional), field } : f));
      const updatedSchema = { ...structLike(schema, fields), optional: schema.optional };
      return side.with(event, updatedSchema, { ...struct, [field]: convert(fieldSchema, struct[field] ?? null, conversion) });
    },
  };
}

export const TIMESTAMP_CONVERTER: TransformPlugin[] = keyAndValuePlugins(TIMESTAMP_CONVERTER_CLASS, TIMESTAMP_CONVERTER_CONFIG, (values, side) => {
  const format = values.string('format');
  return createTimestampConverter(
    {
      field: values.string('field'),
      target: values.string('target.type') as TimestampType,
      format: format.trim() === '' ? null : compileDateFormat(format),
      precision: values.string('unix.precision') as UnixPrecision,
    },
    side,
  );
});
