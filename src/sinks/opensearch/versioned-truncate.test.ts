import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { describeOnFake, fakeOpenSearchForEachTest, openSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { capturingLogger } from '../../../test/support/source-task-harness.js';
import type { SinkRecord } from '../../events.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderDeleted, orderUpdate, ORDERS_INDEX, ordersTruncated, startOrdersSink } from './orders-sink.fixture.js';
import { MAX_LISTINGS } from './versioned-truncate.js';

/** Each live document's version and status, by id. */
const stateOf = (documents: ReadonlyMap<string, { version: number; source: Record<string, unknown> }>) => Object.fromEntries([...documents].map(([id, doc]) => [id, { version: doc.version, status: doc.source['status'] }]));
/** The searches and scroll requests among `requests`, with the status of each answer. */
const listingRequests = (requests: FakeOpenSearch['requests']) => requests.filter((r) => r.path.endsWith('/_search') || r.path === '/_search/scroll').map((r) => `${r.method} ${r.path} ${r.status}`);
/** Runs `records` through a new sink task writing to `url`, as a worker does after the sink's offsets were reset, to the end. */
async function deliverAll(url: string, settings: Record<string, string>, records: SinkRecord[]): Promise<void> {
  const { task } = await startOrdersSink(url, { ...settings, 'batch.size': '3', 'linger.ms': '600000' });
  await task.put(records);
  await task.flush();
  await task.stop();
}
const RELISTED = 'the listing of the ids a truncate deletes was cut short; listing them again';

describe('OpenSearch sink: a truncate deletes at its version', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  const indexState = async () => stateOf(await search.documents(search.index(ORDERS_INDEX)));

  const deliver = (records: SinkRecord[]) => deliverAll(search.url, search.sinkSettings, records);

  it('leaves the index exactly as it was when the whole stream, truncate included, is delivered again from offset 0', async () => {
    const stream = [
      orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed'), orderUpdate(2, 1, 'paid'),
      ordersTruncated(3),
      orderUpdate(4, 1, 'placed again'), orderUpdate(5, 3, 'placed'), orderUpdate(6, 3, 'shipped'), orderUpdate(7, 4, 'placed'), orderDeleted(8, 4), orderUpdate(9, 5, 'placed'),
    ];
    await deliver(stream);
    const once = await indexState();
    expect(once).toEqual({ 1: { version: 1004, status: 'placed again' }, 3: { version: 1006, status: 'shipped' }, 5: { version: 1009, status: 'placed' } });
    await deliver(stream);
    expect(await indexState()).toEqual(once);
  });

  it('deletes every document written before it, those of its own transaction (same version) included, and none after it', async () => {
    // An earlier transaction, then one that writes 2 and 3, truncates and writes 4; its changes share
    // the version of a commit logged in between, 2_000.
    await deliver([orderUpdate(0, 1, 'placed', 1_500), orderUpdate(1, 2, 'placed', 2_000), orderUpdate(2, 3, 'placed', 2_000), ordersTruncated(3, 2_000), orderUpdate(4, 4, 'placed', 2_000)]);
    expect(await indexState()).toEqual({ 4: { version: 2_000, status: 'placed' } });
  });
});

describeOnFake('it reads the fake node\'s documents, scrolls and request log, and arms its faults', 'OpenSearch sink: a truncate\'s listing of ids', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
  const indexState = () => stateOf(fake.documents(ORDERS_INDEX));

  const deliver = (records: SinkRecord[]) => deliverAll(fake.url, {}, records);

  it('deletes an index of more documents than one page of its scan, and clears the scroll', async () => {
    const written = Array.from({ length: 2_500 }, (_, i) => orderUpdate(i, i + 1, 'placed'));
    await deliver([...written, ordersTruncated(2_500), orderUpdate(2_501, 7, 'placed again')]);
    expect(indexState()).toEqual({ 7: { version: 3_501, status: 'placed again' } });
    const pages = fake.requests.filter((r) => r.path.endsWith('/_search') || r.path === '/_search/scroll');
    expect(pages.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /shop.public.orders/_search', ...Array<string>(3).fill('POST /_search/scroll'), 'DELETE /_search/scroll']);
    expect(fake.openScrolls()).toBe(0);
  });

  /** Writes `count` orders, then truncates with `fault` armed and writes one more; the offsets the task can commit after. */
  const truncateWith = async (count: number, fault: () => void) => {
    const { logger, lines } = capturingLogger();
    const { task } = await startOrdersSink(fake.url, { 'batch.size': '500', 'linger.ms': '600000' }, logger);
    await task.put(Array.from({ length: count }, (_, i) => orderUpdate(i, i + 1, 'placed')));
    await task.flush();
    const requestsBefore = fake.requests.length;
    fault();
    await task.put([ordersTruncated(count), orderUpdate(count + 1, 7, 'placed again')]);
    await task.flush();
    const committable = await task.preCommit(new Map([[`${ORDERS_INDEX}:0`, count + 2]]));
    await task.stop();
    return { committable, relisted: lines.filter((line) => line['msg'] === RELISTED), requests: fake.requests.slice(requestsBefore) };
  };

  it('lists the ids again, and deletes every document written before it, when its scroll is lost between two pages', async () => {
    const { committable, relisted, requests } = await truncateWith(2_500, () => fake.faults.loseScrolls(1));
    expect(indexState()).toEqual({ 7: { version: 3_501, status: 'placed again' } });
    expect(committable).toEqual(new Map([[`${ORDERS_INDEX}:0`, 2_502]]));
    // The first listing's second page found the scroll gone; the second listing, of the 1 500 left, went to its end.
    expect(listingRequests(requests)).toEqual([
      `POST /${ORDERS_INDEX}/_search 200`, 'POST /_search/scroll 404',
      `POST /${ORDERS_INDEX}/_search 200`, 'POST /_search/scroll 200', 'POST /_search/scroll 200', 'DELETE /_search/scroll 200',
    ]);
    expect(relisted).toEqual([expect.objectContaining({ level: 40, index: ORDERS_INDEX, listing: 1, cut: expect.stringContaining('search context is gone') })]);
    expect(fake.openScrolls()).toBe(0);
  });

  it('lists the ids again when a page comes back without the hits of a shard that failed, rather than leaving them', async () => {
    const { committable, relisted } = await truncateWith(2_500, () => fake.faults.loseScrolls(1, 'one shard'));
    expect(indexState()).toEqual({ 7: { version: 3_501, status: 'placed again' } });
    expect(committable).toEqual(new Map([[`${ORDERS_INDEX}:0`, 2_502]]));
    expect(relisted).toEqual([expect.objectContaining({ index: ORDERS_INDEX, listing: 1, cut: expect.stringMatching(/^1 shard\(s\) failed \(search_context_missing_exception: No search context found for id \[\d+\]\)$/) })]);
    // The cut listing's scroll, still open on the other shard, was cleared too.
    expect(fake.openScrolls()).toBe(0);
  });
});

describeOnFake('it reads the fake node\'s documents, scrolls and request log, and arms its faults', 'OpenSearch client: deleteAll', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
  let client: OpenSearchClient;
  beforeEach(() => {
    client = createOpenSearchClient(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': fake.url }).connection);
  });
  afterEach(async () => {
    // Unset when the test was skipped against a real cluster.
    await client?.close();
  });

  const write = (id: string, version: number) => client.bulk(Buffer.from(`{"index":{"_index":"orders","_id":"${id}","version":${version},"version_type":"external_gte"}}\n{"id":${id}}\n`));
  const versions = () => Object.fromEntries([...fake.documents('orders')].map(([id, doc]) => [id, doc.version]));
  const { logger, lines } = capturingLogger();

  it('keeps documents newer than the version, and deletes the rest', async () => {
    for (const [id, version] of [['1', 10], ['2', 20], ['3', 30]] as const) await write(id, version);
    await client.deleteAll('orders', 20, logger);
    expect(versions()).toEqual({ 3: 30 });
    // Their tombstones keep the truncate's version: a write after it, at a version at least as high, applies.
    await write('2', 20);
    expect(versions()).toEqual({ 2: 20, 3: 30 });
  });

  it('throws a retriable error when a delete is turned away for now, clears its scroll, and finishes when called again', async () => {
    for (const id of ['1', '2', '3']) await write(id, 5);
    fake.faults.rejectItems(1);
    await expect(client.deleteAll('orders', 5, logger)).rejects.toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    expect(fake.openScrolls()).toBe(0);
    expect(Object.keys(versions())).toHaveLength(1);
    await client.deleteAll('orders', 5, logger);
    expect(versions()).toEqual({});
  });

  it('throws a retriable error when the cluster answers 503, and does nothing for a missing index', async () => {
    await write('1', 5);
    fake.faults.unavailable(1);
    await expect(client.deleteAll('orders', 5, logger)).rejects.toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    await expect(client.deleteAll('missing', 5, logger)).resolves.toBeUndefined();
    expect(fake.openScrolls()).toBe(0);
  });

  it('throws a retriable error once its listing was cut short MAX_LISTINGS times, having deleted what it listed, and finishes when called again', async () => {
    const count = 1_000 * MAX_LISTINGS + 500;
    await client.bulk(Buffer.from(Array.from({ length: count }, (_, i) => `{"index":{"_index":"orders","_id":"${i}","version":5,"version_type":"external_gte"}}\n{"id":${i}}\n`).join('')));
    fake.faults.loseScrolls(MAX_LISTINGS);
    lines.length = 0;
    const error = await rejectionOf(client.deleteAll('orders', 5, logger));
    expect(error).toMatchObject({ code: 'OPENSEARCH_UNAVAILABLE', retriable: true });
    expect(error.message).toBe(`OpenSearch at ${fake.url} cut short the listing of the ids of orders for a truncate ${MAX_LISTINGS} times (the last: its scroll's search context is gone: expired, or its node restarted); the truncate is carried out again.`);
    // Each listing deleted its first page before its scroll was lost, and every cut but the last was logged.
    expect(Object.keys(versions())).toHaveLength(500);
    expect(lines.filter((line) => line['msg'] === RELISTED).map((line) => line['listing'])).toEqual(Array.from({ length: MAX_LISTINGS - 1 }, (_, i) => i + 1));
    expect(fake.openScrolls()).toBe(0);
    await client.deleteAll('orders', 5, logger);
    expect(versions()).toEqual({});
  });

  it('deletes every document by query when the truncate carries no version', async () => {
    for (const [id, version] of [['1', 10], ['2', 20]] as const) await write(id, version);
    await client.deleteAll('orders', null, logger);
    expect(versions()).toEqual({});
    expect(fake.requests.some((r) => r.path === '/orders/_delete_by_query')).toBe(true);
    expect(fake.requests.some((r) => r.path.endsWith('_search'))).toBe(false);
  });
});
