/**
 * The fake OpenSearch node's reads after a refresh (fake-opensearch-indices.ts,
 * fake-opensearch-search.ts) as a client sees them over HTTP: refresh, count, search,
 * delete-by-query and scrolls.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { item, ndjson, requestsTo } from './fake-opensearch-requests.js';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import type { Json } from './opensearch-http.js';
import { waitFor } from './wait.js';

const os = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
const { call, bulk } = requestsTo(os);

describe('refresh, count, search and delete by query', () => {
  beforeEach(async () => {
    await call('PUT', '/people', { mappings: { properties: { code: { type: 'keyword' } } } });
    await bulk([
      { index: { _index: 'people', _id: '1' } }, { name: 'Ada Lovelace', code: 'AL', age: 36, address: { city: 'London' } },
      { index: { _index: 'people', _id: '2' } }, { name: 'Alan Turing', code: 'AT', age: 41, address: { city: 'Wilmslow' } },
      { index: { _index: 'people', _id: '3' } }, { name: 'Grace Hopper', code: 'GH', age: 85, address: { city: 'Arlington' } },
    ]);
  });

  it('makes writes searchable only after a refresh', async () => {
    expect((await call('GET', '/people/_count')).body).toEqual({ count: 0, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } });
    expect((await call('POST', '/people/_refresh')).body).toEqual({ _shards: { total: 2, successful: 1, failed: 0 } });
    expect((await call('GET', '/people/_count')).body.count).toBe(3);
    const refreshed = await call('POST', '/_bulk?refresh=true', ndjson([{ delete: { _index: 'people', _id: '3' } }]), 'application/x-ndjson');
    expect(item(refreshed, 0).forced_refresh).toBe(true);
    expect((await call('POST', '/people/_count', { query: { match_all: {} } })).body.count).toBe(2);
    expect((await call('GET', '/missing/_count')).status).toBe(404);
  });

  it('refreshes by itself after the refresh interval', async () => {
    await os.restart({ refreshIntervalMs: 20 });
    await bulk([{ index: { _index: 'later', _id: '1' } }, { a: 1 }]);
    await waitFor(async () => (await call('GET', '/later/_count')).body.count === 1, 5000, 'the periodic refresh');
  });

  it('counts and searches with term, ids and match_all queries', async () => {
    await call('POST', '/_refresh');
    const count = async (query: unknown) => (await call('POST', '/people/_count', { query })).body.count;
    expect(await count({ term: { code: 'AT' } })).toBe(1);
    expect(await count({ term: { code: 'at' } })).toBe(0);
    expect(await count({ term: { name: 'alan' } })).toBe(1);
    expect(await count({ term: { name: 'Alan' } })).toBe(0);
    expect(await count({ term: { 'name.keyword': 'Alan Turing' } })).toBe(1);
    expect(await count({ term: { 'address.city': { value: 'london' } } })).toBe(1);
    expect(await count({ term: { age: 85 } })).toBe(1);
    expect(await count({ term: { _id: '2' } })).toBe(1);
    const search = await call('POST', '/people/_search', { query: { ids: { values: ['1', '3', '9'] } }, size: 1 });
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({ timed_out: false, hits: { total: { value: 2, relation: 'eq' }, max_score: 1 } });
    expect(search.body.hits.hits).toEqual([{ _index: 'people', _id: '1', _score: 1, _source: { name: 'Ada Lovelace', code: 'AL', age: 36, address: { city: 'London' } } }]);
    expect((await call('GET', '/people/_search')).body.hits.hits.map((h: Json) => h._id)).toEqual(['1', '2', '3']);
    const unsupported = await call('POST', '/people/_search', { query: { match: { name: 'ada' } } });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.type).toBe('parsing_exception');
  });

  it('deletes by query what the last refresh made searchable', async () => {
    await call('POST', '/people/_refresh');
    const byTerm = await call('POST', '/people/_delete_by_query?refresh=true', { query: { term: { code: 'AL' } } });
    expect(byTerm.body).toMatchObject({ total: 1, deleted: 1, version_conflicts: 0, failures: [] });
    expect([...os.documents('people').keys()]).toEqual(['2', '3']);
    await bulk([{ index: { _index: 'people', _id: '2' } }, { name: 'changed since the refresh' }]);
    const conflicted = await call('POST', '/people/_delete_by_query', { query: { match_all: {} } });
    expect(conflicted.status).toBe(409);
    expect(conflicted.body).toMatchObject({ deleted: 0, version_conflicts: 1, failures: [{ index: 'people', id: '2', status: 409, cause: { type: 'version_conflict_engine_exception' } }] });
    const proceeded = await call('POST', '/people/_delete_by_query?conflicts=proceed', { query: { match_all: {} } });
    expect(proceeded.body).toMatchObject({ total: 2, deleted: 1, version_conflicts: 1, failures: [] });
    expect([...os.documents('people').keys()]).toEqual(['2']);
  });
});

describe('scroll', () => {
  beforeEach(async () => {
    await bulk([1, 2, 3].map((id) => [{ index: { _index: 'people', _id: String(id) } }, { id }]).flat());
    await call('POST', '/people/_refresh');
  });
  const next = (scrollId: string, scroll = '1m') => call('POST', '/_search/scroll', { scroll, scroll_id: scrollId });
  const ids = (response: { body: Json }) => response.body.hits.hits.map((hit: Json) => hit._id);

  it('pages in _doc order through what the last refresh made searchable, whatever is written meanwhile, without sources when asked', async () => {
    const first = await call('POST', '/people/_search?scroll=1m', { size: 2, sort: ['_doc'], _source: false, query: { match_all: {} } });
    expect(first.status).toBe(200);
    expect(typeof first.body._scroll_id).toBe('string');
    expect(first.body.hits).toEqual({
      total: { value: 3, relation: 'eq' }, max_score: null,
      hits: [{ _index: 'people', _id: '1', _score: null, sort: [0] }, { _index: 'people', _id: '2', _score: null, sort: [1] }],
    });
    await bulk([{ delete: { _index: 'people', _id: '3' } }, { index: { _index: 'people', _id: '4' } }, { id: 4 }]);
    await call('POST', '/people/_refresh');
    const second = await next(first.body._scroll_id);
    expect(second.body.hits.hits).toEqual([{ _index: 'people', _id: '3', _score: null, sort: [2] }]);
    expect(ids(await next(second.body._scroll_id))).toEqual([]);
    expect(ids(await call('POST', '/people/_search', { sort: ['_doc'] }))).toEqual(['1', '2', '4']);
    const withSources = await call('POST', '/people/_search?scroll=1m', { size: 1 });
    expect(withSources.body.hits.hits).toEqual([{ _index: 'people', _id: '1', _score: 1, _source: { id: 1 } }]);
    expect(os.openScrolls()).toBe(2);
  });

  it('gives each hit its version when asked (version: true), in searches and scroll pages', async () => {
    await bulk([{ index: { _index: 'people', _id: '2', version: 9, version_type: 'external' } }, { id: 2 }]);
    await call('POST', '/people/_refresh');
    const first = await call('POST', '/people/_search?scroll=1m', { size: 2, version: true, sort: ['_doc'], _source: false });
    expect(first.body.hits.hits).toEqual([{ _index: 'people', _id: '1', _version: 1, _score: null, sort: [0] }, { _index: 'people', _id: '2', _version: 9, _score: null, sort: [1] }]);
    expect((await next(first.body._scroll_id)).body.hits.hits).toEqual([{ _index: 'people', _id: '3', _version: 1, _score: null, sort: [2] }]);
    const byQuery = await call('POST', '/people/_search?version=true', { query: { ids: { values: ['2'] } } });
    expect(byQuery.body.hits.hits).toEqual([{ _index: 'people', _id: '2', _version: 9, _score: 1, _source: { id: 2 } }]);
  });

  it('frees a scroll on DELETE, after which its id answers 404 search_context_missing_exception, and refuses ids that are none', async () => {
    const { body } = await call('POST', '/people/_search?scroll=1m', { size: 1 });
    const cleared = await call('DELETE', '/_search/scroll', { scroll_id: body._scroll_id });
    expect(cleared).toMatchObject({ status: 200, body: { succeeded: true, num_freed: 1 } });
    expect(os.openScrolls()).toBe(0);
    const gone = await next(body._scroll_id);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ type: 'search_phase_execution_exception', root_cause: [{ type: 'search_context_missing_exception' }], caused_by: { type: 'search_context_missing_exception' } });
    expect(await call('DELETE', '/_search/scroll', { scroll_id: [body._scroll_id] })).toMatchObject({ status: 404, body: { succeeded: true, num_freed: 0 } });
    const garbage = await next('not-a-scroll');
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatchObject({ type: 'illegal_argument_exception', reason: 'Cannot parse scroll id' });
  });

  it('expires a scroll once the keep-alive its last page gave has passed', async () => {
    const { body } = await call('POST', '/people/_search?scroll=1m', { size: 1 });
    expect(ids(await next(body._scroll_id, '1ms'))).toEqual(['2']);
    await waitFor(() => os.openScrolls() === 0, 5000, 'the scroll to expire');
    expect((await next(body._scroll_id)).body.error.root_cause[0].type).toBe('search_context_missing_exception');
  });

  it('rejects from in a scroll, and keep-alives without a unit', async () => {
    expect((await call('POST', '/people/_search?scroll=1m', { from: 1 })).body.error.type).toBe('action_request_validation_exception');
    expect((await call('POST', '/people/_search?scroll=60', {})).body.error.type).toBe('illegal_argument_exception');
    expect(os.openScrolls()).toBe(0);
  });
});
