import { describe, expect, it } from 'vitest';
import { UNCHANGED_TOAST } from './replication/pgoutput-decoder.js';
import { compileKeyBuilder, compileRowBuilder } from './row-builder.js';

const PLACEHOLDER = '__debezium_unavailable_value';

describe('compiled row and key builders', () => {
  it('converts each value, keeps nulls, and fills unchanged TOAST values from the fallback or with the placeholder', () => {
    const build = compileRowBuilder(
      [
        { name: 'id', index: 0, convert: Number },
        { name: 'body', index: 2, convert: (text) => text.toUpperCase() },
        { name: 'note', index: 1, convert: (text) => `<${text}>` },
      ],
      PLACEHOLDER,
    );
    expect(build(['7', 'n', 'b'])).toEqual({ id: 7, body: 'B', note: '<n>' });
    expect(build(['7', null, undefined as unknown as null])).toEqual({ id: 7, body: null, note: null });
    expect(build(['7', UNCHANGED_TOAST, UNCHANGED_TOAST], ['7', 'old note', 'old body'])).toEqual({ id: 7, body: 'OLD BODY', note: '<old note>' });
    expect(build(['7', UNCHANGED_TOAST, UNCHANGED_TOAST], ['7', null, UNCHANGED_TOAST])).toEqual({ id: 7, body: PLACEHOLDER, note: PLACEHOLDER });
    expect(build(['7', UNCHANGED_TOAST, 'b'])).toEqual({ id: 7, body: 'B', note: PLACEHOLDER });
    expect(Object.keys(build(['1', 'n', 'b']))).toEqual(['id', 'body', 'note']);
  });

  it('takes any column name as an own property, quotes, backslashes, line breaks and __proto__ included', () => {
    const names = ['a"b', 'back\\slash', 'line\nbreak', '__proto__', 'constructor', 'ünï', "it's", '${x}', '1'];
    const build = compileRowBuilder(
      names.map((name, index) => ({ name, index, convert: (text: string) => text })),
      PLACEHOLDER,
    );
    const values = names.map((name) => `value of ${name}`);
    const row = build(values);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    for (const name of names) expect(Object.getOwnPropertyDescriptor(row, name)?.value).toBe(`value of ${name}`);
    expect(Object.keys(row).sort()).toEqual([...names].sort());

    const key = compileKeyBuilder(['__proto__', 'a"b'])(row);
    expect(Object.getPrototypeOf(key)).toBe(Object.prototype);
    expect(Object.entries(key)).toEqual([
      ['__proto__', 'value of __proto__'],
      ['a"b', 'value of a"b'],
    ]);
  });
});
