import { describe, expect, it } from 'vitest';
import { fullMatch, matchesAnyIgnoringCase, patternError } from './patterns.js';
import { atLeast, eachOneOf, matching, nonEmptyString, oneOf, range, regex, regexList, uniqueItems } from './validators.js';

describe('validators', () => {
  it('oneOf accepts the listed strings, ignoring case only when asked', () => {
    const strict = oneOf(['none', 'all']);
    expect(strict.check('all')).toBeUndefined();
    expect(strict.check('ALL')).toBe('String must be one of: none, all');
    expect(strict.describe).toBe('[none, all]');
    expect(strict.recommended).toEqual(['none', 'all']);
    const loose = oneOf(['initial', 'always'], { ignoreCase: true });
    expect(loose.check('INITIAL')).toBeUndefined();
    expect(loose.check('sometimes')).toBe('String must be one of (case insensitive): initial, always');
  });

  it('eachOneOf checks every item of a list', () => {
    const ops = eachOneOf(['c', 'u', 'd']);
    expect(ops.check(['c', 'd'])).toBeUndefined();
    expect(ops.check(['c', 'x'])).toBe('String must be one of: c, u, d');
  });

  it('range words its bounds as Kafka does', () => {
    const port = range({ min: 1, max: 65535 });
    expect(port.describe).toBe('[1,...,65535]');
    expect(port.check(0)).toBe('Value must be at least 1');
    expect(port.check(65536)).toBe('Value must be no more than 65535');
    expect(port.check(5432)).toBeUndefined();
    expect(atLeast(0).describe).toBe('[0,...]');
    expect(range({ max: 3 }).describe).toBe('[...,3]');
  });

  it('matching reports the caller-worded problem for the rejected value', () => {
    const lower = matching(/^[a-z]+$/, 'lower-case letters', (v) => `${v} is not lower case`);
    expect(lower.check('abc')).toBeUndefined();
    expect(lower.check('aBc')).toBe('aBc is not lower case');
  });

  it('nonEmptyString refuses empty strings and control characters', () => {
    const name = nonEmptyString();
    expect(name.check('shop')).toBeUndefined();
    expect(name.check('')).toBe('String may not be empty');
    expect(name.check('a\tb\n')).toBe('String may not contain control sequences but had the following ASCII chars: 9, 10');
  });

  it('uniqueItems refuses a repeated alias', () => {
    expect(uniqueItems('transformation').check(['a', 'b'])).toBeUndefined();
    expect(uniqueItems('transformation').check(['a', 'b', 'a'])).toBe('Duplicate alias provided.');
  });

  it('regex and regexList report the syntax error', () => {
    expect(regex().check('orders\\..*')).toBeUndefined();
    expect(regex().check('orders(')).toMatch(/^Invalid regex: .*Unterminated group/);
    expect(regexList().check(['public\\..*', 'a|b'])).toBeUndefined();
    expect(regexList().check(['ok', '[oops'])).toMatch(/^A comma-separated list of valid regular expressions is expected, but .*Unterminated character class/);
  });
});

describe('patterns', () => {
  it('matches whole strings only, even with alternation', () => {
    const pattern = fullMatch('orders|customers');
    expect(pattern.test('orders')).toBe(true);
    expect(pattern.test('customers')).toBe(true);
    expect(pattern.test('orders_archive')).toBe(false);
    expect(pattern.test('all_customers')).toBe(false);
  });

  it('refuses a pattern that is only valid once wrapped in the anchoring group', () => {
    expect(patternError('a)|(b')).toBeDefined();
    expect(() => fullMatch('a)|(b')).toThrow(SyntaxError);
  });

  it('matches lists of patterns ignoring case, as Debezium does', () => {
    const matches = matchesAnyIgnoringCase(['public\\.orders', 'audit\\..*']);
    expect(matches('PUBLIC.Orders')).toBe(true);
    expect(matches('audit.log_2024')).toBe(true);
    expect(matches('public.orders2')).toBe(false);
    expect(matchesAnyIgnoringCase([])('anything')).toBe(false);
  });
});
