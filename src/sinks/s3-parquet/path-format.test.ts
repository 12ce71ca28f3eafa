import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTimeBucketFormat, pathFormatError, type TimeBucketSpec } from './path-format.js';

const HOURLY = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH";
const DAILY = "'year'=YYYY/'month'=MM/'day'=dd";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);

function paths(spec: Partial<TimeBucketSpec>, isos: string[]): string[] {
  const format = createTimeBucketFormat({ pattern: HOURLY, durationMs: HOUR, timeZone: 'UTC', locale: 'en-US', ...spec });
  return isos.map((iso) => format.pathOf(at(iso)));
}

describe('path formats', () => {
  it('write Confluent\'s hourly and daily layouts, bucket starts in UTC by default', () => {
    expect(paths({}, ['2024-03-05T10:15:30.123Z', '2024-03-05T10:59:59.999Z', '2024-03-05T11:00:00Z'])).toEqual([
      'year=2024/month=03/day=05/hour=10',
      'year=2024/month=03/day=05/hour=10',
      'year=2024/month=03/day=05/hour=11',
    ]);
    expect(paths({ pattern: DAILY, durationMs: DAY }, ['2024-12-31T23:59:59.999Z', '2025-01-01T00:00:00Z'])).toEqual(['year=2024/month=12/day=31', 'year=2025/month=01/day=01']);
  });

  it('take Joda letters with their widths, quoted literals and quotes', () => {
    const one = (pattern: string, iso = '2024-03-05T09:05:07.089Z', locale = 'en-US') => paths({ pattern, durationMs: 1, locale }, [iso])[0];
    expect(one('yyyy-MM-dd HH:mm:ss.SSS')).toBe('2024-03-05 09:05:07.089');
    expect(one('YY yy y M d H m s S SSSSSS')).toBe('24 24 2024 3 5 9 5 7 0 089000');
    expect(one('D DDD e E EEEE')).toBe('65 065 2 Tue Tuesday');
    expect(one('k K h a', '2024-03-05T00:30:00Z')).toBe('24 0 12 AM');
    expect(one('k K h a', '2024-03-05T15:30:00Z')).toBe('15 3 3 PM');
    expect(one("'o''clock' '' HH'h'")).toBe("o'clock ' 09h");
    expect(one("YYYY/'q'=M", '0044-03-15T00:00:00Z')).toBe('0044/q=3');
  });

  it('name months and days in the configured locale', () => {
    const one = (pattern: string, locale: string) => paths({ pattern, durationMs: DAY, locale }, ['2024-03-05T12:00:00Z'])[0];
    expect(one('MMM/MMMM/EEE', 'en-US')).toBe('Mar/March/Tue');
    expect(one('MMM/MMMM/EEEE', 'de-DE')).toBe('März/März/Dienstag');
    expect(one('dd-MMM-yyyy', 'fr-FR')).toBe('05-mars-2024');
  });

  it('keep daily buckets to calendar days in Europe/Berlin across both DST changes', () => {
    const berlin = { pattern: DAILY, durationMs: DAY, timeZone: 'Europe/Berlin' };
    // 2024-03-31: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC; the day is 23 hours long.
    expect(paths(berlin, ['2024-03-30T22:59:59.999Z', '2024-03-30T23:00:00Z', '2024-03-31T21:59:59.999Z', '2024-03-31T22:00:00Z'])).toEqual([
      'year=2024/month=03/day=30',
      'year=2024/month=03/day=31',
      'year=2024/month=03/day=31',
      'year=2024/month=04/day=01',
    ]);
    // 2024-10-27: clocks go from 03:00 CEST back to 02:00 CET at 01:00 UTC; the day is 25 hours long.
    expect(paths(berlin, ['2024-10-26T21:59:59.999Z', '2024-10-26T22:00:00Z', '2024-10-27T22:59:59.999Z', '2024-10-27T23:00:00Z'])).toEqual([
      'year=2024/month=10/day=26',
      'year=2024/month=10/day=27',
      'year=2024/month=10/day=27',
      'year=2024/month=10/day=28',
    ]);
  });

  it('skip the lost hour and merge the repeated one in Europe/Berlin hourly buckets', () => {
    const berlin = { timeZone: 'Europe/Berlin' };
    expect(paths(berlin, ['2024-03-31T00:59:59Z', '2024-03-31T01:00:00Z'])).toEqual(['year=2024/month=03/day=31/hour=01', 'year=2024/month=03/day=31/hour=03']);
    // 00:30 UTC is 02:30 CEST and 01:30 UTC is 02:30 CET: both land in hour 02.
    expect(paths(berlin, ['2024-10-27T00:30:00Z', '2024-10-27T01:30:00Z', '2024-10-27T02:00:00Z'])).toEqual([
      'year=2024/month=10/day=27/hour=02',
      'year=2024/month=10/day=27/hour=02',
      'year=2024/month=10/day=27/hour=03',
    ]);
  });

  it('follow America/New_York across its DST changes, daily and hourly', () => {
    const newYork = { timeZone: 'America/New_York' };
    // 2024-03-10 at 07:00 UTC: 02:00 EST becomes 03:00 EDT.
    expect(paths(newYork, ['2024-03-10T06:59:59.999Z', '2024-03-10T07:00:00Z'])).toEqual(['year=2024/month=03/day=10/hour=01', 'year=2024/month=03/day=10/hour=03']);
    // 2024-11-03 at 06:00 UTC: 02:00 EDT becomes 01:00 EST.
    expect(paths(newYork, ['2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z', '2024-11-03T07:30:00Z'])).toEqual([
      'year=2024/month=11/day=03/hour=01',
      'year=2024/month=11/day=03/hour=01',
      'year=2024/month=11/day=03/hour=02',
    ]);
    const daily = { ...newYork, pattern: DAILY, durationMs: DAY };
    expect(paths(daily, ['2024-03-10T04:59:59Z', '2024-03-10T05:00:00Z', '2024-03-11T03:59:59Z', '2024-03-11T04:00:00Z'])).toEqual([
      'year=2024/month=03/day=09',
      'year=2024/month=03/day=10',
      'year=2024/month=03/day=10',
      'year=2024/month=03/day=11',
    ]);
    expect(paths(daily, ['2024-11-04T04:59:59Z', '2024-11-04T05:00:00Z'])).toEqual(['year=2024/month=11/day=03', 'year=2024/month=11/day=04']);
  });

  it('floor to other durations in local time, half-hour zones and years before 1970 included', () => {
    const sixHours = { pattern: "yyyy-MM-dd'T'HH", durationMs: 6 * HOUR, timeZone: 'Europe/Berlin' };
    expect(paths(sixHours, ['2024-07-01T03:59:59Z', '2024-07-01T04:00:00Z', '2024-07-01T21:59:59Z'])).toEqual(['2024-07-01T00', '2024-07-01T06', '2024-07-01T18']);
    expect(paths({ pattern: 'HH:mm', durationMs: 15 * 60_000 }, ['2024-07-01T10:44:59Z', '2024-07-01T10:45:00Z'])).toEqual(['10:30', '10:45']);
    // Kolkata is UTC+05:30: its days start at 18:30 UTC.
    expect(paths({ pattern: DAILY, durationMs: DAY, timeZone: 'Asia/Kolkata' }, ['2024-07-01T18:29:59Z', '2024-07-01T18:30:00Z'])).toEqual(['year=2024/month=07/day=01', 'year=2024/month=07/day=02']);
    expect(paths({ pattern: DAILY, durationMs: DAY }, ['1969-12-31T23:59:59.999Z', '1960-02-29T12:00:00Z'])).toEqual(['year=1969/month=12/day=31', 'year=1960/month=02/day=29']);
  });

  it('agree with Intl\'s own wall clock for any instant and zone', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (timeZone, epochMs) => {
        const format = createTimeBucketFormat({ pattern: 'yyyy-MM-dd HH:mm:ss', durationMs: 1000, timeZone, locale: 'en-US' });
        const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(epochMs);
        const field = (type: string) => parts.find((p) => p.type === type)!.value;
        expect(format.pathOf(epochMs)).toBe(`${field('year')}-${field('month')}-${field('day')} ${field('hour')}:${field('minute')}:${field('second')}`);
      }),
      { numRuns: 300 },
    );
  });

  it('resolve an offset change inside a cached 15-minute cell record by record', () => {
    // Monrovia moved from -00:44:30 to UTC at 1972-01-07T00:44:30Z, in the middle of a cell.
    const monrovia = createTimeBucketFormat({ pattern: DAILY, durationMs: DAY, timeZone: 'Africa/Monrovia', locale: 'en-US' });
    expect(['1972-01-07T00:31:00Z', '1972-01-07T00:44:29.999Z', '1972-01-07T00:44:30Z', '1972-01-07T00:31:00Z'].map((iso) => monrovia.pathOf(at(iso)))).toEqual([
      'year=1972/month=01/day=06',
      'year=1972/month=01/day=06',
      'year=1972/month=01/day=07',
      'year=1972/month=01/day=06',
    ]);
    const changes: [string, string][] = [['Africa/Monrovia', '1972-01-07T00:44:30Z'], ['Europe/Berlin', '2024-10-27T01:00:00Z'], ['America/New_York', '2024-03-10T07:00:00Z'], ['Australia/Lord_Howe', '2024-04-06T15:00:00Z']];
    for (const [timeZone, change] of changes) {
      for (const durationMs of [60_000, HOUR, DAY]) {
        const format = createTimeBucketFormat({ pattern: "yyyy-MM-dd'T'HH:mm", durationMs, timeZone, locale: 'en-US' });
        const walked: string[] = [];
        for (let epochMs = at(change) - HOUR; epochMs <= at(change) + HOUR; epochMs += 7_000) {
          if (format.pathOf(epochMs) !== format.pathOfUncached(epochMs)) walked.push(new Date(epochMs).toISOString());
        }
        expect({ timeZone, durationMs, walked }).toEqual({ timeZone, durationMs, walked: [] });
      }
    }
  });

  it('give the same path through its caches as computed from scratch', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const durations = [1, 1000, 60_000, 15 * 60_000, HOUR, 6 * HOUR, DAY, 7 * DAY];
    const pattern = "'y'=yyyy/'m'=MM/'d'=dd/HH:mm:ss.SSS";
    // A walk through a year in uneven steps crosses every offset change of that year, where a cache would go wrong.
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...durations),
        fc.integer({ min: 1900, max: 2060 }),
        fc.array(fc.integer({ min: 30 * 60_000, max: 6 * HOUR }), { minLength: 1, maxLength: 20 }),
        (timeZone, durationMs, year, steps) => {
          const format = createTimeBucketFormat({ pattern, durationMs, timeZone, locale: 'en-US' });
          let epochMs = Date.UTC(year, 0, 1);
          for (let i = 0; epochMs < Date.UTC(year + 1, 0, 1); i++) {
            if (format.pathOf(epochMs) !== format.pathOfUncached(epochMs)) return false;
            epochMs += steps[i % steps.length]!;
          }
          return true;
        },
      ),
      { numRuns: 30 },
    );
    // Anywhere in the range a date holds, in any order.
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.constantFrom(...durations), fc.array(fc.integer({ min: -8.64e15 + 8 * DAY, max: 8.64e15 - 8 * DAY }), { maxLength: 50 }), (timeZone, durationMs, instants) => {
        const format = createTimeBucketFormat({ pattern, durationMs, timeZone, locale: 'en-US' });
        return instants.every((epochMs) => format.pathOf(epochMs) === format.pathOfUncached(epochMs));
      }),
      { numRuns: 100 },
    );
  });

  it('refuse patterns that cannot make a path, saying why', () => {
    expect(pathFormatError(HOURLY)).toBeUndefined();
    expect(pathFormatError("'year=YYYY")).toBe("Unterminated quote in \"'year=YYYY\": close quoted text with '");
    expect(pathFormatError('year=YYYY')).toBe("Illegal pattern component: r; quote literal text, as in 'year'=YYYY");
    expect(pathFormatError("'week'=ww")).toBe("Pattern letter 'w' (era, century, week-based or zone fields) is not supported in paths; use letters of Y y M d D H k K h m s S E e a");
    expect(pathFormatError("'zone'=Z")).toContain("Pattern letter 'Z'");
    expect(pathFormatError("/'year'=YYYY")).toBe(`"/'year'=YYYY" makes an empty path segment: remove the leading, trailing or doubled /`);
    expect(pathFormatError("YYYY//MM")).toContain('makes an empty path segment');
    expect(pathFormatError("YYYY/")).toContain('makes an empty path segment');
    expect(() => createTimeBucketFormat({ pattern: 'qq', durationMs: DAY, timeZone: 'UTC', locale: 'en-US' })).toThrow('Illegal pattern component: q');
  });
});
