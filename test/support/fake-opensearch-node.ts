/**
 * The HTTP side of the fake OpenSearch node (fake-opensearch.ts): one `serve` per request, which
 * reads the body, logs the request (`requests`), checks HTTP Basic credentials (401, and 403 for a
 * denied permission, as the security plugin answers), lets the armed faults fall on it
 * (fake-opensearch-faults.ts: waits, resets, error answers), routes it to its REST handler and sends
 * the answer, filtered by `filter_path`. The handlers are thin: indices and documents live in
 * fake-opensearch-indices.ts, writes in fake-opensearch-writes.ts, searches and scrolls in
 * fake-opensearch-search.ts, templates in fake-opensearch-templates.ts.
 *
 * Routing is OpenSearch's: an unknown route answers 400 "no handler found", a known one with another
 * method 405 naming the allowed ones, a body without a JSON or NDJSON Content-Type 406. A handler's
 * OpenSearchError is answered as OpenSearch renders it; any other exception is a bug in the fake and
 * escapes to the server (fake-opensearch.ts answers it 500). `serve` blocks only on the request body
 * and on injected delays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeOpenSearchOptions, RequestRecord } from './fake-opensearch.js';
import { FaultPlan } from './fake-opensearch-faults.js';
import { FakeIndices, newUuid } from './fake-opensearch-indices.js';
import { renderedMappings } from './fake-opensearch-mapping.js';
import { badRequest, filterResponse, isObject, OpenSearchError, parseJson, type Source } from './fake-opensearch-protocol.js';
import { FakeSearches, type SearchAnswer } from './fake-opensearch-search.js';
import { IndexTemplates } from './fake-opensearch-templates.js';
import { FakeWrites } from './fake-opensearch-writes.js';

type Reply = { status: number; body?: unknown; text?: string; headers?: Record<string, string> };
type Call = { index: string; id: string; query: URLSearchParams; body: string };
type Handler = (call: Call) => Reply;

const READ_SHARDS = { total: 1, successful: 1, skipped: 0, failed: 0 };
const ok = (body: unknown): Reply => ({ status: 200, body });

export class FakeNode {
  readonly faults = new FaultPlan();
  readonly requests: RequestRecord[] = [];
  readonly searches = new FakeSearches(this.faults);
  private readonly templates = new IndexTemplates();
  readonly indices: FakeIndices;
  private readonly writes: FakeWrites;
  private readonly routes: Array<[string[], Partial<Record<string, Handler>>]>;
  private readonly clusterUuid = newUuid();

  constructor(private readonly options: FakeOpenSearchOptions) {
    this.indices = new FakeIndices(this.templates, options);
    this.writes = new FakeWrites(this.indices, this.faults);
    const bulk: Handler = (c) => this.writes.bulk(c.body, c.index, c.query);
    const count: Handler = (c) => ok({ count: this.indices.searchable(c.index, this.objectBody(c).query).hits.length, _shards: READ_SHARDS });
    const refresh: Handler = (c) => ok(this.indices.refreshNamed(c.index));
    const search: Handler = (c) => this.search(c);
    const scroll: Handler = (c) => this.searchReply(Date.now(), this.searches.scroll(this.objectBody(c), c.query));
    const mget: Handler = (c) => ok(this.indices.mget(c.body, c.index));
    const cat: Handler = (c) => ok(this.indices.cat(c.index, c.query));
    const putTemplate: Handler = (c) => {
      this.templates.put(c.id, c.body === '' ? undefined : parseJson(c.body, 'request body'), c.query.get('create') === 'true');
      return ok({ acknowledged: true });
    };
    const getTemplates: Handler = (c) => {
      const found = this.templates.get(c.id);
      return { status: found.index_templates.length > 0 ? 200 : 404, body: found };
    };
    this.routes = [
      [[], { GET: () => this.info(), HEAD: () => this.info() }],
      [['_bulk'], { POST: bulk, PUT: bulk }],
      [['_refresh'], { POST: refresh, GET: refresh }],
      [['_mget'], { POST: mget, GET: mget }],
      [['_cat', 'indices'], { GET: cat }],
      [['_cat', 'indices', '{index}'], { GET: cat }],
      [['_index_template'], { GET: () => ok(this.templates.get(undefined)) }],
      [['_index_template', '{id}'], {
        PUT: putTemplate, POST: putTemplate, GET: getTemplates, HEAD: getTemplates, DELETE: (c) => (this.templates.delete(c.id), ok({ acknowledged: true })),
      }],
      [['_index_template', '_simulate_index', '{id}'], {
        POST: (c) => (this.checkPermission('indices:admin/index_template/simulate_index'), ok(this.templates.simulateIndex(c.id, c.body))),
      }],
      [['_search', 'scroll'], { POST: scroll, GET: scroll, DELETE: (c) => this.searches.clear(this.objectBody(c)) }],
      [['{index}'], {
        PUT: (c) => ok(this.indices.create(c.index, c.body)), HEAD: (c) => ({ status: this.indices.get(c.index) ? 200 : 404 }), DELETE: (c) => ok(this.indices.delete(c.index)),
      }],
      [['{index}', '_bulk'], { POST: bulk, PUT: bulk }],
      [['{index}', '_mapping'], { GET: (c) => ok({ [c.index]: { mappings: renderedMappings(this.indices.existing(c.index).mappings) } }) }],
      [['{index}', '_doc', '{id}'], { GET: (c) => this.getDoc(c) }],
      [['{index}', '_mget'], { POST: mget, GET: mget }],
      [['{index}', '_count'], { GET: count, POST: count }],
      [['{index}', '_refresh'], { POST: refresh, GET: refresh }],
      [['{index}', '_search'], { GET: search, POST: search }],
      [['{index}', '_delete_by_query'], { POST: (c) => this.writes.deleteByQuery(c.index, this.objectBody(c), c.query) }],
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
    return ok({ name: 'fake-opensearch', cluster_name: 'fake-opensearch', cluster_uuid: this.clusterUuid, version, tagline: 'The OpenSearch Project: https://opensearch.org/' });
  }

  /** Refuses an action the user lacks (`auth.denied`) as the security plugin does. */
  private checkPermission(action: string): void {
    const { auth } = this.options;
    if (!auth?.denied?.includes(action)) return;
    throw new OpenSearchError(403, 'security_exception', `no permissions for [${action}] and User [name=${auth.username}, backend_roles=[], requestedTenant=null]`);
  }

  private getDoc(c: Call): Reply {
    const found = this.indices.stored(c.index, c.id);
    return { status: found.found ? 200 : 404, body: found };
  }

  private objectBody(c: Call): Source {
    const body = c.body === '' ? {} : parseJson(c.body, 'request body');
    if (!isObject(body)) throw badRequest('parsing_exception', 'request body must be an object');
    return body;
  }

  private search(c: Call): Reply {
    const started = Date.now();
    const body = this.objectBody(c);
    const { ix, hits } = this.indices.searchable(c.index, body.query);
    return this.searchReply(started, this.searches.search(ix.name, hits.map(([id, rec]) => [id, rec.source!, rec.version] as const), body, c.query));
  }

  /** A search answer with the fields every search response has; a failure goes out as it is. */
  private searchReply(started: number, answer: SearchAnswer): Reply {
    if (answer.status >= 400) return answer;
    const { _scroll_id: scrollId, ...rest } = answer.body;
    return { status: 200, body: { ...(scrollId !== undefined && { _scroll_id: scrollId }), took: Date.now() - started, timed_out: false, _shards: READ_SHARDS, ...rest } };
  }
}
