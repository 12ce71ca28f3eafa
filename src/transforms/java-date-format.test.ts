import { describe, expect, it } from 'vitest';
import { compileDateFormat, dateFormatError } from './java-date-format.js';

const INSTANT = Date.UTC(2024, 2, 5, 10, 15, 30, 123); // a Tuesday
const format = (pattern: string, ms = INSTANT) => compileDateFormat(pattern).format(ms);
const parse = (pattern: string, text: string) => compileDateFormat(pattern).parse(text);

describe('SimpleDateFormat patterns', () => {
  it('format fields in UTC with their widths', () => {
    expect(format('yyyyMMdd')).toBe('20240305');
    expect(format("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")).toBe('2024-03-05T10:15:30.123Z');
    expect(format('yy/M/d H:m:s')).toBe('24/3/5 10:15:30');
    expect(format('EEE, d MMM yyyy hh:mm a z')).toBe('Tue, 5 Mar 2024 10:15 AM UTC');
    expect(format('EEEE MMMM D DDD u')).toBe('Tuesday March 65 065 2');
    expect(format('k K h a', Date.UTC(2024, 0, 1, 0, 5))).toBe('24 0 12 AM');
    expect(format('HH:mm Z X')).toBe('10:15 +0000 Z');
    expect(format("'o''clock' ''")).toBe("o'clock '");
  });

  it('keep Java meaning S as milliseconds, zero-padded to the letters', () => {
    expect(format('ss.S')).toBe('30.123');
    expect(format('ss.SSSSSS')).toBe('30.000123');
    expect(format('S', Date.UTC(2024, 0, 1, 0, 0, 0, 5))).toBe('5');
  });

  it('parse what they format, at any offset the text gives', () => {
    const iso = "yyyy-MM-dd'T'HH:mm:ss.SSSX";
    expect(parse(iso, '2024-03-05T10:15:30.123Z')).toBe(INSTANT);
    expect(parse(iso, '2024-03-05T12:15:30.123+02:00')).toBe(INSTANT);
    expect(parse('yyyy-MM-dd HH:mm:ss.SSS Z', '2024-03-05 05:15:30.123 -0500')).toBe(INSTANT);
    expect(parse('yyyy-MM-dd HH:mm:ss.SSS z', '2024-03-05 10:15:30.123 UTC')).toBe(INSTANT);
    expect(parse('dd MMM yyyy hh:mm:ss.SSS a', '05 Mar 2024 10:15:30.123 AM')).toBe(INSTANT);
    expect(parse('EEEE, MMMM d, yyyy h:mm:ss.SSS a', 'Tuesday, March 5, 2024 10:15:30.123 AM')).toBe(INSTANT);
    expect(parse('yyyyMMddHHmmssSSS', '20240305101530123')).toBe(INSTANT);
  });

  it('parse leniently, as Java does: missing fields default, overflow rolls, trailing text is ignored', () => {
    expect(parse('yyyy-MM-dd', '2024-03-05')).toBe(Date.UTC(2024, 2, 5));
    expect(parse('yyyy-MM-dd', '2024-13-01')).toBe(Date.UTC(2025, 0, 1));
    expect(parse('yyyy-MM-dd', '2024-03-05T10:15:30Z')).toBe(Date.UTC(2024, 2, 5));
    expect(parse('HH:mm', '10:15')).toBe(Date.UTC(1970, 0, 1, 10, 15));
    expect(parse('yyyy D', '2024 65')).toBe(Date.UTC(2024, 2, 5));
  });

  it('read a two-digit year in the window of the last 80 and next 20 years', () => {
    const year = new Date().getUTCFullYear();
    const inWindow = (y: number) => y > year - 81 && y <= year + 20;
    expect(inWindow(new Date(parse('yy-MM-dd', '24-03-05')!).getUTCFullYear())).toBe(true);
    expect(new Date(parse('yy-MM-dd', '24-03-05')!).getUTCFullYear() % 100).toBe(24);
  });

  it('refuse text that does not match', () => {
    expect(parse('yyyy-MM-dd', '05/03/2024')).toBeUndefined();
    expect(parse("yyyy-MM-dd'T'HH", '2024-03-05 10')).toBeUndefined();
    expect(parse('dd MMM yyyy', '05 Foo 2024')).toBeUndefined();
  });

  it('refuse patterns Java refuses, and week-based letters', () => {
    expect(dateFormatError('yyyy-MM-dd')).toBeUndefined();
    expect(dateFormatError('yyyy-qq')).toBe("Illegal pattern character 'q'");
    expect(dateFormatError("yyyy'T")).toBe('Unterminated quote');
    expect(dateFormatError('YYYY-ww')).toMatch(/Pattern letter 'Y'.*not supported/);
    expect(() => compileDateFormat('yyyy q')).toThrow("Illegal pattern character 'q'");
  });
});
