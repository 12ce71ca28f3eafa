/**
 * The time part of an object's path: a Joda-Time DateTimeFormat pattern, as Confluent's
 * TimeBasedPartitioner takes it in `path.format` (`'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH`),
 * applied to the start of the time bucket (`partition.duration.ms` long, counted in the wall-clock
 * time of `timezone`) that holds a timestamp.
 *
 * Pattern letters: Y (year of era) and y (year; two letters give the last two digits), M (month;
 * MMM and MMMM are the locale's short and full names), d, D (day of year), H, k (1-24), K (0-11),
 * h (1-12), m, s, S (fraction of a second), E (EEE / EEEE: the locale's day names), e (ISO day of
 * week, Monday = 1), a (the locale's AM/PM); quoted text ('year', '' for a quote) and any other
 * character are literal. A count of letters is the least number of digits. Joda's other letters
 * (era, century, week-based fields, zones) are refused: they make poor directory names.
 *
 * Buckets are floored in local wall-clock time, as Confluent does (Joda's convertUTCToLocal, then
 * division), so a daily bucket is one calendar day in the zone, 23 or 25 hours long across a DST
 * change, and the hour 01 repeated when clocks fall back is one bucket. The path names the
 * bucket's wall-clock start (floored toward minus infinity, also before 1970).
 *
 * `createTimeBucketFormat` compiles a pattern once (a bad one throws an Error whose message
 * `pathFormatError` returns for config checks). `pathOf` runs per record and never blocks: it
 * caches the zone's UTC offset per 15-minute cell of the time line (two Intl look-ups per cell; a
 * cell holding a DST change is resolved per record) and the path per bucket; both caches are
 * bounded. This relies on no zone changing its offset twice within 15 minutes, which tzdata
 * never does.
 */
import { ENGLISH_NAMES, formatCommonField, pad, tokenizeDatePattern, type DateDialect, type DateNames, type DateToken } from '../../util/date-pattern.js';

export interface TimeBucketSpec {
  /** path.format */
  pattern: string;
  /** partition.duration.ms */
  durationMs: number;
  /** An IANA zone Intl knows (timezone). */
  timeZone: string;
  /** A BCP 47 locale (locale), for month and day names. */
  locale: string;
}

export interface TimeBucketFormat {
  /** The path of the bucket holding `epochMs` (cached). */
  pathOf(epochMs: number): string;
  /** The same path computed from scratch, without the caches: what `pathOf` must always agree with. */
  pathOfUncached(epochMs: number): string;
}

const SUPPORTED = new Set('YyMdDHkKhmsSEea');
const REFUSED = new Set('GCxwzZ');
const JODA: DateDialect = {
  letters: SUPPORTED,
  refused: (letter) =>
    REFUSED.has(letter) ? `Pattern letter '${letter}' (era, century, week-based or zone fields) is not supported in paths; use letters of ${[...SUPPORTED].join(' ')}` : undefined,
  unknown: (letter) => `Illegal pattern component: ${letter}; quote literal text, as in 'year'=YYYY`,
  unterminatedQuote: (pattern) => `Unterminated quote in "${pattern}": close quoted text with '`,
};
const CELL_MS = 15 * 60_000;
const CACHE_LIMIT = 4096;

/** Why a pattern cannot be used, or undefined. */
export function pathFormatError(pattern: string): string | undefined {
  try {
    tokenize(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function createTimeBucketFormat(spec: TimeBucketSpec): TimeBucketFormat {
  const format = compileWallClockFormat(spec.pattern, spec.locale);
  const clock = new ZoneClock(spec.timeZone);
  const offsets = new OffsetCache(clock);
  const paths = new Map<number, string>();
  const bucketStart = (localMs: number) => Math.floor(localMs / spec.durationMs) * spec.durationMs;
  return {
    pathOf(epochMs) {
      const start = bucketStart(epochMs + offsets.offsetAt(epochMs));
      let path = paths.get(start);
      if (path === undefined) {
        if (paths.size >= CACHE_LIMIT) paths.clear();
        path = format(start);
        paths.set(start, path);
      }
      return path;
    },
    pathOfUncached: (epochMs) => format(bucketStart(epochMs + clock.offsetAt(epochMs))),
  };
}

/** A pattern's tokens; throws for a pattern that cannot be used. */
function tokenize(pattern: string): DateToken[] {
  const tokens = tokenizeDatePattern(pattern, JODA);
  const shape = tokens.map((t) => (t.kind === 'literal' ? t.text : 'x')).join('');
  if (shape.startsWith('/') || shape.endsWith('/') || shape.includes('//')) {
    throw new Error(`"${pattern}" makes an empty path segment: remove the leading, trailing or doubled /`);
  }
  return tokens;
}

/** Wall-clock fields as text: takes a local time in milliseconds (the wall clock read as if UTC). */
type WallClockFormat = (localMs: number) => string;

function compileWallClockFormat(pattern: string, locale: string): WallClockFormat {
  const tokens = tokenize(pattern);
  const names = tokens.some((t) => t.kind === 'field' && isText(t.letter, t.count)) ? localeNames(locale) : ENGLISH_NAMES;
  return (localMs) => {
    const d = new Date(localMs);
    if (Number.isNaN(d.getTime())) throw new Error(`Time ${localMs} is out of the range a date can hold`);
    let text = '';
    for (const t of tokens) text += t.kind === 'literal' ? t.text : formatField(t.letter, t.count, d, names);
    return text;
  };
}

function isText(letter: string, count: number): boolean {
  return letter === 'E' || letter === 'a' || (letter === 'M' && count >= 3);
}

/** Month names as they stand in a date (format forms, as Joda's DateFormatSymbols), day names and AM/PM. */
function localeNames(locale: string): DateNames {
  const part = (options: Intl.DateTimeFormatOptions, type: Intl.DateTimeFormatPartTypes) => {
    const formatter = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', ...options });
    return (ms: number) => formatter.formatToParts(ms).find((p) => p.type === type)?.value ?? '';
  };
  const months = (month: 'short' | 'long') => Array.from({ length: 12 }, (_, m) => part({ day: 'numeric', month }, 'month')(Date.UTC(2021, m, 15)));
  // 2021-01-03 was a Sunday: index 0 is Sunday, as Date.getUTCDay counts.
  const days = (weekday: 'short' | 'long') => Array.from({ length: 7 }, (_, i) => part({ weekday }, 'weekday')(Date.UTC(2021, 0, 3 + i)));
  const halfDay = part({ hour: 'numeric', hour12: true }, 'dayPeriod');
  return {
    shortMonths: months('short'),
    longMonths: months('long'),
    shortDays: days('short'),
    longDays: days('long'),
    halfDays: [halfDay(Date.UTC(2021, 0, 1, 9)), halfDay(Date.UTC(2021, 0, 1, 15))],
  };
}

function formatField(letter: string, count: number, d: Date, names: DateNames): string {
  const year = d.getUTCFullYear();
  switch (letter) {
    case 'Y': {
      const yearOfEra = year <= 0 ? 1 - year : year;
      return count === 2 ? pad(yearOfEra % 100, 2) : pad(yearOfEra, count);
    }
    case 'y':
      if (count === 2) return pad(((year % 100) + 100) % 100, 2);
      return year < 0 ? `-${pad(-year, count)}` : pad(year, count);
    case 'S': {
      const millis = pad(d.getUTCMilliseconds(), 3);
      return count <= 3 ? millis.slice(0, count) : millis.padEnd(count, '0');
    }
    case 'e':
      return pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), count);
    default:
      return formatCommonField(letter, count, d, names)!;
  }
}

/** A zone's UTC offset at an instant, read from Intl (several microseconds a call). */
class ZoneClock {
  private readonly fields: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.fields = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Milliseconds to add to `epochMs` for the zone's wall clock; tzdata offsets are whole seconds. */
  offsetAt(epochMs: number): number {
    const second = Math.floor(epochMs / 1000) * 1000;
    const field: Record<string, string> = {};
    for (const part of this.fields.formatToParts(second)) field[part.type] = part.value;
    const year = Number(field['year']);
    const local = new Date(0);
    local.setUTCFullYear(field['era'] === 'BC' ? 1 - year : year, Number(field['month']) - 1, Number(field['day']));
    local.setUTCHours(Number(field['hour']), Number(field['minute']), Number(field['second']));
    return local.getTime() - second;
  }
}

/** ZoneClock.offsetAt per 15-minute cell: a cell whose two ends agree has one offset throughout. */
class OffsetCache {
  private readonly cells = new Map<number, number | null>();
  private lastCell = NaN;
  private lastOffset: number | null = null;

  constructor(private readonly clock: ZoneClock) {}

  offsetAt(epochMs: number): number {
    const cell = Math.floor(epochMs / CELL_MS);
    if (cell !== this.lastCell) {
      let offset = this.cells.get(cell);
      if (offset === undefined) {
        const first = this.clock.offsetAt(cell * CELL_MS);
        offset = first === this.clock.offsetAt((cell + 1) * CELL_MS - 1) ? first : null;
        if (this.cells.size >= CACHE_LIMIT) this.cells.clear();
        this.cells.set(cell, offset);
      }
      this.lastCell = cell;
      this.lastOffset = offset;
    }
    return this.lastOffset ?? this.clock.offsetAt(epochMs);
  }
}
