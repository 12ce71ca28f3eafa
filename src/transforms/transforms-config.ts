/**
 * The transform and predicate keys of a connector config, declared the way Kafka Connect's
 * ConnectorConfig.enrich declares them: for each alias in `transforms`, `transforms.<alias>.type`,
 * `.predicate` and `.negate` plus the keys of its class under `transforms.<alias>.`; for each alias
 * in `predicates`, `predicates.<alias>.type` plus its class's keys. The definition depends on the
 * config (which aliases, which classes), so it is built per config; validating against it gives
 * per-key problems in Kafka's wording, and the parsed values the chain is built from.
 *
 * Pure functions of the config; nothing here throws for what a user wrote except `readTransformStages`,
 * which throws one ConfigError listing every problem.
 */
import type { ConfigDefinition, ConfigKey, ConfigProblem, Validator } from '../config/config-definition.js';
import { ConfigValues } from '../config/config-values.js';
import { CONNECTOR_COMMON_CONFIG } from '../config/connector-common.js';
import { parseOrThrow, validateConfig, type RawConfig } from '../config/validate-config.js';
import { parseValue } from '../config/value-parsing.js';
import { findPredicatePlugin, findTransformPlugin, PREDICATE_PLUGINS, TRANSFORM_PLUGINS } from './plugins.js';
import type { PredicatePlugin, TransformPlugin } from './transform-plugin.js';

/** The connector-wide keys the chain reads, as connector-common.ts declares them. */
const CHAIN_KEYS = ['transforms', 'predicates', 'errors.tolerance', 'errors.log.enable', 'errors.log.include.messages'];

export interface ConfiguredPlugin<P> {
  alias: string;
  plugin: P;
  /** The plugin's own values, keys without the alias prefix. */
  values: ConfigValues;
}

export interface TransformStageConfig extends ConfiguredPlugin<TransformPlugin> {
  predicate: ConfiguredPlugin<PredicatePlugin> | null;
  negate: boolean;
}

export interface TransformsConfig {
  stages: TransformStageConfig[];
  tolerance: 'none' | 'all';
  logErrors: boolean;
  logMessages: boolean;
  /** Deprecated names in use and keys no transform declares. */
  warnings: ConfigProblem[];
}

function aliasesIn(config: RawConfig, key: 'transforms' | 'predicates'): string[] {
  const parsed = parseValue('LIST', config[key] ?? '');
  return parsed.ok ? [...new Set(parsed.value as string[])].filter((alias) => alias !== '') : [];
}

function classValidator(kind: 'transformation' | 'predicate', alias: string, known: readonly string[], find: (name: string) => unknown): Validator {
  return {
    describe: `valid configs for ${alias} ${kind}`,
    recommended: known,
    check: (value) =>
      find(String(value)) === undefined
        ? `Class ${String(value)} could not be found. The ${kind} "${alias}" must name one of: ${known.join(', ')}.`
        : undefined,
  };
}

/** A plugin's keys moved under `prefix`, in the alias's group, its cross-key checks reading its own names. */
function embedded(prefix: string, group: string, definition: ConfigDefinition): ConfigDefinition {
  const keys = definition.keys.map((key): ConfigKey => ({
    ...key,
    name: prefix + key.name,
    group,
    ...(key.aliases === undefined ? {} : { aliases: key.aliases.map((alias) => ({ ...alias, name: prefix + alias.name })) }),
    ...(key.dependents === undefined ? {} : { dependents: key.dependents.map((name) => prefix + name) }),
  }));
  const checks = (definition.checks ?? []).map((check) => (values: ConfigValues) =>
    check(unprefixed(values, prefix, definition)).map((problem) => ({ key: prefix + problem.key, message: problem.message })),
  );
  return { keys, checks };
}

/** The values of one plugin's keys, without the prefix they were validated under. */
function unprefixed(values: ConfigValues, prefix: string, definition: ConfigDefinition): ConfigValues {
  const names = definition.keys.map((key) => key.name);
  return new ConfigValues(
    new Map(names.map((name) => [name, values.get(prefix + name)])),
    new Set(names.filter((name) => values.isSet(prefix + name))),
  );
}

function classKey(name: string, kind: 'transformation' | 'predicate', alias: string, group: string, validator: Validator): ConfigKey {
  return {
    name, type: 'CLASS', importance: 'HIGH', group, width: 'LONG', validator,
    displayName: `${kind === 'transformation' ? 'Transformation' : 'Predicate'} type for ${alias}`,
    documentation: `Class for the '${alias}' ${kind}.`,
  };
}

function transformKeys(config: RawConfig, alias: string, predicateAliases: readonly string[]): ConfigDefinition {
  const prefix = `transforms.${alias}.`;
  const group = `Transforms: ${alias}`;
  const known = TRANSFORM_PLUGINS.map((plugin) => plugin.className);
  const own: ConfigDefinition = {
    keys: [
      classKey(`${prefix}type`, 'transformation', alias, group, classValidator('transformation', alias, known, findTransformPlugin)),
      {
        name: `${prefix}predicate`, type: 'STRING', default: null, importance: 'MEDIUM', group,
        documentation: 'The alias of a predicate used to determine whether to apply this transformation.',
        validator: {
          describe: 'an alias listed in predicates',
          recommended: predicateAliases,
          check: (value) =>
            predicateAliases.includes(String(value))
              ? undefined
              : `Predicate "${String(value)}" is not declared; add it to "predicates" and set "predicates.${String(value)}.type", or remove "${prefix}predicate".`,
        },
      },
      { name: `${prefix}negate`, type: 'BOOLEAN', default: false, importance: 'MEDIUM', group, documentation: 'Whether the configured predicate should be negated.' },
    ],
    checks: [
      () =>
        config[`${prefix}negate`] !== undefined && config[`${prefix}predicate`] === undefined
          ? [{ key: `${prefix}negate`, message: `Config '${prefix}negate' was provided but there is no config '${prefix}predicate' defining a predicate to be negated.` }]
          : [],
    ],
  };
  const plugin = findTransformPlugin(config[`${prefix}type`]?.trim() ?? '');
  return plugin === undefined ? own : merge(own, embedded(prefix, group, plugin.definition));
}

function predicateKeys(config: RawConfig, alias: string): ConfigDefinition {
  const prefix = `predicates.${alias}.`;
  const group = `Predicates: ${alias}`;
  const known = PREDICATE_PLUGINS.map((plugin) => plugin.className);
  const own: ConfigDefinition = { keys: [classKey(`${prefix}type`, 'predicate', alias, group, classValidator('predicate', alias, known, findPredicatePlugin))] };
  const plugin = findPredicatePlugin(config[`${prefix}type`]?.trim() ?? '');
  return plugin === undefined ? own : merge(own, embedded(prefix, group, plugin.definition));
}

function merge(...parts: ConfigDefinition[]): ConfigDefinition {
  return { keys: parts.flatMap((part) => part.keys), checks: parts.flatMap((part) => part.checks ?? []) };
}

/**
 * The declaration of every transform and predicate key this config uses, after the connector-wide
 * keys the chain reads (`transforms`, `predicates`, `errors.tolerance`, `errors.log.*`).
 */
export function transformsDefinition(config: RawConfig): ConfigDefinition {
  const predicateAliases = aliasesIn(config, 'predicates');
  return merge(
    { keys: CONNECTOR_COMMON_CONFIG.keys.filter((key) => CHAIN_KEYS.includes(key.name)) },
    ...aliasesIn(config, 'transforms').map((alias) => transformKeys(config, alias, predicateAliases)),
    ...predicateAliases.map((alias) => predicateKeys(config, alias)),
  );
}

/** The part of a config the definition covers (plus `name`, for messages). */
function relevant(config: RawConfig): RawConfig {
  const prefixes = [...aliasesIn(config, 'transforms').map((a) => `transforms.${a}.`), ...aliasesIn(config, 'predicates').map((a) => `predicates.${a}.`)];
  return Object.fromEntries(Object.entries(config).filter(([key]) => key === 'name' || CHAIN_KEYS.includes(key) || prefixes.some((p) => key.startsWith(p))));
}

/**
 * The problems with the keys under `transforms.<alias>.` and `predicates.<alias>.`, for the REST
 * validate endpoint. Problems with the connector-wide keys are left to the connector's own validation.
 */
export function validateTransforms(config: RawConfig): ConfigProblem[] {
  return validateConfig(transformsDefinition(config), relevant(config)).problems.filter((problem) => problem.key.startsWith('transforms.') || problem.key.startsWith('predicates.'));
}

/** The stages a config asks for, in order; throws one ConfigError naming every key that is wrong. */
export function readTransformStages(config: RawConfig): TransformsConfig {
  const definition = transformsDefinition(config);
  const { values, warnings } = parseOrThrow(definition, relevant(config));
  const configured = <P extends { definition: ConfigDefinition }>(kind: string, alias: string, plugin: P): ConfiguredPlugin<P> => ({
    alias,
    plugin,
    values: unprefixed(values, `${kind}.${alias}.`, plugin.definition),
  });
  const stages = aliasesIn(config, 'transforms').map((alias): TransformStageConfig => {
    const predicateAlias = values.optionalString(`transforms.${alias}.predicate`);
    const predicate = predicateAlias === null ? null : configured('predicates', predicateAlias, findPredicatePlugin(values.string(`predicates.${predicateAlias}.type`))!);
    return { ...configured('transforms', alias, findTransformPlugin(values.string(`transforms.${alias}.type`))!), predicate, negate: values.boolean(`transforms.${alias}.negate`) };
  });
  return {
    stages,
    tolerance: values.string('errors.tolerance') as 'none' | 'all',
    logErrors: values.boolean('errors.log.enable'),
    logMessages: values.boolean('errors.log.include.messages'),
    warnings: warnings.filter((warning) => warning.key !== 'name'),
  };
}
