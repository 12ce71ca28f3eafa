import { describe, expect, it } from 'vitest';
import { jsonValue, toJson } from './json.js';

describe('toJson', () => {
  it('writes plain values as JSON.stringify does', () => {
    const value = { a: 1, b: 'x"y', c: [null, true], d: { e: 1.5 } };
    expect(toJson(value)).toBe(JSON.stringify(value));
  });

  it('writes bigints as exact numbers', () => {
    const text = toJson({ id: 9223372036854775807n, small: -9007199254740993n, s: 'bigint:1' });
    expect(text).toBe('{"id":9223372036854775807,"small":-9007199254740993,"s":"bigint:1"}');
  });

  it('leaves strings that resemble the internal mark alone', () => {
    expect(toJson({ n: 1n, s: '\u0000bigint-0000000000000000:5' })).toBe(
      '{"n":1,"s":"\\u0000bigint-0000000000000000:5"}',
    );
  });
});

describe('jsonValue', () => {
  it('writes each value as toJson does', () => {
    const values: unknown[] = [
      '', 'plain', 'say "hi"', 'back\\slash', 'new\nline', '\u0000\u001f', 'Grüße 😀', 'half \ud83d', '\udc00 alone', '\u2028\u007f',
      0, -0, 1.5, -2e-7, 1e21, 123456789012, NaN, Infinity, -Infinity,
      true, false, null, 9223372036854775807n, -5n,
      [1, 'a', null, 2n], { a: { b: [1.25, 'x"'] }, n: 7n },
    ];
    for (const value of values) expect(jsonValue(value)).toBe(toJson(value));
  });

  it('writes undefined as null', () => {
    expect(jsonValue(undefined)).toBe('null');
  });
});
