import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../herder-errors.js';
import { parseConfig, parseCreateRequest, parseOffsets, parseStringMap, queryFlag, queryList } from './request-bodies.js';

describe('request bodies', () => {
  it('reads POST /connectors: trims the name, maps initial_state to the target state, takes numbers as text', () => {
    expect(parseCreateRequest({ name: ' orders ', config: { 'tasks.max': 2, 'errors.log.enable': false }, initial_state: 'running' })).toEqual({
      name: 'orders',
      config: { 'tasks.max': '2', 'errors.log.enable': 'false' },
      initialState: 'STARTED',
    });
    expect(parseCreateRequest({ name: 'orders', config: {}, initial_state: null }).initialState).toBeUndefined();
    expect(parseCreateRequest({ config: {} }).name).toBe('');
  });

  it('refuses null config values in the words of Connect’s herder, one line per value', () => {
    expect(() => parseConfig({ a: null, b: 'x', c: null })).toThrow(
      new BadRequestError(
        'Connector configuration is invalid and contains the following 2 error(s):\n' +
          'Null value can not be supplied as the configuration value.\nNull value can not be supplied as the configuration value.\n' +
          'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
      ),
    );
    expect(() => parseConfig({ a: null })).toThrow(BadRequestError);
  });

  it('keeps nulls where they mean something (PATCH) and names the key of a value that is not text', () => {
    expect(parseStringMap({ a: null, b: 1.5 }, 'The config patch')).toEqual({ a: null, b: '1.5' });
    expect(() => parseStringMap({ 'a.b': [1] }, 'The config patch')).toThrow('"a.b" in the config patch is an array; config values are strings');
    expect(() => parseStringMap('x', 'The config patch')).toThrow('The config patch is a string; expected a JSON object');
  });

  it('reads offsets with null offsets (removal) and refuses nested values', () => {
    const entry = { partition: { server: 'app' }, offset: null };
    expect(parseOffsets({ offsets: [entry] })).toEqual([entry]);
    expect(() => parseOffsets({ offsets: [{ partition: { server: 'app' }, offset: { lsn: { n: 1 } } }] })).toThrow(
      'offsets[0]["offset"]["lsn"] in the request body is an object; partition and offset values are strings, numbers, booleans or null',
    );
  });
});

describe('query parameters', () => {
  it('reads flags as Java’s Boolean.valueOf: "true" in any case, anything else false, absent the default', () => {
    expect([queryFlag('TRUE', false), queryFlag('yes', true), queryFlag('', true), queryFlag(undefined, true), queryFlag(['true', 'false'], false)]).toEqual([
      true,
      false,
      false,
      true,
      true,
    ]);
  });

  it('reads a repeatable parameter as a list, absent as undefined', () => {
    expect([queryList(undefined), queryList('status'), queryList(['status', 'info'])]).toEqual([undefined, ['status'], ['status', 'info']]);
  });
});
