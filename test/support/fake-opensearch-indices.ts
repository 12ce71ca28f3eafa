/**
 * The indices of the fake OpenSearch node (fake-opensearch.ts) and the documents they hold, as
 * OpenSearch 2.x keeps them. Each index has its mappings, its index.gc_deletes and two views of its
 * documents: the live records, which writes, GET by id and `_mget` see at once (real time), and the
 * searchable ones, which the last refresh made visible to searches, counts and delete-by-query. A
 * refresh happens on request (`refresh`) or `refreshIntervalMs` after a write (null: never by itself).
 *
 * A record is never changed in place: every write replaces it, so a view (or a scroll) that holds
 * one keeps what it saw. A delete leaves a tombstone that keeps its version until the index's
 * index.gc_deletes has passed; `current` prunes it after that. A new index gets the settings and
 * mappings of the template its name matches (fake-opensearch-templates.ts), laid under the create
 * request's. Index expressions (`DELETE /a,b`, `_cat/indices/logs-*`) are comma-separated names and
 * `*` patterns: a name that does not exist is a 404, a pattern may match none.
 *
 * Nothing blocks; only refresh timers (unref'd, cleared by `stop` and by deleting their index)
 * outlive a call. Failures are thrown as the OpenSearchError a node answers with.
 */
import { randomBytes } from 'node:crypto';
import type { StoredDocument } from './fake-opensearch.js';
import { checkMappings, mergeMappings } from './fake-opensearch-mapping.js';
import {
  badRequest, checkIndexName, globMatches, indexNotFound, indexSettings, isObject, OpenSearchError, parseJson, queryMatcher, timeValueMs, type Mappings, type Source,
} from './fake-opensearch-protocol.js';
import type { IndexTemplates } from './fake-opensearch-templates.js';

/** A document's state; `source: null` is a tombstone, made at `deletedAt` (ms). */
export type DocRecord = { readonly version: number; readonly seqNo: number; readonly source: Source | null; readonly deletedAt?: number };
export type IndexState = {
  name: string; uuid: string; mappings: Mappings; gcDeletesMs: number; seqNo: number;
  docs: Map<string, DocRecord>; searchable: Map<string, DocRecord>; refreshTimer?: NodeJS.Timeout;
};

export const PRIMARY_TERM = 1;
export const shardMeta = (ix: IndexState) => ({ index_uuid: ix.uuid, shard: '0', index: ix.name });
export const newUuid = () => randomBytes(16).toString('base64url').slice(0, 22);

/** The `_cat/indices` columns the fake answers, in OpenSearch's order; one primary and one replica that is never assigned on a single node. */
const CAT_COLUMNS: Record<string, (ix: IndexState) => string> = {
  health: () => 'yellow', status: () => 'open', index: (ix) => ix.name, uuid: (ix) => ix.uuid, pri: () => '1', rep: () => '1',
  'docs.count': (ix) => String([...ix.searchable.values()].filter((rec) => rec.source !== null).length),
};

export class FakeIndices {
  private readonly byName = new Map<string, IndexState>();

  constructor(
    private readonly templates: IndexTemplates,
    private readonly options: { refreshIntervalMs?: number | null; gcDeletesMs?: number },
  ) {}

  get(name: string): IndexState | undefined {
    return this.byName.get(name);
  }

  existing(name: string): IndexState {
    const ix = this.byName.get(name);
    if (!ix) throw indexNotFound(name);
    return ix;
  }

  /** The indices an expression names: comma-separated names (each must exist) and `*` patterns. */
  resolve(expression: string): IndexState[] {
    const found = new Set<IndexState>();
    for (const part of expression.split(',')) {
      if (!part.includes('*')) found.add(this.existing(part));
      else for (const ix of this.byName.values()) if (globMatches(part, ix.name)) found.add(ix);
    }
    return [...found];
  }

  /** A new index, from the template for its name (if any) overridden by the request's checked settings and mappings. */
  add(name: string, request: { settings?: Source; mappings?: Mappings } = {}): IndexState {
    const template = this.templates.forIndex(name)?.template;
    const settings = { ...template?.settings, ...request.settings };
    const mappings = mergeMappings(template?.mappings ?? {}, request.mappings ?? {});
    const gcDeletes = settings['index.gc_deletes'];
    const gcDeletesMs = gcDeletes === undefined ? (this.options.gcDeletesMs ?? 60_000) : timeValueMs('index.gc_deletes', gcDeletes);
    const ix: IndexState = { name, uuid: newUuid(), mappings, gcDeletesMs, docs: new Map(), searchable: new Map(), seqNo: 0 };
    this.byName.set(name, ix);
    return ix;
  }

  /** `PUT /<index>` with an optional body of settings, mappings and aliases. */
  create(name: string, body: string): Source {
    checkIndexName(name);
    const existing = this.byName.get(name);
    if (existing) throw new OpenSearchError(400, 'resource_already_exists_exception', `index [${name}/${existing.uuid}] already exists`, { index_uuid: existing.uuid, index: name });
    const request = body === '' ? {} : parseJson(body, 'create index body');
    if (!isObject(request)) throw badRequest('parse_exception', 'request body must be an object');
    const unknown = Object.keys(request).find((k) => !['settings', 'mappings', 'aliases'].includes(k));
    if (unknown !== undefined) throw badRequest('parse_exception', `unknown key [${unknown}] for create index`);
    this.add(name, { settings: indexSettings(request.settings), mappings: checkMappings(request.mappings) });
    return { acknowledged: true, shards_acknowledged: true, index: name };
  }

  /** `DELETE /<expression>`: every index it names, or none if one of its names does not exist. */
  delete(expression: string): Source {
    for (const ix of this.resolve(expression)) {
      clearTimeout(ix.refreshTimer);
      this.byName.delete(ix.name);
    }
    return { acknowledged: true };
  }

  /** `GET _cat/indices[/<expression>]?format=json[&h=columns]`: a row of strings per index, as OpenSearch renders JSON cat output. */
  cat(expression: string, query: URLSearchParams): Source[] {
    if (query.get('format') !== 'json') throw badRequest('illegal_argument_exception', '[fake-opensearch] _cat/indices answers format=json only');
    const columns = query.get('h')?.split(',') ?? Object.keys(CAT_COLUMNS);
    const unknown = columns.find((column) => CAT_COLUMNS[column] === undefined);
    if (unknown !== undefined) throw badRequest('illegal_argument_exception', `[fake-opensearch] _cat/indices column [${unknown}] is not modelled (${Object.keys(CAT_COLUMNS).join(', ')})`);
    const indices = expression === '' ? [...this.byName.values()] : this.resolve(expression);
    return indices.map((ix) => Object.fromEntries(columns.map((column) => [column, CAT_COLUMNS[column]!(ix)])));
  }

  /** The document's record, unless it is a tombstone older than index.gc_deletes: that one is pruned. */
  current(ix: IndexState, id: string): DocRecord | undefined {
    const rec = ix.docs.get(id);
    if (rec?.deletedAt === undefined || Date.now() - rec.deletedAt < ix.gcDeletesMs) return rec;
    ix.docs.delete(id);
    return undefined;
  }

  /** Replaces the document's record (`source` null: a tombstone) and starts the index's refresh interval if it is not running. */
  store(ix: IndexState, id: string, version: number, source: Source | null): DocRecord {
    const next: DocRecord = { version, seqNo: ix.seqNo++, source, ...(source === null && { deletedAt: Date.now() }) };
    ix.docs.set(id, next);
    const interval = this.options.refreshIntervalMs === undefined ? 1000 : this.options.refreshIntervalMs;
    if (interval !== null && ix.refreshTimer === undefined) ix.refreshTimer = setTimeout(() => this.refresh([ix]), interval).unref();
    return next;
  }

  /** `_refresh` of `index`, or of every index when it is ''. */
  refreshNamed(index: string): Source {
    return this.refresh(index ? [this.existing(index)] : [...this.byName.values()]);
  }

  refresh(indices: IndexState[]): Source {
    for (const ix of indices) {
      clearTimeout(ix.refreshTimer);
      ix.refreshTimer = undefined;
      ix.searchable = new Map(ix.docs);
    }
    return { _shards: { total: 2 * indices.length, successful: indices.length, failed: 0 } };
  }

  /** The searchable documents of `index` that match `query` (a search body's `query`). */
  searchable(index: string, query: unknown): { ix: IndexState; hits: Array<[string, DocRecord]> } {
    const ix = this.existing(index);
    const match = queryMatcher(ix.mappings, query);
    return { ix, hits: [...ix.searchable].filter(([id, rec]) => rec.source !== null && match(id, rec.source)) };
  }

  /** The live (not deleted) documents of `index`, in first-write order; none when it does not exist. */
  documents(index: string): Map<string, StoredDocument> {
    const out = new Map<string, StoredDocument>();
    for (const [id, rec] of this.byName.get(index)?.docs ?? []) {
      if (rec.source) out.set(id, { id, version: rec.version, seqNo: rec.seqNo, source: structuredClone(rec.source) });
    }
    return out;
  }

  /** A document as GET by id answers it, in real time: writes not yet refreshed are seen. */
  stored(index: string, id: string): Source {
    const rec = this.existing(index).docs.get(id);
    if (!rec?.source) return { _index: index, _id: id, found: false };
    return { _index: index, _id: id, _version: rec.version, _seq_no: rec.seqNo, _primary_term: PRIMARY_TERM, found: true, _source: rec.source };
  }

  /** `_mget`, in real time; a doc whose index is missing is answered with its error. */
  mget(body: string, pathIndex: string): Source {
    const request = body === '' ? {} : parseJson(body, 'request body');
    const docs = isObject(request) && Array.isArray(request.docs) ? request.docs : null;
    if (docs === null) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: no documents to get;');
    return {
      docs: docs.map((doc: unknown) => {
        const index = isObject(doc) && typeof doc._index === 'string' ? doc._index : pathIndex;
        const id = isObject(doc) ? String(doc._id) : '';
        if (!index) throw badRequest('action_request_validation_exception', `Validation Failed: 1: index is missing for doc ${id};`);
        try {
          return this.stored(index, id);
        } catch (e) {
          if (!(e instanceof OpenSearchError)) throw e;
          return { _index: index, _id: id, error: e.detail() };
        }
      }),
    };
  }

  stop(): void {
    for (const ix of this.byName.values()) clearTimeout(ix.refreshTimer);
  }
}
