import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../json.js';
import { parseExactJson } from './exact-json.js';

const unsafeBigInt = fc.oneof(
  fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 64n), max: BigInt(Number.MIN_SAFE_INTEGER) - 1n }),
);
// An integral double beyond 2^53 prints as a plain integer: JSON text cannot tell it from an int64.
const double = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0) && !(Number.isInteger(x) && !Number.isSafeInteger(x)));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('tree'), { maxKeys: 4 })),
  leaf: fc.oneof(fc.string(), fc.integer(), fc.maxSafeInteger(), double, fc.boolean(), fc.constant(null), unsafeBigInt),
}));

describe('parseExactJson', () => {
  it('reads back what toJson wrote, int64s beyond 2^53 as exact bigints', () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(parseExactJson(toJson(value))).toEqual(value);
      }),
    );
  });

  it('keeps numbers that are not unsafe integers as numbers, and digits inside strings as text', () => {
    const text = '{"a":9007199254740991,"b":12345678901234567890.5,"c":1e300,"d":"x\\"12345678901234567890","e":[-9007199254740993]}';
    expect(parseExactJson(text)).toEqual({ a: 9007199254740991, b: 12345678901234567890.5, c: 1e300, d: 'x"12345678901234567890', e: [-9007199254740993n] });
  });

  it('lets no string in the text pass for a rewritten integer', () => {
    expect(parseExactJson('["\\u0000bigint-0000000000000000:1", 18446744073709551615]')).toEqual(['\u0000bigint-0000000000000000:1', 18446744073709551615n]);
  });

  it('throws JSON.parse’s error for text that is not JSON', () => {
    for (const text of ['{"a": 12345678901234567890', '[- 12345678901234567890]', '{"a": 1234567890123456789x}']) {
      expect(() => parseExactJson(text)).toThrow(SyntaxError);
    }
  });
});
