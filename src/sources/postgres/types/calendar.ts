/**
 * Reading and writing the date and time text of the session settings (DateStyle=ISO, TimeZone=UTC):
 * dates "2024-03-15", "0044-03-15 BC", "294276-12-31"; times "13:05:09.123456", "24:00:00";
 * timestamps "2024-03-15 13:05:09.5", with "+00" (or any "+HH[:MM[:SS]]") for timestamptz and timetz.
 *
 * Dates count days in the proleptic Gregorian calendar with astronomical years (1 BC is year 0), as
 * both Postgres and java.time do, over the whole range Postgres accepts (JS Date covers too little).
 * Output follows java.time's ISO formatters, which Debezium's strings come from. Pure functions that
 * index into the text; called per value.
 */

export const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** java.time's ISO_LOCAL_DATE of a day count: "2024-03-15", "+21016-11-04", "-0043-03-15". */
export function formatIsoDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const yearText = year > 9999 ? `+${year}` : year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}`;
}

/**
 * "HH:MM:SS" plus the fraction of a microsecond-of-day count: with `fractionDigits` 0 as few digits
 * as the value needs (none when whole), else exactly that many, truncated.
 */
export function formatTime(micros: number, fractionDigits: number): string {
  const fraction = micros % 1_000_000;
  const seconds = (micros - fraction) / 1_000_000;
  const text = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  if (fractionDigits > 0) return `${text}.${pad(fraction, 6).padEnd(fractionDigits, '0').slice(0, fractionDigits)}`;
  if (fraction === 0) return text;
  let digits = pad(fraction, 6);
  let end = 6;
  while (digits.charCodeAt(end - 1) === 48) end--;
  if (end < 6) digits = digits.slice(0, end);
  return `${text}.${digits}`;
}

/** The integer written in decimal digits from `start` to `end`. */
function readDigits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

/** Days since the epoch of "YYYY-MM-DD[ BC]" (also the date part of a timestamp). */
export function parseDate(text: string): number {
  const dash = text.indexOf('-', 1);
  const year = readDigits(text, 0, dash);
  return daysFromCivil(isBc(text) ? 1 - year : year, readDigits(text, dash + 1, dash + 3), readDigits(text, dash + 4, dash + 6));
}

/** Where the time part of a timestamp starts. */
export function timestampTimeStart(text: string): number {
  return text.indexOf('-', 1) + 7;
}

/** Microseconds of the day of "HH:MM:SS[.f...]" at `start`; 24:00:00 is a whole day. */
export function parseTime(text: string, start: number): number {
  const seconds = readDigits(text, start, start + 2) * 3600 + readDigits(text, start + 3, start + 5) * 60 + readDigits(text, start + 6, start + 8);
  const end = timeEnd(text, start);
  let fraction = 0;
  if (end > start + 9) {
    fraction = readDigits(text, start + 9, end);
    for (let digits = end - start - 9; digits < 6; digits++) fraction *= 10;
  }
  return seconds * 1_000_000 + fraction;
}

/** The index just past "HH:MM:SS[.f...]" at `start`. */
export function timeEnd(text: string, start: number): number {
  let end = start + 8;
  if (text.charCodeAt(end) === 46) {
    end++;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  }
  return end;
}

/**
 * The day (since the epoch) and microsecond of that day, in UTC, of a timestamptz
 * "YYYY-MM-DD HH:MM:SS[.f...]+HH[:MM[:SS]]".
 */
export function utcDayAndMicros(text: string): [days: number, micros: number] {
  const start = timestampTimeStart(text);
  const micros = parseTime(text, start) - parseOffset(text, timeEnd(text, start));
  const dayShift = Math.floor(micros / MICROS_PER_DAY);
  return [parseDate(text) + dayShift, micros - dayShift * MICROS_PER_DAY];
}

/** Microseconds east of UTC of an offset "+HH[:MM[:SS]]" at `start`. */
export function parseOffset(text: string, start: number): number {
  let seconds = readDigits(text, start + 1, start + 3) * 3600;
  if (text.charCodeAt(start + 3) === 58) {
    seconds += readDigits(text, start + 4, start + 6) * 60;
    if (text.charCodeAt(start + 6) === 58) seconds += readDigits(text, start + 7, start + 9);
  }
  return (text.charCodeAt(start) === 45 ? -seconds : seconds) * 1_000_000;
}

function isBc(text: string): boolean {
  return text.charCodeAt(text.length - 1) === 67 && text.charCodeAt(text.length - 2) === 66;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
