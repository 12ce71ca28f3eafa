/**
 * What Java's SimpleDateFormat and Joda's DateTimeFormat patterns have in common: the syntax
 * (a letter repeated for its width, quoted literal text with '' for a quote, any other character
 * literal) and the fields both spell alike, written from a Date read in UTC. The two dialects
 * (transforms/java-date-format.ts for Connect's TimestampConverter, sinks/s3-parquet/path-format.ts
 * for Confluent's path.format) bring their own letters, checks and names. Pure.
 */

export type DateToken = { kind: 'literal'; text: string } | { kind: 'field'; letter: string; count: number };

/** A dialect's letters, and its words for what it refuses. */
export interface DateDialect {
  letters: ReadonlySet<string>;
  /** Why a letter the dialect knows but does not take is refused, or undefined when it takes it. */
  refused(letter: string): string | undefined;
  unknown(letter: string): string;
  unterminatedQuote(pattern: string): string;
}

/** Month and day names and the two halves of the day, indexed as Date counts them (Sunday = 0). */
export interface DateNames {
  shortMonths: readonly string[];
  longMonths: readonly string[];
  shortDays: readonly string[];
  longDays: readonly string[];
  halfDays: readonly [string, string];
}

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Java's names in the root locale, as Kafka Connect formats them. */
export const ENGLISH_NAMES: DateNames = {
  shortMonths: LONG_MONTHS.map((m) => m.slice(0, 3)),
  longMonths: LONG_MONTHS,
  shortDays: LONG_DAYS.map((d) => d.slice(0, 3)),
  longDays: LONG_DAYS,
  halfDays: ['AM', 'PM'],
};

/** A pattern's tokens; throws an Error with the dialect's words for a pattern it cannot take. */
export function tokenizeDatePattern(pattern: string, dialect: DateDialect): DateToken[] {
  const tokens: DateToken[] = [];
  const literal = (text: string) => {
    const last = tokens.at(-1);
    if (last?.kind === 'literal') last.text += text;
    else if (text !== '') tokens.push({ kind: 'literal', text });
  };
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      let text = '';
      let j = i + 1;
      for (; j < pattern.length; j++) {
        if (pattern[j] !== "'") text += pattern[j];
        else if (pattern[j + 1] === "'") text += pattern[j++];
        else break;
      }
      if (j >= pattern.length) throw new Error(dialect.unterminatedQuote(pattern));
      literal(j === i + 1 ? "'" : text);
      i = j + 1;
    } else if (/[a-zA-Z]/.test(c)) {
      const refusal = dialect.refused(c);
      if (refusal !== undefined) throw new Error(refusal);
      if (!dialect.letters.has(c)) throw new Error(dialect.unknown(c));
      let count = 1;
      while (pattern[i + count] === c) count++;
      tokens.push({ kind: 'field', letter: c, count });
      i += count;
    } else {
      literal(c);
      i++;
    }
  }
  return tokens;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * A field both dialects write alike (M d D H k K h m s E a), from `d` read in UTC; undefined for a
 * letter the dialect writes itself.
 */
export function formatCommonField(letter: string, count: number, d: Date, names: DateNames): string | undefined {
  const hour = d.getUTCHours();
  switch (letter) {
    case 'M':
      if (count >= 4) return names.longMonths[d.getUTCMonth()]!;
      if (count === 3) return names.shortMonths[d.getUTCMonth()]!;
      return pad(d.getUTCMonth() + 1, count);
    case 'd':
      return pad(d.getUTCDate(), count);
    case 'D':
      return pad(Math.floor((d.getTime() - startOfYear(d.getUTCFullYear())) / 86_400_000) + 1, count);
    case 'H':
      return pad(hour, count);
    case 'k':
      return pad(hour === 0 ? 24 : hour, count);
    case 'K':
      return pad(hour % 12, count);
    case 'h':
      return pad(hour % 12 === 0 ? 12 : hour % 12, count);
    case 'm':
      return pad(d.getUTCMinutes(), count);
    case 's':
      return pad(d.getUTCSeconds(), count);
    case 'E':
      return (count >= 4 ? names.longDays : names.shortDays)[d.getUTCDay()]!;
    case 'a':
      return names.halfDays[hour < 12 ? 0 : 1];
    default:
      return undefined;
  }
}

/** The start of a year in ms, also for years 0-99 (which Date.UTC would read as 1900-1999). */
function startOfYear(year: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, 0, 1);
  return d.getTime();
}
