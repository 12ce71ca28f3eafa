import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import type { SinkRecord } from '../../events.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderDeleted, orderUpdate, ORDERS_INDEX, ordersTruncated, startOrdersSink } from './orders-sink.fixture.js';

/** The index as the fake holds it: each live document's version and status. */
const indexState = (fake: FakeOpenSearch) => Object.fromEntries([...fake.documents(ORDERS_INDEX)].map(([id, doc]) => [id, { version: doc.version, status: doc.source['status'] }]));

describe('OpenSearch sink: a truncate deletes at its version', () => {
  let fake: FakeOpenSearch;
  beforeEach(async () => {
    fake = await startFakeOpenSearch({ refreshIntervalMs: null });
  });
  afterEach(async () => {
    await fake.close();
  });

  /** Runs `records` through a new sink task, as a worker does after the sink's offsets were reset, to the end. */
  const deliver = async (records: SinkRecord[]) => {
    const { task } = await startOrdersSink(fake.url, { 'batch.size': '3', 'linger.ms': '600000' });
    await task.put(records);
    await task.flush();
    await task.stop();
  };

  it('leaves the index exactly as it was when the whole stream, truncate included, is delivered again from offset 0', async () => {
    const stream = [
      orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed'), orderUpdate(2, 1, 'paid'),
      ordersTruncated(3),
      orderUpdate(4, 1, 'placed again'), orderUpdate(5, 3, 'placed'), orderUpdate(6, 3, 'shipped'), orderUpdate(7, 4, 'placed'), orderDeleted(8, 4), orderUpdate(9, 5, 'placed'),
    ];
    await deliver(stream);
    const once = indexState(fake);
    expect(once).toEqual({ 1: { version: 1004, status: 'placed again' }, 3: { version: 1006, status: 'shipped' }, 5: { version: 1009, status: 'placed' } });
    await deliver(stream);
    expect(indexState(fake)).toEqual(once);
    expect(fake.openScrolls()).toBe(0);
  });

  it('deletes every document written before it, those of its own transaction (same version) included, and none after it', async () => {
    // An earlier transaction, then one that writes 2 and 3, truncates and writes 4; its changes share
    // the version of a commit logged in between, 2_000.
    await deliver([orderUpdate(0, 1, 'placed', 1_500), orderUpdate(1, 2, 'placed', 2_000), orderUpdate(2, 3, 'placed', 2_000), ordersTruncated(3, 2_000), orderUpdate(4, 4, 'placed', 2_000)]);
    expect(indexState(fake)).toEqual({ 4: { version: 2_000, status: 'placed' } });
  });

  it('deletes an index of more documents than one page of its scan, and clears the scroll', async () => {
    const written = Array.from({ length: 2_500 }, (_, i) => orderUpdate(i, i + 1, 'placed'));
    await deliver([...written, ordersTruncated(2_500), orderUpdate(2_501, 7, 'placed again')]);
    expect(indexState(fake)).toEqual({ 7: { version: 3_501, status: 'placed again' } });
    const pages = fake.requests.filter((r) => r.path.endsWith('/_search') || r.path === '/_search/scroll');
    expect(pages.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /shop.public.orders/_search', ...Array<string>(3).fill('POST /_search/scroll'), 'DELETE /_search/scroll']);
    expect(fake.openScrolls()).toBe(0);
  });
});

describe('OpenSearch client: deleteAll', () => {
  let fake: FakeOpenSearch;
  let client: OpenSearchClient;
  beforeEach(async () => {
    fake = await startFakeOpenSearch({ refreshIntervalMs: null });
    client = createOpenSearchClient(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': fake.url }).connection);
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  const write = (id: string, version: number) => client.bulk(Buffer.from(`{"index":{"_index":"orders","_id":"${id}","version":${version},"version_type":"external_gte"}}\n{"id":${id}}\n`));
  const versions = () => Object.fromEntries([...fake.documents('orders')].map(([id, doc]) => [id, doc.version]));

  it('keeps documents newer than the version, and deletes the rest', async () => {
    for (const [id, version] of [['1', 10], ['2', 20], ['3', 30]] as const) await write(id, version);
    await client.deleteAll('orders', 20);
    expect(versions()).toEqual({ 3: 30 });
    // Their tombstones keep the truncate's version: a write after it, at a version at least as high, applies.
    await write('2', 20);
    expect(versions()).toEqual({ 2: 20, 3: 30 });
  });

  it('throws a retriable error when a delete is turned away for now, clears its scroll, and finishes when called again', async () => {
    for (const id of ['1', '2', '3']) await write(id, 5);
    fake.faults.rejectItems(1);
    await expect(client.deleteAll('orders', 5)).rejects.toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    expect(fake.openScrolls()).toBe(0);
    expect(Object.keys(versions())).toHaveLength(1);
    await client.deleteAll('orders', 5);
    expect(versions()).toEqual({});
  });

  it('throws a retriable error when the cluster answers 503, and does nothing for a missing index', async () => {
    await write('1', 5);
    fake.faults.unavailable(1);
    await expect(client.deleteAll('orders', 5)).rejects.toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    await expect(client.deleteAll('missing', 5)).resolves.toBeUndefined();
    expect(fake.openScrolls()).toBe(0);
  });

  it('deletes every document by query when the truncate carries no version', async () => {
    for (const [id, version] of [['1', 10], ['2', 20]] as const) await write(id, version);
    await client.deleteAll('orders', null);
    expect(versions()).toEqual({});
    expect(fake.requests.some((r) => r.path === '/orders/_delete_by_query')).toBe(true);
    expect(fake.requests.some((r) => r.path.endsWith('_search'))).toBe(false);
  });
});
