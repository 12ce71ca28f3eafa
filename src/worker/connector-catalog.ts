/**
 * What connectors this worker can make, and whether a config makes a valid one: the rules both
 * herders (standalone and Kafka mode) apply before they store a config, and the plugin listing and
 * validation the REST API serves. Pure: no stores, no I/O.
 */
import { combineDefinitions, type ConfigDefinition } from '../config/config-definition.js';
import { configInfos, configKeyInfos, type ConfigInfos, type ConfigKeyInfo } from '../config/config-infos.js';
import { HIDDEN } from '../config/secrets.js';
import { validateConfig } from '../config/validate-config.js';
import { ConfigError } from '../errors.js';
import { PREDICATE_PLUGINS, TRANSFORM_PLUGINS } from '../transforms/plugins.js';
import { transformsDefinition } from '../transforms/transforms-config.js';
import type { ConnectorConfig, PluginInfo } from './herder.js';
import { BadRequestError, NotFoundError } from './herder-errors.js';
import { findPlugin, PLUGINS, type ConnectorPlugin } from './plugins.js';

/** A connector as the checks see the others: its name and stored config. */
export interface ExistingConnector {
  name: string;
  config: ConnectorConfig;
  type: 'source' | 'sink';
}

export function pluginInfos(version: string, connectorsOnly: boolean): PluginInfo[] {
  const connectors: PluginInfo[] = PLUGINS.map((p) => ({ class: p.className, type: p.type, version }));
  if (connectorsOnly) return connectors;
  const transforms: PluginInfo[] = TRANSFORM_PLUGINS.map((p) => ({ class: p.className, type: 'transformation', version }));
  const predicates: PluginInfo[] = PREDICATE_PLUGINS.map((p) => ({ class: p.className, type: 'predicate', version }));
  return [...connectors, ...transforms, ...predicates];
}

export function pluginConfig(pluginClass: string): ConfigKeyInfo[] {
  return configKeyInfos(pluginOf(pluginClass).definition);
}

/** Never throws for a bad config: problems are counted in the result (Connect's validate). */
export function validateConnectorConfig(pluginClass: string, config: ConnectorConfig): ConfigInfos {
  const plugin = pluginOf(pluginClass);
  return configInfos(plugin.className, definitionFor(plugin, config), config);
}

/**
 * The config with its name, once it is valid and uses no slot another connector uses; a
 * BadRequestError listing every problem otherwise. `existing` is the connector being replaced, if
 * any: a value read back as [hidden] keeps its stored value, and the plugin may not change.
 */
export function checkedConnectorConfig(name: string, config: ConnectorConfig, others: Iterable<ExistingConnector>, existing?: ExistingConnector): ConnectorConfig {
  const kept = existing === undefined ? config : keepHiddenValues(config, existing.config);
  const full: ConnectorConfig = { ...kept, name };
  let plugin: ConnectorPlugin;
  try {
    plugin = findPlugin(full['connector.class']);
  } catch (error) {
    throw new BadRequestError((error as ConfigError).message, { cause: error });
  }
  const { problems } = validateConfig(definitionFor(plugin, full), full);
  if (problems.length > 0) {
    throw new BadRequestError(
      `Connector configuration is invalid and contains the following ${problems.length} error(s):\n${problems.map((p) => p.message).join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
    );
  }
  if (existing !== undefined && findPlugin(existing.config['connector.class']) !== plugin) {
    throw new BadRequestError(`Connector ${name} is a ${findPlugin(existing.config['connector.class']).className}; delete it to create a ${full['connector.class']} under that name.`);
  }
  if (plugin.type === 'source') checkSlotUnused(name, full, others);
  return full;
}

export function offsetsNeedStopped(name: string): BadRequestError {
  return new BadRequestError(
    `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
  );
}

function pluginOf(pluginClass: string): ConnectorPlugin {
  try {
    return findPlugin(pluginClass);
  } catch {
    throw new NotFoundError(`Failed to find any class that implements Connector and which name matches ${pluginClass}`);
  }
}

/** A config read back shows passwords as [hidden]; written back as it is, they keep their values. */
function keepHiddenValues(config: ConnectorConfig, stored: ConnectorConfig): ConnectorConfig {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, value === HIDDEN && stored[key] !== undefined ? stored[key]! : value]));
}

/** A replication slot allows one reader: two connectors on one slot would steal each other's changes. */
function checkSlotUnused(name: string, config: ConnectorConfig, others: Iterable<ExistingConnector>): void {
  const slotOf = (c: ConnectorConfig) =>
    [c['database.hostname'], c['database.port'] ?? '5432', c['database.dbname'], c['slot.name'] ?? 'debezium'].join('|').toLowerCase();
  const slot = slotOf(config);
  for (const other of others) {
    if (other.name !== name && other.type === 'source' && slotOf(other.config) === slot) {
      throw new BadRequestError(
        `Connector ${other.name} already reads replication slot "${config['slot.name'] ?? 'debezium'}" of database ${config['database.dbname']} on ${config['database.hostname']}: a slot allows one reader. Give this connector its own slot.name.`,
      );
    }
  }
}

/** A plugin's keys plus the keys of the transforms and predicates this config names (Connect's "enrich"). */
function definitionFor(plugin: ConnectorPlugin, config: ConnectorConfig): ConfigDefinition {
  const chain = transformsDefinition(config);
  const own = new Set(plugin.definition.keys.map((key) => key.name));
  return combineDefinitions(plugin.definition, { ...chain, keys: chain.keys.filter((key) => !own.has(key.name)) });
}
