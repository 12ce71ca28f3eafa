import { describe, expect, it } from 'vitest';
import type { ConfigDefinition } from './config-definition.js';
import { renderConfigReference } from './config-reference.js';
import { range } from './validators.js';

describe('renderConfigReference', () => {
  it('renders one markdown table per group, with defaults, valid values and deprecated aliases', () => {
    const definition: ConfigDefinition = {
      keys: [
        { name: 'topic.prefix', type: 'STRING', importance: 'HIGH', group: 'Connection', documentation: 'Prefix of\nevery topic | all of them.', aliases: [{ name: 'database.server.name', note: 'Removed in 2.0.' }] },
        { name: 'enabled', type: 'BOOLEAN', default: true, importance: 'LOW', group: 'Other', documentation: 'On.' },
        { name: 'database.port', type: 'INT', default: 5432, importance: 'HIGH', group: 'Connection', documentation: 'Port.', validator: range({ min: 1, max: 65535 }) },
        { name: 'database.password', type: 'PASSWORD', default: null, importance: 'HIGH', group: 'Connection', documentation: 'Password.' },
        { name: 'topics.regex', type: 'STRING', default: '', importance: 'HIGH', group: 'Other', documentation: 'Regex.' },
      ],
    };
    expect(renderConfigReference(definition)).toBe(
      [
        '### Connection',
        '',
        '| Key | Type | Default | Valid values | Importance | Description |',
        '|---|---|---|---|---|---|',
        '| `topic.prefix` | STRING | *required* |  | HIGH | Prefix of every topic \\| all of them. Deprecated alias: `database.server.name`. Removed in 2.0. |',
        '| `database.port` | INT | `5432` | [1,...,65535] | HIGH | Port. |',
        '| `database.password` | PASSWORD | null |  | HIGH | Password. |',
        '',
        '### Other',
        '',
        '| Key | Type | Default | Valid values | Importance | Description |',
        '|---|---|---|---|---|---|',
        '| `enabled` | BOOLEAN | `true` |  | LOW | On. |',
        '| `topics.regex` | STRING | `""` |  | HIGH | Regex. |',
        '',
      ].join('\n'),
    );
  });
});
