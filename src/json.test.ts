import { describe, expect, it } from 'vitest';
import { toJson } from './json.js';

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
