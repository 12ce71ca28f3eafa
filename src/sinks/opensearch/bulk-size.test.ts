import { expect, it } from 'vitest';
import type { FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { describeOnFake, fakeOpenSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';
import type { SinkRecord } from '../../events.js';
import { EventBuilder } from '../../sources/postgres/event-builder.js';
import { UNCHANGED_TOAST, type TupleValue } from '../../sources/postgres/replication/pgoutput-decoder.js';
import { ARTICLES, articleKey, origin, sinkRecord } from './articles.fixture.js';
import { BulkPlanner } from './bulk-body.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX, startOrdersSink } from './orders-sink.fixture.js';
import { OpenSearchSinkTask } from './sink-task.js';

const LIMIT = 1500;
const ARTICLES_INDEX = 'shop.public.articles';
const bulkBodies = (fake: FakeOpenSearch) => fake.requests.filter((r) => r.path.endsWith('/_bulk')).map((r) => r.bodyBytes);

/** The NDJSON size of a record's action, as the sink plans it. */
function actionBytes(record: SinkRecord): number {
  const plan = new BulkPlanner(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': 'http://127.0.0.1:9200' })).plan(record);
  if (plan.kind !== 'action') throw new Error(`expected an action, got ${plan.kind}`);
  return plan.action.bytes;
}

describeOnFake('the request sizes are read from the fake node\'s request log', 'OpenSearch sink task: bulk.size.bytes', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null });

  it('fills requests up to bulk.size.bytes and never past it, but sends a larger action alone', async () => {
    const { task, client } = await startOrdersSink(fake.url, { 'bulk.size.bytes': String(LIMIT), 'batch.size': '1000', 'linger.ms': '600000', 'max.in.flight.requests': '1' });
    // Two bytes per character: counting characters instead of bytes would overfill the requests.
    const records = Array.from({ length: 20 }, (_, i) => orderUpdate(i, i + 1, 'ü'.repeat(i === 9 ? 1000 : 60)));
    await task.put(records);
    await task.flush();
    await task.stop();

    // One request at a time: the fake's log and the client's calls are in the same order.
    const bodies = bulkBodies(fake);
    const calls = client.bulkCalls();
    expect(bodies).toHaveLength(calls.length);
    const requests = calls.map((ids, i) => ({ ids, bytes: bodies[i]! }));
    const large = requests.filter((r) => r.ids.includes('10'));
    expect(large.map((r) => r.ids)).toEqual([['10']]);
    expect(large[0]!.bytes).toBeGreaterThan(LIMIT);
    for (const request of requests.filter((r) => r !== large[0])) expect(request.bytes).toBeLessThanOrEqual(LIMIT);
    // Each request was closed only because the next action did not fit in it.
    const sizes = new Map(records.map((record) => [String(record.kafkaOffset + 1), actionBytes(record)]));
    requests.slice(0, -1).forEach((request, i) => expect(request.bytes + sizes.get(requests[i + 1]!.ids[0]!)!).toBeGreaterThan(LIMIT));
    expect(calls.flat()).toEqual(records.map((record) => String(record.kafkaOffset + 1)));
    expect(fake.documents(ORDERS_INDEX).size).toBe(20);
  });

  it('keeps within bulk.size.bytes a request of updates that grew when their unchanged TOAST values were filled in', async () => {
    const limit = 4000;
    const task = new OpenSearchSinkTask(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ARTICLES_INDEX, 'connection.url': fake.url, 'bulk.size.bytes': String(limit), 'batch.size': '1000', 'linger.ms': '600000', 'max.in.flight.requests': '1' }));
    await task.start(sinkTaskContext({ connector: 'search' }));
    const builder = new EventBuilder('shop', 'app');
    const row = (id: number, title: string, body: TupleValue): TupleValue[] => ['eu', String(id), title, body, body === UNCHANGED_TOAST ? body : '{search}', body === UNCHANGED_TOAST ? body : '\\x01', '1.00', '2024-01-01'];
    const change = (op: 'c' | 'u', values: TupleValue[], lsn: number) => builder.change(ARTICLES, op, articleKey(values), null, ARTICLES.row(values), origin(lsn, null));
    const ids = [1, 2, 3, 4, 5, 6];
    await task.put(ids.map((id, i) => sinkRecord(change('c', row(id, 'First', 'b'.repeat(1500)), 1_000 + id), i)));
    await task.flush();
    // Six updates that fit in one request as they come (their body, tags and cover left out), about 1900 bytes each once completed.
    const written = bulkBodies(fake).length;
    await task.put(ids.map((id, i) => sinkRecord(change('u', row(id, 'Second', UNCHANGED_TOAST), 2_000 + id), 6 + i)));
    await task.flush();
    await task.stop();

    const updates = bulkBodies(fake).slice(written);
    expect(updates.length).toBeGreaterThan(1);
    for (const bytes of updates) expect(bytes).toBeLessThanOrEqual(limit);
    const docs = fake.documents(ARTICLES_INDEX);
    expect([...docs.values()].map((doc) => [doc.source['title'], String(doc.source['body']).length])).toEqual(ids.map(() => ['Second', 1500]));
  });
});
