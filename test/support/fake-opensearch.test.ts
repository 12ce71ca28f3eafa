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
