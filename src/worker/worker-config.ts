/**
 * The worker's own config (`sluice start --config <file>`) and connector files.
 *
 * `loadWorkerConfig` is called once at start. It reads a Java-properties file, or JSON when the
 * content starts with `{` (numbers and booleans become strings, as Connect's rule is), then lets the
 * environment override it: every key can come from `SLUICE_` + the key upper-cased with `.` -> `_`
 * (`rest.port` <- SLUICE_REST_PORT), or from `CONNECT_` + the same, as Confluent's Kafka Connect
 * images read it (SLUICE_ wins when both are set). A `SLUICE_` or `CONNECT_` variable that names no
 * key of the file or of WORKER_CONFIG_DEFINITION becomes the key it spells in lower case with
 * `_` -> `.`. Keys are declared
 * below in the house's ConfigDefinition shape (src/config) with their defaults and documentation;
 * undeclared keys are kept in `extra`, not rejected, so a Kafka Connect worker file loads unchanged.
 * A value that does not parse is a ConfigError naming the key, where it came from (the file or the
 * environment variable) and what is expected; all such problems are reported at once.
 *
 * `loadConnectorFile` reads one connector in the REST body shape `{"name", "config"}` (what
 * `POST /connectors` takes), with every config value as a string.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getProperties } from 'properties-file';
import type { ConfigDefinition, ConfigKey, ConfigType, Validator } from '../config/config-definition.js';
import { validateConfig } from '../config/validate-config.js';
import { oneOf, range } from '../config/validators.js';
import { ConfigError } from '../errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One address the REST API listens on. */
export interface Listener {
  protocol: 'http';
  /** null: the default interface (all of them), as an empty host in Kafka Connect's `listeners`. */
  host: string | null;
  port: number;
}

export interface WorkerConfig {
  listeners: Listener[];
  dataDir: string;
  offsetStorageFile: string;
  offsetFlushIntervalMs: number;
  /** null when unset (standalone). */
  bootstrapServers: string[] | null;
  groupId: string | null;
  taskShutdownGracefulTimeoutMs: number;
  logLevel: LogLevel;
  taskRestart: { enabled: boolean; initialDelayMs: number; maxDelayMs: number };
  /** Keys nobody declared, as given: kept for whoever reads them, never rejected. */
  extra: Record<string, string>;
}

// A listener as Kafka Connect's RestServer reads it: protocol://host:port, an empty host allowed.
const LISTENER = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:\[([0-9a-zA-Z:.%]*)\]|([0-9a-zA-Z\-%._]*)):(\d{1,5})\/?$/;
// setTimeout cannot wait longer than this; a longer interval would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

const listenerUrls: Validator = {
  describe: 'a comma-separated list of http://<host>:<port>',
  check: (value) => {
    const bad = (Array.isArray(value) ? value : []).find((url: string) => {
      const match = LISTENER.exec(url);
      return match === null || match[1]!.toLowerCase() !== 'http' || Number(match[4]) > 65535;
    });
    return bad === undefined ? undefined : `"${bad}" is not an http://host:port URL (https is not supported: put a TLS proxy in front)`;
  },
};

function key(name: string, type: ConfigType, defaultValue: ConfigKey['default'], documentation: string, extra: Partial<ConfigKey> = {}): ConfigKey {
  return { name, type, default: defaultValue, importance: 'MEDIUM', group: 'Worker', documentation, ...extra };
}

export const WORKER_CONFIG_DEFINITION: ConfigDefinition = {
  keys: [
    key('listeners', 'LIST', null, 'Comma-separated URLs the REST API listens on, e.g. http://0.0.0.0:8083 (an empty host means the default interface). When set it wins over rest.port and rest.host.name. Default: http://<rest.host.name>:<rest.port>.', { validator: listenerUrls, importance: 'HIGH' }),
    key('rest.port', 'INT', 8083, 'Port of the REST API when listeners is not set (Kafka Connect\'s older form).', { validator: range({ min: 0, max: 65535 }) }),
    key('rest.host.name', 'STRING', null, 'Host name or address the REST API binds to when listeners is not set; none: the default interface.'),
    key('sluice.data.dir', 'STRING', './.data', 'Directory of the standalone worker\'s state: connector configs and, unless offset.storage.file.filename says otherwise, source offsets. Created when first written.', { importance: 'HIGH' }),
    key('offset.storage.file.filename', 'STRING', null, 'File holding the source offsets of the standalone worker. Default: <sluice.data.dir>/offsets.json.'),
    key('offset.flush.interval.ms', 'LONG', 1000,
      'How often committable source offsets are written to the offset store and then confirmed to the source (for Postgres, the slot\'s confirmed flush LSN). ' +
      'Kafka Connect\'s default is 60000; Sluice uses 1000 because everything after the last flush is replayed after a crash, so a short interval keeps that replay small, ' +
      'and Postgres keeps the slot\'s WAL until its position is confirmed, so a short interval releases WAL sooner. One small file write per second is cheap.',
      { validator: range({ min: 1, max: MAX_TIMER_MS }) }),
    key('bootstrap.servers', 'LIST', null, 'Kafka brokers as host:port, comma-separated, for Kafka mode; none for the standalone worker.', { importance: 'HIGH' }),
    key('group.id', 'STRING', null, 'Kafka mode: the Connect cluster\'s group; workers with the same group.id share the connectors.', { importance: 'HIGH' }),
    key('plugin.path', 'LIST', null, 'Accepted so Kafka Connect worker files load unchanged, and ignored: Sluice\'s connectors are built in.', { importance: 'LOW' }),
    key('task.shutdown.graceful.timeout.ms', 'LONG', 5000, 'How long each task may take to flush and stop at shutdown before it is abandoned (its uncommitted records are delivered again on the next start).', { validator: range({ min: 0, max: MAX_TIMER_MS }) }),
    key('log.level', 'STRING', 'info', 'Level of the worker\'s log.', { validator: oneOf(LOG_LEVELS) }),
    key('task.restart.enabled', 'BOOLEAN', true,
      'Restart a task by itself after a retriable failure (connection lost, server restarting, 503), after an exponential backoff with jitter. Kafka Connect never does; a permanent failure (authentication, bad config) stays FAILED either way.'),
    key('task.restart.initial.delay.ms', 'LONG', 1000, 'The first automatic restart waits about this long; each further one twice as long, up to task.restart.max.delay.ms.', { validator: range({ min: 1, max: MAX_TIMER_MS }) }),
    key('task.restart.max.delay.ms', 'LONG', 60000, 'The longest wait between automatic restarts; a task that ran this long before failing starts its backoff over.', { validator: range({ min: 1, max: MAX_TIMER_MS }) }),
  ],
};

const DECLARED = new Set(WORKER_CONFIG_DEFINITION.keys.map((k) => k.name));
const ENV_PREFIX = 'SLUICE_';
// Confluent's Kafka Connect images read the worker config from CONNECT_<KEY>: their compose files carry over.
const CONFLUENT_ENV_PREFIX = 'CONNECT_';

/** The environment variable that overrides a key: `rest.port` -> SLUICE_REST_PORT. */
export function environmentVariableFor(name: string): string {
  return ENV_PREFIX + name.toUpperCase().replaceAll('.', '_');
}

export async function loadWorkerConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<WorkerConfig> {
  const { file, env = process.env } = options;
  const raw: Record<string, string> = {};
  const origin = new Map<string, string>();
  if (file !== undefined) {
    for (const [name, value] of Object.entries(await readWorkerFile(file))) {
      raw[name] = value;
      origin.set(name, file);
    }
  }
  const fromEnvironment = (name: string, variable: string, value: string): void => {
    raw[name] = value;
    origin.set(name, `environment variable ${variable}`);
  };
  const names = new Set([...DECLARED, ...Object.keys(raw)]);
  // Confluent's images' prefix first, so that ours wins where both set a key.
  for (const prefix of [CONFLUENT_ENV_PREFIX, ENV_PREFIX]) {
    const consumed = new Set<string>();
    for (const name of names) {
      const variable = prefix + name.toUpperCase().replaceAll('.', '_');
      const value = env[variable];
      if (value === undefined) continue;
      fromEnvironment(name, variable, value);
      consumed.add(variable);
    }
    for (const [variable, value] of Object.entries(env)) {
      if (!variable.startsWith(prefix) || consumed.has(variable) || value === undefined) continue;
      fromEnvironment(variable.slice(prefix.length).toLowerCase().replaceAll('_', '.'), variable, value);
    }
  }
  return toWorkerConfig(raw, origin);
}

function toWorkerConfig(raw: Record<string, string>, origin: Map<string, string>): WorkerConfig {
  const { values, problems } = validateConfig(WORKER_CONFIG_DEFINITION, raw);
  if (problems.length > 0) {
    const lines = problems.map((problem) => `- ${problem.key} (from ${origin.get(problem.key)}): ${problem.message}; expected: ${expectation(problem.key)}.`);
    throw new ConfigError(`The worker config has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${lines.join('\n')}`);
  }
  const nonEmpty = (name: string): string | null => values.optionalString(name) || null;
  const dataDir = values.string('sluice.data.dir');
  const listeners = values.optionalList('listeners');
  const host = nonEmpty('rest.host.name');
  const bootstrapServers = values.optionalList('bootstrap.servers');
  return {
    listeners:
      listeners === null || listeners.length === 0
        ? [{ protocol: 'http', host, port: values.number('rest.port') }]
        : listeners.map(parseListener),
    dataDir,
    offsetStorageFile: nonEmpty('offset.storage.file.filename') ?? join(dataDir, 'offsets.json'),
    offsetFlushIntervalMs: values.number('offset.flush.interval.ms'),
    bootstrapServers: bootstrapServers === null || bootstrapServers.length === 0 ? null : [...bootstrapServers],
    groupId: nonEmpty('group.id'),
    taskShutdownGracefulTimeoutMs: values.number('task.shutdown.graceful.timeout.ms'),
    logLevel: values.string('log.level') as LogLevel,
    taskRestart: {
      enabled: values.boolean('task.restart.enabled'),
      initialDelayMs: values.number('task.restart.initial.delay.ms'),
      maxDelayMs: values.number('task.restart.max.delay.ms'),
    },
    extra: Object.fromEntries(Object.entries(raw).filter(([name]) => !DECLARED.has(name))),
  };
}

function expectation(name: string): string {
  const { type, validator } = WORKER_CONFIG_DEFINITION.keys.find((k) => k.name === name)!;
  const integer = type === 'INT' || type === 'LONG';
  if (validator === undefined) return integer ? 'an integer' : type.toLowerCase();
  return integer ? `an integer in ${validator.describe}` : validator.describe;
}

function parseListener(url: string): Listener {
  const [, , bracketed, plain, port] = LISTENER.exec(url)!;
  return { protocol: 'http', host: bracketed ?? (plain || null), port: Number(port) };
}

async function readWorkerFile(path: string): Promise<Record<string, string>> {
  const text = await readText(path, 'worker config');
  if (!text.replace(/^\uFEFF/, '').trimStart().startsWith('{')) return getProperties(text);
  return toStringMap(parseJsonObject(text, path, 'a JSON object of worker config keys'), path);
}

/**
 * Reads a connector file in the REST body shape `{"name": ..., "config": {...}}`. Numbers and
 * booleans in `config` become strings; `config.name` is set to `name` (and must agree with it, as
 * Kafka Connect's POST /connectors requires).
 */
export async function loadConnectorFile(path: string): Promise<{ name: string; config: Record<string, string> }> {
  const shape = 'a JSON object {"name": "<connector>", "config": {"<key>": "<value>", ...}}';
  const body = parseJsonObject(await readText(path, 'connector config'), path, shape);
  const { name, config } = body;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigError(`${path} has no connector name: it must be ${shape}.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`${path} has no "config" object: it must be ${shape}.`);
  }
  const strings = toStringMap(config as Record<string, unknown>, path);
  if (strings['name'] !== undefined && strings['name'] !== name) {
    throw new ConfigError(`${path}: config.name "${strings['name']}" differs from name "${name}"; make them the same or drop config.name.`);
  }
  return { name, config: { ...strings, name } };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read the ${what} file ${path} (${(error as Error).message}): check the path.`, { cause: error });
  }
}

function parseJsonObject(text: string, path: string, shape: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON (${(error as Error).message}): it must be ${shape}.`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${path} must be ${shape}.`);
  return json as Record<string, unknown>;
}

/** Config values as Kafka Connect keeps them: strings, with JSON numbers and booleans converted. */
function toStringMap(object: Record<string, unknown>, path: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(object).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      if (typeof value === 'number' || typeof value === 'boolean') return [name, String(value)];
      throw new ConfigError(`${name} in ${path} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object'}; expected a string, number or boolean.`);
    }),
  );
}
