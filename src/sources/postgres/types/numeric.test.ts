import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../../errors.js';
import { numericMapping } from './numeric.js';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('numeric');
});

afterAll(async () => {
  await fixture.close();
});

/** The signed big-endian integer in base64 bytes: the inverse of the encoding under test. */
function decodeUnscaled(base64: string): bigint {
  const bytes = Buffer.from(base64, 'base64');
  const unsigned = bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
  return bytes[0]! & 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

describe('integers', () => {
  it('map int2, int4, oid to numbers and int8 to exact values', async () => {
    const read = await fixture.read({ small: 'int2', regular: 'int4', big: 'int8', object: 'oid' }, [
      ['32767', '2147483647', '9223372036854775807', '4294967295'],
      ['-32768', '-2147483648', '-9223372036854775808', '0'],
      ['0', '-1', '9007199254740991', '1'],
      ['1', '1', '-9007199254740992', '2'],
    ]);
    expect(read.small!.values()).toEqual([32767, -32768, 0, 1]);
    expect(read.regular!.values()).toEqual([2147483647, -2147483648, -1, 1]);
    expect(read.big!.values()).toEqual([9223372036854775807n, -9223372036854775808n, 9007199254740991, -9007199254740992n]);
    expect(read.object!.values()).toEqual([4294967295, 0, 1, 2]);
    expect([read.small!.field.type, read.regular!.field.type, read.big!.field.type, read.object!.field.type]).toEqual(['int16', 'int32', 'int64', 'int64']);
  });
});

describe('floating point', () => {
  it('keeps values as Postgres prints them and writes NaN and infinities as Jackson does', async () => {
    const read = await fixture.read({ single: 'float4', double: 'float8' }, [
      ['1.1', '0.1'],
      ["'NaN'", "'Infinity'"],
      ["'-Infinity'", "'NaN'"],
      ['3.4028235e38', '1e-7'],
    ]);
    expect(read.single!.values()).toEqual([1.1, 'NaN', '-Infinity', 3.4028235e38]);
    expect(read.double!.values()).toEqual([0.1, 'Infinity', 'NaN', 1e-7]);
    expect([read.single!.field.type, read.double!.field.type]).toEqual(['float', 'double']);
  });
});

describe('numeric', () => {
  const rows = [
    ['5094.61', '1.10', '12345'],
    ['-5094.61', '100', '-1'],
    ['0', '-0.0500', '0'],
    ['99999.99', '0.000001', '99999'],
  ];
  const columns = { fixed: 'numeric(7,2)', variable: 'numeric', whole: 'numeric(5)' };

  it('is a Connect Decimal in precise mode: base64 of the unscaled two’s-complement bytes', async () => {
    const read = await fixture.read(columns, rows);
    // 509461 = 0x07C615; -509461 = 0xF839EB; 9999999 = 0x98967F needs a 0x00 sign byte
    expect(read.fixed!.values()).toEqual(['B8YV', '+Dnr', 'AA==', 'AJiWfw==']);
    expect(read.fixed!.field).toMatchObject({
      type: 'bytes',
      optional: true,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '7' },
    });
    expect(read.whole!.values()).toEqual(['MDk=', '/w==', 'AA==', 'AYaf']);
    expect(read.whole!.field.parameters).toMatchObject({ scale: '0', 'connect.decimal.precision': '5' });
  });

  it('is a VariableScaleDecimal without a typmod, trailing zeros stripped', async () => {
    const read = await fixture.read(columns, rows);
    expect(read.variable!.values()).toEqual([
      { scale: 1, value: 'Cw==' }, // 11
      { scale: 0, value: 'ZA==' }, // 100, not 1E+2
      { scale: 2, value: '+w==' }, // -5
      { scale: 6, value: 'AQ==' }, // 1
    ]);
    expect(read.variable!.field).toMatchObject({
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ],
      optional: true,
      name: 'io.debezium.data.VariableScaleDecimal',
      version: 1,
    });
  });

  it('is the plain text in string mode and a number in double mode', async () => {
    const asString = await fixture.read(columns, rows, { decimalHandlingMode: 'string' });
    expect(asString.fixed!.values()).toEqual(['5094.61', '-5094.61', '0.00', '99999.99']);
    expect(asString.variable!.values()).toEqual(['1.10', '100', '-0.0500', '0.000001']);
    expect(asString.fixed!.field).toMatchObject({ type: 'string' });
    expect(asString.fixed!.field.name).toBeUndefined();

    const asDouble = await fixture.read(columns, rows, { decimalHandlingMode: 'double' });
    expect(asDouble.fixed!.values()).toEqual([5094.61, -5094.61, 0, 99999.99]);
    expect(asDouble.variable!.values()).toEqual([1.1, 100, -0.05, 0.000001]);
    expect(asDouble.variable!.field.type).toBe('double');
  });

  it('handles NaN and infinities as Debezium does in each mode', async () => {
    const specials = [["'NaN'"], ["'Infinity'"], ["'-Infinity'"]];
    const asString = await fixture.read({ value: 'numeric' }, specials, { decimalHandlingMode: 'string' });
    expect(asString.value!.values()).toEqual(['NAN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY']);
    const asDouble = await fixture.read({ value: 'numeric' }, specials, { decimalHandlingMode: 'double' });
    expect(asDouble.value!.values()).toEqual(['NaN', 'Infinity', '-Infinity']);

    const precise = await fixture.read({ value: 'numeric', fixed: 'numeric(5,2)' }, [["'NaN'", "'NaN'"]]);
    for (const column of [precise.value!, precise.fixed!]) {
      expect(() => column.convert(column.texts[0]!)).toThrow(SluiceError);
      expect(() => column.convert(column.texts[0]!)).toThrow(/decimal\.handling\.mode/);
    }
  });

  it('encodes any value so that decoding the bytes gives back the unscaled value, in minimal bytes', () => {
    fc.assert(
      // Small values too, around the 14-digit edge where arithmetic switches from numbers to bigints.
      fc.property(
        fc.oneof(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }), fc.bigInt({ min: -1000n, max: 1000n })),
        fc.integer({ min: 0, max: 12 }),
        (unscaled, scale) => {
        const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
        const text = `${unscaled < 0n ? '-' : ''}${scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`}`;
        const encoded = numericMapping('n', 40, scale, 'precise').convert(text) as string;
        const bytes = Buffer.from(encoded, 'base64');
        expect(decodeUnscaled(encoded)).toBe(unscaled);
        // minimal: the first byte is not a redundant sign extension of the second
        if (bytes.length > 1) expect((bytes[0] === 0 && bytes[1]! < 0x80) || (bytes[0] === 0xff && bytes[1]! >= 0x80)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('money', () => {
  const rows = [['1234.5'], ['-1234.5'], ['0'], ['0.01']];

  it('is a Decimal with money.fraction.digits of scale, parsed from lc_monetary text', async () => {
    const read = await fixture.read({ cash: 'money' }, rows);
    expect(read.cash!.texts[0]).toBe('$1,234.50');
    // 123450 = 0x01E23A; -123450 = 0xFE1DC6
    expect(read.cash!.values()).toEqual(['AeI6', '/h3G', 'AA==', 'AQ==']);
    expect(read.cash!.field).toMatchObject({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2' } });
    expect(read.cash!.field.parameters!['connect.decimal.precision']).toBeUndefined();
  });

  it('rescales to other fraction digits, rounding half up', async () => {
    const three = await fixture.read({ cash: 'money' }, rows, { moneyFractionDigits: 3 });
    expect(three.cash!.values()[0]).toBe('EtZE'); // 1234500
    expect(three.cash!.field.parameters).toMatchObject({ scale: '3' });
    const none = await fixture.read({ cash: 'money' }, rows, { moneyFractionDigits: 0 });
    expect(none.cash!.values()).toEqual(['BNM=', '+y0=', 'AA==', 'AA==']); // 1235, -1235, 0, 0
  });

  it('is a plain string or a double in the other decimal modes', async () => {
    const asString = await fixture.read({ cash: 'money' }, rows, { decimalHandlingMode: 'string' });
    expect(asString.cash!.values()).toEqual(['1234.50', '-1234.50', '0.00', '0.01']);
    const asDouble = await fixture.read({ cash: 'money' }, rows, { decimalHandlingMode: 'double' });
    expect(asDouble.cash!.values()).toEqual([1234.5, -1234.5, 0, 0.01]);
  });
});
