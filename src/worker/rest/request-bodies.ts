/**
 * The REST API's request bodies and query flags, read as Kafka Connect's JAX-RS bindings read them.
 * Pure functions, called by the routes before they reach the herder; a body that does not fit is a
 * BadRequestError (400) naming the field and what it must be.
 *
 * - Config maps are Connect's `Map<String, String>`: strings, with JSON numbers and booleans taken
 *   as their text (Jackson's coercion). `null` is kept for PATCH (it removes the key); elsewhere
 *   it is refused in the words Connect's herder uses.
 * - POST /connectors is `{"name", "config", "initial_state"?}`; like Jackson's default binding,
 *   an unknown field is refused rather than silently ignored (a misspelt `initial_state` would
 *   otherwise start the connector).
 * - Query flags are Java's `Boolean.valueOf`: `true` in any case is true, anything else false.
 */
import { z } from 'zod';
import type { ConnectorConfig, OffsetEntry, TargetState } from '../herder.js';
import { BadRequestError } from '../herder-errors.js';

export type ConfigPatch = Record<string, string | null>;

export interface CreateConnectorRequest {
  name: string;
  config: ConnectorConfig;
  initialState: TargetState | undefined;
}

/** Connect's message for a null config value, one line per key in its herder's list of errors. */
export const NULL_VALUE_MESSAGE = 'Null value can not be supplied as the configuration value.';
const INVALID_CONFIG = (problems: string[]): string =>
  `Connector configuration is invalid and contains the following ${problems.length} error(s):\n${problems.join('\n')}\n` +
  'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`';

function describe(input: unknown): string {
  if (input === undefined) return 'missing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

const text = z
  .union([z.string(), z.number(), z.boolean(), z.null()], {
    error: (issue) => `is ${describe(issue.input)}; config values are strings (numbers and booleans are taken as text)`,
  })
  .transform((value) => (value === null ? null : String(value)));

const configMap = z.record(z.string(), text, {
  error: (issue) => `is ${describe(issue.input)}; expected a JSON object of config keys to string values`,
});

const INITIAL_STATES = { RUNNING: 'STARTED', PAUSED: 'PAUSED', STOPPED: 'STOPPED' } as const;

const createRequest = z.strictObject(
  {
    name: text.optional(),
    config: configMap.nullable().optional(),
    initial_state: z
      .string({ error: (issue) => `is ${describe(issue.input)}; expected one of RUNNING, PAUSED, STOPPED` })
      .toUpperCase()
      .pipe(z.enum(['RUNNING', 'PAUSED', 'STOPPED'], { error: (issue) => `is "${String(issue.input)}"; expected one of RUNNING, PAUSED, STOPPED` }))
      .nullable()
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}; expected "name", "config" and optionally "initial_state"`
        : `is ${describe(issue.input)}; expected a JSON object {"name": "<connector>", "config": {...}}`,
  },
);

const offsetValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: (issue) => `is ${describe(issue.input)}; partition and offset values are strings, numbers, booleans or null`,
});

const offsetMap = z.record(z.string(), offsetValue, {
  error: (issue) => `is ${describe(issue.input)}; expected a JSON object of strings, numbers and booleans`,
});

const offsetsRequest = z.object(
  { offsets: z.array(z.object({ partition: offsetMap, offset: offsetMap.nullable() }), { error: (issue) => `is ${describe(issue.input)}; expected an array` }).nullable().optional() },
  { error: (issue) => `is ${describe(issue.input)}; expected a JSON object {"offsets": [{"partition": {...}, "offset": {...}}]}` },
);

function parse<T>(schema: z.ZodType<T>, input: unknown, label: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { path, message } = result.error.issues[0]!;
  if (path.length === 0) throw new BadRequestError(`${label} ${message}`);
  throw new BadRequestError(`${pathText(path)} in ${label.charAt(0).toLowerCase()}${label.slice(1)} ${message}`);
}

/** `config["tasks.max"]`, `offsets[0]["partition"]`, `"tasks.max"`: keys may hold dots, so they are quoted. */
function pathText(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  const head = typeof first === 'string' && /^[A-Za-z_]\w*$/.test(first) ? first : JSON.stringify(first);
  return head + rest.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `[${JSON.stringify(segment)}]`)).join('');
}

/** A JSON object read as Connect's `Map<String, String>`, nulls kept; `label` names it in errors. */
export function parseStringMap(body: unknown, label: string): ConfigPatch {
  return parse(configMap, body, label);
}

/** A full config (PUT config): nulls refused as Connect's herder refuses them. */
export function parseConfig(body: unknown): ConnectorConfig {
  return withoutNulls(parseStringMap(body, 'The connector config'));
}

export function parseCreateRequest(body: unknown): CreateConnectorRequest {
  const request = parse(createRequest, body, 'The request body');
  if (request.config === undefined || request.config === null) {
    throw new BadRequestError('The request body has no "config": expected a JSON object {"name": "<connector>", "config": {...}}');
  }
  const state = request.initial_state ?? undefined;
  return {
    // Connect trims the name, and a missing name is an empty one, refused by the name check.
    name: (request.name ?? '').trim(),
    config: withoutNulls(request.config),
    initialState: state === undefined ? undefined : INITIAL_STATES[state],
  };
}

/** PATCH offsets: at least one entry, as Connect requires. */
export function parseOffsets(body: unknown): OffsetEntry[] {
  const offsets = parse(offsetsRequest, body, 'The request body').offsets;
  if (!offsets || offsets.length === 0) throw new BadRequestError('Partitions / offsets need to be provided for an alter offsets request');
  return offsets;
}

/** Connect's empty name, as its config validation words it. */
export function checkNameNotEmpty(name: string): void {
  if (name === '') throw new BadRequestError(INVALID_CONFIG(['Invalid value  for configuration name: String may not be empty']));
}

/** Java's Boolean.valueOf over the first value of a query parameter, with the route's default. */
export function queryFlag(value: unknown, fallback: boolean): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.toLowerCase() === 'true' : fallback;
}

/** Every value of a repeatable query parameter, or undefined when it is absent. */
export function queryList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

function withoutNulls(config: ConfigPatch): ConnectorConfig {
  const nulls = Object.keys(config).filter((key) => config[key] === null);
  if (nulls.length > 0) throw new BadRequestError(INVALID_CONFIG(nulls.map(() => NULL_VALUE_MESSAGE)));
  return config as ConnectorConfig;
}
