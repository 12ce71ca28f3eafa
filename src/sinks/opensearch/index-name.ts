/**
 * The index a record's documents go to: an explicit `topic.to.index.map` entry for its topic, else
 * `index.name.format` expanded with the record's `${topic}`, `${prefix}`, `${schema}` and `${table}`
 * and made a valid index name. Pure; the namer caches one name per topic and table, so resolving is
 * a map lookup after the first record.
 *
 * Sanitizing follows OpenSearch's rules for index names (MetadataCreateIndexService) and is stable
 * (the same input always gives the same name):
 * 1. lower-cased;
 * 2. each character OpenSearch forbids (`\ / * ? " < > | , # :`, space) becomes `_`;
 * 3. leading `-`, `_` and `+` are dropped;
 * 4. `.` and `..` become `dot` and `dotdot`, and a name left empty becomes `index`;
 * 5. cut to 255 bytes of UTF-8, never inside a character.
 * Explicit names are not rewritten: config validation rejects invalid ones (`indexNameProblem`).
 */

/** Where a record comes from, for the template. */
export interface TableRef {
  topic: string;
  /** The source's topic prefix (Debezium's `source.name`), or '' when unknown. */
  prefix: string;
  schema: string;
  table: string;
}

export const INDEX_NAME_VARIABLES = ['topic', 'prefix', 'schema', 'table'] as const;
type Variable = (typeof INDEX_NAME_VARIABLES)[number];

const VARIABLE = /\$\{([^}]*)\}/g;
const FORBIDDEN = /[\\/*?"<>|,#: ]/g;
const MAX_BYTES = 255;

/** What is wrong with an `index.name.format`, or undefined. */
export function templateProblem(template: string): string | undefined {
  if (template.trim() === '') return 'The index name format may not be empty';
  const unknown = [...template.matchAll(VARIABLE)].map((match) => match[1]!).find((name) => !INDEX_NAME_VARIABLES.includes(name as Variable));
  return unknown === undefined ? undefined : `Unknown variable \${${unknown}}; use ${INDEX_NAME_VARIABLES.map((v) => '${' + v + '}').join(', ')}`;
}

/** What is wrong with an index name given verbatim, or undefined. */
export function indexNameProblem(name: string): string | undefined {
  const valid = sanitizeIndexName(name);
  return valid === name ? undefined : `"${name}" is not a valid index name (OpenSearch's rules make it "${valid}")`;
}

export function sanitizeIndexName(name: string): string {
  let valid = name.toLowerCase().replace(FORBIDDEN, '_').replace(/^[-_+]+/, '');
  if (valid === '.' || valid === '..') valid = valid.replaceAll('.', 'dot');
  if (valid === '') valid = 'index';
  return truncateUtf8(valid, MAX_BYTES);
}

export function expandTemplate(template: string, ref: TableRef): string {
  return template.replace(VARIABLE, (_match, name: string) => ref[name as Variable]);
}

export class IndexNamer {
  private readonly cache = new Map<string, string>();
  /** The last table named: consecutive events are mostly of one table. */
  private last: { ref: TableRef; name: string } | null = null;

  constructor(
    private readonly template: string,
    private readonly topicToIndex: ReadonlyMap<string, string> = new Map(),
  ) {}

  indexFor(ref: TableRef): string {
    const last = this.last;
    if (last && last.ref.topic === ref.topic && last.ref.prefix === ref.prefix && last.ref.schema === ref.schema && last.ref.table === ref.table) return last.name;
    const cacheKey = `${ref.topic}\u0000${ref.prefix}\u0000${ref.schema}\u0000${ref.table}`;
    let name = this.cache.get(cacheKey);
    if (name === undefined) {
      name = this.topicToIndex.get(ref.topic) ?? sanitizeIndexName(expandTemplate(this.template, ref));
      this.cache.set(cacheKey, name);
    }
    this.last = { ref, name };
    return name;
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
