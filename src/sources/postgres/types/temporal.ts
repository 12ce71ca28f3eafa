/**
 * date, time, timetz, timestamp and timestamptz: Postgres text to Debezium's values.
 *
 * Factories are called once per column; converters run per value and never block. Per
 * time.precision.mode (`adaptive` is Debezium's default):
 * - date: days since the epoch (io.debezium.time.Date; Connect Date in `connect`), or
 *   io.debezium.time.IsoDate "2024-03-15Z" in `isostring`;
 * - time(p): ms (io.debezium.time.Time) for p <= 3 and µs (MicroTime) otherwise in `adaptive`, always
 *   µs in `adaptive_time_microseconds`, ms (Connect Time) in `connect`, IsoTime "13:05:09.5Z" in
 *   `isostring`; 24:00:00 is a whole day (and "00:00:00Z" as an IsoTime, as java.time has it);
 * - timestamp(p): ms (Timestamp) for p <= 3 and µs (MicroTimestamp) otherwise, ms (Connect
 *   Timestamp) in `connect`, IsoTimestamp in `isostring`; ±infinity are Debezium's constants
 *   9223372036825200000 / -9223372036832400000 µs (ms: / 1000); values beyond 2^53 are bigints;
 * - timetz: io.debezium.time.ZonedTime in UTC, "10:15:30.123456Z", whatever the mode;
 * - timestamptz(p): io.debezium.time.ZonedTimestamp in UTC with exactly p fraction digits (6 without a
 *   typmod; as few as needed for p = 0), "infinity" and "-infinity" as such.
 */
import {
  MICROS_PER_DAY,
  daysFromCivil,
  formatIsoDate,
  formatTime,
  parseDate,
  parseOffset,
  parseTime,
  timeEnd,
  timestampTimeStart,
  utcDayAndMicros,
} from './calendar.js';
import { semantic, type ValueMapping } from './connect-schemas.js';
import { int64 } from './numeric.js';

export type TimePrecisionMode = 'adaptive' | 'adaptive_time_microseconds' | 'connect' | 'isostring';

const POSITIVE_INFINITY_MICROS = 9223372036825200000n;
const NEGATIVE_INFINITY_MICROS = -9223372036832400000n;
// Debezium reads date 'infinity' as the LocalDate -5877611-06-21 and '-infinity' as -5877611-06-22
// (PostgresValueConverter's constants; the sign of the first is a known Debezium slip).
const POSITIVE_INFINITY_DAYS = daysFromCivil(-5877611, 6, 21);
const NEGATIVE_INFINITY_DAYS = daysFromCivil(-5877611, 6, 22);

export function dateMapping(mode: TimePrecisionMode): ValueMapping {
  const days = (text: string): number =>
    text === 'infinity' ? POSITIVE_INFINITY_DAYS : text === '-infinity' ? NEGATIVE_INFINITY_DAYS : parseDate(text);
  if (mode === 'isostring') return { schema: semantic('string', 'io.debezium.time.IsoDate'), convert: (text) => `${formatIsoDate(days(text))}Z` };
  const name = mode === 'connect' ? 'org.apache.kafka.connect.data.Date' : 'io.debezium.time.Date';
  return { schema: semantic('int32', name), convert: days };
}

export function timeMapping(mode: TimePrecisionMode, precision: number): ValueMapping {
  const micros = (text: string): number => parseTime(text, 0);
  const millis = (text: string): number => Math.floor(parseTime(text, 0) / 1000);
  switch (mode) {
    case 'isostring':
      return { schema: semantic('string', 'io.debezium.time.IsoTime'), convert: (text) => `${formatTime(micros(text) % MICROS_PER_DAY, 0)}Z` };
    case 'connect':
      return { schema: semantic('int32', 'org.apache.kafka.connect.data.Time'), convert: millis };
    case 'adaptive':
      if (precision <= 3) return { schema: semantic('int32', 'io.debezium.time.Time'), convert: millis };
  }
  return { schema: semantic('int64', 'io.debezium.time.MicroTime'), convert: micros };
}

export function timetzMapping(): ValueMapping {
  return {
    schema: semantic('string', 'io.debezium.time.ZonedTime'),
    convert: (text) => {
      const local = parseTime(text, 0);
      const offset = parseOffset(text, timeEnd(text, 0));
      // Debezium keeps the end of the day in UTC as "24:00:00Z" rather than wrapping it to midnight.
      if (local === MICROS_PER_DAY && offset === 0) return '24:00:00Z';
      const utc = (((local - offset) % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;
      return `${formatTime(utc, 0)}Z`;
    },
  };
}

export function timestampMapping(mode: TimePrecisionMode, precision: number): ValueMapping {
  if (mode === 'isostring') {
    return {
      schema: semantic('string', 'io.debezium.time.IsoTimestamp'),
      convert: (text) => {
        const infinite = infinityMicros(text);
        if (infinite !== undefined) return isoTimestamp(...splitMicros(infinite), 0);
        const start = timestampTimeStart(text);
        return isoTimestamp(parseDate(text), parseTime(text, start), 0);
      },
    };
  }
  if (mode === 'connect' || precision <= 3) {
    const name = mode === 'connect' ? 'org.apache.kafka.connect.data.Timestamp' : 'io.debezium.time.Timestamp';
    return {
      schema: semantic('int64', name),
      convert: (text) => {
        const infinite = infinityMicros(text);
        if (infinite !== undefined) return int64(infinite / 1000n);
        return epochMillis(parseDate(text), parseTime(text, timestampTimeStart(text)));
      },
    };
  }
  return {
    schema: semantic('int64', 'io.debezium.time.MicroTimestamp'),
    convert: (text) => {
      const infinite = infinityMicros(text);
      if (infinite !== undefined) return infinite;
      return epochMicros(parseDate(text), parseTime(text, timestampTimeStart(text)));
    },
  };
}

export function timestamptzMapping(fractionDigits: number): ValueMapping {
  return {
    schema: semantic('string', 'io.debezium.time.ZonedTimestamp'),
    convert: (text) => {
      const fast = plainUtcTimestamp(text, fractionDigits);
      if (fast !== undefined) return fast;
      if (text === 'infinity' || text === '-infinity') return text;
      return isoTimestamp(...utcDayAndMicros(text), fractionDigits);
    },
  };
}

/**
 * The common case without parsing: a four-digit AD year in UTC ("2026-11-22 07:40:00.12345+00").
 * The session prints fractions without trailing zeros; only the separators change, and the fraction
 * is padded or cut to `fractionDigits` (0: as printed). Anything else (BC, five-digit years,
 * infinity) returns undefined.
 */
function plainUtcTimestamp(text: string, fractionDigits: number): string | undefined {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(length - 3) !== 43 ||
    text.charCodeAt(length - 2) !== 48 ||
    text.charCodeAt(length - 1) !== 48
  ) {
    return undefined;
  }
  if (fractionDigits === 0) return `${text.slice(0, 10)}T${text.slice(11, length - 3)}Z`;
  // Fraction digits as printed: "HH:MM:SS" is followed by "+00", or by "." and the digits then "+00".
  const printed = length === 22 ? 0 : length - 23;
  if (printed >= fractionDigits) return `${text.slice(0, 10)}T${text.slice(11, 20 + fractionDigits)}Z`;
  return `${text.slice(0, 10)}T${text.slice(11, length - 3)}${printed === 0 ? '.' : ''}${'000000000'.slice(0, fractionDigits - printed)}Z`;
}

function infinityMicros(text: string): bigint | undefined {
  return text === 'infinity' ? POSITIVE_INFINITY_MICROS : text === '-infinity' ? NEGATIVE_INFINITY_MICROS : undefined;
}

function isoTimestamp(days: number, micros: number, fractionDigits: number): string {
  return `${formatIsoDate(days)}T${formatTime(micros, fractionDigits)}Z`;
}

function splitMicros(micros: bigint): [days: number, micros: number] {
  const day = BigInt(MICROS_PER_DAY);
  const days = micros >= 0n ? micros / day : -((-micros + day - 1n) / day);
  return [Number(days), Number(micros - days * day)];
}

// Below these day counts the products stay under 2^53 and plain arithmetic is exact.
function epochMicros(days: number, micros: number): number | bigint {
  if (days <= 104_000 && days >= -104_000) return days * MICROS_PER_DAY + micros;
  return int64(BigInt(days) * BigInt(MICROS_PER_DAY) + BigInt(micros));
}

function epochMillis(days: number, micros: number): number | bigint {
  const millis = Math.floor(micros / 1000);
  if (days <= 104_000_000 && days >= -104_000_000) return days * 86_400_000 + millis;
  return int64(BigInt(days) * 86_400_000n + BigInt(millis));
}
