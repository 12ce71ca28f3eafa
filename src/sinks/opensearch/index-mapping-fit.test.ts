/**
 * The sink's derived mappings (index-mapping.ts) and documents (document-values.ts) on the fake node,
 * which checks every value against its field's mapping as OpenSearch does, or on the OPENSEARCH_URL
 * cluster: the values Postgres columns hold fit the mappings derived for them; and an index
 * template's mapping is kept, for an index that exists when the sink writes and for one it creates
 * (derived mappings only for the fields the template leaves), unless the user may not ask which
 * template applies.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { itOnFake, openSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { openSearchRequest, type Json } from '../../../test/support/opensearch-http.js';
import { openTextFixture, type TextFixture } from '../../../test/support/type-fixture.js';
import type { ConnectSchema, Row } from '../../events.js';
import { toJson } from '../../json.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';
import { capturingLogger } from '../../../test/support/source-task-harness.js';
import { articleCreated, sinkRecord } from './articles.fixture.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { DocumentConverter } from './document-values.js';
import { deriveIndexMapping } from './index-mapping.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX } from './orders-sink.fixture.js';
import { OpenSearchSinkTask } from './sink-task.js';

const ARTICLES_INDEX = 'shop.public.articles';
const INFO = 30;

const search = openSearchForEachTest({ refreshIntervalMs: null });
const call = (method: string, path: string, body?: unknown) => openSearchRequest(search.url, method, path, body);

describe('derived mappings take the documents the sink writes', () => {
  let fixture: TextFixture;
  let client: OpenSearchClient;
  beforeAll(async () => {
    fixture = await openTextFixture('os_fit');
  });
  afterAll(async () => {
    await fixture.close();
  });
  beforeEach(() => {
    client = createOpenSearchClient(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: 't', 'connection.url': search.url }).connection);
  });
  afterEach(() => client.close());

  /**
   * Creates the index `search.index(indexName)` as the sink does and writes each row's document; the
   * bulk response: whether an item failed, and its items (only counted when none did: client.ts).
   */
  async function writeRows(indexName: string, columns: Record<string, string>, rows: string[][]): Promise<{ errors: boolean; items: Json[] }> {
    const index = search.index(indexName);
    const read = await fixture.read(columns, rows);
    const names = Object.keys(columns);
    const schema: ConnectSchema = { type: 'struct', optional: true, name: 't.Value', fields: names.map((name) => read[name]!.field) };
    await client.ensureIndex(index, deriveIndexMapping(schema));
    const converter = new DocumentConverter(false);
    const lines = rows.flatMap((_, r) => {
      const row: Row = Object.fromEntries(names.map((name) => [name, read[name]!.values()[r]]));
      return [toJson({ index: { _index: index, _id: String(r) } }), toJson(converter.document(row, schema))];
    });
    const response = (await client.bulk(Buffer.from(`${lines.join('\n')}\n`))) as { errors: boolean; items: Array<{ index: Json }> };
    return { errors: response.errors, items: response.items.map((item) => item.index) };
  }

  it('indexes every value the columns hold, dates OpenSearch cannot read (infinity, years past 9999) kept in _source', async () => {
    const columns = {
      small: 'int2', regular: 'int4', big: 'int8', real: 'float4', double: 'float8', flag: 'boolean', price: 'numeric(10,2)', wide: 'numeric(30,4)', free: 'numeric',
      cash: 'money', day: 'date', stamp: 'timestamp(3)', micro: 'timestamp', zoned: 'timestamptz', clock: 'time', zclock: 'timetz', span: 'interval', body: 'text',
      code: 'char(3)', ident: 'uuid', doc: 'jsonb', blob: 'bytea', flags: 'bit(8)', addr: 'inet', markup: 'xml', ints: 'int4[]', labels: 'text[]', days: 'date[]', stamps: 'timestamptz[]',
    };
    const written = await writeRows('fit', columns, [
      [
        '1', '2', '9223372036854775807', "'NaN'", "'Infinity'", 'true', '12345678.90', '12345678901234567890123456.1234', '123.456', '12.34', "'2024-02-29'",
        "'2024-01-01 10:00:00.123'", "'2024-01-01 10:00:00.123456'", "'2024-01-01 10:00:00.123456+02'", "'24:00:00'", "'10:00:00+02'", "'1 year 2 mons 3 days'", "'hello'",
        "'abc'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", `'{"a": [1, 2.5], "b": {"c": null}}'`, "'\\x0102'::bytea", "B'10101010'", "'10.0.0.1'", "'<a>x</a>'", "'{1,2}'",
        "'{a,b}'", "'{2024-01-01}'", `'{"2024-01-01 00:00:00+00"}'`,
      ],
      [
        '-1', '-2', '-9223372036854775808', "'-Infinity'", "'NaN'", 'false', '-0.01', '0', '1e-20', '-0.01', "'infinity'", "'infinity'", "'-infinity'", "'infinity'",
        "'00:00:00'", "'00:00:00-11'", "'-1 day'", "''", "''", "'00000000-0000-0000-0000-000000000000'", "'{}'", "''::bytea", "B'00000000'", "'::1'", "''", "'{}'",
        "'{NULL}'", "'{infinity}'", "'{-infinity}'",
      ],
      [
        '0', '0', '0', '0', '0', 'NULL', '0', '0', '0', '0', "'0044-03-15 BC'", "'10000-01-01'", "'0001-01-01 BC'", "'12000-01-01 00:00:00+00'", "'12:00'",
        "'12:00+00'", "'0'", 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL',
      ],
    ]);
    // Where an item failed, the items are parsed and say why.
    expect(written.errors ? written.items.map((item) => [item.status, item.error?.reason]) : []).toEqual([]);
    expect(written.items).toHaveLength(3);
    const stored = await search.documents(search.index('fit'));
    expect(stored.get('1')!.source).toMatchObject({ zoned: 'infinity', stamps: ['-infinity'] });
    expect(stored.get('2')!.source).toMatchObject({ stamp: '+10000-01-01T00:00:00.000', day: '-0043-03-15' });
  });

  it('refuses, as a malformed document, a json value that is not an object', async () => {
    const { items } = await writeRows('json', { doc: 'jsonb' }, [[`'{"a": 1}'`], [`'"text"'`], [`'[1, 2]'`]]);
    expect(items.map((item) => [item.status, item.error?.type])).toEqual([[201, undefined], [400, 'mapper_parsing_exception'], [400, 'mapper_parsing_exception']]);
  });
});

describe('index templates', () => {
  const KEYWORDS = { mappings: { properties: { status: { type: 'keyword' }, note: { type: 'keyword' } } } };
  const TEXT = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
  const orders = () => search.index(ORDERS_INDEX);
  /** Puts the test's template `shop`, of its indices `shop.*` (the orders' among them), with these settings and mappings. */
  const putShopTemplate = (template: Json) => call('PUT', `/_index_template/${search.index('shop')}`, { index_patterns: [`${search.index('shop')}.*`], template });
  const mappingOf = async () => (await call('GET', `/${orders()}/_mapping`)).body[orders()].mappings.properties;

  /** Writes two orders through a sink task; the index checks its client made, each with what it said of templates (null: none refused). */
  async function writeOrders(): Promise<Array<[string, string | null]>> {
    const checks: Array<[string, string | null]> = [];
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, ...search.sinkSettings });
    const task = new OpenSearchSinkTask(config, (connection) => {
      const client = createOpenSearchClient(connection);
      const ensureIndex: OpenSearchClient['ensureIndex'] = async (name, mapping) => {
        const checked = await client.ensureIndex(name, mapping);
        checks.push([name, checked.templatesUnchecked]);
        return checked;
      };
      return { ...client, ensureIndex };
    });
    await task.start(sinkTaskContext({ connector: 'search' }));
    await task.put([orderUpdate(0, 1, 'paid'), orderUpdate(1, 2, 'new')]);
    await task.flush();
    await task.stop();
    return checks;
  }

  it('keeps the mapping a template gave an index that exists, mapping the other fields dynamically', async () => {
    expect((await putShopTemplate(KEYWORDS)).status).toBe(200);
    expect((await call('PUT', `/${orders()}`)).status).toBe(200);
    await writeOrders();
    const properties = await mappingOf();
    expect(properties).toMatchObject({ status: { type: 'keyword' }, note: { type: 'keyword' }, id: { type: 'long' } });
    expect(properties.customer).toEqual(TEXT);
    expect([...(await search.documents(orders())).keys()].sort()).toEqual(['1', '2']);
    expect((await call('GET', `/_index_template/${search.index('shop')}`)).body.index_templates[0].index_template).toMatchObject({ index_patterns: [`${search.index('shop')}.*`], template: KEYWORDS });
  });

  it('creates a missing index with a matching template\'s mapping for the fields it maps and the derived mapping for the others', async () => {
    await putShopTemplate(KEYWORDS);
    // One index check, whose template check was answered.
    expect(await writeOrders()).toEqual([[orders(), null]]);
    const properties = await mappingOf();
    expect(properties.status).toEqual({ type: 'keyword' });
    expect(properties.note).toEqual({ type: 'keyword' });
    expect(properties.total).toEqual({ type: 'scaled_float', scaling_factor: 100 });
    expect(properties.customer).toEqual(TEXT);
    expect((await search.documents(orders())).size).toBe(2);
  });

  it('derives every field under a template that sets only settings, and none under one that turns dynamic mapping off', async () => {
    await putShopTemplate({ settings: { index: { gc_deletes: '0s' } } });
    await writeOrders();
    expect((await mappingOf()).total).toEqual({ type: 'scaled_float', scaling_factor: 100 });

    await call('DELETE', `/${orders()}`);
    await putShopTemplate({ mappings: { dynamic: false, properties: { status: { type: 'keyword' } } } });
    await writeOrders();
    expect(await mappingOf()).toEqual({ status: { type: 'keyword' } });
    expect((await search.documents(orders())).get('1')!.source).toMatchObject({ status: 'paid', customer: 'Alice' });
  });

  itOnFake('the denied permission is the fake node\'s auth option')('creates the index with the whole derived mapping, and says once at info which permission is missing, when the user may not simulate templates', async () => {
    const fake = await startFakeOpenSearch({ refreshIntervalMs: null, auth: { username: 'sluice', password: 'pw', denied: ['indices:admin/index_template/simulate_index'] } });
    try {
      const headers = { authorization: `Basic ${Buffer.from('sluice:pw').toString('base64')}` };
      expect((await openSearchRequest(fake.url, 'PUT', '/_index_template/shop', { index_patterns: ['shop.*'], template: KEYWORDS }, { headers })).status).toBe(200);
      const { logger, lines } = capturingLogger();
      const config = parseOpenSearchSinkConfig({
        name: 'search', 'connector.class': 'OpenSearchSink', topics: `${ORDERS_INDEX},${ARTICLES_INDEX}`, 'connection.url': fake.url, 'connection.username': 'sluice', 'connection.password': 'pw',
      });
      const task = new OpenSearchSinkTask(config);
      await task.start(sinkTaskContext({ connector: 'search', logger }));
      await task.put([orderUpdate(0, 1, 'paid'), sinkRecord(articleCreated, 0)]);
      await task.flush();
      await task.stop();

      const mapping = await openSearchRequest(fake.url, 'GET', `/${ORDERS_INDEX}/_mapping`, undefined, { headers });
      expect(mapping.body[ORDERS_INDEX].mappings.properties.status).toEqual(TEXT);
      expect(fake.requests.filter((r) => r.path.startsWith('/_index_template/_simulate_index/')).map((r) => r.status)).toEqual([403, 403]);
      expect([fake.documents(ORDERS_INDEX).size, fake.documents(ARTICLES_INDEX).size]).toEqual([1, 1]);
      const told = lines.filter((line) => line.msg.includes('index templates'));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ level: INFO, index: ORDERS_INDEX });
      expect(told[0]!.msg).toMatch(/\(403: .*no permissions for \[indices:admin\/index_template\/simulate_index\].*grant the connection's user the cluster permission indices:admin\/index_template\/simulate_index/);
    } finally {
      await fake.close();
    }
  });
});

describe('a template check the cluster does not answer', () => {
  /** A cluster where the index is missing, the template check answers `status`, and creations are recorded. */
  async function clusterAnswering(status: number) {
    const created: Json[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const reply = (code: number, body?: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
        if (req.method === 'HEAD') return reply(404);
        if (req.url!.startsWith('/_index_template/_simulate_index/')) return reply(status, { error: `no handler found for uri [${req.url}] and method [POST]`, status });
        created.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        return reply(200, { acknowledged: true, shards_acknowledged: true, index: 'orders' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createOpenSearchClient(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: 't', 'connection.url': `http://127.0.0.1:${(server.address() as AddressInfo).port}` }).connection);
    return { client, created, close: async () => (await client.close(), await new Promise<void>((resolve) => server.close(() => resolve()))) };
  }
  const MAPPING = { properties: { status: { type: 'keyword' } } };

  it.each([400, 404, 405])('creates the index with the whole derived mapping, saying why, when the check answers %i (a cluster without the API)', async (status) => {
    const cluster = await clusterAnswering(status);
    try {
      const { templatesUnchecked } = await cluster.client.ensureIndex('orders', MAPPING);
      expect(templatesUnchecked).toContain(`(${status}: `);
      expect(cluster.created).toEqual([{ mappings: MAPPING }]);
    } finally {
      await cluster.close();
    }
  });

  it.each([[429, true], [503, true], [401, false]])('creates nothing and fails as the client classifies the answer when the check answers %i (retriable: %s)', async (status, retriable) => {
    const cluster = await clusterAnswering(status);
    try {
      await expect(cluster.client.ensureIndex('orders', MAPPING)).rejects.toMatchObject({ retriable, code: retriable ? 'OPENSEARCH_UNAVAILABLE' : 'OPENSEARCH_AUTH' });
      expect(cluster.created).toEqual([]);
    } finally {
      await cluster.close();
    }
  });
});
