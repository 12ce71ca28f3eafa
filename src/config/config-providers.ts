/**
 * Kafka Connect's config providers: a connector config may hold `${file:/etc/sluice/db.properties:password}`
 * where a secret belongs, and the worker puts the value in only when a task starts, so the stored
 * config, the REST API and the logs never carry the secret.
 *
 * The worker config allows the providers, exactly as a Kafka Connect worker file does:
 *   config.providers=file,env
 *   config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
 *   config.providers.file.param.allowed.paths=/etc/sluice/secrets
 * `ConfigProviders.fromWorkerConfig` is called once at start; it reads nothing but the worker config
 * and throws a ConfigError naming the key for an unknown class or parameter. `resolve` is called when
 * a task starts (and by the validate endpoint, as Connect's AbstractHerder does); it reads the files
 * and the environment then and keeps nothing: a changed secret is picked up by the next start.
 *
 * References follow Kafka's ConfigTransformer: `${provider:[path:]key}` matched by its pattern, any
 * number in a value, replaced in one pass (a substituted value is not searched again). The path runs
 * from the first colon to the second, the key is everything after it: `${file:/a/b.properties:x:y}`
 * is key `x:y` of `/a/b.properties`. A reference to a provider the worker does not list is left as
 * written, as Kafka leaves it.
 *
 * Providers, by their Kafka class:
 * - FileConfigProvider `${file:<properties file>:<key>}`; parameter `allowed.paths`.
 * - DirectoryConfigProvider `${directory:<dir>:<file name>}`: the whole file, as read (a Kubernetes
 *   secret mounted as a directory); parameter `allowed.paths`.
 * - EnvVarConfigProvider `${env:NAME}` or `${env::NAME}` (Kafka reads both as an empty path);
 *   parameter `allowlist.pattern`, a regular expression a variable's name must contain a match of.
 * Two deliberate differences from Kafka, both so a mistake fails at start instead of sending the
 * literal `${...}` text as a password: a missing file, key or variable (or a path outside
 * allowed.paths) is a ConfigError, where Kafka leaves the reference as written; and an unknown
 * `param.*` name is refused, where Kafka ignores it (a misspelt allowed.paths would allow every path).
 *
 * Errors name the config key, the reference as written, the provider and what is missing; never a
 * value read from a provider.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, normalize, sep } from 'node:path';
import { getProperties } from 'properties-file';
import { ConfigError } from '../errors.js';
import type { WorkerConfig } from '../worker/worker-config.js';
import { parseValue } from './value-parsing.js';

/** A config with its references replaced, and every value substituted for one (for `redactResolved`). */
export interface ResolvedConfig {
  config: Record<string, string>;
  secrets: readonly string[];
}

/** What a provider found for one key: its value, or why there is none (never a value's text). */
type Lookup = { value: string } | { problem: string };

interface Provider {
  readonly className: string;
  /** One result per key; failures are results, not exceptions. */
  lookup(path: string, keys: readonly string[]): Promise<Map<string, Lookup>>;
}

/** The `param.*` values of one provider, and their full key names for errors. */
interface ProviderParams {
  get(param: string): string | undefined;
  keyOf(param: string): string;
}

type ProviderFactory = (params: ProviderParams) => Provider;

const PACKAGE = 'org.apache.kafka.common.config.provider.';
const FACTORIES: ReadonlyMap<string, { params: readonly string[]; create: ProviderFactory }> = new Map([
  [`${PACKAGE}FileConfigProvider`, { params: ['allowed.paths'], create: fileProvider }],
  [`${PACKAGE}DirectoryConfigProvider`, { params: ['allowed.paths'], create: directoryProvider }],
  [`${PACKAGE}EnvVarConfigProvider`, { params: ['allowlist.pattern'], create: envVarProvider }],
]);

// Kafka's ConfigTransformer.DEFAULT_PATTERN: provider, optional path, key.
const REFERENCE = /\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}/g;

export class ConfigProviders {
  private constructor(private readonly providers: ReadonlyMap<string, Provider>) {}

  /** The providers `config.providers` lists, each built from its `.class` and `.param.*` keys in `extra`. */
  static fromWorkerConfig(config: Pick<WorkerConfig, 'extra'>): ConfigProviders {
    const { extra } = config;
    const listed = parseValue('LIST', extra['config.providers'] ?? '');
    const providers = new Map<string, Provider>();
    const problems: string[] = [];
    for (const name of listed.ok ? (listed.value as string[]) : []) {
      try {
        providers.set(name, createProvider(name, extra));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(error.message);
      }
    }
    if (problems.length > 0) throw new ConfigError(`The worker's config providers cannot be set up:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    return new ConfigProviders(providers);
  }

  /** The provider names the worker allows, in the order `config.providers` lists them. */
  get names(): readonly string[] {
    return [...this.providers.keys()];
  }

  /** The config with every reference to an allowed provider replaced; a ConfigError listing each that fails. */
  async resolve(config: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    return (await this.resolveWithSecrets(config)).config;
  }

  /** Like `resolve`, also returning the substituted values so error texts can be cleaned of them. */
  async resolveWithSecrets(config: Readonly<Record<string, string>>): Promise<ResolvedConfig> {
    const lookups = await this.lookUp(Object.values(config));
    const problems: string[] = [];
    const secrets = new Set<string>();
    const resolved: Record<string, string> = {};
    for (const [name, value] of Object.entries(config)) {
      resolved[name] = value.replace(REFERENCE, (text: string, providerName: string, _pathPart: unknown, path: string | undefined, key: string) => {
        const provider = this.providers.get(providerName);
        if (provider === undefined) return text;
        const found = lookups.get(lookupId(providerName, path ?? ''))!.get(key)!;
        if ('problem' in found) {
          problems.push(`- ${name}: ${text}: ${found.problem} (config provider "${providerName}", ${provider.className})`);
          return text;
        }
        secrets.add(found.value);
        return found.value;
      });
    }
    if (problems.length > 0) {
      const subject = config['name'] === undefined ? 'the configuration' : `the configuration of connector "${config['name']}"`;
      throw new ConfigError(`Cannot resolve the config provider references of ${subject}; fix each and try again:\n${problems.join('\n')}`);
    }
    return { config: resolved, secrets: [...secrets] };
  }

  /** Asks each configured provider once per path for every key referenced there, as Kafka does. */
  private async lookUp(values: readonly string[]): Promise<Map<string, Map<string, Lookup>>> {
    const wanted = new Map<string, { provider: Provider; path: string; keys: Set<string> }>();
    for (const value of values) {
      for (const [, providerName, , path = '', key] of value.matchAll(REFERENCE)) {
        const provider = this.providers.get(providerName!);
        if (provider === undefined) continue;
        const id = lookupId(providerName!, path);
        const entry = wanted.get(id) ?? { provider, path, keys: new Set<string>() };
        entry.keys.add(key!);
        wanted.set(id, entry);
      }
    }
    const results = await Promise.all(
      [...wanted].map(async ([id, { provider, path, keys }]) => [id, await provider.lookup(path, [...keys])] as const),
    );
    return new Map(results);
  }
}

function lookupId(provider: string, path: string): string {
  return JSON.stringify([provider, path]);
}

function createProvider(name: string, extra: Readonly<Record<string, string>>): Provider {
  const classKey = `config.providers.${name}.class`;
  const className = extra[classKey]?.trim();
  const known = [...FACTORIES.keys()].join(', ');
  if (className === undefined || className === '') {
    throw new ConfigError(`${classKey} is not set: config.providers lists "${name}", so give its class, one of ${known}.`);
  }
  const factory = FACTORIES.get(className);
  if (factory === undefined) {
    throw new ConfigError(`${classKey} is "${className}", which Sluice does not have; the known config provider classes are ${known}.`);
  }
  const paramPrefix = `config.providers.${name}.param.`;
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(extra)) {
    if (!key.startsWith(paramPrefix)) continue;
    const param = key.slice(paramPrefix.length);
    if (!factory.params.includes(param)) {
      throw new ConfigError(`${key}: ${className} has no parameter "${param}"; its parameters are ${factory.params.join(', ')}.`);
    }
    values.set(param, value);
  }
  return factory.create({ get: (param) => values.get(param), keyOf: (param) => paramPrefix + param });
}

function fileProvider(params: ProviderParams): Provider {
  const allowed = allowedPaths(params);
  return {
    className: `${PACKAGE}FileConfigProvider`,
    async lookup(path, keys) {
      const problem = pathProblem(path, allowed, 'properties file');
      if (problem !== undefined) return everyKey(keys, problem);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        return everyKey(keys, `cannot read the properties file (${(error as Error).message})`);
      }
      const properties = getProperties(text);
      return new Map(keys.map((key) => [key, Object.hasOwn(properties, key) ? { value: properties[key]! } : { problem: `the properties file ${path} has no key "${key}"` }]));
    },
  };
}

function directoryProvider(params: ProviderParams): Provider {
  const allowed = allowedPaths(params);
  return {
    className: `${PACKAGE}DirectoryConfigProvider`,
    async lookup(path, keys) {
      const problem = pathProblem(path, allowed, 'directory') ?? (await directoryProblem(path));
      if (problem !== undefined) return everyKey(keys, problem);
      const found = await Promise.all(keys.map(async (key) => [key, await readDirectoryEntry(path, key)] as const));
      return new Map(found);
    },
  };
}

async function directoryProblem(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isDirectory() ? undefined : `${path} is not a directory`;
  } catch (error) {
    return `cannot read the directory (${(error as Error).message})`;
  }
}

/** A regular file directly in `directory` (symbolic links followed, as Kubernetes secret volumes need). */
async function readDirectoryEntry(directory: string, key: string): Promise<Lookup> {
  const missing = { problem: `the directory ${directory} has no file "${key}"` };
  // Kafka matches keys against the directory's file names, so a key can never reach outside it.
  if (key === '' || key === '.' || key === '..' || basename(key) !== key) return missing;
  const file = join(directory, key);
  try {
    if (!(await stat(file)).isFile()) return missing;
    return { value: await readFile(file, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return missing;
    return { problem: `cannot read ${file} (${(error as Error).message})` };
  }
}

function envVarProvider(params: ProviderParams): Provider {
  const pattern = params.get('allowlist.pattern');
  let allowlist: RegExp | undefined;
  try {
    allowlist = pattern === undefined ? undefined : new RegExp(pattern);
  } catch (error) {
    throw new ConfigError(`${params.keyOf('allowlist.pattern')} is not a valid regular expression (${(error as Error).message}).`);
  }
  return {
    className: `${PACKAGE}EnvVarConfigProvider`,
    async lookup(path, keys) {
      if (path !== '') return everyKey(keys, `EnvVarConfigProvider takes no path; write \${env:NAME}`);
      return new Map(keys.map((key): [string, Lookup] => {
        if (allowlist !== undefined && !allowlist.test(key)) return [key, { problem: `environment variable ${key} is not allowed by allowlist.pattern ${pattern}` }];
        const value = process.env[key];
        return [key, value === undefined ? { problem: `environment variable ${key} is not set` } : { value }];
      }));
    },
  };
}

/**
 * Kafka's `allowed.paths`: absolute, existing paths a reference's path must lie in (after `..` is
 * resolved); unset, every path is allowed.
 */
function allowedPaths(params: ProviderParams): string[] | undefined {
  const text = params.get('allowed.paths');
  if (text === undefined || text === '') return undefined;
  return text.split(',').map((entry) => {
    const path = normalize(entry);
    if (!isAbsolute(path) || !existsSync(path)) {
      throw new ConfigError(`${params.keyOf('allowed.paths')}: path ${path} is not valid; each path must be absolute and exist.`);
    }
    return path.endsWith(sep) ? path : path + sep;
  });
}

function pathProblem(path: string, allowed: string[] | undefined, what: string): string | undefined {
  if (path === '') return `the reference has no ${what}; write \${<provider>:<${what}>:<key>}`;
  if (allowed === undefined) return undefined;
  const normalized = normalize(path) + sep;
  return allowed.some((root) => normalized.startsWith(root)) ? undefined : `${path} is outside allowed.paths`;
}

function everyKey(keys: readonly string[], problem: string): Map<string, Lookup> {
  return new Map(keys.map((key) => [key, { problem }]));
}
