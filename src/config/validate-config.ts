/**
 * Parsing and validating a connector config: the flat string map Kafka Connect stores, against a
 * definition (./config-definition.ts).
 *
 * `validateConfig` never throws for what a user wrote. It returns the typed values, the problems
 * per key (missing, unparsable, invalid, conflicting; Kafka Connect's wording), and warnings that
 * do not stop a connector: deprecated names or values in use, and keys nobody declared (Kafka
 * Connect logs those and carries on, so copying a config between tools keeps working).
 * `parseOrThrow` is for starting a connector: the values, or one ConfigError listing everything.
 */
import { ConfigError } from '../errors.js';
import { isRequired, type ConfigDefinition, type ConfigKey, type ConfigProblem, type ConfigValue } from './config-definition.js';
import { ConfigValues } from './config-values.js';
import { parseValue } from './value-parsing.js';

export type RawConfig = Readonly<Record<string, string>>;

export interface ConfigValidation {
  values: ConfigValues;
  /** In declaration order, then the cross-key checks'. Empty when the config is usable. */
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

export interface ParsedConfig {
  values: ConfigValues;
  warnings: ConfigProblem[];
}

export function validateConfig(definition: ConfigDefinition, raw: RawConfig): ConfigValidation {
  const values = new Map<string, ConfigValue>();
  const supplied = new Set<string>();
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];

  for (const key of definition.keys) {
    const text = suppliedText(key, raw, warnings);
    if (text !== undefined && text.trim() !== '') supplied.add(key.name);
    const result = valueOf(key, text, warnings);
    if (typeof result === 'string') problems.push({ key: key.name, message: result });
    values.set(key.name, typeof result === 'string' ? null : result.value);
  }

  const parsed = new ConfigValues(values, supplied);
  for (const check of definition.checks ?? []) problems.push(...check(parsed));
  warnings.push(...unknownKeys(definition, raw));
  return { values: parsed, problems, warnings };
}

export function parseOrThrow(definition: ConfigDefinition, raw: RawConfig): ParsedConfig {
  const { values, problems, warnings } = validateConfig(definition, raw);
  if (problems.length === 0) return { values, warnings };
  const docs = new Map(definition.keys.map((key) => [key.name, key.documentation]));
  const lines = problems.map(({ key, message }) => {
    const hint = message.startsWith('Missing required configuration') ? ` It is: ${docs.get(key)}` : '';
    return `- ${key}: ${message}${hint}`;
  });
  const subject = raw['name'] === undefined ? 'The configuration' : `The configuration of connector "${raw['name']}"`;
  const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
  throw new ConfigError(`${subject} has ${count}; fix ${problems.length === 1 ? 'it' : 'each'} and try again:\n${lines.join('\n')}`);
}

/** The text given for a key, under its own name or a deprecated alias (its own name wins). */
function suppliedText(key: ConfigKey, raw: RawConfig, warnings: ConfigProblem[]): string | undefined {
  let text = own(raw, key.name);
  for (const alias of key.aliases ?? []) {
    const aliased = own(raw, alias.name);
    if (aliased === undefined) continue;
    const note = alias.note === undefined ? '' : ` ${alias.note}`;
    const named = alias.origin === undefined ? `Configuration "${alias.name}" is deprecated` : `Configuration "${alias.name}" (${alias.origin}'s name)`;
    if (text === undefined) {
      text = aliased;
      const reading = alias.origin === undefined ? `; use "${key.name}" instead.` : ` is read as "${key.name}".`;
      warnings.push({ key: alias.name, message: `${named}${reading}${note}` });
    } else {
      warnings.push({ key: alias.name, message: `${named} ${alias.origin === undefined ? 'and' : 'is'} ignored because "${key.name}" is set.${note}` });
    }
  }
  return text;
}

/** The value of a key, or the problem with it (Kafka's ConfigDef.parseForValidate). */
function valueOf(key: ConfigKey, text: string | undefined, warnings: ConfigProblem[]): { value: ConfigValue } | string {
  if (text === undefined || (text.trim() === '' && isRequired(key))) {
    if (isRequired(key)) return `Missing required configuration "${key.name}" which has no default value.`;
    return { value: key.default ?? null };
  }
  const parsed = parseValue(key.type, text);
  const shown = key.type === 'PASSWORD' ? '[hidden]' : text;
  if (!parsed.ok) return `Invalid value ${shown} for configuration ${key.name}: ${parsed.error}`;
  const value = replaceDeprecatedValue(key, parsed.value, warnings);
  const problem = value === null ? undefined : key.validator?.check(value);
  return problem === undefined ? { value } : `Invalid value ${shown} for configuration ${key.name}: ${problem}`;
}

function replaceDeprecatedValue(key: ConfigKey, value: ConfigValue, warnings: ConfigProblem[]): ConfigValue {
  if (typeof value !== 'string' || key.deprecatedValues === undefined) return value;
  const replacement = Object.entries(key.deprecatedValues).find(([old]) => old.toLowerCase() === value.toLowerCase())?.[1];
  if (replacement === undefined) return value;
  warnings.push({ key: key.name, message: `Value "${value}" of configuration "${key.name}" is deprecated; use "${replacement}" instead.` });
  return replacement;
}

function unknownKeys(definition: ConfigDefinition, raw: RawConfig): ConfigProblem[] {
  const known = definition.keys.flatMap((key) => [key.name, ...(key.aliases ?? []).map((alias) => alias.name)]);
  const knownSet = new Set(known);
  const prefixes = definition.prefixes ?? [];
  return Object.keys(raw)
    .filter((name) => !knownSet.has(name) && !prefixes.some((prefix) => name.startsWith(prefix)))
    .map((name) => {
      const near = closest(name, known);
      const hint = near === undefined ? '' : ` Did you mean '${near}'?`;
      return { key: name, message: `The configuration '${name}' was supplied but isn't a known config.${hint}` };
    });
}

/** The known name within a small edit distance of a misspelt one. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function own(raw: RawConfig, name: string): string | undefined {
  return Object.hasOwn(raw, name) ? raw[name] : undefined;
}
