/**
 * A fake OpenSearch 2.x node for the OpenSearch sink's tests: a real HTTP server on 127.0.0.1 that
 * answers with OpenSearch's JSON shapes and status codes and keeps the semantics the sink relies on.
 *
 * Kept: `_bulk` (index, create, update with doc / upsert / doc_as_upsert, delete) applied item by
 * item in order, with internal, `external` and `external_gte` versioning; a delete leaves a
 * tombstone that keeps its version (a real node keeps it for index.gc_deletes, 60 s; here for ever),
 * so a stale write after a newer delete conflicts; per-item failures (409, 404, 400, 429) inside a
 * 200 response; OpenSearch's index-name rules; an index is auto-created by its first write (not by
 * an internally versioned delete); searches, counts and delete-by-query see writes only after a
 * refresh (`_refresh`, `?refresh`, or every `refreshIntervalMs`) while GET by id and `_mget` are
 * real-time (a missing index is an `_mget` doc's error);
 * request bodies need a JSON or NDJSON Content-Type (406 otherwise); `filter_path` inclusions
 * filter every answer but errors.
 * Not modelled: mapping types (documents are not checked against mappings, and `_mapping` shows
 * only what `PUT /{index}` gave), scripts, if_seq_no, queries other than match_all / term / ids
 * (400 naming the limit). A term query on a string field not mapped as `keyword` matches the
 * field's lowercased tokens, as on a dynamically mapped text field; `field.keyword` matches exactly.
 *
 * Test hooks: `faults` injects 429s, 503s, delays, TCP resets (before or after the request is
 * applied) and mapping failures; `requests` logs every request; `documents(index)` reads the live
 * documents directly; `down()` takes the node away (connections refused, open ones dropped) and
 * `up()` brings it back on the same port with its indices. Nothing blocks except an injected delay;
 * `close()` drops open connections.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import {
  badRequest, checkIndexName, deepMerge, filterResponse, indexNotFound, isObject, OpenSearchError, parseBulk, parseDocument, parseJson, queryMatcher,
  type Mappings, type Source, type WriteOp,
} from './fake-opensearch-protocol.js';

export type { Source } from './fake-opensearch-protocol.js';

export interface FakeOpenSearchOptions {
  /** Require these HTTP Basic credentials; other requests answer 401 as the security plugin does. */
  auth?: { username: string; password: string };
  /** How soon writes become searchable without a refresh (index.refresh_interval); null: only on refresh. Default 1000. */
  refreshIntervalMs?: number | null;
  /** The version number `GET /` reports. Default 2.19.1. */
  version?: string;
}

export interface StoredDocument { id: string; version: number; seqNo: number; source: Source }

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  bodyBytes: number;
  /** The status answered; undefined while in flight or when the connection was reset. */
  status?: number;
}

/** Which requests a request-level fault counts: every request, or `_bulk` requests only. */
export type FaultScope = 'any' | 'bulk';

export interface DocumentCandidate { index: string; id: string; source: Source }

/** Each call replaces the previous setting of the same fault; counts go down as requests use them up. */
export interface FakeOpenSearchFaults {
  /** The next `count` `_bulk` requests answer 429 rejected_execution_exception; nothing is applied. */
  rejectBulk(count: number): void;
  /** The next `count` bulk items (across requests) fail with a per-item 429; the other items are applied. */
  rejectItems(count: number): void;
  /** The next `count` requests answer 503 cluster_block_exception; nothing is applied. */
  unavailable(count: number, scope?: FaultScope): void;
  /** The next `count` requests wait `ms` before being handled (and are still applied if the client gave up). */
  delay(ms: number, count: number, scope?: FaultScope): void;
  /** The next `count` requests get a TCP reset once their body is read: before anything is applied, or after. */
  resetConnection(count: number, options?: { afterApplying?: boolean; scope?: FaultScope }): void;
  /** Index, create and update items whose resulting document matches fail with a per-item 400 mapper_parsing_exception. */
  failMapping(match: (doc: DocumentCandidate) => boolean): void;
  /** Clears every fault. */
  clear(): void;
}

export interface FakeOpenSearch {
  url: string;
  faults: FakeOpenSearchFaults;
  requests: RequestRecord[];
  /** The live (not deleted) documents of `index` by id, in first-write order; empty if the index does not exist. */
  documents(index: string): Map<string, StoredDocument>;
  /** Stops listening and drops open connections, keeping every index, until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A document's state; `source: null` is a tombstone. Never mutated: every write replaces it. */
type DocRecord = { version: number; seqNo: number; source: Source | null };
type IndexState = {
  name: string; uuid: string; mappings: Mappings; seqNo: number;
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

type CountedFault = { remaining: number; scope: FaultScope };

/** Uses up one request of `fault` if it applies to this request. */
function take(fault: CountedFault, isBulk: boolean): boolean {
  if (fault.remaining <= 0 || (fault.scope === 'bulk' && !isBulk)) return false;
  fault.remaining--;
  return true;
}

class FaultPlan implements FakeOpenSearchFaults {
  bulkRejections: CountedFault = { remaining: 0, scope: 'bulk' };
  itemRejections = 0;
  unavailability: CountedFault = { remaining: 0, scope: 'any' };
  delays = { remaining: 0, scope: 'any' as FaultScope, ms: 0 };
  resets = { remaining: 0, scope: 'any' as FaultScope, afterApplying: false };
  mappingFailures: Array<(doc: DocumentCandidate) => boolean> = [];

  rejectBulk(count: number): void { this.bulkRejections = { remaining: count, scope: 'bulk' }; }
  rejectItems(count: number): void { this.itemRejections = count; }
  unavailable(count: number, scope: FaultScope = 'any'): void { this.unavailability = { remaining: count, scope }; }
  delay(ms: number, count: number, scope: FaultScope = 'any'): void { this.delays = { remaining: count, scope, ms }; }
  resetConnection(count: number, options: { afterApplying?: boolean; scope?: FaultScope } = {}): void {
    this.resets = { remaining: count, scope: options.scope ?? 'any', afterApplying: options.afterApplying ?? false };
  }
  failMapping(match: (doc: DocumentCandidate) => boolean): void { this.mappingFailures.push(match); }
  clear(): void {
    this.bulkRejections.remaining = this.unavailability.remaining = this.delays.remaining = this.resets.remaining = this.itemRejections = 0;
    this.mappingFailures = [];
  }
  takeItemRejection(): boolean { return this.itemRejections > 0 && this.itemRejections-- > 0; }
}

/** The node's state and REST handlers. */
class FakeNode {
  readonly faults = new FaultPlan();
  readonly requests: RequestRecord[] = [];
  private readonly indices = new Map<string, IndexState>();
  private readonly routes: Array<[string[], Partial<Record<string, Handler>>]>;
  private readonly clusterUuid = newUuid();

  constructor(private readonly options: FakeOpenSearchOptions) {
    const bulk: Handler = (c) => this.bulk(c);
    const count: Handler = (c) => ({ status: 200, body: { count: this.matches(c).hits.length, _shards: READ_SHARDS } });
    const refresh: Handler = (c) => this.refresh(c.index ? [this.existing(c.index)] : [...this.indices.values()]);
    const search: Handler = (c) => this.search(c);
    const mget: Handler = (c) => this.mget(c);
    this.routes = [
      [[], { GET: () => this.info(), HEAD: () => this.info() }],
      [['_bulk'], { POST: bulk, PUT: bulk }],
      [['_refresh'], { POST: refresh, GET: refresh }],
      [['_mget'], { POST: mget, GET: mget }],
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
    const { faults } = this;
    if (take(faults.delays, isBulk)) await new Promise((resolve) => setTimeout(resolve, faults.delays.ms));
    const reset = take(faults.resets, isBulk) ? { afterApplying: faults.resets.afterApplying } : undefined;
    if (reset && !reset.afterApplying) return void req.socket.resetAndDestroy();
    let reply: Reply;
    try {
      if (take(faults.unavailability, isBulk)) throw new OpenSearchError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];');
      if (take(faults.bulkRejections, isBulk)) {
        throw new OpenSearchError(429, 'rejected_execution_exception', `rejected execution of coordinating operation [coordinating_operation_bytes=${raw.length}]`);
      }
      reply = this.dispatch(method, req.url ?? '/', segments, url.searchParams, raw, req.headers['content-type']);
    } catch (e) {
      if (!(e instanceof OpenSearchError)) throw e;
      reply = { status: e.status, body: e.envelope() };
    }
    if (reset) return void req.socket.resetAndDestroy();
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
    const [index, , id] = segments.map((s, i) => (route[0][i]!.startsWith('{') ? decodeURIComponent(s) : ''));
    return handler({ index: index ?? '', id: id ?? '', query, body: raw.toString('utf8') });
  }

  private info(): Reply {
    const version = {
      distribution: 'opensearch', number: this.options.version ?? '2.19.1', build_type: 'tar', build_hash: 'fake', build_date: '2025-01-01T00:00:00.000Z',
      build_snapshot: false, lucene_version: '9.12.1', minimum_wire_compatibility_version: '7.10.0', minimum_index_compatibility_version: '7.0.0',
    };
    return { status: 200, body: { name: 'fake-opensearch', cluster_name: 'fake-opensearch', cluster_uuid: this.clusterUuid, version, tagline: 'The OpenSearch Project: https://opensearch.org/' } };
  }

  private existing(name: string): IndexState {
    const ix = this.indices.get(name);
    if (!ix) throw indexNotFound(name);
    return ix;
  }

  private addIndex(name: string, mappings: IndexState['mappings']): IndexState {
    const ix: IndexState = { name, uuid: newUuid(), mappings, docs: new Map(), searchable: new Map(), seqNo: 0 };
    this.indices.set(name, ix);
    return ix;
  }

  private createIndex(c: Call): Reply {
    checkIndexName(c.index);
    const existing = this.indices.get(c.index);
    if (existing) throw new OpenSearchError(400, 'resource_already_exists_exception', `index [${c.index}/${existing.uuid}] already exists`, { index_uuid: existing.uuid, index: c.index });
    const body = c.body === '' ? {} : parseJson(c.body, 'create index body');
    if (!isObject(body)) throw badRequest('parse_exception', 'request body must be an object');
    const unknown = Object.keys(body).find((k) => !['settings', 'mappings', 'aliases'].includes(k));
    if (unknown !== undefined) throw badRequest('parse_exception', `unknown key [${unknown}] for create index`);
    this.addIndex(c.index, isObject(body.mappings) ? structuredClone(body.mappings) : {});
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
      const ix = this.indices.get(name) ?? (op.action === 'delete' && op.versionType === 'internal' ? undefined : this.addIndex(name, {}));
      if (!ix) throw indexNotFound(name);
      if (this.faults.takeItemRejection()) throw new OpenSearchError(429, 'rejected_execution_exception', `rejected execution of primary operation [shard_detail=[${name}][0][P]]`);
      const rec = ix.docs.get(id);
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
    if (this.faults.mappingFailures.some((match) => match({ index: ix.name, id, source }))) {
      throw new OpenSearchError(400, 'mapper_parsing_exception', 'failed to parse', {}, { type: 'illegal_argument_exception', reason: 'mapping failure injected by fake-opensearch' });
    }
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
    const next: DocRecord = { version, seqNo: ix.seqNo++, source };
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

  /** The searchable documents of the call's index that match the query in its body. */
  private matches(c: Call): { ix: IndexState; body: Source; hits: Array<[string, DocRecord]> } {
    const ix = this.existing(c.index);
    const body = c.body === '' ? {} : parseJson(c.body, 'request body');
    if (!isObject(body)) throw badRequest('parsing_exception', 'request body must be an object');
    const match = queryMatcher(ix.mappings, body.query);
    return { ix, body, hits: [...ix.searchable].filter(([id, rec]) => rec.source !== null && match(id, rec.source)) };
  }

  private search(c: Call): Reply {
    const started = Date.now();
    const { ix, body, hits } = this.matches(c);
    const from = Number(body.from ?? c.query.get('from') ?? 0);
    const page = hits.slice(from, from + Number(body.size ?? c.query.get('size') ?? 10));
    const shown = page.map(([id, rec]) => ({ _index: ix.name, _id: id, _score: 1.0, _source: rec.source }));
    const result = { total: { value: hits.length, relation: 'eq' }, max_score: shown.length > 0 ? 1.0 : null, hits: shown };
    return { status: 200, body: { took: Date.now() - started, timed_out: false, _shards: READ_SHARDS, hits: result } };
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
  const server = createServer((req, res) => void node.serve(req, res).catch((error: unknown) => (res.headersSent ? res.destroy() : res.writeHead(500).end(String(error)))));
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
    url: `http://127.0.0.1:${port}`,
    faults: node.faults,
    requests: node.requests,
    documents: (index) => node.documents(index),
    down: stopListening,
    up: () => listen(port),
    close: async () => {
      node.stop();
      await stopListening();
    },
  };
}
