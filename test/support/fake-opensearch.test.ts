import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch } from './fake-opensearch.js';
import { waitFor } from './wait.js';

/** A parsed response body; its fields are checked one by one, as fastify's inject().json() is elsewhere. */
type Json = any;

let os: FakeOpenSearch;
beforeEach(async () => {
  os = await startFakeOpenSearch({ refreshIntervalMs: null });
});
afterEach(() => os.close());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Json; headers: Headers }> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${os.url}${path}`, { method, body: text, headers: text === undefined ? {} : { 'content-type': contentType } });
  const raw = await response.text();
  return { status: response.status, body: raw === '' ? undefined : raw.startsWith('{') ? JSON.parse(raw) : raw, headers: response.headers };
}

const ndjson = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
const bulk = (lines: unknown[], path = '/_bulk') => call('POST', path, ndjson(lines), 'application/x-ndjson');
const item = (response: { body: Json }, i: number) => Object.values(response.body.items[i])[0] as Json;
const sourceOf = (index: string, id: string) => os.documents(index).get(id)?.source;

describe('cluster info and authentication', () => {
  it('answers GET / with the OpenSearch distribution and version', async () => {
    const { status, body } = await call('GET', '/');
    expect(status).toBe(200);
    expect(body.version).toMatchObject({ distribution: 'opensearch', number: '2.19.1' });
    expect(body.tagline).toContain('OpenSearch');
  });

  it('requires the configured basic credentials', async () => {
    await os.close();
    os = await startFakeOpenSearch({ auth: { username: 'admin', password: 's3cret' }, version: '2.11.0' });
    const missing = await fetch(`${os.url}/`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${os.url}/`, { headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${os.url}/`, { headers: { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` } });
    expect(right.status).toBe(200);
    expect(((await right.json()) as Json).version.number).toBe('2.11.0');
  });
});

describe('bulk with external versions', () => {
  it('applies a greater version and rejects an equal or lower one with a per-item 409', async () => {
    const response = await bulk([
      { index: { _index: 'orders', _id: '1', version: 5, version_type: 'external' } }, { total: 5 },
      { index: { _index: 'orders', _id: '1', version: 7, version_type: 'external' } }, { total: 7 },
      { index: { _index: 'orders', _id: '1', version: 7, version_type: 'external' } }, { total: 70 },
      { index: { _index: 'orders', _id: '1', version: 6, version_type: 'external' } }, { total: 6 },
    ]);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBe(true);
    expect(item(response, 0)).toMatchObject({ _index: 'orders', _id: '1', _version: 5, result: 'created', status: 201, _seq_no: 0, _primary_term: 1 });
    expect(item(response, 1)).toMatchObject({ _version: 7, result: 'updated', status: 200, _seq_no: 1 });
    expect(item(response, 2)).toMatchObject({ _index: 'orders', _id: '1', status: 409 });
    expect(item(response, 2).error).toMatchObject({
      type: 'version_conflict_engine_exception', reason: '[1]: version conflict, current version [7] is higher or equal to the one provided [7]', index: 'orders', shard: '0',
    });
    expect(item(response, 3).error.reason).toBe('[1]: version conflict, current version [7] is higher or equal to the one provided [6]');
    expect(os.documents('orders').get('1')).toMatchObject({ version: 7, source: { total: 7 } });
  });

  it('keeps the version of a deleted document, so an older write after a newer delete conflicts', async () => {
    await bulk([{ index: { _index: 'orders', _id: '1', version: 2, version_type: 'external' } }, { total: 2 }]);
    const deleted = await bulk([{ delete: { _index: 'orders', _id: '1', version: 5, version_type: 'external' } }]);
    expect(item(deleted, 0)).toMatchObject({ _version: 5, result: 'deleted', status: 200 });
    expect(deleted.body.errors).toBe(false);
    const stale = await bulk([{ index: { _index: 'orders', _id: '1', version: 3, version_type: 'external' } }, { total: 3 }]);
    expect(item(stale, 0).error.reason).toBe('[1]: version conflict, current version [5] is higher or equal to the one provided [3]');
    expect(os.documents('orders').has('1')).toBe(false);
    const newer = await bulk([{ index: { _index: 'orders', _id: '1', version: 6, version_type: 'external' } }, { total: 6 }]);
    expect(item(newer, 0)).toMatchObject({ _version: 6, result: 'created', status: 201 });
  });

  it('records the version of a delete for a document never seen, creating the index as OpenSearch does', async () => {
    const response = await bulk([{ delete: { _index: 'fresh', _id: '9', version: 4, version_type: 'external' } }]);
    expect(item(response, 0)).toMatchObject({ _index: 'fresh', _id: '9', _version: 4, result: 'not_found', status: 404 });
    expect(item(response, 0).error).toBeUndefined();
    expect(response.body.errors).toBe(false);
    expect((await call('HEAD', '/fresh')).status).toBe(200);
    const late = await bulk([{ index: { _index: 'fresh', _id: '9', version: 4, version_type: 'external' } }, { a: 1 }]);
    expect(item(late, 0).status).toBe(409);
  });

  it('lets external_gte accept an equal version but not a lower one', async () => {
    const response = await bulk([
      { index: { _index: 'gte', _id: 'a', version: 3, version_type: 'external_gte' } }, { v: 1 },
      { index: { _index: 'gte', _id: 'a', version: 3, version_type: 'external_gte' } }, { v: 2 },
      { index: { _index: 'gte', _id: 'a', version: 2, version_type: 'external_gte' } }, { v: 3 },
    ]);
    expect(response.body.items.map((i: Json) => i.index.status)).toEqual([201, 200, 409]);
    expect(item(response, 2).error.reason).toBe('[a]: version conflict, current version [3] is higher than the one provided [2]');
    expect(sourceOf('gte', 'a')).toEqual({ v: 2 });
  });
});

describe('bulk actions and per-item outcomes', () => {
  it('counts internal versions, conflicts on create of an existing document and reports not_found deletes', async () => {
    const response = await bulk([
      { index: { _index: 'items', _id: 'x' } }, { n: 1 },
      { index: { _id: 'x' } }, { n: 2 },
      { create: { _index: 'items', _id: 'x' } }, { n: 3 },
      { delete: { _index: 'items', _id: 'x' } },
      { delete: { _index: 'items', _id: 'never' } },
      { create: { _index: 'items', _id: 'x' } }, { n: 4 },
    ], '/items/_bulk');
    const outcomes = response.body.items.map((i: Json) => Object.values(i)[0] as Json);
    expect(outcomes.map((o: Json) => [o.result ?? o.error.type, o.status, o._version])).toEqual([
      ['created', 201, 1], ['updated', 200, 2], ['version_conflict_engine_exception', 409, undefined], ['deleted', 200, 3], ['not_found', 404, 1], ['created', 201, 4],
    ]);
    expect(outcomes[2].error.reason).toBe('[x]: version conflict, document already exists (current version [2])');
    expect(Object.keys(response.body.items[3])).toEqual(['delete']);
  });

  it('generates an id for an index action without one', async () => {
    const response = await bulk([{ index: { _index: 'auto' } }, { a: 1 }]);
    expect(item(response, 0)).toMatchObject({ result: 'created', status: 201 });
    expect(os.documents('auto').get(item(response, 0)._id)?.source).toEqual({ a: 1 });
  });

  it('does not create an index for an internally versioned delete', async () => {
    const response = await bulk([{ delete: { _index: 'ghost', _id: '1' } }]);
    expect(item(response, 0)).toMatchObject({ status: 404, error: { type: 'index_not_found_exception', reason: 'no such index [ghost]' } });
    expect((await call('HEAD', '/ghost')).status).toBe(404);
  });

  it('merges update docs, upserts, detects no-ops and fails updates of missing documents', async () => {
    await bulk([{ index: { _index: 'u', _id: '1' } }, { name: 'a', nested: { x: 1, y: 2 }, list: [1, 2] }]);
    const response = await bulk([
      { update: { _index: 'u', _id: '1' } }, { doc: { nested: { y: 3 }, list: [9] } },
      { update: { _index: 'u', _id: '1' } }, { doc: { name: 'a' } },
      { update: { _index: 'u', _id: '2' } }, { doc: { name: 'b' }, doc_as_upsert: true },
      { update: { _index: 'u', _id: '3' } }, { doc: { name: 'c' }, upsert: { name: 'from-upsert' } },
      { update: { _index: 'u', _id: '4', retry_on_conflict: 3 } }, { doc: { name: 'd' } },
    ]);
    expect(response.body.items.map((i: Json) => [i.update.result ?? i.update.error.type, i.update.status])).toEqual([
      ['updated', 200], ['noop', 200], ['created', 201], ['created', 201], ['document_missing_exception', 404],
    ]);
    expect(item(response, 1)._version).toBe(2);
    expect(item(response, 4).error.reason).toBe('[4]: document missing');
    expect(sourceOf('u', '1')).toEqual({ name: 'a', nested: { x: 1, y: 3 }, list: [9] });
    expect(sourceOf('u', '2')).toEqual({ name: 'b' });
    expect(sourceOf('u', '3')).toEqual({ name: 'from-upsert' });
  });

  it('fails only the items with a mapping error or a malformed document', async () => {
    os.faults.failMapping((doc) => doc.source.bad === true);
    const response = await call('POST', '/_bulk', '{"index":{"_index":"p","_id":"1"}}\n{"ok":1}\n{"index":{"_index":"p","_id":"2"}}\n{"bad":true}\n'
      + '{"index":{"_index":"p","_id":"3"}}\n{not json\n{"update":{"_index":"p","_id":"1"}}\n{"doc":{"bad":true}}\n{"index":{"_index":"p","_id":"4"}}\n{"ok":4}\n', 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(response.body.errors).toBe(true);
    expect(response.body.items.map((i: Json) => (Object.values(i)[0] as Json).status)).toEqual([201, 400, 400, 400, 201]);
    expect(item(response, 1).error).toMatchObject({ type: 'mapper_parsing_exception', reason: 'failed to parse' });
    expect(item(response, 2).error.type).toBe('mapper_parsing_exception');
    expect([...os.documents('p').keys()]).toEqual(['1', '4']);
    expect(sourceOf('p', '1')).toEqual({ ok: 1 });
  });

  it('rejects a malformed or invalid bulk request as a whole with 400', async () => {
    const cases: Array<[string, string, string]> = [
      [ndjson([{ index: { _id: '1' } }, { a: 1 }]), 'action_request_validation_exception', 'Validation Failed: 1: index is missing;'],
      ['{"index":{"_index":"a"}}\n{"a":1}', 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]'],
      [ndjson([{ index: { _index: 'a', _id: '1', version: 3 } }, { a: 1 }]), 'action_request_validation_exception', 'internal versioning can not be used'],
      [ndjson([{ index: { _index: 'a', _id: '1', version_type: 'external' } }, { a: 1 }]), 'action_request_validation_exception', 'illegal version value [-3] for version type [EXTERNAL]'],
      [ndjson([{ upsert: { _index: 'a', _id: '1' } }, { a: 1 }]), 'illegal_argument_exception', 'expected field [create], [delete], [index] or [update] but found [upsert]'],
      [ndjson([{ index: { _index: 'a', _type: '_doc' } }, { a: 1 }]), 'illegal_argument_exception', 'contains an unknown parameter [_type]'],
      ['', 'action_request_validation_exception', 'no requests added'],
    ];
    for (const [body, type, reason] of cases) {
      const response = await call('POST', '/_bulk', body, 'application/x-ndjson');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, error: { type, root_cause: [{ type }] } });
      expect(response.body.error.reason).toContain(reason);
    }
    expect(os.documents('a').size).toBe(0);
  });
});

describe('indices', () => {
  it('creates an index with settings and mappings once, and reports it', async () => {
    const mappings = { properties: { name: { type: 'keyword' }, total: { type: 'long' } } };
    const created = await call('PUT', '/catalog', { settings: { number_of_shards: 1 }, mappings });
    expect(created).toMatchObject({ status: 200, body: { acknowledged: true, shards_acknowledged: true, index: 'catalog' } });
    const again = await call('PUT', '/catalog', {});
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ type: 'resource_already_exists_exception', index: 'catalog' });
    expect(again.body.error.reason).toMatch(/^index \[catalog\/[\w-]+\] already exists$/);
    expect(await call('GET', '/catalog/_mapping')).toMatchObject({ status: 200, body: { catalog: { mappings } } });
    expect((await call('HEAD', '/catalog')).status).toBe(200);
    expect((await call('DELETE', '/catalog')).body).toEqual({ acknowledged: true });
    expect((await call('HEAD', '/catalog')).status).toBe(404);
    expect((await call('GET', '/catalog/_mapping')).body.error.type).toBe('index_not_found_exception');
  });

  it('validates index names with OpenSearch rules, on create and on bulk writes', async () => {
    const cases: Array<[string, string]> = [
      ['Orders', 'must be lowercase'],
      ['a b', 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'],
      ['a*b', 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'],
      ['a:b', "must not contain ':'"],
      ['a#b', "must not contain '#'"],
      ['-a', "must not start with '_', '-', or '+'"],
      ['+a', "must not start with '_', '-', or '+'"],
    ];
    for (const [name, problem] of cases) {
      const response = await call('PUT', `/${encodeURIComponent(name)}`, {});
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ type: 'invalid_index_name_exception', reason: `Invalid index name [${name}], ${problem}`, index: name });
    }
    // a URL cannot carry '..' as a path segment, but a bulk item can name it
    const response = await bulk([{ index: { _index: 'Bad', _id: '1' } }, { a: 1 }, { index: { _index: '..', _id: '1' } }, { a: 1 }, { index: { _index: 'good', _id: '1' } }, { a: 1 }]);
    expect(item(response, 0)).toMatchObject({ status: 400, error: { type: 'invalid_index_name_exception', reason: 'Invalid index name [Bad], must be lowercase' } });
    expect(item(response, 1).error.reason).toBe("Invalid index name [..], must not be '.' or '..'");
    expect(item(response, 2).status).toBe(201);
  });

  it('answers GET by id with the found and not-found shapes, in real time', async () => {
    await bulk([{ index: { _index: 'docs', _id: 'a/b', version: 3, version_type: 'external' } }, { v: 1 }]);
    expect(await call('GET', '/docs/_doc/a%2Fb')).toMatchObject({
      status: 200, body: { _index: 'docs', _id: 'a/b', _version: 3, _seq_no: 0, _primary_term: 1, found: true, _source: { v: 1 } },
    });
    expect(await call('GET', '/docs/_doc/zzz')).toMatchObject({ status: 404, body: { _index: 'docs', _id: 'zzz', found: false } });
    expect(await call('GET', '/nope/_doc/1')).toMatchObject({ status: 404, body: { error: { type: 'index_not_found_exception', index: 'nope' } } });
  });
});

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
    await os.close();
    os = await startFakeOpenSearch({ refreshIntervalMs: 20 });
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

describe('HTTP behaviour', () => {
  it('requires a JSON Content-Type on bodies and reports unknown routes and methods as a node does', async () => {
    const plain = await call('POST', '/_bulk', ndjson([{ index: { _index: 'a' } }, { a: 1 }]), 'text/plain;charset=UTF-8');
    expect(plain).toMatchObject({ status: 406, body: { error: 'Content-Type header [text/plain;charset=UTF-8] is not supported', status: 406 } });
    expect(await call('GET', '/a/_nothing')).toMatchObject({ status: 400, body: { error: 'no handler found for uri [/a/_nothing] and method [GET]' } });
    const wrongMethod = await call('GET', '/_bulk');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error).toBe('Incorrect HTTP method for uri [/_bulk] and method [GET], allowed: [POST, PUT]');
  });

  it('logs each request with its path, query, body size and status', async () => {
    const body = ndjson([{ index: { _index: 'log', _id: '1' } }, { a: 1 }]);
    await call('POST', '/log/_bulk?refresh=wait_for', body, 'application/x-ndjson');
    await call('GET', '/log/_doc/1');
    expect(os.requests).toEqual([
      { method: 'POST', path: '/log/_bulk', query: { refresh: 'wait_for' }, bodyBytes: Buffer.byteLength(body), status: 200 },
      { method: 'GET', path: '/log/_doc/1', query: {}, bodyBytes: 0, status: 200 },
    ]);
  });
});

describe('faults', () => {
  const oneDoc = (id: string) => ndjson([{ index: { _index: 'f', _id: id } }, { id }]);
  const sendBulk = (id: string) => call('POST', '/_bulk', oneDoc(id), 'application/x-ndjson');

  it('rejects the next N bulk requests with 429 and applies nothing from them', async () => {
    os.faults.rejectBulk(2);
    expect((await call('GET', '/')).status).toBe(200);
    for (const id of ['1', '2']) {
      const rejected = await sendBulk(id);
      expect(rejected.status).toBe(429);
      expect(rejected.body).toMatchObject({ status: 429, error: { type: 'rejected_execution_exception', root_cause: [{ type: 'rejected_execution_exception' }] } });
    }
    expect((await sendBulk('3')).status).toBe(200);
    expect([...os.documents('f').keys()]).toEqual(['3']);
  });

  it('rejects the next N bulk items with a per-item 429 and applies the rest', async () => {
    os.faults.rejectItems(1);
    const response = await bulk([{ index: { _index: 'f', _id: '1' } }, { a: 1 }, { index: { _index: 'f', _id: '2' } }, { a: 2 }]);
    expect(response.body.errors).toBe(true);
    expect(item(response, 0)).toMatchObject({ status: 429, error: { type: 'rejected_execution_exception' } });
    expect(item(response, 1).status).toBe(201);
    expect([...os.documents('f').keys()]).toEqual(['2']);
  });

  it('answers the next N requests with 503, counting only bulk requests when scoped', async () => {
    os.faults.unavailable(1, 'bulk');
    expect((await call('GET', '/')).status).toBe(200);
    const unavailable = await sendBulk('1');
    expect(unavailable).toMatchObject({ status: 503, body: { status: 503, error: { type: 'cluster_block_exception' } } });
    expect((await sendBulk('2')).status).toBe(200);
    os.faults.unavailable(1);
    expect((await call('GET', '/')).status).toBe(503);
    expect([...os.documents('f').keys()]).toEqual(['2']);
  });

  it('resets the connection before applying, or after applying, the next N requests', async () => {
    os.faults.resetConnection(1);
    const lost = await sendBulk('1').catch((e: Error & { cause?: { code?: string } }) => e);
    expect((lost as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    expect(os.documents('f').size).toBe(0);
    os.faults.resetConnection(1, { afterApplying: true });
    const applied = await sendBulk('2').catch((e: Error) => e);
    expect(applied).toBeInstanceOf(Error);
    expect([...os.documents('f').keys()]).toEqual(['2']);
    expect((await sendBulk('3')).status).toBe(200);
    expect(os.requests.map((r) => r.status)).toEqual([undefined, undefined, 200]);
  });

  it('delays the next request, still applying it when the client gives up', async () => {
    os.faults.delay(2000, 1, 'bulk');
    const client = new AbortController();
    const init = { method: 'POST', body: oneDoc('slow'), headers: { 'content-type': 'application/x-ndjson' }, signal: client.signal };
    const pending = fetch(`${os.url}/_bulk`, init).catch((e: Error) => e);
    await waitFor(() => os.requests.length === 1, 5000, 'the delayed request to arrive');
    expect((await call('GET', '/')).status).toBe(200);
    expect(os.requests[0]!.status).toBeUndefined();
    expect(os.documents('f').size).toBe(0);
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await waitFor(() => os.documents('f').has('slow'), 10_000, 'the delayed write');
    expect(os.requests[0]!.status).toBe(200);
  });

  it('goes down (connections refused) and comes back up on the same port with its documents', async () => {
    expect((await sendBulk('1')).status).toBe(200);
    await os.down();
    const refused = await sendBulk('2').catch((e: Error & { cause?: { code?: string } }) => e);
    expect((refused as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await os.up();
    expect((await sendBulk('3')).status).toBe(200);
    expect([...os.documents('f').keys()]).toEqual(['1', '3']);
  });

  it('clears every fault', async () => {
    os.faults.rejectBulk(5);
    os.faults.unavailable(5);
    os.faults.failMapping(() => true);
    os.faults.clear();
    expect((await sendBulk('1')).body.errors).toBe(false);
  });
});

describe('response filtering (filter_path)', () => {
  it('keeps only the fields on the paths, element by element, with wildcards, and leaves errors whole', async () => {
    const lines = [
      { index: { _index: 'orders', _id: '1', version: 5, version_type: 'external' } }, { total: 5 },
      { index: { _index: 'orders', _id: '1', version: 4, version_type: 'external' } }, { total: 4 },
    ];
    const filtered = await bulk(lines, '/_bulk?filter_path=errors,items.*.status,items.*.error.type');
    expect(filtered.body).toEqual({ errors: true, items: [{ index: { status: 201 } }, { index: { status: 409, error: { type: 'version_conflict_engine_exception' } } }] });
    const globbed = await bulk([{ index: { _index: 'orders', _id: '2', version: 9, version_type: 'external' } }, { total: 9 }], '/_bulk?filter_path=items.**.res*,**._shards.total');
    expect(globbed.body).toEqual({ items: [{ index: { result: 'created', _shards: { total: 2 } } }] });
    expect((await bulk(lines.slice(0, 2), '/_bulk?filter_path=nothing.here')).body).toEqual({});
    const missing = await call('GET', '/nowhere/_doc/1?filter_path=_id');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, error: { type: 'index_not_found_exception', index: 'nowhere' } });
  });
});

describe('faults: answers after applying, held requests, and the request log', () => {
  const oneDoc = (id: string) => ndjson([{ index: { _index: 'f', _id: id } }, { id }]);

  it('applies a request at once and answers it late with a delay after applying, and names every fault in the request log', async () => {
    os.faults.delay(60_000, 1, { scope: 'bulk', afterApplying: true });
    const client = new AbortController();
    const pending = fetch(`${os.url}/_bulk`, { method: 'POST', body: oneDoc('early'), headers: { 'content-type': 'application/x-ndjson' }, signal: client.signal }).catch((e: Error) => e);
    await waitFor(() => os.documents('f').has('early'), 5000, 'the write applied before the answer');
    expect(os.requests[0]!.status).toBeUndefined();
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    os.faults.releaseDelayed();
    await waitFor(() => os.requests[0]!.status !== undefined, 5000, 'the held answer sent');
    os.faults.rejectBulk(1);
    await bulk([{ index: { _index: 'f', _id: 'x' } }, { a: 1 }]);
    os.faults.rejectItems(1);
    os.faults.resetConnection(1, { afterApplying: true });
    await bulk([{ index: { _index: 'f', _id: 'y' } }, { a: 1 }, { index: { _index: 'f', _id: 'z' } }, { a: 1 }]).catch((e: Error) => e);
    expect(os.requests.map((r) => [r.status, r.faults])).toEqual([[200, ['delayed after applying']], [429, ['rejected']], [undefined, ['reset after applying', 'items rejected']]]);
    expect([...os.documents('f').keys()]).toEqual(['early', 'z']);
  });

  it('holds a delayed request until releaseDelayed, then applies it', async () => {
    os.faults.delay(600_000, 1, 'bulk');
    const pending = call('POST', '/_bulk', oneDoc('held'), 'application/x-ndjson');
    await waitFor(() => os.requests.length === 1, 5000, 'the held request to arrive');
    expect((await call('GET', '/')).status).toBe(200);
    expect(os.documents('f').size).toBe(0);
    os.faults.releaseDelayed();
    expect((await pending).status).toBe(200);
    expect(os.documents('f').has('held')).toBe(true);
    expect(os.requests[0]!.faults).toEqual(['delayed']);
  });
});

describe('mappings', () => {
  const write = (index: string, docs: Json[]) => bulk(docs.flatMap((doc, i) => [{ index: { _index: index, _id: String(i + 1) } }, doc]));
  const statuses = (response: { body: Json }) => response.body.items.map((i: Json) => i.index.status);
  const mappingOf = async (index: string) => (await call('GET', `/${index}/_mapping`)).body[index].mappings;

  it('fails per item, as OpenSearch does, a value that does not fit its field\'s type, and takes the values that do', async () => {
    const properties = {
      n: { type: 'long' }, i: { type: 'integer' }, d: { type: 'date' }, b: { type: 'boolean' }, k: { type: 'keyword' }, s: { type: 'scaled_float', scaling_factor: 100 },
      o: { properties: { x: { type: 'long' } } }, bin: { type: 'binary' }, loose: { type: 'date', ignore_malformed: true },
    };
    expect((await call('PUT', '/typed', { mappings: { properties } })).status).toBe(200);
    const rejected = await write('typed', [
      { n: 'abc' }, { i: 3_000_000_000 }, { d: 'yesterday' }, { d: '2023-02-29' }, { d: '+10000-01-01' }, { b: 'yes' }, { b: 1 }, { k: { a: 1, b: 'x' } }, { n: true },
      { o: 5 }, { s: 'NaN' }, { bin: 'not base64!' }, { n: ['1', 'two'] },
    ]);
    expect(statuses(rejected)).toEqual(Array(13).fill(400));
    expect(item(rejected, 0).error).toEqual({
      type: 'mapper_parsing_exception', reason: "failed to parse field [n] of type [long] in document with id '1'. Preview of field's value: 'abc'",
      caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
    });
    expect(item(rejected, 1).error.caused_by.reason).toBe('Value [3000000000] is out of range for an integer');
    expect(item(rejected, 2).error.caused_by.reason).toBe('failed to parse date field [yesterday] with format [strict_date_optional_time||epoch_millis]');
    expect(item(rejected, 5).error.caused_by.reason).toBe('Failed to parse value [yes] as only [true] or [false] are allowed.');
    expect(item(rejected, 7).error.reason).toBe("failed to parse field [k] of type [keyword] in document with id '8'. Preview of field's value: '{a=1, b=x}'");
    expect(item(rejected, 9).error).toEqual({ type: 'mapper_parsing_exception', reason: 'object mapping for [o] tried to parse field [o] as object, but found a concrete value' });
    expect(item(rejected, 12).error.reason).toContain("Preview of field's value: 'two'");
    const taken = await write('typed', [
      { n: '42', i: 7.9, d: '2024-02-29T23:59:59.123456789+01:00', b: 'false', k: 5, s: '12.5', o: { x: 1 }, bin: 'AQL/', loose: 'infinity' },
      { n: null, d: 1_700_000_000_000, b: '', k: true, o: null, s: 3, d2: 'new field' },
      { n: [1, 2.5, ''], d: ['2024', '2024-03', '-0044-03-15'], o: [{ x: 1 }, { x: '2' }] },
    ]);
    expect(statuses(taken)).toEqual([201, 201, 201]);
    expect(sourceOf('typed', '1')).toMatchObject({ n: '42', loose: 'infinity' });
  });

  it('maps new fields with the types OpenSearch\'s dynamic mapping detects, so a later value that does not fit is refused', async () => {
    const first = await write('dyn', [{ count: 1, ratio: 0.5, flag: true, when: '2024-01-02T03:04:05Z', slashed: '2024/01/02', name: 'x', digits: '123', inner: { a: 1 }, list: [null, 3], none: null, empty: [] }]);
    expect(statuses(first)).toEqual([201]);
    expect(await mappingOf('dyn')).toEqual({
      properties: {
        count: { type: 'long' }, ratio: { type: 'float' }, flag: { type: 'boolean' }, when: { type: 'date' }, slashed: { type: 'date', format: 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd' },
        name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } }, digits: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        inner: { properties: { a: { type: 'long' } } }, list: { type: 'long' },
      },
    });
    const later = await write('dyn', [{ count: 'many' }, { when: 'soon' }, { inner: 'flat' }, { flag: 'maybe' }, { name: 5, digits: 'abc', ratio: '1.5', list: [4] }]);
    expect(statuses(later)).toEqual([400, 400, 400, 400, 201]);
  });

  it('follows dynamic false (kept in _source, not mapped) and strict (refused), inherited by inner objects', async () => {
    const mappings = { dynamic: 'strict', properties: { open: { type: 'object', dynamic: false, properties: {} }, id: { type: 'long' } } };
    expect((await call('PUT', '/strict', { mappings })).status).toBe(200);
    const response = await write('strict', [{ id: 1, open: { anything: 'goes', n: { deep: 1 } } }, { id: 2, other: 1 }, { id: 3, other: null }]);
    expect(statuses(response)).toEqual([201, 400, 400]);
    expect(item(response, 1).error).toEqual({ type: 'strict_dynamic_mapping_exception', reason: 'mapping set to strict, dynamic introduction of [other] within [_doc] is not allowed' });
    expect(sourceOf('strict', '1')).toEqual({ id: 1, open: { anything: 'goes', n: { deep: 1 } } });
    expect((await mappingOf('strict')).properties.open).toEqual({ type: 'object', dynamic: false, properties: {} });
  });

  it('adds the fields of a write that is then refused as a version conflict, as the mapping update comes first', async () => {
    await bulk([{ index: { _index: 'v', _id: '1', version: 5, version_type: 'external' } }, { a: 1 }]);
    const stale = await bulk([{ index: { _index: 'v', _id: '1', version: 4, version_type: 'external' } }, { a: 1, added: 'x' }]);
    expect(item(stale, 0).status).toBe(409);
    expect(Object.keys((await mappingOf('v')).properties)).toEqual(['a', 'added']);
  });

  it('refuses a mapping with a type OpenSearch does not have, a scaled_float without scaling_factor, or what the fake does not model', async () => {
    const cases: Array<[Json, string, string]> = [
      [{ properties: { x: { type: 'strnig' } } }, 'mapper_parsing_exception', 'Failed to parse mapping [_doc]: No handler for type [strnig] declared on field [x]'],
      [{ properties: { x: { type: 'scaled_float' } } }, 'mapper_parsing_exception', 'Failed to parse mapping [_doc]: Field [scaling_factor] is required'],
      [{ properties: { o: { properties: { y: { type: 'long', properties: {} } } } } }, 'mapper_parsing_exception', 'Mapping definition for [o.y] has unsupported parameters'],
      [{ mystery: true }, 'mapper_parsing_exception', 'Root mapping definition has unsupported parameters:  [mystery : true]'],
      [{ properties: { at: { type: 'geo_point' } } }, 'mapper_parsing_exception', '[fake-opensearch] field type [geo_point] of [at] is not modelled'],
      [{ properties: { d: { type: 'date', format: 'basic_date' } } }, 'mapper_parsing_exception', '[fake-opensearch] date format [basic_date] is not modelled'],
    ];
    for (const [mappings, type, reason] of cases) {
      const response = await call('PUT', '/bad-mapping', { mappings });
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe(type);
      expect(response.body.error.reason).toContain(reason);
    }
    expect((await call('HEAD', '/bad-mapping')).status).toBe(404);
  });
});

describe('deleted documents\' versions (index.gc_deletes)', () => {
  const deleteThenStale = async (index: string) => {
    await bulk([{ index: { _index: index, _id: '1', version: 5, version_type: 'external' } }, { v: 5 }]);
    await bulk([{ delete: { _index: index, _id: '1', version: 10, version_type: 'external' } }]);
    return bulk([{ index: { _index: index, _id: '1', version: 3, version_type: 'external' } }, { v: 3 }]);
  };

  it('keeps a deleted document\'s version for 60 s by default, so an older write conflicts', async () => {
    expect(item(await deleteThenStale('kept'), 0).error.reason).toBe('[1]: version conflict, current version [10] is higher or equal to the one provided [3]');
    expect(os.documents('kept').size).toBe(0);
  });

  it('forgets it after the index\'s index.gc_deletes, or the node\'s gcDeletesMs, and then takes a write with any version', async () => {
    expect((await call('PUT', '/forgetful', { settings: { index: { gc_deletes: '0s' } } })).status).toBe(200);
    expect(item(await deleteThenStale('forgetful'), 0)).toMatchObject({ status: 201, result: 'created', _version: 3 });
    expect(sourceOf('forgetful', '1')).toEqual({ v: 3 });
    await os.close();
    os = await startFakeOpenSearch({ refreshIntervalMs: null, gcDeletesMs: 0 });
    expect(item(await deleteThenStale('auto'), 0)).toMatchObject({ status: 201, _version: 3 });
    await bulk([{ index: { _index: 'auto', _id: 'i' } }, { n: 1 }, { delete: { _index: 'auto', _id: 'i' } }, { index: { _index: 'auto', _id: 'i' } }, { n: 2 }]);
    // an internal version starts over once the tombstone is gone
    expect(os.documents('auto').get('i')).toMatchObject({ version: 1, source: { n: 2 } });
  });

  it('refuses an index.gc_deletes that is no time value', async () => {
    const response = await call('PUT', '/badgc', { settings: { 'index.gc_deletes': '100' } });
    expect(response.status).toBe(400);
    expect(response.body.error.reason).toBe('failed to parse setting [index.gc_deletes] with value [100] as a time value: unit is missing or unrecognized');
  });
});

describe('index templates', () => {
  const putTemplate = (name: string, body: Json, query = '') => call('PUT', `/_index_template/${name}${query}`, body);
  const mappingOf = async (index: string) => (await call('GET', `/${index}/_mapping`)).body[index].mappings;

  it('gives an index created without mappings, or by a first write, the mappings and settings of the highest-priority template matching its name', async () => {
    expect(await putTemplate('logs', { index_patterns: ['logs-*'], priority: 1, template: { mappings: { properties: { code: { type: 'keyword' } } } } })).toMatchObject({ status: 200, body: { acknowledged: true } });
    const app = { index_patterns: ['logs-app-*'], priority: 5, template: { settings: { index: { gc_deletes: '0s' } }, mappings: { properties: { level: { type: 'integer' } } } } };
    expect((await putTemplate('app-logs', app)).status).toBe(200);
    expect((await call('PUT', '/logs-app-1')).status).toBe(200);
    expect(await mappingOf('logs-app-1')).toEqual({ properties: { level: { type: 'integer' } } });
    const written = await bulk([{ index: { _index: 'logs-web-1', _id: '1' } }, { code: 42, note: 'x' }, { index: { _index: 'logs-app-2', _id: '1' } }, { level: 'high' }]);
    expect([item(written, 0).status, item(written, 1).status]).toEqual([201, 400]);
    expect((await mappingOf('logs-web-1')).properties.code).toEqual({ type: 'keyword' });
    // the template's gc_deletes: a deleted document's version is forgotten at once
    await bulk([{ delete: { _index: 'logs-app-1', _id: '9', version: 10, version_type: 'external' } }]);
    expect(item(await bulk([{ index: { _index: 'logs-app-1', _id: '9', version: 2, version_type: 'external' } }, { level: 1 }]), 0).status).toBe(201);
  });

  it('lets a create request\'s mappings replace the template\'s field by field, merging objects', async () => {
    await putTemplate('t', { index_patterns: ['shop*'], template: { mappings: { dynamic: 'strict', properties: { code: { type: 'keyword' }, meta: { properties: { a: { type: 'long' } } }, kept: { type: 'boolean' } } } } });
    await call('PUT', '/shop1', { mappings: { properties: { code: { type: 'long' }, meta: { properties: { b: { type: 'keyword' } } } } } });
    expect(await mappingOf('shop1')).toEqual({
      dynamic: 'strict', properties: { code: { type: 'long' }, meta: { properties: { a: { type: 'long' }, b: { type: 'keyword' } } }, kept: { type: 'boolean' } },
    });
  });

  it('never changes an index that exists when a template is put or deleted', async () => {
    await bulk([{ index: { _index: 'early-1', _id: '1' } }, { code: 'abc' }]);
    await putTemplate('late', { index_patterns: ['early-*'], template: { mappings: { properties: { code: { type: 'long' } } } } });
    expect((await mappingOf('early-1')).properties.code.type).toBe('text');
    expect(item(await bulk([{ index: { _index: 'early-1', _id: '2' } }, { code: 'def' }]), 0).status).toBe(201);
    expect((await call('DELETE', '/_index_template/late')).body).toEqual({ acknowledged: true });
    expect((await mappingOf('early-1')).properties.code.type).toBe('text');
  });

  it('lists, reads and deletes templates, and refuses overlapping patterns at one priority, a second create, and what it does not model', async () => {
    await putTemplate('a', { index_patterns: ['x-*'], priority: 3, template: {} });
    const overlap = await putTemplate('b', { index_patterns: ['x-1*', 'y'], priority: 3 });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.reason).toBe(
      'index template [b] has index patterns [x-1*, y] matching patterns from existing templates [a] with patterns (a => [x-*]) that have the same priority [3], multiple index templates may not match during index creation, please use a different priority',
    );
    expect((await putTemplate('b', { index_patterns: ['x-1*'], priority: 4 })).status).toBe(200);
    expect((await putTemplate('b', { index_patterns: ['z'] }, '?create=true')).body.error.reason).toBe('index template [b] already exists');
    expect((await call('GET', '/_index_template')).body.index_templates.map((t: Json) => t.name)).toEqual(['a', 'b']);
    expect((await call('GET', '/_index_template/a')).body.index_templates[0].index_template).toMatchObject({ index_patterns: ['x-*'], priority: 3 });
    expect((await call('HEAD', '/_index_template/a')).status).toBe(200);
    expect((await call('DELETE', '/_index_template/a')).status).toBe(200);
    expect((await call('GET', '/_index_template/a')).status).toBe(404);
    expect((await call('DELETE', '/_index_template/a')).body.error.type).toBe('index_template_missing_exception');
    expect((await putTemplate('c', { template: {} })).body.error.reason).toBe('Validation Failed: 1: index patterns are missing;');
    expect((await putTemplate('c', { index_patterns: ['c*'], composed_of: ['base'] })).body.error.reason).toContain('[fake-opensearch] component templates');
    const badMapping = await putTemplate('c', { index_patterns: ['c*'], template: { mappings: { properties: { x: { type: 'nope' } } } } });
    expect(badMapping.body.error).toMatchObject({ type: 'illegal_argument_exception', reason: 'composable template [c] template after composition is invalid', caused_by: { type: 'mapper_parsing_exception' } });
  });

  it('simulates an index: the settings, mappings and aliases of the template a new index of that name would get, and the templates overlapping it', async () => {
    const simulate = (index: string) => call('POST', `/_index_template/_simulate_index/${index}`);
    expect(await simulate('logs-app-1')).toMatchObject({ status: 200, body: {} });
    const logs = { index_patterns: ['logs-*'], priority: 1, template: { settings: { index: { gc_deletes: '0s' } }, mappings: { properties: { code: { type: 'keyword' } } }, aliases: { 'all-logs': {} } } };
    await putTemplate('logs', logs);
    await putTemplate('app-logs', { index_patterns: ['logs-app-*'], priority: 5, template: { mappings: { dynamic: 'strict', properties: { level: { type: 'integer' } } } } });
    expect((await putTemplate('metrics', { index_patterns: ['metrics-*'], template: { settings: { 'index.number_of_shards': 2 } } })).status).toBe(200);

    const app = await simulate('logs-app-1');
    expect(app.body).toEqual({
      template: { settings: {}, mappings: { dynamic: 'strict', properties: { level: { type: 'integer' } } }, aliases: {} },
      overlapping: [{ name: 'logs', index_patterns: ['logs-*'] }],
    });
    expect((await simulate('logs-web-1')).body).toEqual({
      template: { settings: { index: { gc_deletes: '0s' } }, mappings: logs.template.mappings, aliases: { 'all-logs': {} } },
      overlapping: [{ name: 'app-logs', index_patterns: ['logs-app-*'] }],
    });
    // a template that maps nothing: no mappings at all; settings come back as strings
    expect((await simulate('metrics-1')).body).toEqual({ template: { settings: { index: { number_of_shards: '2' } }, aliases: {} }, overlapping: [] });
    expect((await simulate('other')).body).toEqual({});
    // nothing is created, and the index created afterwards gets what was simulated
    expect((await call('HEAD', '/logs-app-1')).status).toBe(404);
    expect((await call('PUT', '/logs-app-1')).status).toBe(200);
    expect(await mappingOf('logs-app-1')).toEqual(app.body.template.mappings);
  });

  it('refuses a simulation to a user without indices:admin/index_template/simulate_index, by GET, and with a template in the body', async () => {
    expect((await call('GET', '/_index_template/_simulate_index/x')).status).toBe(405);
    expect((await call('POST', '/_index_template/_simulate_index/x', { index_patterns: ['x'] })).body.error.reason).toContain('[fake-opensearch] a template to simulate with');
    await os.close();
    os = await startFakeOpenSearch({ auth: { username: 'sluice', password: 'pw', denied: ['indices:admin/index_template/simulate_index'] } });
    const response = await fetch(`${os.url}/_index_template/_simulate_index/x`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('sluice:pw').toString('base64')}` } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as Json).error).toMatchObject({
      type: 'security_exception', reason: 'no permissions for [indices:admin/index_template/simulate_index] and User [name=sluice, backend_roles=[], requestedTenant=null]',
    });
  });
});
