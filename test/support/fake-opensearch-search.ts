/**
 * The search side of the fake OpenSearch node (fake-opensearch.ts), as OpenSearch 2.x answers it:
 * a page of hits (`from`, `size`, `_source: false` leaving sources out, `version: true` adding
 * versions, `sort: ['_doc']` in index order with `sort` values and null scores), and scrolls. A search with `?scroll=<keep-alive>`
 * opens a scroll: a point-in-time view of the hits it found, paged in order by
 * `POST /_search/scroll` ({scroll, scroll_id}), whatever is written or deleted meanwhile, and kept
 * for the keep-alive after each page; `DELETE /_search/scroll` ({scroll_id}) frees it. An unknown,
 * cleared or expired scroll id answers 404 (search_context_missing_exception, as a node wraps it),
 * one that is no scroll id at all 400. A scroll page can also find contexts lost (the faults'
 * `loseScrolls`): every one, as an unknown id; or one shard's of two, after which the scroll's pages
 * leave out that shard's hits (those at odd positions) and say so in `_shards`, as a node answers
 * a scroll of an index of two shards when one shard's context is gone.
 *
 * The node passes the hits as the last refresh made them searchable; their sources are never
 * changed in place (a write replaces a document's record), so a scroll keeps its view by keeping
 * them. Nothing blocks; failures are thrown as the OpenSearchError a node would answer with.
 */
import type { ScrollLoss } from './fake-opensearch-faults.js';
import { badRequest, isObject, timeValueMs, type Source } from './fake-opensearch-protocol.js';

/** A matching document: its id, source and version, as the last refresh left it. */
export type Hit = readonly [id: string, source: Source, version: number];

/** Everything of a search answer but `took`, `timed_out` and `_shards`, which the node adds. */
export type SearchAnswer = { status: number; body: Source };

type PageShape = { size: number; withSource: boolean; withVersion: boolean; byDoc: boolean };
type Scroll = { index: string; hits: readonly Hit[]; next: number; shape: PageShape; keepAliveMs: number; expiresAt: number; shardLost: boolean };

/** Where scroll pages learn of lost search contexts (fake-opensearch-faults.ts). */
export interface ScrollFaults {
  takeScrollLoss(): ScrollLoss | undefined;
}

const SCROLL_ID_PREFIX = 'fake-scroll:';

export class FakeSearches {
  private readonly scrolls = new Map<string, Scroll>();
  private opened = 0;

  constructor(private readonly faults: ScrollFaults) {}

  /** Scrolls neither cleared nor expired. */
  get openScrolls(): number {
    this.dropExpired();
    return this.scrolls.size;
  }

  /** A `_search` of `index` whose matching hits are `hits`; with `?scroll` it opens a scroll and answers its first page. */
  search(index: string, hits: readonly Hit[], body: Source, query: URLSearchParams): SearchAnswer {
    const shape = pageShape(body, query);
    const keepAlive = query.get('scroll');
    if (keepAlive === null) {
      const from = Number(body.from ?? query.get('from') ?? 0);
      return { status: 200, body: { hits: renderHits(index, hits, from, shape) } };
    }
    if (body.from !== undefined || query.has('from')) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: using [from] is not allowed in a scroll context;');
    const keepAliveMs = timeValueMs('scroll', keepAlive);
    const id = Buffer.from(`${SCROLL_ID_PREFIX}${++this.opened}`).toString('base64url');
    const scroll: Scroll = { index, hits, next: 0, shape, keepAliveMs, expiresAt: 0, shardLost: false };
    this.scrolls.set(id, scroll);
    return this.page(id, scroll, keepAliveMs);
  }

  /** `_search/scroll`: the next page of an open scroll, its keep-alive renewed. */
  scroll(body: Source, query: URLSearchParams): SearchAnswer {
    const id = body.scroll_id ?? query.get('scroll_id');
    if (typeof id !== 'string') throw badRequest('action_request_validation_exception', 'Validation Failed: 1: scrollId is missing;');
    const keepAlive = body.scroll ?? query.get('scroll');
    this.dropExpired();
    const scroll = this.scrolls.get(checkScrollId(id));
    if (!scroll) return contextMissing(id);
    const loss = this.faults.takeScrollLoss();
    if (loss === 'all shards') {
      this.scrolls.delete(id);
      return contextMissing(id);
    }
    if (loss === 'one shard') scroll.shardLost = true;
    return this.page(id, scroll, keepAlive === undefined || keepAlive === null ? scroll.keepAliveMs : timeValueMs('scroll', keepAlive));
  }

  /** DELETE `_search/scroll`: 200 when it freed a scroll, 404 when none of the ids was open. */
  clear(body: Source): SearchAnswer {
    const given = body.scroll_id;
    const ids = Array.isArray(given) ? given.map(String) : typeof given === 'string' ? [given] : [];
    if (ids.length === 0) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: no scroll ids specified;');
    this.dropExpired();
    let freed = 0;
    for (const id of ids) if (this.scrolls.delete(checkScrollId(id))) freed++;
    return { status: freed === 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
  }

  private page(id: string, scroll: Scroll, keepAliveMs: number): SearchAnswer {
    scroll.keepAliveMs = keepAliveMs;
    scroll.expiresAt = Date.now() + keepAliveMs;
    const hits = renderHits(scroll.index, scroll.hits, scroll.next, scroll.shape);
    scroll.next += hits.hits.length;
    if (!scroll.shardLost) return { status: 200, body: { _scroll_id: id, hits } };
    const kept = hits.hits.filter((_, i) => (scroll.next - hits.hits.length + i) % 2 === 0);
    const failure = { shard: 1, index: scroll.index, node: 'fake-opensearch', reason: contextMissingCause(id) };
    return {
      status: 200,
      body: { _scroll_id: id, _shards: { total: 2, successful: 1, skipped: 0, failed: 1, failures: [failure] }, hits: { ...hits, total: { value: Math.ceil(scroll.hits.length / 2), relation: 'eq' }, hits: kept } },
    };
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [id, scroll] of this.scrolls) if (scroll.expiresAt <= now) this.scrolls.delete(id);
  }
}

function pageShape(body: Source, query: URLSearchParams): PageShape {
  const source = body._source ?? query.get('_source') ?? true;
  if (source !== true && source !== false && source !== 'true' && source !== 'false') throw badRequest('illegal_argument_exception', 'fake-opensearch takes _source true or false only');
  const sort = body.sort ?? query.get('sort') ?? undefined;
  const byDoc = sort !== undefined;
  const sortKeys = (Array.isArray(sort) ? sort : [sort]).map((key) => (isObject(key) ? Object.keys(key)[0] : key));
  if (byDoc && !sortKeys.every((key) => key === '_doc')) throw badRequest('illegal_argument_exception', 'fake-opensearch sorts by _doc only');
  const withVersion = body.version === true || query.get('version') === 'true';
  return { size: Number(body.size ?? query.get('size') ?? 10), withSource: source === true || source === 'true', withVersion, byDoc };
}

function renderHits(index: string, hits: readonly Hit[], from: number, shape: PageShape): { total: Source; max_score: number | null; hits: Source[] } {
  const shown = hits.slice(from, from + shape.size).map(([id, source, version], i) => ({
    _index: index, _id: id, ...(shape.withVersion && { _version: version }), _score: shape.byDoc ? null : 1.0, ...(shape.withSource && { _source: source }), ...(shape.byDoc && { sort: [from + i] }),
  }));
  return { total: { value: hits.length, relation: 'eq' }, max_score: shown.length > 0 && !shape.byDoc ? 1.0 : null, hits: shown };
}

/** The id's text; one that no scroll could have had is a 400, as a node fails to parse it. */
function checkScrollId(id: string): string {
  if (!Buffer.from(id, 'base64url').toString('utf8').startsWith(SCROLL_ID_PREFIX)) throw badRequest('illegal_argument_exception', 'Cannot parse scroll id');
  return id;
}

/** A node answers a scroll whose context is gone as a search whose every shard failed. */
function contextMissing(id: string): SearchAnswer {
  const cause = contextMissingCause(id);
  const error = { root_cause: [cause], type: 'search_phase_execution_exception', reason: 'all shards failed', phase: 'query', grouped: true, failed_shards: [{ shard: -1, index: null, reason: cause }], caused_by: cause };
  return { status: 404, body: { error, status: 404 } };
}

function contextMissingCause(id: string): Source {
  return { type: 'search_context_missing_exception', reason: `No search context found for id [${Buffer.from(id, 'base64url').toString('utf8').slice(SCROLL_ID_PREFIX.length)}]` };
}
