/**
 * interval: Postgres text (IntervalStyle=iso_8601, "P1Y2M3DT4H5M6.78S") to Debezium's values.
 *
 * Debezium reads an interval into the JDBC driver's PGInterval (years, months, days, hours, minutes,
 * seconds rounded to the microsecond) and then either
 * - `numeric` (interval.handling.mode default): io.debezium.time.MicroDuration, the µs of
 *   ((years * 12 + months) * 365.25/12 + days) days plus the time, computed in doubles and truncated
 *   to a long (MicroDuration.durationMicros); we repeat that arithmetic step by step so the result is
 *   the same to the microsecond, bigint when beyond 2^53;
 * - `string`: io.debezium.time.Interval, "P<y>Y<m>M<d>DT<h>H<m>M<s>S" with every field written.
 * 'infinity' and '-infinity' read as a zero interval there, and so here. Called per value; pure.
 */
import { semantic, type ValueMapping } from './connect-schemas.js';

export type IntervalHandlingMode = 'numeric' | 'string';

const DAYS_PER_MONTH_AVG = 365.25 / 12;
const LONG_LIMIT = 2 ** 63;

export function intervalMapping(mode: IntervalHandlingMode): ValueMapping {
  if (mode === 'string') return { schema: semantic('string', 'io.debezium.time.Interval'), convert: isoInterval };
  return { schema: semantic('int64', 'io.debezium.time.MicroDuration'), convert: microDuration };
}

interface IntervalFields {
  years: number;
  months: number;
  days: number;
  hours: number;
  minutes: number;
  /** PGInterval.getSeconds(): whole seconds plus microseconds / 1e6, as a double */
  seconds: number;
}

function microDuration(text: string): number | bigint {
  const { years, months, days, hours, minutes, seconds } = parseInterval(text);
  const numberOfDays = (years * 12 + months) * DAYS_PER_MONTH_AVG + days;
  const numberOfSeconds = ((numberOfDays * 24 + hours) * 60 + minutes) * 60 + seconds;
  return javaLong(numberOfSeconds * 1e6);
}

function isoInterval(text: string): string {
  const { years, months, days, hours, minutes, seconds } = parseInterval(text);
  return `P${years}Y${months}M${days}DT${hours}H${minutes}M${secondsText(seconds)}S`;
}

/** BigDecimal.valueOf(seconds), cut to 9 decimals, trailing zeros stripped, as a plain string. */
function secondsText(seconds: number): string {
  // A double's shortest form, as Double.toString has it; plain, since |seconds| lies in [1e-6, 2^31).
  const text = String(seconds);
  const point = text.indexOf('.');
  if (point < 0 || text.length - point - 1 <= 9) return text;
  let end = point + 10;
  while (text.charCodeAt(end - 1) === 48) end--;
  return text.slice(0, end === point + 1 ? point : end);
}

/** A Java (long) cast of a double, as a JSON-exact value. */
function javaLong(value: number): number | bigint {
  if (Number.isNaN(value)) return 0;
  if (value >= LONG_LIMIT) return 9223372036854775807n;
  if (value <= -LONG_LIMIT) return -9223372036854775808n;
  const truncated = Math.trunc(value);
  return Number.isSafeInteger(truncated) ? truncated : BigInt(truncated);
}

function parseInterval(text: string): IntervalFields {
  const fields: IntervalFields = { years: 0, months: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  if (text.charCodeAt(0) !== 80) return fields;
  let inTime = false;
  let start = 1;
  for (let i = 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 65 || code > 90) continue;
    if (code === 84) {
      inTime = true;
    } else {
      const number = text.slice(start, i);
      if (code === 89) fields.years = Number(number);
      else if (code === 77 && !inTime) fields.months = Number(number);
      else if (code === 68) fields.days = Number(number);
      else if (code === 72) fields.hours = Number(number);
      else if (code === 77) fields.minutes = Number(number);
      else if (code === 83) fields.seconds = pgIntervalSeconds(number);
    }
    start = i + 1;
  }
  return fields;
}

// PGInterval.setSeconds rounds to whole microseconds and getSeconds adds them back in a double.
function pgIntervalSeconds(text: string): number {
  const totalMicros = Math.round(Number(text) * 1e6);
  const micros = totalMicros % 1_000_000;
  return (totalMicros - micros) / 1_000_000 + micros / 1_000_000;
}
