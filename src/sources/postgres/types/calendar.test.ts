import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysFromCivil, formatIsoDate, formatTime, parseDate, parseOffset, parseTime, timeEnd } from './calendar.js';

const DAY_MS = 86_400_000;

/** Days since the epoch by JS Date, which is proleptic Gregorian over ±271821 years. */
function jsDays(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / DAY_MS);
}

const civilDate = fc.record({
  year: fc.integer({ min: -270000, max: 270000 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
});

describe('daysFromCivil and formatIsoDate', () => {
  it('agree with JS Date and with each other over hundreds of thousands of years', () => {
    fc.assert(
      fc.property(civilDate, ({ year, month, day }) => {
        const days = daysFromCivil(year, month, day);
        expect(days).toBe(jsDays(year, month, day));
        const yearText = year > 9999 ? `+${year}` : year < 0 ? `-${String(-year).padStart(4, '0')}` : String(year).padStart(4, '0');
        expect(formatIsoDate(days)).toBe(`${yearText}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
      }),
    );
  });

  it('writes years as java.time does: 4 digits, + beyond 9999, astronomical years before 1 AD', () => {
    expect(formatIsoDate(0)).toBe('1970-01-01');
    expect(formatIsoDate(jsDays(21016, 11, 4))).toBe('+21016-11-04');
    expect(formatIsoDate(jsDays(0, 1, 1))).toBe('0000-01-01');
    expect(formatIsoDate(jsDays(-43, 3, 15))).toBe('-0043-03-15');
  });
});

describe('parseDate', () => {
  it('reads ISO dates, BC dates as astronomical years, and years past 9999', () => {
    expect(parseDate('2024-02-29')).toBe(jsDays(2024, 2, 29));
    expect(parseDate('0044-03-15 BC')).toBe(jsDays(-43, 3, 15));
    expect(parseDate('0001-01-01 BC')).toBe(jsDays(0, 1, 1));
    expect(parseDate('21016-11-04 13:51:30.123456')).toBe(jsDays(21016, 11, 4));
    expect(parseDate('5874897-12-31')).toBe(daysFromCivil(5874897, 12, 31));
  });
});

describe('parseTime, timeEnd and parseOffset', () => {
  it('read microseconds of the day with any number of fraction digits, 24:00:00 included', () => {
    expect(parseTime('00:00:00', 0)).toBe(0);
    expect(parseTime('13:51:30.5', 0)).toBe(((13 * 60 + 51) * 60 + 30) * 1e6 + 500_000);
    expect(parseTime('13:51:30.123456', 0)).toBe(((13 * 60 + 51) * 60 + 30) * 1e6 + 123_456);
    expect(parseTime('24:00:00', 0)).toBe(86_400_000_000);
    expect(parseTime('2024-01-01 01:02:03.04', 11)).toBe(3_723_040_000);
  });

  it('find where the time ends and read offsets with hours, minutes and seconds', () => {
    const text = '13:51:30.123+05:30';
    expect(timeEnd(text, 0)).toBe(12);
    expect(parseOffset(text, 12)).toBe(19_800_000_000);
    expect(parseOffset('10:00:00-03', 8)).toBe(-10_800_000_000);
    expect(parseOffset('10:00:00+00:00:36', 8)).toBe(36_000_000);
  });
});

describe('formatTime', () => {
  it('writes as many fraction digits as needed, or exactly the number asked for', () => {
    const micros = ((13 * 60 + 5) * 60 + 9) * 1e6;
    expect(formatTime(micros, 0)).toBe('13:05:09');
    expect(formatTime(micros + 500_000, 0)).toBe('13:05:09.5');
    expect(formatTime(micros + 123_456, 0)).toBe('13:05:09.123456');
    expect(formatTime(micros, 6)).toBe('13:05:09.000000');
    expect(formatTime(micros + 120_000, 3)).toBe('13:05:09.120');
  });
});
