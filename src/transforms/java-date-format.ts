/**
 * Date patterns in java.text.SimpleDateFormat's syntax, as Kafka Connect's TimestampConverter and
 * TimestampRouter take them, always in UTC (Kafka sets the format's zone to UTC).
 *
 * Supported letters: y M L d D E u a H k K h m s S z Z X and quoted literals ('T', '' for a quote).
 * Java's quirks are kept on purpose so a pattern means what it means in Kafka: `S` counts
 * milliseconds (so `SSSSSS` is zero-padded milliseconds, not microseconds); parsing is lenient
 * (month 13 rolls into the next year), a field followed directly by another numeric field takes
 * exactly as many digits as its letters, `yy` resolves to the century window of now-80..now+20
 * years, and text after the last pattern element is ignored. Week-based letters (G Y w W F) are
 * refused rather than guessed.
 */
import { ENGLISH_NAMES, formatCommonField, pad, tokenizeDatePattern, type DateDialect, type DateToken } from '../util/date-pattern.js';

export interface DateFormat {
  readonly pattern: string;
  /** The UTC time `epochMs` written in the pattern. */
  format(epochMs: number): string;
  /** Milliseconds since the epoch, or undefined when the text does not start with the pattern. */
  parse(text: string): number | undefined;
}

const JAVA_ONLY = new Set('GYwWF');
const JAVA: DateDialect = {
  letters: new Set('yMLdDEuaHkKhmsSzZX'),
  refused: (letter) => (JAVA_ONLY.has(letter) ? `Pattern letter '${letter}' (week-based or era fields) is not supported` : undefined),
  unknown: (letter) => `Illegal pattern character '${letter}'`,
  unterminatedQuote: () => 'Unterminated quote',
};
const NUMERIC = new Set('yMLdDuHkKhmsS');
const MONTHS = ENGLISH_NAMES.longMonths;
const DAYS = ENGLISH_NAMES.longDays;

/** The format for a pattern; throws an Error worded like Java's for a pattern it cannot take. */
export function compileDateFormat(pattern: string): DateFormat {
  const tokens = tokenizeDatePattern(pattern, JAVA);
  return { pattern, format: (epochMs) => formatTokens(tokens, new Date(epochMs)), parse: (text) => parseTokens(tokens, text) };
}

/** Why a pattern cannot be used, or undefined (for config validators). */
export function dateFormatError(pattern: string): string | undefined {
  try {
    tokenizeDatePattern(pattern, JAVA);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function formatTokens(tokens: readonly DateToken[], d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error('Timestamp is out of the range a date can hold');
  return tokens.map((t) => (t.kind === 'literal' ? t.text : formatField(t.letter, t.count, d))).join('');
}

function formatField(letter: string, count: number, d: Date): string {
  switch (letter) {
    case 'y':
      return count === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), count);
    case 'L':
      return formatCommonField('M', count, d, ENGLISH_NAMES)!;
    case 'u':
      return pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), count);
    case 'S':
      return pad(d.getUTCMilliseconds(), count);
    case 'z':
      return count >= 4 ? 'Coordinated Universal Time' : 'UTC';
    case 'Z':
      return '+0000';
    case 'X':
      return 'Z';
    default:
      return formatCommonField(letter, count, d, ENGLISH_NAMES)!;
  }
}

interface Parsed {
  year: number;
  month: number;
  day: number;
  dayOfYear?: number;
  hour: number;
  hour12?: number;
  pm?: boolean;
  minute: number;
  second: number;
  millis: number;
  offsetMinutes: number;
}

function parseTokens(tokens: readonly DateToken[], text: string): number | undefined {
  const p: Parsed = { year: 1970, month: 0, day: 1, hour: 0, minute: 0, second: 0, millis: 0, offsetMinutes: 0 };
  let pos = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'literal') {
      if (!text.startsWith(t.text, pos)) return undefined;
      pos += t.text.length;
      continue;
    }
    const next = tokens[i + 1];
    const abutting = next?.kind === 'field' && NUMERIC.has(next.letter);
    const read = readField(t, text, pos, abutting, p);
    if (read === undefined) return undefined;
    pos = read;
  }
  if (p.hour12 !== undefined) p.hour = (p.hour12 % 12) + (p.pm ? 12 : 0);
  else if (p.pm === true && p.hour < 12) p.hour += 12;
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.dayOfYear === undefined ? p.month : 0, p.dayOfYear ?? p.day);
  d.setUTCHours(p.hour, p.minute, p.second, p.millis);
  return d.getTime() - p.offsetMinutes * 60_000;
}

/** Reads one field at `pos` into `p`; the position after it, or undefined when it does not match. */
function readField(t: { letter: string; count: number }, text: string, pos: number, abutting: boolean, p: Parsed): number | undefined {
  const { letter, count } = t;
  if ((letter === 'M' || letter === 'L') && count >= 3) return readName(MONTHS, text, pos, (index) => (p.month = index));
  if (letter === 'E') return readName(DAYS, text, pos, () => undefined);
  if (letter === 'a') return readName(['AM', 'PM'], text, pos, (index) => (p.pm = index === 1));
  if (letter === 'z' || letter === 'Z' || letter === 'X') return readZone(text, pos, p);
  const digits = (abutting ? new RegExp(`^\\d{${count}}`) : /^\d+/).exec(text.slice(pos))?.[0];
  if (digits === undefined) return undefined;
  const n = Number(digits);
  switch (letter) {
    case 'y':
      p.year = count <= 2 && digits.length === 2 ? twoDigitYear(n) : n;
      break;
    case 'M':
    case 'L':
      p.month = n - 1;
      break;
    case 'd':
      p.day = n;
      break;
    case 'D':
      p.dayOfYear = n;
      break;
    case 'H':
    case 'k':
      p.hour = letter === 'k' && n === 24 ? 0 : n;
      break;
    case 'K':
    case 'h':
      p.hour12 = n;
      break;
    case 'm':
      p.minute = n;
      break;
    case 's':
      p.second = n;
      break;
    case 'S':
      p.millis = n;
      break;
    default: // 'u': the day of the week follows from the date
      break;
  }
  return pos + digits.length;
}

function readName(names: readonly string[], text: string, pos: number, set: (index: number) => void): number | undefined {
  const rest = text.slice(pos).toLowerCase();
  for (const [index, name] of names.entries()) {
    for (const candidate of [name, name.slice(0, 3)]) {
      if (rest.startsWith(candidate.toLowerCase())) {
        set(index);
        return pos + candidate.length;
      }
    }
  }
  return undefined;
}

const ZONE = /^(?:Z|(?:UTC|GMT)?(?:([+-])(\d{2}):?(\d{2})?)?)/;

function readZone(text: string, pos: number, p: Parsed): number | undefined {
  const match = ZONE.exec(text.slice(pos));
  if (match === null || match[0] === '') return undefined;
  const [whole, sign, hours, minutes] = match;
  p.offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes ?? 0));
  return pos + whole.length;
}

/** Java's default two-digit-year window: the century placing the year within now-80 .. now+20 years. */
function twoDigitYear(yy: number): number {
  const start = new Date().getUTCFullYear() - 80;
  const candidate = start - (start % 100) + yy;
  return candidate < start ? candidate + 100 : candidate;
}
