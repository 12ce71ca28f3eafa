/**
 * Date formats as the fake OpenSearch node reads them (fake-opensearch-values.ts): whether a string
 * is a date in a field's `format` (formats joined with `||`, the first that reads it wins). Pure;
 * called per date value, and once per format when a mapping is created (`dateFormatProblem`).
 *
 * Modelled as OpenSearch 2.x defines them (its DateFormatters, strict resolving):
 * - strict_date_optional_time: `yyyy[-MM[-dd]]` then optionally `T` and `HH[:mm[:ss[.f{1,9}][,f{1,9}]]]`
 *   with an optional zone (`Z`, `+01:00`, `+0100`, `+01`, a zone id); the year has exactly four
 *   digits, maybe after a minus sign (year width 4 to 4, SignStyle.EXCEEDS_PAD), so years after 9999
 *   or before -9999 do not parse, nor does "+2024". strict_date_optional_time_nanos
 *   the same with `HH:mm:ss` required after `T`. date_optional_time: one to nine year digits, maybe
 *   signed, one or two digits elsewhere.
 * - strict_date / date: `yyyy-MM-dd`. epoch_millis / epoch_second: a number, maybe negative, maybe
 *   with a fraction (numbers themselves are taken by the caller).
 * - Patterns built from y, u, M, d, H, m, s, S, X, Z, quoted literals and `-/:. T,` (e.g.
 *   `yyyy/MM/dd HH:mm:ss`, one of dynamic mapping's formats).
 * Every date is checked against the calendar: month 1-12, a day the month has (leap years too),
 * hour 0-23, minute and second 0-59. Other named formats are refused: the fake does not model them.
 */

type Reader = (text: string) => boolean;

const ZONE = String.raw`(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|[A-Za-z][\w+\-/]*)`;
const FRACTION = String.raw`(?:\.\d{1,9})?(?:,\d{1,9})?`;
const EPOCH = /^-?\d+(?:\.\d+)?$/;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** An ISO-like date: year, month, day groups, then hour, minute, second groups. */
function isoReader(year: string, digits: string, timeRequired: boolean): Reader {
  const time = timeRequired ? String.raw`(\d{2}):(\d{2}):(\d{2})${FRACTION}` : String.raw`(?:(${digits})(?::(${digits})(?::(${digits})${FRACTION})?)?)?`;
  const pattern = new RegExp(String.raw`^(${year})(?:-(${digits})(?:-(${digits}))?)?(?:T${time}${ZONE}?)?$`);
  return (text) => calendarFits(pattern.exec(text), [1, 2, 3, 4, 5, 6]);
}

const NAMED: Readonly<Record<string, Reader>> = {
  strict_date_optional_time: isoReader(String.raw`-?\d{4}`, String.raw`\d{2}`, false),
  strict_date_optional_time_nanos: isoReader(String.raw`-?\d{4}`, String.raw`\d{2}`, true),
  date_optional_time: isoReader(String.raw`[+-]?\d{1,9}`, String.raw`\d{1,2}`, false),
  strict_date: patternReader('yyyy-MM-dd'),
  date: patternReader('yyyy-MM-dd'),
  epoch_millis: (text) => EPOCH.test(text),
  epoch_second: (text) => EPOCH.test(text),
};

const readers = new Map<string, Reader>();

/** A reader for a Java DateTimeFormatter pattern made of the letters the fake knows; throws on others. */
function patternReader(pattern: string): Reader {
  const groups: Array<number | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined];
  let regex = '';
  let group = 0;
  for (const [token] of pattern.matchAll(/'[^']*'|([A-Za-z])\1*|./g)) {
    const letter = token[0]!;
    const slot = 'yuMdHms'.indexOf(letter);
    if (token.startsWith("'")) regex += escape(token.slice(1, -1));
    else if (slot >= 0) {
      groups[Math.max(slot - 1, 0)] = ++group;
      regex += slot <= 1 ? (token.length === 2 ? String.raw`(\d{2})` : String.raw`(\d{4,9})`) : token.length === 1 ? String.raw`(\d{1,2})` : String.raw`(\d{2})`;
    } else if (letter === 'S') regex += String.raw`\d{${token.length}}`;
    else if (letter === 'X' || letter === 'Z') regex += ZONE;
    else if (/[A-Za-z]/.test(letter)) throw new Error(`date pattern letter [${letter}] is not modelled by fake-opensearch`);
    else regex += escape(token);
  }
  const compiled = new RegExp(`^${regex}$`);
  return (text) => calendarFits(compiled.exec(text), groups);
}

/** Whether the matched fields (by group number, in year-month-day-hour-minute-second order) make a real date and time. */
function calendarFits(match: RegExpExecArray | null, groups: ReadonlyArray<number | undefined>): boolean {
  if (match === null) return false;
  const [year, month, day, hour, minute, second] = groups.map((g) => (g === undefined || match[g] === undefined ? undefined : Number(match[g])));
  if (month !== undefined && (month < 1 || month > 12)) return false;
  if (day !== undefined && (day < 1 || day > daysInMonth(year ?? 2000, month ?? 1))) return false;
  return (hour ?? 0) <= 23 && (minute ?? 0) <= 59 && (second ?? 0) <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function reader(format: string): Reader {
  let read = readers.get(format);
  if (read === undefined) {
    read = NAMED[format] ?? (/^[a-z_]+$/.test(format) ? undefined : patternReader(format));
    if (read === undefined) throw new Error(`date format [${format}] is not modelled by fake-opensearch`);
    readers.set(format, read);
  }
  return read;
}

/** Whether `text` is a date in one of `format`'s `||`-joined formats. */
export function isDate(text: string, format: string): boolean {
  return format.split('||').some((one) => reader(one.trim())(text));
}

/** Whether numbers are dates in `format` (it has an epoch format). */
export function takesNumbers(format: string): boolean {
  return format.split('||').some((one) => one.trim().startsWith('epoch_'));
}

/** Why the fake cannot use `format`, or undefined when it can. */
export function dateFormatProblem(format: string): string | undefined {
  try {
    for (const one of format.split('||')) reader(one.trim());
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
