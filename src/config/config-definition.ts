/**
 * Config declarations. Every key a plugin reads is declared once, in this shape, and that one
 * declaration drives everything else: parsing the flat string map Kafka Connect hands over
 * (./validate-config.ts), the REST validate endpoint (./config-infos.ts) and the generated
 * reference (./config-reference.ts).
 *
 * Modelled on Kafka's ConfigDef: the same types, importance, groups, widths, and "required" meaning
 * "declared without a default". Declarations are plain data, built when a module loads; a mistake
 * in them (a key declared twice) is a programming error and throws at once.
 */
import type { ConfigValues } from './config-values.js';

export type ConfigType = 'STRING' | 'INT' | 'LONG' | 'DOUBLE' | 'BOOLEAN' | 'LIST' | 'PASSWORD' | 'CLASS';
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/**
 * A parsed value: a string for STRING, PASSWORD and CLASS; a number for INT, LONG and DOUBLE; a
 * boolean; a string array for LIST; null for an optional key left unset.
 */
export type ConfigValue = string | number | boolean | readonly string[] | null;

export interface Validator {
  /** The valid values as the reference shows them, e.g. `[1,...,65535]` or `[initial, always]`. */
  readonly describe: string;
  /** Values a UI may offer (`recommended_values` in the REST API). */
  readonly recommended?: readonly string[];
  /** The problem with a parsed, non-null value (Connect's wording where it has one), or undefined. */
  check(value: Exclude<ConfigValue, null>): string | undefined;
}

/** Another name a key is read under: an older one of ours, or another connector's (`origin`). */
export interface DeprecatedAlias {
  name: string;
  /** Why it changed or when it goes away; appended to the deprecation warning and the reference. */
  note?: string;
  /** The connector that names the key so (e.g. "Aiven's S3 sink"): read as the key, not deprecated. */
  origin?: string;
}

export interface ConfigKey {
  name: string;
  type: ConfigType;
  /** Left out: the key is required. `null`: optional, and unset unless given. */
  default?: ConfigValue;
  importance: Importance;
  documentation: string;
  group: string;
  displayName?: string;
  width?: Width;
  validator?: Validator;
  /** Other names still accepted for this key; using one yields a warning (a deprecation unless it has an origin). */
  aliases?: readonly DeprecatedAlias[];
  /** Older values still accepted (matched case-insensitively), mapped to their replacement with a warning. */
  deprecatedValues?: Readonly<Record<string, string>>;
  /** Keys whose meaning depends on this one (ConfigKeyInfo `dependents`). */
  dependents?: readonly string[];
}

/** A problem (or warning) about one key. */
export interface ConfigProblem {
  key: string;
  message: string;
}

/** A rule across keys (include vs exclude lists, topics vs topics.regex); runs after every key is parsed. */
export type ConfigCheck = (values: ConfigValues) => ConfigProblem[];

export interface ConfigDefinition {
  keys: readonly ConfigKey[];
  /** Prefixes of keys that other components read (`transforms.<alias>.*`): never reported as unknown. */
  prefixes?: readonly string[];
  checks?: readonly ConfigCheck[];
}

/** Merges definitions, e.g. the keys common to every connector with a plugin's own. */
export function combineDefinitions(...parts: ConfigDefinition[]): ConfigDefinition {
  const keys = parts.flatMap((part) => part.keys);
  const seen = new Set<string>();
  for (const name of keys.flatMap((key) => [key.name, ...(key.aliases ?? []).map((alias) => alias.name)])) {
    if (seen.has(name)) throw new Error(`config key "${name}" is declared twice`);
    seen.add(name);
  }
  return {
    keys,
    prefixes: parts.flatMap((part) => part.prefixes ?? []),
    checks: parts.flatMap((part) => part.checks ?? []),
  };
}

export function isRequired(key: ConfigKey): boolean {
  return key.default === undefined;
}
