import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatValue, parseValue } from './value-parsing.js';

describe('parseValue', () => {
  it('trims strings and class names but keeps passwords verbatim', () => {
    expect(parseValue('STRING', '  a b  ')).toEqual({ ok: true, value: 'a b' });
    expect(parseValue('CLASS', ' x.Y ')).toEqual({ ok: true, value: 'x.Y' });
    expect(parseValue('PASSWORD', ' secret ')).toEqual({ ok: true, value: ' secret ' });
  });

  it('reads booleans in any case and refuses anything else with Kafka wording', () => {
    expect(parseValue('BOOLEAN', ' TRUE ')).toEqual({ ok: true, value: true });
    expect(parseValue('BOOLEAN', 'False')).toEqual({ ok: true, value: false });
    expect(parseValue('BOOLEAN', 'yes')).toEqual({ ok: false, error: 'Expected value to be either true or false' });
  });

  it('reads 32-bit INTs only', () => {
    expect(parseValue('INT', ' -2147483648 ')).toEqual({ ok: true, value: -2147483648 });
    expect(parseValue('INT', '+7')).toEqual({ ok: true, value: 7 });
    for (const bad of ['2147483648', 'abc', '', '1.5', '1e3', '0x10']) {
      expect(parseValue('INT', bad)).toEqual({ ok: false, error: 'Not a number of type INT' });
    }
  });

  it('reads LONGs up to the exact integer range', () => {
    expect(parseValue('LONG', '9007199254740991')).toEqual({ ok: true, value: 9007199254740991 });
    expect(parseValue('LONG', '9007199254740992')).toEqual({ ok: false, error: 'Value must be no more than 9007199254740991' });
    expect(parseValue('LONG', '-9007199254740992')).toEqual({ ok: false, error: 'Value must be at least -9007199254740991' });
    expect(parseValue('LONG', '10s')).toEqual({ ok: false, error: 'Not a number of type LONG' });
  });

  it('reads DOUBLEs as Java does, including NaN and infinities', () => {
    expect(parseValue('DOUBLE', '1.5e3')).toEqual({ ok: true, value: 1500 });
    expect(parseValue('DOUBLE', '.5')).toEqual({ ok: true, value: 0.5 });
    expect(parseValue('DOUBLE', '-Infinity')).toEqual({ ok: true, value: -Infinity });
    expect(parseValue('DOUBLE', 'NaN')).toEqual({ ok: true, value: NaN });
    expect(parseValue('DOUBLE', '')).toEqual({ ok: false, error: 'Not a number of type DOUBLE' });
    expect(parseValue('DOUBLE', '1,5')).toEqual({ ok: false, error: 'Not a number of type DOUBLE' });
  });

  it('splits lists on commas, trimming around them, with \\, for a comma inside an item', () => {
    expect(parseValue('LIST', ' a , b,c ')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(parseValue('LIST', '   ')).toEqual({ ok: true, value: [] });
    expect(parseValue('LIST', 'a,,b')).toEqual({ ok: true, value: ['a', '', 'b'] });
    expect(parseValue('LIST', 'public\\.t{1\\,3},x')).toEqual({ ok: true, value: ['public\\.t{1,3}', 'x'] });
  });
});

describe('formatValue', () => {
  it('prints values as the REST API shows them', () => {
    expect(formatValue('PASSWORD', 'secret')).toBe('[hidden]');
    expect(formatValue('PASSWORD', null)).toBeNull();
    expect(formatValue('INT', 5432)).toBe('5432');
    expect(formatValue('BOOLEAN', false)).toBe('false');
    expect(formatValue('LIST', ['a', 'b'])).toBe('a,b');
  });

  it('prints lists so that parsing them gives the same items back', () => {
    const item = fc.string().map((s) => s.trim()).filter((s) => s !== '' && !s.includes('\\'));
    fc.assert(
      fc.property(fc.array(item, { minLength: 1 }), (items) => {
        expect(parseValue('LIST', formatValue('LIST', items)!)).toEqual({ ok: true, value: items });
      }),
    );
  });
});
