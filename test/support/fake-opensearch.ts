/**
 * A fake OpenSearch 2.x node for the OpenSearch sink's tests: a real HTTP server on 127.0.0.1 that
 * answers with OpenSearch's JSON shapes and status codes and keeps the semantics the sink relies on.
 *
 * Kept: `_bulk` (index, create, update with doc / upsert / doc_as_upsert, delete) applied item by
 * item in order, with internal, `external` and `external_gte` versioning; a delete leaves a
 * tombstone that keeps its version for the index's `index.gc_deletes` (default `gcDeletesMs`, 60 s),
 * so a stale write after a newer delete conflicts until then and succeeds after, whatever its
 * version; per-item failures (409, 404, 400, 429) inside a 200 response; OpenSearch's index-name
 * rules; an index is auto-created by its first write (not by an internally versioned delete);
 * mappings: a value that does not fit its field's type fails its item with 400
 * mapper_parsing_exception, new fields are mapped dynamically (fake-opensearch-mapping.ts);
 * `_index_template`s give a new index their settings and mappings, and `_simulate_index` says
 * which a name would get (fake-opensearch-templates.ts);
 * searches, counts and delete-by-query see writes only after a refresh (`_refresh`, `?refresh`,
 * or every `refreshIntervalMs`) while GET by id and `_mget` are real-time (a missing index is an
 * `_mget` doc's error); scrolls page through a point-in-time view
 * of a search, `_source: false` and `sort: _doc` shape its hits (fake-opensearch-search.ts);
 * request bodies need a JSON or NDJSON Content-Type (406 otherwise); `filter_path` inclusions
 * filter every answer but errors.
 * Not modelled: changing an index's settings or mappings once created, scripts, if_seq_no, queries
 * other than match_all / term / ids (400 naming the limit). A term query on a string field not
 * mapped as `keyword` matches the field's lowercased tokens, as on a dynamically mapped text field;
 * `field.keyword` matches exactly.
 *
 * Test hooks: `faults` (fake-opensearch-faults.ts) injects 429s, 503s, late answers (the request
 * applied before or after the wait), TCP resets (before or after the request is applied) and
 * mapping failures; `requests` logs every request and the faults that fell on it;
 * `documents(index)` reads the live documents directly; `openScrolls()` counts the scrolls neither cleared nor expired; `down()` takes the node away (connections refused, open ones dropped) and
 * `up()` brings it back on the same port with its indices. Nothing blocks except an injected delay;
 * `close()` drops open connections. With the `tls` option it serves https (test-tls.ts has a
 * certificate for 127.0.0.1), and `url` says so.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import {
  badRequest, checkIndexName, deepMerge, filterResponse, indexNotFound, indexSettings, isObject, OpenSearchError, parseBulk, parseDocument, parseJson, queryMatcher,
  timeValueMs, type Mappings, type Source, type WriteOp,
} from './fake-opensearch-protocol.js';
import { checkMappings, mapDocument, mergeMappings } from './fake-opensearch-mapping.js';
import { IndexTemplates } from './fake-opensearch-templates.js';
import { FakeSearches, type SearchAnswer } from './fake-opensearch-search.js';
import { FaultPlan, type FakeOpenSearchFaults, type InjectedFault } from './fake-opensearch-faults.js';

export type { Source } from './fake-opensearch-protocol.js';
export type { DocumentCandidate, FakeOpenSearchFaults, FaultScope, InjectedFault } from './fake-opensearch-faults.js';

export interface FakeOpenSearchOptions {
  /**
   * Require these HTTP Basic credentials; other requests answer 401 as the security plugin does.
   * `denied`: permissions the user lacks, answered 403 security_exception as the security plugin
   * does; the fake checks only indices:admin/index_template/simulate_index.
   */
  auth?: { username: string; password: string; denied?: string[] };
  /** How soon writes become searchable without a refresh (index.refresh_interval); null: only on refresh. Default 1000. */
  refreshIntervalMs?: number | null;
  /** The version number `GET /` reports. Default 2.19.1. */
  version?: string;
  /** How long a deleted document's version is kept in an index without an index.gc_deletes setting. Default 60000. */
  gcDeletesMs?: number;
  /** Serve https with this PEM key and certificate chain instead of http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface StoredDocument { id: string; version: number; seqNo: number; source: Source }

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  bodyBytes: number;
  /** The status answered; undefined while in flight or when the connection was reset. */
  status?: number;
  /** The injected faults that fell on it, if any. */
  faults?: InjectedFault[];
}

export interface FakeOpenSearch {
  url: string;
  faults: FakeOpenSearchFaults;
  requests: RequestRecord[];
  /** The live (not deleted) documents of `index` by id, in first-write order; empty if the index does not exist. */
  documents(index: string): Map<string, StoredDocument>;
  /** How many scrolls are open: neither cleared nor expired. */
  openScrolls(): number;
  /** Stops listening and drops open connections, keeping every index, until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A document's state; `source: null` is a tombstone, made at `deletedAt` (ms). Never mutated: every write replaces it. */
type DocRecord = { version: number; seqNo: number; source: Source | null; deletedAt?: number };
type IndexState = {
  name: string; uuid: string; mappings: Mappings; gcDeletesMs: number; seqNo: number;
  docs: Map<string, DocRecord>; searchable: Map<string, DocRecord>; refreshTimer?: NodeJS.Timeout;
};
type Reply = { status: number; body?: unknown; text?: string; headers?: Record<string, string> };
type Call = { index: string; id: string; query: URLSearchParams; body: string };
type Handler = (call: Call) => Reply;

const PRIMARY_TERM = 1;
const WRITE_SHARDS = { total: 2, successful: 1, failed: 0 }; // a primary and its replica, unassigned on one node
const READ_SHARDS = { total: 1, successful: 1, skipped: 0, failed: 0 };
const shardMeta = (ix: IndexState) => ({ index_uuid: ix.uuid, shard: '0', index: ix.name });
const newUuid = () => randomBytes(16).toString('base64url').slice(0, 22);

function casExplanation(seqNo: number, rec: DocRecord | undefined): string {
  const current = rec?.source ? ` current document has seqNo [${rec.seqNo}] and primary term [${PRIMARY_TERM}]` : ' but no document was found';
  return `required seqNo [${seqNo}], primary term [${PRIMARY_TERM}].${current}`;
}

/** The node's state and REST handlers. */
class FakeNode {
  readonly faults = new FaultPlan();
  readonly requests: RequestRecord[] = [];
  readonly searches = new FakeSearches();
  private readonly indices = new Map<string, IndexState>();
  private readonly templates = new IndexTemplates();
  private readonly routes: Array<[string[], Partial<Record<string, Handler>>]>;
  private readonly clusterUuid = newUuid();

  constructor(private readonly options: FakeOpenSearchOptions) {
    const bulk: Handler = (c) => this.bulk(c);
    const count: Handler = (c) => ({ status: 200, body: { count: this.matches(c).hits.length, _shards: READ_SHARDS } });
    const refresh: Handler = (c) => this.refresh(c.index ? [this.existing(c.index)] : [...this.indices.values()]);
    const search: Handler = (c) => this.search(c);
    const scroll: Handler = (c) => this.searchReply(Date.now(), this.searches.scroll(this.objectBody(c), c.query));
    const mget: Handler = (c) => this.mget(c);
    const putTemplate: Handler = (c) => {
      this.templates.put(c.id, c.body === '' ? undefined : parseJson(c.body, 'request body'), c.query.get('create') === 'true');
      return { status: 200, body: { acknowledged: true } };
    };
    this.routes = [
      [[], { GET: () => this.info(), HEAD: () => this.info() }],
      [['_bulk'], { POST: bulk, PUT: bulk }],
      [['_refresh'], { POST: refresh, GET: refresh }],
      [['_mget'], { POST: mget, GET: mget }],
      [['_index_template'], { GET: () => ({ status: 200, body: this.templates.get(undefined) }) }],
      [['_index_template', '{id}'], {
        PUT: putTemplate, POST: putTemplate, GET: (c) => ({ status: 200, body: this.templates.get(c.id) }),
        HEAD: (c) => ({ status: this.templates.has(c.id) ? 200 : 404 }), DELETE: (c) => (this.templates.delete(c.id), { status: 200, body: { acknowledged: true } }),
      }],
      [['_index_template', '_simulate_index', '{id}'], {
        POST: (c) => (this.checkPermission('indices:admin/index_template/simulate_index'), { status: 200, body: this.templates.simulateIndex(c.id, c.body) }),
      }],
      [['_search', 'scroll'], { POST: scroll, GET: scroll, DELETE: (c) => this.searches.clear(this.objectBody(c)) }],
      [['{index}'], { PUT: (c) => this.createIndex(c), HEAD: (c) => ({ status: this.indices.has(c.index) ? 200 : 404 }), DELETE: (c) => this.deleteIndex(c) }],
      [['{index}', '_bulk'], { POST: bulk, PUT: bulk }],
      [['{index}', '_mapping'], { GET: (c) => ({ status: 200, body: { [c.index]: { mappings: this.existing(c.index).mappings } } }) }],
      [['{index}', '_doc', '{id}'], { GET: (c) => this.getDoc(c) }],
      [['{index}', '_mget'], { POST: mget, GET: mget }],
      [['{index}', '_count'], { GET: count, POST: count }],
      [['{index}', '_refresh'], { POST: refresh, GET: refresh }],
      [['{index}', '_search'], { GET: search, POST: search }],
      [['{index}', '_delete_by_query'], { POST: (c) => this.deleteByQuery(c) }],
    ];
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const record: RequestRecord = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), bodyBytes: raw.length };
    this.requests.push(record);
    const segments = url.pathname.split('/').filter((s) => s !== '');
    const isBulk = segments.at(-1) === '_bulk';
    const { auth } = this.options;
    if (auth && req.headers.authorization !== `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`) {
      return this.send(res, record, method, { status: 401, text: 'Unauthorized', headers: { 'www-authenticate': 'Basic realm="OpenSearch Security"' } });
    }
    const planned = this.faults.forRequest(isBulk, raw.length);
    if (planned.names.length > 0) record.faults = planned.names;
    if (planned.delayMs > 0 && !planned.delayAfterApplying) await this.faults.hold(planned.delayMs);
    if (planned.reset === 'before applying') return void req.socket.resetAndDestroy();
    const itemsRejected = this.faults.itemsRejected;
    let reply: Reply;
    try {
      if (planned.error) throw planned.error;
      reply = this.dispatch(method, req.url ?? '/', segments, url.searchParams, raw, req.headers['content-type']);
    } catch (e) {
      if (!(e instanceof OpenSearchError)) throw e;
      reply = { status: e.status, body: e.envelope() };
    }
    if (this.faults.itemsRejected > itemsRejected) record.faults = [...(record.faults ?? []), 'items rejected'];
    if (planned.delayMs > 0 && planned.delayAfterApplying) await this.faults.hold(planned.delayMs);
    if (planned.reset === 'after applying') return void req.socket.resetAndDestroy();
    this.send(res, record, method, reply);
  }

  documents(index: string): Map<string, StoredDocument> {
    const out = new Map<string, StoredDocument>();
    for (const [id, rec] of this.indices.get(index)?.docs ?? []) {
      if (rec.source) out.set(id, { id, version: rec.version, seqNo: rec.seqNo, source: structuredClone(rec.source) });
    }
    return out;
  }

  stop(): void {
    for (const ix of this.indices.values()) clearTimeout(ix.refreshTimer);
  }

  private send(res: ServerResponse, record: RequestRecord, method: string, reply: Reply): void {
    record.status = reply.status;
    const filterPath = record.query['filter_path'];
    const body = filterPath !== undefined && reply.body !== undefined && reply.status < 400 ? filterResponse(reply.body, filterPath) : reply.body;
    const text = reply.text ?? (body === undefined ? '' : JSON.stringify(body));
    const type = reply.text === undefined ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8';
    res.writeHead(reply.status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...reply.headers });
    res.end(method === 'HEAD' ? undefined : text);
  }

  private dispatch(method: string, uri: string, segments: string[], query: URLSearchParams, raw: Buffer, contentType: string | undefined): Reply {
    const fits = (pattern: string[]) => pattern.length === segments.length && pattern.every((p, i) => (p === '{index}' ? !segments[i]!.startsWith('_') : p === '{id}' || p === segments[i]));
    const route = this.routes.find(([pattern]) => fits(pattern));
    if (!route) return { status: 400, body: { error: `no handler found for uri [${uri}] and method [${method}]`, status: 400 } };
    const handler = route[1][method];
    if (!handler) {
      const allowed = Object.keys(route[1]).join(', ');
      return { status: 405, body: { error: `Incorrect HTTP method for uri [${uri}] and method [${method}], allowed: [${allowed}]`, status: 405 }, headers: { allow: allowed } };
    }
    const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (raw.length > 0 && mediaType !== 'application/json' && mediaType !== 'application/x-ndjson') {
      return { status: 406, body: { error: `Content-Type header [${contentType ?? ''}] is not supported`, status: 406 } };
    }
    const param = (name: string) => {
      const at = route[0].indexOf(name);
      return at < 0 ? '' : decodeURIComponent(segments[at]!);
    };
    return handler({ index: param('{index}'), id: param('{id}'), query, body: raw.toString('utf8') });
  }

  private info(): Reply {
    const version = {
      distribution: 'opensearch', number: this.options.version ?? '2.19.1', build_type: 'tar', build_hash: 'fake', build_date: '2025-01-01T00:00:00.000Z',
      build_snapshot: false, lucene_version: '9.12.1', minimum_wire_compatibility_version: '7.10.0', minimum_index_compatibility_version: '7.0.0',
    };
    return { status: 200, body: { name: 'fake-opensearch', cluster_name: 'fake-opensearch', cluster_uuid: this.clusterUuid, version, tagline: 'The OpenSearch Project: https://opensearch.org/' } };
  }

  /** Refuses an action the user lacks (`auth.denied`) as the security plugin does. */
  private checkPermission(action: string): void {
    const { auth } = this.options;
    if (!auth?.denied?.includes(action)) return;
    throw new OpenSearchError(403, 'security_exception', `no permissions for [${action}] and User [name=${auth.username}, backend_roles=[], requestedTenant=null]`);
  }

  private existing(name: string): IndexState {
    const ix = this.indices.get(name);
    if (!ix) throw indexNotFound(name);
    return ix;
  }

  /** A new index, from the template for its name (if any) overridden by the request's checked settings and mappings. */
  private addIndex(name: string, request: { settings?: Source; mappings?: Mappings } = {}): IndexState {
    const template = this.templates.forIndex(name)?.template;
    const settings = { ...template?.settings, ...request.settings };
    const mappings = mergeMappings(template?.mappings ?? {}, request.mappings ?? {});
    const gcDeletes = settings['index.gc_deletes'];
    const gcDeletesMs = gcDeletes === undefined ? (this.options.gcDeletesMs ?? 60_000) : timeValueMs('index.gc_deletes', gcDeletes);
    const ix: IndexState = { name, uuid: newUuid(), mappings, gcDeletesMs, docs: new Map(), searchable: new Map(), seqNo: 0 };
    this.indices.set(name, ix);
    return ix;
  }

  /** The document's record, unless it is a tombstone older than index.gc_deletes: that one is pruned. */
  private current(ix: IndexState, id: string): DocRecord | undefined {
    const rec = ix.docs.get(id);
    if (rec?.deletedAt === undefined || Date.now() - rec.deletedAt < ix.gcDeletesMs) return rec;
    ix.docs.delete(id);
    return undefined;
  }

  private createIndex(c: Call): Reply {
    checkIndexName(c.index);
    const existing = this.indices.get(c.index);
    if (existing) throw new OpenSearchError(400, 'resource_already_exists_exception', `index [${c.index}/${existing.uuid}] already exists`, { index_uuid: existing.uuid, index: c.index });
    const body = c.body === '' ? {} : parseJson(c.body, 'create index body');
    if (!isObject(body)) throw badRequest('parse_exception', 'request body must be an object');
    const unknown = Object.keys(body).find((k) => !['settings', 'mappings', 'aliases'].includes(k));
    if (unknown !== undefined) throw badRequest('parse_exception', `unknown key [${unknown}] for create index`);
    this.addIndex(c.index, { settings: indexSettings(body.settings), mappings: checkMappings(body.mappings) });
    return { status: 200, body: { acknowledged: true, shards_acknowledged: true, index: c.index } };
  }

  private deleteIndex(c: Call): Reply {
    clearTimeout(this.existing(c.index).refreshTimer);
    this.indices.delete(c.index);
    return { status: 200, body: { acknowledged: true } };
  }

  private refresh(indices: IndexState[]): Reply {
    for (const ix of indices) {
      clearTimeout(ix.refreshTimer);
      ix.refreshTimer = undefined;
      ix.searchable = new Map(ix.docs);
    }
    return { status: 200, body: { _shards: { total: 2 * indices.length, successful: indices.length, failed: 0 } } };
  }

  /** Whether to refresh after the request: `?refresh` / `=true`, `=wait_for` (done at once here), or not. */
  private refreshRequested(query: URLSearchParams): boolean {
    const value = query.get('refresh');
    if (value === null || value === 'false') return false;
    if (value === '' || value === 'true' || value === 'wait_for') return true;
    throw badRequest('illegal_argument_exception', `Unknown value for refresh: [${value}].`);
  }

  private bulk(c: Call): Reply {
    const started = Date.now();
    const refresh = this.refreshRequested(c.query);
    const ops = parseBulk(c.body, c.index || undefined);
    const items = ops.map((op) => ({ [op.action]: this.write(op) }));
    if (refresh) this.refresh([...new Set(ops.flatMap((op) => this.indices.get(op.index!) ?? []))]);
    const results = items.map((item) => Object.values(item)[0]!);
    if (refresh && c.query.get('refresh') !== 'wait_for') for (const result of results) if (!result.error) result.forced_refresh = true;
    return { status: 200, body: { took: Date.now() - started, errors: results.some((result) => result.error !== undefined), items } };
  }

  /** Applies one validated bulk item; a failure becomes the item's error, never an exception. */
  private write(op: WriteOp): Source {
    const name = op.index!;
    const id = op.id ?? randomBytes(15).toString('base64url');
    try {
      checkIndexName(name);
      // OpenSearch auto-creates indices for every write but an internally versioned delete
      const ix = this.indices.get(name) ?? (op.action === 'delete' && op.versionType === 'internal' ? undefined : this.addIndex(name));
      if (!ix) throw indexNotFound(name);
      if (this.faults.takeItemRejection()) throw new OpenSearchError(429, 'rejected_execution_exception', `rejected execution of primary operation [shard_detail=[${name}][0][P]]`);
      const rec = this.current(ix, id);
      const done = (next: DocRecord, result: string, status: number): Source => ({
        _index: name, _id: id, _version: next.version, result, _shards: result === 'noop' ? { total: 0, successful: 0, failed: 0 } : WRITE_SHARDS,
        _seq_no: next.seqNo, _primary_term: PRIMARY_TERM, status,
      });
      if (op.action === 'delete') {
        this.checkVersion(ix, id, rec, op);
        return done(this.store(ix, id, op, rec, null), rec?.source ? 'deleted' : 'not_found', rec?.source ? 200 : 404);
      }
      if (op.action === 'update') {
        const { doc, upsert, doc_as_upsert: docAsUpsert, detect_noop: detectNoop } = op.body as Source;
        if (rec?.source) {
          const merged = deepMerge(rec.source, doc as Source);
          if (detectNoop !== false && isDeepStrictEqual(merged, rec.source)) return done(rec, 'noop', 200);
          this.checkMapping(ix, id, merged);
          return done(this.store(ix, id, op, rec, merged), 'updated', 200);
        }
        const created = docAsUpsert === true ? doc : upsert;
        if (!isObject(created)) throw new OpenSearchError(404, 'document_missing_exception', `[${id}]: document missing`, shardMeta(ix));
        this.checkMapping(ix, id, created);
        return done(this.store(ix, id, op, rec, created), 'created', 201);
      }
      const source = parseDocument(op.body as string);
      this.checkMapping(ix, id, source);
      this.checkVersion(ix, id, rec, op);
      return done(this.store(ix, id, op, rec, source), rec?.source ? 'updated' : 'created', rec?.source ? 200 : 201);
    } catch (e) {
      if (!(e instanceof OpenSearchError)) throw e;
      return { _index: name, _id: id, status: e.status, error: e.detail() };
    }
  }

  private checkMapping(ix: IndexState, id: string, source: Source): void {
    if (this.faults.failsMapping({ index: ix.name, id, source })) {
      throw new OpenSearchError(400, 'mapper_parsing_exception', 'failed to parse', {}, { type: 'illegal_argument_exception', reason: 'mapping failure injected by fake-opensearch' });
    }
    ix.mappings = mapDocument(ix.mappings, id, source);
  }

  private checkVersion(ix: IndexState, id: string, rec: DocRecord | undefined, op: WriteOp): void {
    const conflict = (explanation: string) => new OpenSearchError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, ${explanation}`, shardMeta(ix));
    if (op.versionType === 'internal') {
      if (op.action === 'create' && rec?.source) throw conflict(`document already exists (current version [${rec.version}])`);
    } else if (rec !== undefined) {
      // external versions survive deletes: a tombstone's version is compared like a live document's
      const gte = op.versionType === 'external_gte';
      if (gte ? rec.version > op.version! : rec.version >= op.version!) {
        throw conflict(`current version [${rec.version}] is ${gte ? 'higher than' : 'higher or equal to'} the one provided [${op.version}]`);
      }
    }
  }

  private store(ix: IndexState, id: string, op: WriteOp | 'internal', rec: DocRecord | undefined, source: Source | null): DocRecord {
    const version = op === 'internal' || op.versionType === 'internal' ? (rec?.version ?? 0) + 1 : op.version!;
    const next: DocRecord = { version, seqNo: ix.seqNo++, source, ...(source === null && { deletedAt: Date.now() }) };
    ix.docs.set(id, next);
    const interval = this.options.refreshIntervalMs === undefined ? 1000 : this.options.refreshIntervalMs;
    if (interval !== null && ix.refreshTimer === undefined) ix.refreshTimer = setTimeout(() => this.refresh([ix]), interval).unref();
    return next;
  }

  private getDoc(c: Call): Reply {
    const found = this.storedDoc(c.index, c.id);
    return { status: found.found ? 200 : 404, body: found };
  }

  /** Real-time, as OpenSearch reads by id: writes not yet refreshed are seen. A missing index is the doc's error. */
  private mget(c: Call): Reply {
    const body = c.body === '' ? {} : parseJson(c.body, 'request body');
    const docs = isObject(body) && Array.isArray(body.docs) ? body.docs : null;
    if (docs === null) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: no documents to get;');
    return {
      status: 200,
      body: {
        docs: docs.map((doc: unknown) => {
          const index = isObject(doc) && typeof doc._index === 'string' ? doc._index : c.index;
          const id = isObject(doc) ? String(doc._id) : '';
          if (!index) throw badRequest('action_request_validation_exception', `Validation Failed: 1: index is missing for doc ${id};`);
          try {
            return this.storedDoc(index, id);
          } catch (e) {
            if (!(e instanceof OpenSearchError)) throw e;
            return { _index: index, _id: id, error: e.detail() };
          }
        }),
      },
    };
  }

  private storedDoc(index: string, id: string): Source {
    const rec = this.existing(index).docs.get(id);
    if (!rec?.source) return { _index: index, _id: id, found: false };
    return { _index: index, _id: id, _version: rec.version, _seq_no: rec.seqNo, _primary_term: PRIMARY_TERM, found: true, _source: rec.source };
  }

  private objectBody(c: Call): Source {
    const body = c.body === '' ? {} : parseJson(c.body, 'request body');
    if (!isObject(body)) throw badRequest('parsing_exception', 'request body must be an object');
    return body;
  }

  /** The searchable documents of the call's index that match the query in its body. */
  private matches(c: Call): { ix: IndexState; body: Source; hits: Array<[string, DocRecord]> } {
    const ix = this.existing(c.index);
    const body = this.objectBody(c);
    const match = queryMatcher(ix.mappings, body.query);
    return { ix, body, hits: [...ix.searchable].filter(([id, rec]) => rec.source !== null && match(id, rec.source)) };
  }

  private search(c: Call): Reply {
    const started = Date.now();
    const { ix, body, hits } = this.matches(c);
    return this.searchReply(started, this.searches.search(ix.name, hits.map(([id, rec]) => [id, rec.source!] as const), body, c.query));
  }

  /** A search answer with the fields every search response has; a failure goes out as it is. */
  private searchReply(started: number, answer: SearchAnswer): Reply {
    if (answer.status >= 400) return answer;
    const { _scroll_id: scrollId, ...rest } = answer.body;
    return { status: 200, body: { ...(scrollId !== undefined && { _scroll_id: scrollId }), took: Date.now() - started, timed_out: false, _shards: READ_SHARDS, ...rest } };
  }

  /** Deletes what the last refresh made searchable; a document changed since then is a version conflict. */
  private deleteByQuery(c: Call): Reply {
    const started = Date.now();
    const refresh = this.refreshRequested(c.query);
    const proceed = c.query.get('conflicts') === 'proceed';
    const { ix, hits } = this.matches(c);
    const failures: Source[] = [];
    let deleted = 0;
    for (const [id, seen] of hits) {
      const live = ix.docs.get(id);
      if (live?.source && live.seqNo === seen.seqNo) {
        this.store(ix, id, 'internal', live, null);
        deleted++;
        continue;
      }
      const cause = { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, ${casExplanation(seen.seqNo, live)}`, ...shardMeta(ix) };
      failures.push({ index: ix.name, id, cause, status: 409 });
      if (!proceed) break;
    }
    if (refresh) this.refresh([ix]);
    const body = {
      took: Date.now() - started, timed_out: false, total: hits.length, deleted, batches: 1, version_conflicts: failures.length, noops: 0,
      retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1.0, throttled_until_millis: 0, failures: proceed ? [] : failures,
    };
    return { status: !proceed && failures.length > 0 ? 409 : 200, body };
  }
}

export async function startFakeOpenSearch(options: FakeOpenSearchOptions = {}): Promise<FakeOpenSearch> {
  const node = new FakeNode(options);
  // a bug in the fake answers 500 with its message rather than leaving the client waiting
  const handle: RequestListener = (req, res) => void node.serve(req, res).catch((error: unknown) => (res.headersSent ? res.destroy() : res.writeHead(500).end(String(error))));
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle) : createServer(handle);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // Resolves also when the server was not listening (closed while down).
  const stopListening = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    faults: node.faults,
    requests: node.requests,
    documents: (index) => node.documents(index),
    openScrolls: () => node.searches.openScrolls,
    down: stopListening,
    up: () => listen(port),
    close: async () => {
      node.stop();
      await stopListening();
    },
  };
}
