import { describe, expect, it } from 'vitest';
import type { ConfigDefinition } from './config-definition.js';
import { configInfos, configKeyInfos } from './config-infos.js';
import { oneOf } from './validators.js';

const DEFINITION: ConfigDefinition = {
  keys: [
    { name: 'name', type: 'STRING', importance: 'HIGH', group: 'Common', width: 'MEDIUM', displayName: 'Connector name', documentation: 'Globally unique name.' },
    { name: 'topic.prefix', type: 'STRING', importance: 'HIGH', group: 'Connection', documentation: 'Topic prefix.' },
    { name: 'database.password', type: 'PASSWORD', default: null, importance: 'HIGH', group: 'Connection', documentation: 'Password.' },
    { name: 'snapshot.mode', type: 'STRING', default: 'initial', importance: 'MEDIUM', group: 'Connection', documentation: 'Mode.', validator: oneOf(['initial', 'no_data']), dependents: ['snapshot.fetch.size'] },
    { name: 'transforms', type: 'LIST', default: ['a', 'b'], importance: 'LOW', group: 'Transforms', documentation: 'Aliases.' },
  ],
};

describe('configKeyInfos', () => {
  it('describes each key as Kafka Connect ConfigKeyInfo, ordered within its group', () => {
    expect(configKeyInfos(DEFINITION)).toEqual([
      { name: 'name', type: 'STRING', required: true, default_value: null, importance: 'HIGH', documentation: 'Globally unique name.', group: 'Common', order: 1, width: 'MEDIUM', display_name: 'Connector name', dependents: [] },
      { name: 'topic.prefix', type: 'STRING', required: true, default_value: null, importance: 'HIGH', documentation: 'Topic prefix.', group: 'Connection', order: 1, width: 'NONE', display_name: 'topic.prefix', dependents: [] },
      { name: 'database.password', type: 'PASSWORD', required: false, default_value: null, importance: 'HIGH', documentation: 'Password.', group: 'Connection', order: 2, width: 'NONE', display_name: 'database.password', dependents: [] },
      { name: 'snapshot.mode', type: 'STRING', required: false, default_value: 'initial', importance: 'MEDIUM', documentation: 'Mode.', group: 'Connection', order: 3, width: 'NONE', display_name: 'snapshot.mode', dependents: ['snapshot.fetch.size'] },
      { name: 'transforms', type: 'LIST', required: false, default_value: 'a,b', importance: 'LOW', documentation: 'Aliases.', group: 'Transforms', order: 1, width: 'NONE', display_name: 'transforms', dependents: [] },
    ]);
  });
});

describe('configInfos', () => {
  it('answers the validate endpoint: every key with its value and errors, problems counted', () => {
    const infos = configInfos('io.example.Connector', DEFINITION, { name: 'shop', 'database.password': 'secret', 'snapshot.mode': 'sometimes' });
    expect(infos.name).toBe('io.example.Connector');
    expect(infos.error_count).toBe(2);
    expect(infos.groups).toEqual(['Common', 'Connection', 'Transforms']);
    expect(infos.configs.map((config) => config.value)).toEqual([
      { name: 'name', value: 'shop', recommended_values: [], errors: [], visible: true },
      { name: 'topic.prefix', value: null, recommended_values: [], errors: ['Missing required configuration "topic.prefix" which has no default value.'], visible: true },
      { name: 'database.password', value: '[hidden]', recommended_values: [], errors: [], visible: true },
      { name: 'snapshot.mode', value: null, recommended_values: ['initial', 'no_data'], errors: ['Invalid value sometimes for configuration snapshot.mode: String must be one of: initial, no_data'], visible: true },
      { name: 'transforms', value: 'a,b', recommended_values: [], errors: [], visible: true },
    ]);
    expect(infos.configs[1]!.definition).toMatchObject({ name: 'topic.prefix', type: 'STRING', required: true });
  });

  it('is a JSON document with no error for a valid config', () => {
    const infos = configInfos('io.example.Connector', DEFINITION, { name: 'shop', 'topic.prefix': 'shop' });
    expect(infos.error_count).toBe(0);
    expect(JSON.parse(JSON.stringify(infos))).toEqual(infos);
  });
});
