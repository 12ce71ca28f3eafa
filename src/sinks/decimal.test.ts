import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numericMapping } from '../sources/postgres/types/numeric.js';
import { decimalText, decimalValue, unscaledValue } from './decimal.js';

/** The Postgres source's own encoding of a numeric(precision, scale) text. */
const encode = (text: string, precision: number, scale: number) => numericMapping('n', precision, scale, 'precise').convert(text) as string;

/** A numeric(p, s) value as Postgres prints it: up to p - s integer digits and exactly s fraction digits. */
const numericText = fc
  .record({ precision: fc.integer({ min: 1, max: 60 }), negative: fc.boolean(), digits: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 60, maxLength: 60 }) })
  .chain(({ precision, negative, digits }) =>
    fc.integer({ min: 0, max: precision }).map((scale) => {
      const integer = digits.slice(0, precision - scale).replace(/^0+(?=\d)/, '') || '0';
      const fraction = digits.slice(precision - scale, precision);
      const text = `${integer}${scale > 0 ? `.${fraction}` : ''}`;
      return { precision, scale, text: negative && /[1-9]/.test(text) ? `-${text}` : text };
    }),
  );

describe('decimals', () => {
  it('decode the source\'s base64 back to the exact text Postgres printed', () => {
    expect(decimalText(unscaledValue(encode('5094.61', 10, 2)), 2)).toBe('5094.61');
    expect(decimalText(unscaledValue(encode('-0.05', 10, 2)), 2)).toBe('-0.05');
    fc.assert(
      fc.property(numericText, ({ precision, scale, text }) => {
        expect(decimalText(unscaledValue(encode(text, precision, scale)), scale)).toBe(text);
      }),
    );
  });

  it('decode two\'s complement at every width, small and large', () => {
    expect(unscaledValue('')).toBe(0);
    expect(unscaledValue(Buffer.from([0x80]).toString('base64'))).toBe(-128);
    expect(unscaledValue(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('base64'))).toBe(2 ** 47 - 1);
    expect(unscaledValue(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('base64'))).toBe(-1n);
    expect(unscaledValue(Buffer.from([0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]).toString('base64'))).toBe(2n ** 63n);
  });

  it('decode any base64 as a buffer would, small values without one', () => {
    const asBuffer = (base64: string) => {
      const bytes = Buffer.from(base64, 'base64');
      if (bytes.length === 0) return 0n;
      const value = BigInt(`0x${bytes.toString('hex')}`);
      return bytes[0]! >= 0x80 ? value - (1n << BigInt(8 * bytes.length)) : value;
    };
    const canonical = fc.uint8Array({ maxLength: 9 }).map((bytes) => Buffer.from(bytes).toString('base64'));
    const unusual = fc.string({ unit: fc.constantFrom(...'AQ/+=_-w8 '), maxLength: 9 });
    fc.assert(
      fc.property(fc.oneof(canonical, unusual), (base64) => {
        const value = unscaledValue(base64);
        expect(BigInt(value)).toBe(asBuffer(base64));
        expect(typeof value).toBe(Buffer.from(base64, 'base64').length <= 6 ? 'number' : 'bigint');
      }),
      { numRuns: 2000 },
    );
  });

  it('write negative scales as whole numbers', () => {
    expect(decimalText(12, -3)).toBe('12000');
    expect(decimalText(0, -3)).toBe('0');
    expect(decimalText(-7n, 0)).toBe('-7');
  });

  it('become JSON numbers only when the number is the same value', () => {
    expect(decimalValue(509461, 2, false)).toBe(5094.61);
    expect(decimalValue(150, 2, false)).toBe(1.5);
    expect(decimalValue(1, 5, false)).toBe(0.00001);
    expect(decimalValue(123456789012345678901234512345n, 5, false)).toBe('1234567890123456789012345.12345');
    expect(decimalValue(9007199254740993n, 0, false)).toBe('9007199254740993');
    expect(decimalValue(9007199254740992n, 0, false)).toBe(9007199254740992);
    expect(decimalValue(10n ** 30n, 0, false)).toBe(1e30);
    expect(decimalValue(509461, 2, true)).toBe('5094.61');
  });

  it('never give a number that prints as another value, nor text where a number would do', () => {
    fc.assert(
      fc.property(numericText, ({ precision, scale, text }) => {
        const value = decimalValue(unscaledValue(encode(text, precision, scale)), scale, false);
        const printed = String(Number(text));
        if (typeof value === 'number') {
          expect(value).toBe(Number(text));
          if (!printed.includes('e')) expect(strip(printed)).toBe(strip(text));
        } else {
          expect(value).toBe(text);
          expect(strip(printed)).not.toBe(strip(text));
        }
      }),
    );
  });
});

/** Plain decimal text without insignificant zeros, for texts without exponents. */
function strip(text: string): string {
  if (/e/i.test(text)) return text;
  const [integer, fraction = ''] = text.replace(/^-/, '').split('.');
  const sign = text.startsWith('-') ? '-' : '';
  const trimmed = fraction.replace(/0+$/, '');
  return `${sign}${integer!.replace(/^0+(?=\d)/, '')}${trimmed ? `.${trimmed}` : ''}`;
}
