/**
 * The JSON shapes of Kafka Connect's REST API for plugin configs (shared/reference/connect-rest-api.md):
 * ConfigKeyInfo for `GET /connector-plugins/{p}/config`, ConfigInfos for
 * `PUT /connector-plugins/{p}/config/validate`. Field names and value forms follow Kafka's
 * AbstractHerder: defaults and values as strings, passwords as `[hidden]`, `order` counted within
 * the key's group from 1. Validation problems are counted, never thrown.
 */
import { isRequired, type ConfigDefinition, type ConfigKey, type Importance, type Width } from './config-definition.js';
import { validateConfig, type RawConfig } from './validate-config.js';
import { formatValue } from './value-parsing.js';

export interface ConfigKeyInfo {
  name: string;
  type: ConfigKey['type'];
  required: boolean;
  default_value: string | null;
  importance: Importance;
  documentation: string;
  group: string;
  order: number;
  width: Width;
  display_name: string;
  dependents: string[];
}

export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export interface ConfigInfo {
  definition: ConfigKeyInfo;
  value: ConfigValueInfo;
}

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: ConfigInfo[];
}

export function configKeyInfos(definition: ConfigDefinition): ConfigKeyInfo[] {
  const orderInGroup = new Map<string, number>();
  return definition.keys.map((key) => {
    const order = (orderInGroup.get(key.group) ?? 0) + 1;
    orderInGroup.set(key.group, order);
    return {
      name: key.name,
      type: key.type,
      required: isRequired(key),
      default_value: key.default === undefined ? null : formatValue(key.type, key.default),
      importance: key.importance,
      documentation: key.documentation,
      group: key.group,
      order,
      width: key.width ?? 'NONE',
      display_name: key.displayName ?? key.name,
      dependents: [...(key.dependents ?? [])],
    };
  });
}

/** The validate endpoint's answer for a plugin class, its definition and the submitted config. */
export function configInfos(pluginClass: string, definition: ConfigDefinition, raw: RawConfig): ConfigInfos {
  const { values, problems } = validateConfig(definition, raw);
  const keyInfos = configKeyInfos(definition);
  const configs = definition.keys.map((key, index) => ({
    definition: keyInfos[index]!,
    value: {
      name: key.name,
      value: formatValue(key.type, values.get(key.name)),
      recommended_values: [...(key.validator?.recommended ?? [])],
      errors: problems.filter((problem) => problem.key === key.name).map((problem) => problem.message),
      visible: true,
    },
  }));
  return {
    name: pluginClass,
    error_count: configs.reduce((sum, config) => sum + config.value.errors.length, 0),
    groups: [...new Set(definition.keys.map((key) => key.group))],
    configs,
  };
}
