/**
 * The transforms and predicates a connector config may name, by class: what the REST API lists
 * under connector-plugins (types "transformation" and "predicate", with their config
 * declarations), and the lookups the chain builder uses.
 */
import { parseOrThrow, type RawConfig } from '../config/validate-config.js';
import type { Transform } from '../contracts/transform.js';
import { ConfigError } from '../errors.js';
import { CAST } from './cast.js';
import { EXTRACT_FIELD } from './extract-field.js';
import { EXTRACT_NEW_RECORD_STATE } from './extract-new-record-state.js';
import { FILTER } from './filter.js';
import { HOIST_FIELD } from './hoist-field.js';
import { INSERT_FIELD } from './insert-field.js';
import { MASK_FIELD } from './mask-field.js';
import { HAS_HEADER_KEY, RECORD_IS_TOMBSTONE, TOPIC_NAME_MATCHES } from './predicates.js';
import { REGEX_ROUTER } from './regex-router.js';
import { REPLACE_FIELD } from './replace-field.js';
import { TIMESTAMP_CONVERTER } from './timestamp-converter.js';
import { TIMESTAMP_ROUTER } from './timestamp-router.js';
import type { Predicate, PredicatePlugin, TransformPlugin, Warn } from './transform-plugin.js';
import { VALUE_TO_KEY } from './value-to-key.js';

export const TRANSFORM_PLUGINS: readonly TransformPlugin[] = [
  ...CAST,
  ...EXTRACT_FIELD,
  EXTRACT_NEW_RECORD_STATE,
  FILTER,
  ...HOIST_FIELD,
  ...INSERT_FIELD,
  ...MASK_FIELD,
  REGEX_ROUTER,
  ...REPLACE_FIELD,
  ...TIMESTAMP_CONVERTER,
  TIMESTAMP_ROUTER,
  VALUE_TO_KEY,
];

export const PREDICATE_PLUGINS: readonly PredicatePlugin[] = [HAS_HEADER_KEY, RECORD_IS_TOMBSTONE, TOPIC_NAME_MATCHES];

export function findTransformPlugin(className: string): TransformPlugin | undefined {
  return TRANSFORM_PLUGINS.find((plugin) => plugin.className === className || plugin.aliases.includes(className));
}

export function findPredicatePlugin(className: string): PredicatePlugin | undefined {
  return PREDICATE_PLUGINS.find((plugin) => plugin.className === className);
}

/** A transform of a known class from its own keys (without the `transforms.<alias>.` prefix); throws a ConfigError. */
export function createTransform(className: string, config: RawConfig, warn: Warn = () => {}): Transform {
  const plugin = findTransformPlugin(className);
  if (plugin === undefined) throw new ConfigError(`Class ${className} could not be found as a transformation.`);
  return plugin.create(parseOrThrow(plugin.definition, config).values, warn);
}

/** A predicate of a known class from its own keys; throws a ConfigError for a config it cannot take. */
export function createPredicate(className: string, config: RawConfig): Predicate {
  const plugin = findPredicatePlugin(className);
  if (plugin === undefined) throw new ConfigError(`Class ${className} could not be found as a predicate.`);
  return plugin.create(parseOrThrow(plugin.definition, config).values);
}
