import { describe, expect, it } from 'vitest';
import { combineDefinitions, isRequired, type ConfigDefinition } from './config-definition.js';

const COMMON: ConfigDefinition = {
  prefixes: ['transforms.'],
  keys: [{ name: 'name', type: 'STRING', importance: 'HIGH', group: 'Common', documentation: 'Name.' }],
  checks: [() => [{ key: 'name', message: 'common check' }]],
};

const PLUGIN: ConfigDefinition = {
  keys: [{ name: 'topic.prefix', type: 'STRING', default: null, importance: 'HIGH', group: 'Plugin', documentation: 'Prefix.', aliases: [{ name: 'database.server.name' }] }],
  checks: [() => [{ key: 'topic.prefix', message: 'plugin check' }]],
};

describe('combineDefinitions', () => {
  it('concatenates keys, prefixes and checks in order', () => {
    const combined = combineDefinitions(COMMON, PLUGIN);
    expect(combined.keys.map((key) => key.name)).toEqual(['name', 'topic.prefix']);
    expect(combined.prefixes).toEqual(['transforms.']);
    expect(combined.checks).toEqual([COMMON.checks![0], PLUGIN.checks![0]]);
  });

  it('refuses a key or alias declared twice', () => {
    expect(() => combineDefinitions(COMMON, COMMON)).toThrow('config key "name" is declared twice');
    const clash: ConfigDefinition = { keys: [{ name: 'database.server.name', type: 'STRING', importance: 'LOW', group: 'G', documentation: 'D.' }] };
    expect(() => combineDefinitions(PLUGIN, clash)).toThrow('config key "database.server.name" is declared twice');
  });
});

describe('isRequired', () => {
  it('means declared without a default; a null default is optional', () => {
    expect(isRequired(COMMON.keys[0]!)).toBe(true);
    expect(isRequired(PLUGIN.keys[0]!)).toBe(false);
  });
});
