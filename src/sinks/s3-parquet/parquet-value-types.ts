/**
 * How one Kafka Connect value (any schema but an array; parquet-columns.ts nests these in LISTs) is
 * stored in Parquet: the column's primitive type and logical type, and the converter from the value
 * a change event holds (shared/reference/change-events.md) to the value hyparquet-writer encodes.
 *
 * Exact, never through floats: int64 becomes a bigint; a Connect Decimal becomes DECIMAL(p, s)
 * (INT32 up to 9 digits, INT64 up to 18, else FIXED_LEN_BYTE_ARRAY of the fewest bytes, as the
 * Parquet spec recommends) with its unscaled value. Dates, times and timestamps keep their unit;
 * Debezium's ±infinity timestamps keep Debezium's numbers. Named choices:
 * - io.debezium.data.VariableScaleDecimal (numeric without a typmod): the exact decimal text, since
 *   a Parquet DECIMAL has one scale per column and such a column has none; so are decimals of more
 *   than 38 digits, which no common reader (DuckDB, Spark, Athena) holds exactly.
 * - ZonedTimestamp / ZonedTime (UTC ISO text): TIMESTAMP / TIME(MICROS, adjusted to UTC).
 * - Enum: STRING. Json: its text with the JSON type.
 * - structs (geometries among them) and maps: their JSON text, with the JSON type.
 * - anything else by its Connect type; MicroDuration stays a plain INT64 of microseconds.
 * Two choices, for readers that refuse a logical type (Spark 3.x and 4.0), made per sink
 * (`ValueTypeChoices`: parquet.uuid.type and parquet.time.type):
 * - Uuid: the 16 bytes of UUID, or (`string`) its canonical lower-case text as STRING.
 * - Time, MicroTime, NanoTime, ZonedTime, Connect Time: TIME in the value's unit, or (`integer`)
 *   the same number as a plain INT32 (ms) or INT64 (µs, ns).
 * INT(8/16/32) are given by their converted types INT_8/16/32 (the same meaning): hyparquet-writer
 * 0.17 writes the IntType logical type's bitWidth as i32 where Parquet's Thrift says i8, and
 * readers reject the file.
 *
 * `parquetValueType` is called once per column when a layout is compiled; `convert` runs per
 * non-null value, never blocks, and throws a TypeError for a value its schema does not allow.
 */
import type { SchemaElement } from 'hyparquet-writer';
import type { ConnectSchema } from '../../events.js';
import { toJson } from '../../json.js';
import { daysFromCivil, MICROS_PER_DAY } from '../../sources/postgres/types/calendar.js';
import { LOGICAL, isPlainObject } from '../../transforms/connect-data.js';
import { decimalText, unscaledValue } from '../decimal.js';

/** A leaf column's element without its name and repetition. */
export type LeafElement = Omit<SchemaElement, 'name' | 'repetition_type' | 'num_children'>;

/** parquet.uuid.type: the UUID logical type, or the canonical text. */
export const UUID_TYPES = ['uuid', 'string'] as const;
/** parquet.time.type: the TIME logical type, or the same number without it. */
export const TIME_TYPES = ['time', 'integer'] as const;
export type UuidType = (typeof UUID_TYPES)[number];
export type TimeType = (typeof TIME_TYPES)[number];

/** How the types some readers refuse are written; one choice per sink, so that files never mix. */
export interface ValueTypeChoices {
  readonly uuidType: UuidType;
  readonly timeType: TimeType;
}

export interface ParquetValueType {
  readonly element: LeafElement;
  /** A non-null event value to what hyparquet-writer encodes for `element`. */
  convert(value: unknown): unknown;
  /** Whether min/max statistics are worth keeping (not for whole JSON documents). */
  readonly statistics: boolean;
}

/** The largest precision stored as DECIMAL; wider decimals are stored as their text. */
const MAX_DECIMAL_PRECISION = 38;

// Debezium's ±infinity timestamps in µs (src/sources/postgres/types/temporal.ts emits the same).
const POSITIVE_INFINITY_MICROS = 9223372036825200000n;
const NEGATIVE_INFINITY_MICROS = -9223372036832400000n;
const MICROS_PER_DAY_BIG = BigInt(MICROS_PER_DAY);

const STRING: LeafElement = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
const JSON_TEXT: LeafElement = { type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } };

const int32 = (converted: 'INT_8' | 'INT_16' | 'INT_32', min: number, max: number): ParquetValueType =>
  leaf({ type: 'INT32', converted_type: converted }, (v) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? v : fail(v, `an integer in [${min}, ${max}]`)));
const int64 = (logical?: SchemaElement['logical_type']): ParquetValueType => leaf(logical ? { type: 'INT64', logical_type: logical } : { type: 'INT64' }, toBigInt);
const timestamp = (unit: 'MILLIS' | 'MICROS' | 'NANOS', utc: boolean) => ({ type: 'TIMESTAMP' as const, isAdjustedToUTC: utc, unit });
const text = leaf(STRING, (v) => (typeof v === 'string' ? v : fail(v, 'a string')));
const json = (serialise: (value: unknown) => string): ParquetValueType => ({ element: JSON_TEXT, convert: (v) => Buffer.from(serialise(v)), statistics: false });

const date = (): ParquetValueType => leaf({ type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } }, requireInteger);
const millisTime = (choices: ValueTypeChoices): ParquetValueType => timeOfDay(choices, 'INT32', 'MILLIS', false, requireInteger);
const millisTimestamp = (): ParquetValueType => int64(timestamp('MILLIS', false));

/** Semantic types by `<schema name>/<schema type>`, so a name on an unexpected type falls back to the type. */
const NAMED: Readonly<Record<string, (schema: ConnectSchema, choices: ValueTypeChoices) => ParquetValueType>> = {
  [`${LOGICAL.decimal}/bytes`]: decimalType,
  'io.debezium.data.VariableScaleDecimal/struct': () =>
    leaf(STRING, (v) => (isPlainObject(v) && typeof v['value'] === 'string' ? decimalText(unscaledValue(v['value']), Number(v['scale'] ?? 0)) : fail(v, 'a VariableScaleDecimal struct'))),
  'io.debezium.time.Date/int32': date,
  [`${LOGICAL.date}/int32`]: date,
  'io.debezium.time.Time/int32': (_, choices) => millisTime(choices),
  [`${LOGICAL.time}/int32`]: (_, choices) => millisTime(choices),
  'io.debezium.time.MicroTime/int64': (_, choices) => timeOfDay(choices, 'INT64', 'MICROS', false, toBigInt),
  'io.debezium.time.NanoTime/int64': (_, choices) => timeOfDay(choices, 'INT64', 'NANOS', false, toBigInt),
  'io.debezium.time.ZonedTime/string': (_, choices) => timeOfDay(choices, 'INT64', 'MICROS', true, zonedTimeMicros),
  'io.debezium.time.Timestamp/int64': millisTimestamp,
  [`${LOGICAL.timestamp}/int64`]: millisTimestamp,
  'io.debezium.time.MicroTimestamp/int64': () => int64(timestamp('MICROS', false)),
  'io.debezium.time.NanoTimestamp/int64': () => int64(timestamp('NANOS', false)),
  'io.debezium.time.ZonedTimestamp/string': () => leaf({ type: 'INT64', logical_type: timestamp('MICROS', true) }, zonedTimestampMicros),
  'io.debezium.data.Json/string': () => json((v) => (typeof v === 'string' ? v : fail(v, 'JSON text'))),
  'io.debezium.data.Uuid/string': (_, choices) =>
    choices.uuidType === 'string'
      ? leaf(STRING, (v) => canonicalUuid(uuidHex(v)))
      : leaf({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } }, (v) => Buffer.from(uuidHex(v), 'hex')),
};

export function parquetValueType(schema: ConnectSchema, choices: ValueTypeChoices): ParquetValueType {
  const named = schema.name === undefined ? undefined : NAMED[`${schema.name}/${schema.type}`];
  if (named) return named(schema, choices);
  switch (schema.type) {
    case 'int8':
      return int32('INT_8', -128, 127);
    case 'int16':
      return int32('INT_16', -32768, 32767);
    case 'int32':
      return int32('INT_32', -2147483648, 2147483647);
    case 'int64':
      return int64();
    case 'float':
      return leaf({ type: 'FLOAT' }, floatValue);
    case 'double':
      return leaf({ type: 'DOUBLE' }, floatValue);
    case 'boolean':
      return leaf({ type: 'BOOLEAN' }, (v) => (typeof v === 'boolean' ? v : fail(v, 'a boolean')));
    case 'string':
      return text;
    case 'bytes':
      return leaf({ type: 'BYTE_ARRAY' }, bytesValue);
    case 'struct':
    case 'map':
      return json(toJson);
    case 'array':
      throw new Error('arrays are laid out as LISTs by parquet-columns.ts, not as one value');
  }
}

function leaf(element: LeafElement, convert: (value: unknown) => unknown): ParquetValueType {
  return { element, convert, statistics: true };
}

/** A time of day counted in `unit`: TIME, or for parquet.time.type=integer the bare number. */
function timeOfDay(choices: ValueTypeChoices, physical: 'INT32' | 'INT64', unit: 'MILLIS' | 'MICROS' | 'NANOS', utc: boolean, convert: (value: unknown) => unknown): ParquetValueType {
  return leaf(choices.timeType === 'integer' ? { type: physical } : { type: physical, logical_type: { type: 'TIME', isAdjustedToUTC: utc, unit } }, convert);
}

/**
 * DECIMAL(p, s) from the Connect Decimal's scale and `connect.decimal.precision` (38 when absent,
 * as for money). A scale above the precision widens the precision; a negative scale (Postgres 15
 * allows numeric(5,-2)) is stored at scale 0, the unscaled value multiplied up.
 */
function decimalType(schema: ConnectSchema): ParquetValueType {
  const declaredScale = Number(schema.parameters?.['scale'] ?? 0);
  const declaredPrecision = Number(schema.parameters?.['connect.decimal.precision'] ?? MAX_DECIMAL_PRECISION);
  const shift = declaredScale < 0 ? -declaredScale : 0;
  const scale = declaredScale + shift;
  const precision = Math.max(declaredPrecision + shift, scale, 1);
  if (precision > MAX_DECIMAL_PRECISION) {
    return leaf(STRING, (v) => (typeof v === 'string' ? decimalText(unscaledValue(v), declaredScale) : fail(v, 'base64 decimal bytes')));
  }
  const factor = 10n ** BigInt(shift);
  const limit = 10n ** BigInt(precision);
  const lowest = -limit;
  const physical: LeafElement =
    precision <= 9 ? { type: 'INT32' } : precision <= 18 ? { type: 'INT64' } : { type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalBytes(limit) };
  const element: LeafElement = { ...physical, converted_type: 'DECIMAL', scale, precision, logical_type: { type: 'DECIMAL', scale, precision } };
  return leaf(element, (v) => {
    if (typeof v !== 'string') return fail(v, 'base64 decimal bytes');
    // hyparquet-writer takes a bigint as the unscaled value (a number would be scaled as a float).
    const unscaled = shift === 0 ? BigInt(unscaledValue(v)) : BigInt(unscaledValue(v)) * factor;
    return unscaled < limit && unscaled > lowest ? unscaled : fail(decimalText(unscaled, scale), `a decimal of at most ${precision} digits`);
  });
}

/** The fewest bytes whose two's complement holds ±(limit - 1). */
function decimalBytes(limit: bigint): number {
  let bytes = 1;
  while (1n << BigInt(8 * bytes - 1) < limit) bytes++;
  return bytes;
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (Number.isInteger(value)) return BigInt(value as number);
  return fail(value, 'an integer');
}

function requireInteger(value: unknown): number {
  return Number.isInteger(value) ? (value as number) : fail(value, 'an integer');
}

/** float/double: a number, or the text JsonConverter writes for NaN and the infinities. */
function floatValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  return fail(value, 'a number, "NaN", "Infinity" or "-Infinity"');
}

/** Connect bytes: base64 text in an event (a Uint8Array passes as it is). */
function bytesValue(value: unknown): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  return value instanceof Uint8Array ? value : fail(value, 'base64 bytes');
}

/** The 32 lower-case hex digits of a UUID's text, with or without its dashes. */
function uuidHex(value: unknown): string {
  const hex = typeof value === 'string' ? value.replaceAll('-', '') : '';
  return /^[0-9a-fA-F]{32}$/.test(hex) ? hex.toLowerCase() : fail(value, 'a UUID');
}

/** 8-4-4-4-12, as Postgres prints a uuid. */
function canonicalUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ZONED_TIMESTAMP = /^([+-]?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:\d\d(?::\d\d)?)$/;
const ZONED_TIME = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:\d\d(?::\d\d)?)$/;

/**
 * µs since the epoch of an ISO offset date-time as java.time prints it ("2024-01-02T01:04:05.123456Z",
 * "+10000-01-01T00:00:00Z", "-0043-03-15T00:00:00Z"), digits past the µs cut; "infinity" and
 * "-infinity" are Debezium's infinity timestamps.
 */
function zonedTimestampMicros(value: unknown): bigint {
  if (value === 'infinity') return POSITIVE_INFINITY_MICROS;
  if (value === '-infinity') return NEGATIVE_INFINITY_MICROS;
  const common = typeof value === 'string' ? utcTimestampMicros(value) : null;
  if (common !== null) return common;
  const parts = typeof value === 'string' ? ZONED_TIMESTAMP.exec(value) : null;
  if (!parts) return fail(value, 'an ISO-8601 timestamp with offset');
  const [, year, month, day, hours, minutes, seconds, fraction, offset] = parts;
  const days = daysFromCivil(Number(year), Number(month), Number(day));
  return BigInt(days) * MICROS_PER_DAY_BIG + BigInt(timeOfDayMicros(hours!, minutes!, seconds, fraction) - offsetMicros(offset!));
}

/**
 * The same for the form the source writes nearly every timestamptz in, "YYYY-MM-DDTHH:MM:SS[.f]Z"
 * with a four-digit year and up to nine fraction digits, read digit by digit (a regular expression
 * and a BigInt product per value cost more than the rest of the row); null for any other form, and
 * for an instant too far from 1970 for a double to count its µs exactly.
 */
function utcTimestampMicros(text: string): bigint | null {
  const length = text.length;
  if (length < 20 || length > 30 || text.charCodeAt(length - 1) !== 0x5a /* Z */) return null;
  if (text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(10) !== 0x54 || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return null;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hours = digitsAt(text, 11, 13);
  const minutes = digitsAt(text, 14, 16);
  const seconds = digitsAt(text, 17, 19);
  let micros = 0;
  if (length > 20) {
    if (text.charCodeAt(19) !== 0x2e /* . */ || length === 21) return null;
    // The first six digits count; those past the µs must still be digits.
    micros = digitsAt(text, 20, Math.min(length - 1, 26));
    if (micros < 0 || digitsAt(text, 26, length - 1) < 0) return null;
    for (let place = length - 21; place < 6; place++) micros *= 10;
  }
  if ((year | month | day | hours | minutes | seconds) < 0) return null;
  const dayStart = daysFromCivil(year, month, day) * MICROS_PER_DAY;
  const total = dayStart + ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros;
  return Number.isSafeInteger(dayStart) && Number.isSafeInteger(total) ? BigInt(total) : null;
}

/** The number the decimal digits of text[from, to) spell; negative when one is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let number = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

/** µs of the day in UTC of an ISO offset time ("10:15:30.123456Z"); "24:00:00Z" is a whole day. */
function zonedTimeMicros(value: unknown): bigint {
  const parts = typeof value === 'string' ? ZONED_TIME.exec(value) : null;
  if (!parts) return fail(value, 'an ISO-8601 time with offset');
  const [, hours, minutes, seconds, fraction, offset] = parts;
  const micros = timeOfDayMicros(hours!, minutes!, seconds, fraction) - offsetMicros(offset!);
  return BigInt(micros < 0 ? micros + MICROS_PER_DAY : micros > MICROS_PER_DAY ? micros - MICROS_PER_DAY : micros);
}

function timeOfDayMicros(hours: string, minutes: string, seconds: string | undefined, fraction: string | undefined): number {
  const micros = fraction === undefined ? 0 : Number(fraction.slice(0, 6).padEnd(6, '0'));
  return ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds ?? 0)) * 1_000_000 + micros;
}

function offsetMicros(offset: string): number {
  if (offset === 'Z') return 0;
  const [hours, minutes, seconds = '0'] = offset.slice(1).split(':');
  const micros = ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1_000_000;
  return offset.startsWith('-') ? -micros : micros;
}

function fail(value: unknown, expected: string): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value) : toJson(value);
  throw new TypeError(`expected ${expected}, got ${shown}`);
}
