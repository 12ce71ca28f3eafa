/**
 * The fake OpenSearch node (fake-opensearch.ts) as a client sees it over HTTP: cluster info and
 * credentials, indices (fake-opensearch-indices.ts), routing and Content-Types, the request log and
 * `filter_path` (fake-opensearch-node.ts). Its writes, searches, faults and mappings have test
 * files of their own beside it.
 */
import { describe, expect, it } from 'vitest';
import { item, ndjson, requestsTo } from './fake-opensearch-requests.js';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import type { Json } from './opensearch-http.js';

const os = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
const { call, bulk } = requestsTo(os);

describe('cluster info and authentication', () => {
  it('answers GET / with the OpenSearch distribution and version', async () => {
    const { status, body } = await call('GET', '/');
    expect(status).toBe(200);
    expect(body.version).toMatchObject({ distribution: 'opensearch', number: '2.19.1' });
    expect(body.tagline).toContain('OpenSearch');
  });

  it('requires the configured basic credentials', async () => {
    await os.restart({ auth: { username: 'admin', password: 's3cret' }, version: '2.11.0' });
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

  it('deletes the indices a list or a pattern names, and nothing when a listed one is missing', async () => {
    for (const name of ['logs-1', 'logs-2', 'logs-3', 'metrics']) await call('PUT', `/${name}`);
    const missing = await call('DELETE', '/logs-1,nope');
    expect(missing).toMatchObject({ status: 404, body: { error: { type: 'index_not_found_exception', index: 'nope' } } });
    expect((await call('HEAD', '/logs-1')).status).toBe(200);
    expect((await call('DELETE', '/logs-1,logs-2')).body).toEqual({ acknowledged: true });
    expect((await call('DELETE', '/nothing-*')).status).toBe(200);
    expect((await call('DELETE', '/logs-*')).status).toBe(200);
    expect((await call('GET', '/_cat/indices?format=json&h=index')).body).toEqual([{ index: 'metrics' }]);
  });

  it('lists indices by name or pattern in _cat/indices JSON, each column a string, and none for a pattern nothing matches', async () => {
    await bulk([{ index: { _index: 'logs-1', _id: '1' } }, { a: 1 }, { index: { _index: 'logs-1', _id: '2' } }, { a: 2 }, { index: { _index: 'metrics', _id: '1' } }, { a: 1 }]);
    await call('POST', '/_refresh');
    const logs = await call('GET', '/_cat/indices/logs-*?format=json');
    expect(logs.status).toBe(200);
    expect(logs.body).toEqual([{ health: 'yellow', status: 'open', index: 'logs-1', uuid: expect.any(String) as unknown, pri: '1', rep: '1', 'docs.count': '2' }]);
    const listed = (await call('GET', '/_cat/indices/metrics,logs-1?format=json&h=index,docs.count')).body as Array<{ index: string }>;
    expect(listed.sort((x, y) => x.index.localeCompare(y.index))).toEqual([{ index: 'logs-1', 'docs.count': '2' }, { index: 'metrics', 'docs.count': '1' }]);
    expect((await call('GET', '/_cat/indices/none-*?format=json')).body).toEqual([]);
    expect((await call('GET', '/_cat/indices/none?format=json')).status).toBe(404);
    expect((await call('GET', '/_cat/indices')).body.error.reason).toContain('[fake-opensearch] _cat/indices answers format=json only');
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
