import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { ConfigDefinition } from './config-definition.js';
import { parseOrThrow, validateConfig } from './validate-config.js';
import { oneOf, range } from './validators.js';

const DEFINITION: ConfigDefinition = {
  prefixes: ['transforms.'],
  keys: [
    { name: 'topic.prefix', type: 'STRING', importance: 'HIGH', group: 'Connection', documentation: 'Topic prefix of every topic.', aliases: [{ name: 'database.server.name', note: 'Removed in Debezium 2.0.' }] },
    { name: 'rest.port', type: 'INT', default: 8083, importance: 'LOW', group: 'Connection', documentation: 'REST port.', validator: range({ min: 1, max: 65535 }) },
    { name: 'database.password', type: 'PASSWORD', default: null, importance: 'HIGH', group: 'Connection', documentation: 'Password.' },
    { name: 'enabled', type: 'BOOLEAN', default: true, importance: 'LOW', group: 'Other', documentation: 'On or off.' },
    { name: 'include.list', type: 'LIST', default: null, importance: 'LOW', group: 'Other', documentation: 'Includes.' },
    { name: 'exclude.list', type: 'LIST', default: null, importance: 'LOW', group: 'Other', documentation: 'Excludes.' },
    { name: 'mode', type: 'STRING', default: 'initial', importance: 'LOW', group: 'Other', documentation: 'Mode.', validator: oneOf(['initial', 'no_data']), deprecatedValues: { never: 'no_data' } },
  ],
  checks: [
    (values) =>
      values.isSet('include.list') && values.isSet('exclude.list') ? [{ key: 'exclude.list', message: '"include.list" is already specified' }] : [],
  ],
};

describe('validateConfig', () => {
  it('fills defaults and types the values it was given', () => {
    const { values, problems, warnings } = validateConfig(DEFINITION, { 'topic.prefix': ' shop ', enabled: 'FALSE', 'include.list': 'a, b' });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(values.string('topic.prefix')).toBe('shop');
    expect(values.number('rest.port')).toBe(8083);
    expect(values.optionalString('database.password')).toBeNull();
    expect(values.boolean('enabled')).toBe(false);
    expect(values.list('include.list')).toEqual(['a', 'b']);
    expect(values.optionalList('exclude.list')).toBeNull();
    expect(values.isSet('include.list')).toBe(true);
    expect(values.isSet('rest.port')).toBe(false);
  });

  it('reports each problem per key in Kafka Connect wording, without throwing', () => {
    const { problems } = validateConfig(DEFINITION, { 'rest.port': 'abc', enabled: 'maybe', mode: 'sometimes' });
    expect(problems).toEqual([
      { key: 'topic.prefix', message: 'Missing required configuration "topic.prefix" which has no default value.' },
      { key: 'rest.port', message: 'Invalid value abc for configuration rest.port: Not a number of type INT' },
      { key: 'enabled', message: 'Invalid value maybe for configuration enabled: Expected value to be either true or false' },
      { key: 'mode', message: 'Invalid value sometimes for configuration mode: String must be one of: initial, no_data' },
    ]);
  });

  it('treats a blank required value as missing and runs validators on parsed values', () => {
    const { problems } = validateConfig(DEFINITION, { 'topic.prefix': '  ', 'rest.port': '70000' });
    expect(problems).toEqual([
      { key: 'topic.prefix', message: 'Missing required configuration "topic.prefix" which has no default value.' },
      { key: 'rest.port', message: 'Invalid value 70000 for configuration rest.port: Value must be no more than 65535' },
    ]);
  });

  it('never prints a password', () => {
    const pin: ConfigDefinition = { keys: [{ name: 'pin', type: 'PASSWORD', default: null, importance: 'HIGH', group: 'G', documentation: 'PIN.', validator: oneOf(['1234']) }] };
    expect(validateConfig(pin, { pin: 'hunter2' }).problems).toEqual([
      { key: 'pin', message: 'Invalid value [hidden] for configuration pin: String must be one of: 1234' },
    ]);
  });

  it('accepts a deprecated alias with a warning, and ignores it when the new name is set', () => {
    const aliased = validateConfig(DEFINITION, { 'database.server.name': 'legacy' });
    expect(aliased.problems).toEqual([]);
    expect(aliased.values.string('topic.prefix')).toBe('legacy');
    expect(aliased.values.isSet('topic.prefix')).toBe(true);
    expect(aliased.warnings).toEqual([
      { key: 'database.server.name', message: 'Configuration "database.server.name" is deprecated; use "topic.prefix" instead. Removed in Debezium 2.0.' },
    ]);
    const both = validateConfig(DEFINITION, { 'database.server.name': 'legacy', 'topic.prefix': 'shop' });
    expect(both.values.string('topic.prefix')).toBe('shop');
    expect(both.warnings[0]!.message).toBe('Configuration "database.server.name" is deprecated and ignored because "topic.prefix" is set. Removed in Debezium 2.0.');
  });

  it('maps a deprecated value to its replacement with a warning', () => {
    const { values, warnings } = validateConfig(DEFINITION, { 'topic.prefix': 'shop', mode: 'NEVER' });
    expect(values.string('mode')).toBe('no_data');
    expect(warnings).toEqual([{ key: 'mode', message: 'Value "NEVER" of configuration "mode" is deprecated; use "no_data" instead.' }]);
  });

  it('warns about unknown keys, suggesting a near known one, but not about owned prefixes', () => {
    const { problems, warnings } = validateConfig(DEFINITION, { 'topic.prefix': 'shop', 'rest.prot': '1', 'frobnicate': 'x', 'transforms.a.type': 'X' });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      { key: 'rest.prot', message: "The configuration 'rest.prot' was supplied but isn't a known config. Did you mean 'rest.port'?" },
      { key: 'frobnicate', message: "The configuration 'frobnicate' was supplied but isn't a known config." },
    ]);
  });

  it('runs cross-key checks on the parsed values', () => {
    const { problems } = validateConfig(DEFINITION, { 'topic.prefix': 'shop', 'include.list': 'a', 'exclude.list': 'b' });
    expect(problems).toEqual([{ key: 'exclude.list', message: '"include.list" is already specified' }]);
  });
});

describe('parseOrThrow', () => {
  it('returns the values and warnings of a usable config', () => {
    const { values, warnings } = parseOrThrow(DEFINITION, { 'database.server.name': 'shop' });
    expect(values.string('topic.prefix')).toBe('shop');
    expect(warnings).toHaveLength(1);
  });

  it('throws one ConfigError listing every problem and what the missing keys are for', () => {
    let thrown: unknown;
    try {
      parseOrThrow(DEFINITION, { name: 'inventory', 'rest.port': '0', mode: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe('CONFIG_INVALID');
    expect((thrown as ConfigError).retriable).toBe(false);
    expect((thrown as ConfigError).message).toBe(
      [
        'The configuration of connector "inventory" has 3 problems; fix each and try again:',
        '- topic.prefix: Missing required configuration "topic.prefix" which has no default value. It is: Topic prefix of every topic.',
        '- rest.port: Invalid value 0 for configuration rest.port: Value must be at least 1',
        '- mode: Invalid value x for configuration mode: String must be one of: initial, no_data',
      ].join('\n'),
    );
  });
});
