/**
 * docs/config-reference.md: every key of the worker and of each connector plugin, generated from
 * their declarations (`npm run docs` writes it; a test fails when it is out of date).
 */
import { PREDICATE_PLUGINS, TRANSFORM_PLUGINS } from '../transforms/plugins.js';
import { PLUGINS } from '../worker/plugins.js';
import { combineDefinitions } from './config-definition.js';
import { INTERNAL_TOPICS_CONFIG } from '../worker/kafka/internal-topics.js';
import { KAFKA_GROUP_CONFIG } from '../worker/kafka/kafka-group-config.js';
import { WORKER_CONFIG_DEFINITION } from '../worker/worker-config.js';
import { renderConfigReference } from './config-reference.js';

export function renderReferenceDocument(): string {
  const sections = [
    '# Configuration reference',
    '',
    'Generated from the config declarations in the code (`npm run docs`); do not edit by hand.',
    'Every value is a string, as in Kafka Connect. Worker keys can also be set through environment',
    'variables: `SLUICE_` + the key upper-cased with dots as underscores (`SLUICE_REST_PORT` for `rest.port`),',
    'or `CONNECT_` + the same, as Confluent\'s Kafka Connect images read them.',
    '',
    '## Worker (`sluice start --config <file>`)',
    '',
    renderConfigReference(WORKER_CONFIG_DEFINITION),
    '## Worker in Kafka mode (`bootstrap.servers` set)',
    '',
    'Kafka Connect\'s distributed-worker keys; the connection keys (`security.protocol`, `sasl.*`, `ssl.*`, `client.id`) are',
    'read as Connect reads them. Connector configs inherit the worker\'s converter and `topic.creation.*` keys.',
    '',
    renderConfigReference(combineDefinitions(INTERNAL_TOPICS_CONFIG, KAFKA_GROUP_CONFIG)),
  ];
  for (const plugin of PLUGINS) {
    const names = [plugin.className, ...plugin.aliases].map((n) => `\`${n}\``).join(', ');
    sections.push(`## ${plugin.type === 'source' ? 'Source' : 'Sink'}: ${plugin.className}`, '', `\`connector.class\`: ${names}`, '', renderConfigReference(plugin.definition));
  }
  sections.push(
    '## Transforms and predicates',
    '',
    'Configured as in Kafka Connect: `transforms=a,b`, `transforms.a.type=<class>`, `transforms.a.<key>=...`,',
    '`transforms.a.predicate=p`, `transforms.a.negate=true`, `predicates=p`, `predicates.p.type=<class>`.',
    '',
  );
  for (const plugin of [...TRANSFORM_PLUGINS, ...PREDICATE_PLUGINS]) {
    const names = [plugin.className, ...('aliases' in plugin ? plugin.aliases : [])].map((n) => `\`${n}\``).join(', ');
    const keys = plugin.definition.keys.length > 0 ? renderConfigReference(plugin.definition) : 'No settings.\n';
    sections.push(`### ${plugin.className}`, '', `Class names: ${names}`, '', keys.replaceAll(/^### /gm, '#### '));
  }
  return sections.join('\n');
}
