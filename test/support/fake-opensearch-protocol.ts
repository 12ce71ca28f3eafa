/**
 * The request side of the fake OpenSearch node (fake-opensearch.ts), as OpenSearch 2.x defines it:
 * its error rendering, bulk NDJSON parsing and request validation, index-name rules and the few
 * queries the fake answers. Pure functions; every failure is thrown as the OpenSearchError a real
 * node would answer with (status, type, reason, metadata), and nothing here keeps state.
 */
export type Source = Record<string, unknown>;
export type Action = 'index' | 'create' | 'update' | 'delete';
export type VersionType = 'internal' | 'external' | 'external_gte';
/** A field's mapping: its type, an object's `properties`, a field's multi-`fields`, and any other parameter. */
export type FieldMapping = { type?: string; properties?: Record<string, FieldMapping>; fields?: Record<string, FieldMapping>; [parameter: string]: unknown };
/** An index's mappings: the root object's `properties` and its dynamic mapping parameters. */
export type Mappings = FieldMapping;
/** One bulk item; `body` is the parsed update body or the raw document line (parsed per item, as a node does). */
export type WriteOp = { action: Action; index: string | undefined; id: string | undefined; versionType: VersionType; version?: number; body?: unknown };

/** An error as OpenSearch renders it: `detail()` inside bulk items, `envelope()` as a whole response. */
export class OpenSearchError extends Error {
  constructor(readonly status: number, readonly type: string, reason: string, readonly meta: Source = {}, readonly causedBy?: Source) {
    super(reason);
  }
  detail = (): Source => ({ type: this.type, reason: this.message, ...this.meta, ...(this.causedBy && { caused_by: this.causedBy }) });
  envelope = (): Source => ({ error: { root_cause: [{ type: this.type, reason: this.message, ...this.meta }], ...this.detail() }, status: this.status });
}

// OpenSearch prints Strings.INVALID_FILENAME_CHARS, a HashSet, in this order.
const INVALID_NAME_CHARS = [' ', '"', '*', '\\', '<', '|', ',', '>', '/', '?'];
const ACTION_PARAMS = new Set(['_index', '_id', 'routing', 'version', 'version_type', 'if_seq_no', 'if_primary_term', 'pipeline', 'require_alias', 'retry_on_conflict', '_source']);
const VERSION_TYPES: Record<string, VersionType> = { internal: 'internal', external: 'external', external_gt: 'external', external_gte: 'external_gte' };

export const isObject = (v: unknown): v is Source => typeof v === 'object' && v !== null && !Array.isArray(v);
export const badRequest = (type: string, reason: string) => new OpenSearchError(400, type, reason);
export const indexNotFound = (name: string) =>
  new OpenSearchError(404, 'index_not_found_exception', `no such index [${name}]`, { index: name, 'resource.id': name, 'resource.type': 'index_or_alias', index_uuid: '_na_' });

/** A bulk document line; a bad one fails only its own item. */
export function parseDocument(line: string): Source {
  let reason = 'Compressor detection can only be called on some xcontent bytes';
  try {
    const doc: unknown = JSON.parse(line);
    if (isObject(doc)) return doc;
  } catch (e) {
    reason = (e as Error).message;
  }
  throw new OpenSearchError(400, 'mapper_parsing_exception', 'failed to parse', {}, { type: 'not_x_content_exception', reason });
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest('json_parse_exception', `${what}: ${(e as Error).message}`);
  }
}

export function checkIndexName(name: string): void {
  const bytes = Buffer.byteLength(name);
  const problem = INVALID_NAME_CHARS.some((c) => name.includes(c)) ? `must not contain the following characters [${INVALID_NAME_CHARS.join(', ')}]`
    : name.includes('#') ? "must not contain '#'"
    : name.includes(':') ? "must not contain ':'"
    : /^[-_+]/.test(name) ? "must not start with '_', '-', or '+'"
    : bytes > 255 ? `index name is too long, (${bytes} > 255)`
    : name === '.' || name === '..' ? "must not be '.' or '..'"
    : name.toLowerCase() !== name ? 'must be lowercase' : undefined;
  if (problem) throw new OpenSearchError(400, 'invalid_index_name_exception', `Invalid index name [${name}], ${problem}`, { index: name, index_uuid: '_na_' });
}

/** The validation OpenSearch runs on every item before executing any; one problem fails the whole request. */
function validationProblems(op: WriteOp, params: Source): string[] {
  const problems: string[] = [];
  const upper = op.versionType.toUpperCase();
  if (!op.index) problems.push('index is missing');
  if (op.id === undefined && (op.action === 'update' || op.action === 'delete')) problems.push('id is missing');
  if (op.id !== undefined && Buffer.byteLength(op.id) > 512) problems.push(`id [${op.id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(op.id)}`);
  if (op.versionType === 'internal' && op.version !== undefined) {
    problems.push('internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead');
  }
  if (op.versionType !== 'internal' && !(Number.isInteger(op.version) && op.version! >= 0)) problems.push(`illegal version value [${op.version ?? -3}] for version type [${upper}]`);
  if (op.action === 'create' && op.versionType !== 'internal') problems.push('create operations only support internal versioning. use index instead');
  if (params.if_seq_no !== undefined || params.if_primary_term !== undefined) problems.push('[fake-opensearch] if_seq_no and if_primary_term are not supported');
  if (op.action === 'update') {
    if (op.versionType !== 'internal') problems.push(`version type [${upper}] is not supported by the update API`);
    if (isObject(op.body) && op.body.script !== undefined) problems.push('[fake-opensearch] scripted updates are not supported');
    else if (!isObject(op.body) || !isObject(op.body.doc)) problems.push('script or doc is missing');
  }
  return problems;
}

export function parseBulk(body: string, pathIndex: string | undefined): WriteOp[] {
  const unterminated = () => badRequest('illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
  if (body.length > 0 && !body.endsWith('\n')) throw unterminated();
  const lines = body.split('\n').slice(0, -1);
  const ops: WriteOp[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const meta = parseJson(lines[i]!, `Malformed action/metadata line [${i + 1}]`);
    const keys = isObject(meta) ? Object.keys(meta) : [];
    const action = keys[0] as Action;
    if (!isObject(meta) || keys.length !== 1 || !['index', 'create', 'update', 'delete'].includes(action) || !isObject(meta[action])) {
      throw badRequest('illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected field [create], [delete], [index] or [update] but found [${keys[0] ?? ''}]`);
    }
    const params = meta[action] as Source;
    const unknown = Object.keys(params).find((k) => !ACTION_PARAMS.has(k));
    if (unknown !== undefined) throw badRequest('illegal_argument_exception', `Action/metadata line [${i + 1}] contains an unknown parameter [${unknown}]`);
    const versionType = VERSION_TYPES[String(params.version_type ?? 'internal')];
    if (versionType === undefined) throw badRequest('illegal_argument_exception', `No version type match [${String(params.version_type)}]`);
    const op: WriteOp = {
      action, versionType, index: params._index === undefined ? pathIndex : String(params._index),
      id: params._id === undefined || params._id === null ? undefined : String(params._id), version: params.version === undefined ? undefined : Number(params.version),
    };
    if (action !== 'delete') {
      const line = lines[++i];
      if (line === undefined) throw unterminated();
      op.body = action === 'update' ? parseJson(line, `Malformed update line [${i + 1}]`) : line;
    }
    ops.push(op);
    problems.push(...validationProblems(op, params));
  }
  if (ops.length === 0) problems.push('no requests added');
  if (problems.length > 0) throw badRequest('action_request_validation_exception', `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`);
  return ops;
}

function valuesAt(source: unknown, path: string[]): unknown[] {
  if (Array.isArray(source)) return source.flatMap((s) => valuesAt(s, path));
  if (path.length === 0) return [source];
  return isObject(source) ? valuesAt(source[path[0]!], path.slice(1)) : [];
}

function termMatcher(mappings: Mappings, field: string, wanted: unknown): (source: Source) => boolean {
  let path = field.split('.');
  let analyzed = false;
  if (path.length > 1 && path.at(-1) === 'keyword') path = path.slice(0, -1); // the keyword sub-field dynamic mapping gives strings
  else {
    const mapped = path.reduce<FieldMapping | undefined>((f, part, i) => (i === 0 ? mappings.properties : f?.properties)?.[part], undefined);
    analyzed = mapped?.type === undefined || mapped.type === 'text';
  }
  // an analyzed field holds the standard analyzer's lowercased tokens; a term query is not analyzed
  const matches = (v: unknown) =>
    analyzed && typeof v === 'string' ? v.toLowerCase().split(/[^\p{L}\p{N}_']+/u).includes(String(wanted)) : v !== null && v !== undefined && String(v) === String(wanted);
  return (source) => valuesAt(source, path).some(matches);
}

export function queryMatcher(mappings: Mappings, query: unknown): (id: string, source: Source) => boolean {
  if (query === undefined) return () => true;
  const [kind, arg] = isObject(query) && Object.keys(query).length === 1 ? Object.entries(query)[0]! : ['', undefined];
  if (kind === 'match_all') return () => true;
  if (kind === 'ids' && isObject(arg) && Array.isArray(arg.values)) {
    const ids = arg.values.map(String);
    return (id) => ids.includes(id);
  }
  if (kind === 'term' && isObject(arg) && Object.keys(arg).length === 1) {
    const [field, spec] = Object.entries(arg)[0]!;
    const wanted = isObject(spec) ? spec.value : spec;
    if (field === '_id') return (id) => id === String(wanted);
    const matches = termMatcher(mappings, field, wanted);
    return (_id, source) => matches(source);
  }
  throw badRequest('parsing_exception', `unknown query [${kind}] (fake-opensearch supports match_all, term and ids only)`);
}

/**
 * Index settings as flat `index.`-prefixed keys, however they were nested or prefixed (OpenSearch
 * adds the prefix), with the ones the fake acts on (index.gc_deletes) checked.
 */
export function indexSettings(settings: unknown): Source {
  if (settings === undefined) return {};
  if (!isObject(settings)) throw badRequest('settings_exception', 'Failed to load settings from [settings]: expected an object');
  const flat: Source = {};
  const walk = (object: Source, prefix: string) => {
    for (const [key, value] of Object.entries(object)) {
      const name = prefix + key;
      if (isObject(value)) walk(value, `${name}.`);
      else flat[name.startsWith('index.') ? name : `index.${name}`] = value;
    }
  };
  walk(settings, '');
  if (flat['index.gc_deletes'] !== undefined) timeValueMs('index.gc_deletes', flat['index.gc_deletes']);
  return flat;
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A time setting ("60s", "500ms") in milliseconds; "0" and "-1" need no unit, anything else does, as in OpenSearch. */
export function timeValueMs(setting: string, value: unknown): number {
  const text = String(value).trim();
  if (text === '0' || text === '-1') return Number(text);
  const match = /^(\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)$/.exec(text);
  if (!match) throw badRequest('illegal_argument_exception', `failed to parse setting [${setting}] with value [${text}] as a time value: unit is missing or unrecognized`);
  return Number(match[1]) * TIME_UNITS_MS[match[2]!]!;
}

/** Whether `name` matches `pattern`, where `*` matches any characters (OpenSearch's simple match). */
export function globMatches(pattern: string, name: string): boolean {
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(name);
}

export function deepMerge(base: Source, patch: Source): Source {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

/**
 * A response as `filter_path` leaves it (OpenSearch's response filtering): only the fields on one of
 * the comma-separated dotted paths, where `*` in a name matches any characters and a `**` segment
 * any number of levels; arrays are filtered element by element; objects and arrays left empty are
 * dropped, and a response with nothing left is `{}`. Exclusions (`-path`) are not kept by the fake.
 */
export function filterResponse(body: unknown, filterPath: string): unknown {
  const paths = filterPath.split(',').map((path) => path.trim()).filter((path) => path !== '');
  if (paths.some((path) => path.startsWith('-'))) throw badRequest('illegal_argument_exception', 'fake-opensearch keeps filter_path inclusions only');
  const patterns = paths.map((path) => path.split('.').map((segment) => (segment === '**' ? segment : new RegExp(`^${segment.split('*').map(escapeRegExp).join('.*')}$`))));
  return pick(body, patterns) ?? {};
}

type PathPattern = Array<RegExp | '**'>;

function pick(value: unknown, patterns: PathPattern[]): unknown {
  if (patterns.some((pattern) => pattern.length === 0 || (pattern.length === 1 && pattern[0] === '**'))) return value;
  if (Array.isArray(value)) {
    const kept = value.map((element) => pick(element, patterns)).filter((element) => element !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (!isObject(value)) return undefined;
  const out: Source = {};
  for (const [key, field] of Object.entries(value)) {
    const rest = advanceAll(patterns, key);
    if (rest.length === 0) continue;
    const kept = pick(field, rest);
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

// The patterns left after a key, remembered per pattern list: a bulk response repeats the same keys
// in every item, and the answer is the same list object each time, so it is remembered in turn.
const advanced = new WeakMap<PathPattern[], Map<string, PathPattern[]>>();

function advanceAll(patterns: PathPattern[], key: string): PathPattern[] {
  let byKey = advanced.get(patterns);
  if (!byKey) advanced.set(patterns, (byKey = new Map()));
  let rest = byKey.get(key);
  if (!rest) byKey.set(key, (rest = patterns.flatMap((pattern) => advance(pattern, key))));
  return rest;
}

/** What is left of `pattern` once a field named `key` matched it, for each way it can match. */
function advance(pattern: PathPattern, key: string): PathPattern[] {
  const [head, ...tail] = pattern;
  if (head === undefined) return [];
  // `**` takes this level and may take more, or takes none and lets the next segment match.
  if (head === '**') return [pattern, ...advance(tail, key)];
  return head.test(key) ? [tail] : [];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
