import { afterEach, describe, expect, it } from 'vitest';
import { itOnFake, openSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { openSearchRequest } from '../../../test/support/opensearch-http.js';
import type { OpenSearchTarget } from '../../../test/support/opensearch-target.js';
import { capturingLogger, WARN } from '../../../test/support/source-task-harness.js';
import { waitFor } from '../../../test/support/wait.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';
import { EventBuilder } from '../../sources/postgres/event-builder.js';
import type { ChangeEvent } from '../../events.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { ARTICLES, articleCreated, articleDeleted, articleTombstone, origin, sinkRecord, WRITTEN } from './articles.fixture.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX, ordersTruncated, startOrdersSink, type RecordingClient } from './orders-sink.fixture.js';
import { OpenSearchSinkTask } from './sink-task.js';

const ARTICLES_INDEX = 'shop.public.articles';
const ARTICLE_ID = '["eu",9007199254740993]';

const has = (id: number) => (ids: readonly string[]) => ids.includes(String(id));
const orders = (search: OpenSearchTarget) => search.documents(search.index(ORDERS_INDEX));
const statuses = async (search: OpenSearchTarget) => Object.fromEntries([...(await orders(search))].map(([id, doc]) => [id, doc.source['status']]));
const offsets = (next: number) => new Map([[`${ORDERS_INDEX}:0`, next]]);
/** Flushes, then expects preCommit to return every offset put. */
const flushedThrough = async (task: { flush(): Promise<void>; preCommit: (o: Map<string, number>) => Promise<Map<string, number>> }, next: number) => {
  await task.flush();
  expect(await task.preCommit(offsets(next))).toEqual(offsets(next));
};
/** Lets every promise chain that a settled request started run to its end. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
/** Lets the held request carrying order `id` answer, and waits until the sink has dealt with it. */
const releaseRequestOf = async (client: RecordingClient, id: number, which: string) => {
  client.release(has(id));
  await waitFor(() => client.indexOf('bulk-end', has(id)) >= 0, 5_000, `the ${which} request settled`);
  await settle();
};

describe('OpenSearch sink task: requests in flight', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  const ordersSink = (settings: Record<string, string>) => startOrdersSink(search.url, { ...search.sinkSettings, ...settings });
  const itWithFaults = itOnFake('the slow answers and rejections are the fake node\'s faults');

  it('keeps up to max.in.flight.requests requests in flight, returns from put meanwhile, and waits when every slot is busy', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '10', 'max.in.flight.requests': '3', 'linger.ms': '600000' });
    client.hold();
    await task.put(Array.from({ length: 25 }, (_, i) => orderUpdate(i, i + 1, 'placed')));
    // two full requests went out and are unanswered; five actions wait for more
    expect(client.requestsInFlight).toBe(2);
    let putDone = false;
    const second = task.put(Array.from({ length: 25 }, (_, i) => orderUpdate(25 + i, 26 + i, 'placed'))).then(() => (putDone = true));
    await waitFor(() => client.heldResponses === 3, 5_000, 'three answered requests');
    await settle();
    expect(client.requestsInFlight).toBe(3);
    expect(putDone).toBe(false);
    client.release();
    await second;
    await flushedThrough(task, 50);
    expect(client.maxInFlight).toBe(3);
    expect(client.overlaps).toEqual([]);
    expect(client.bulkCalls().map((ids) => ids.length)).toEqual([10, 10, 10, 10, 10]);
    expect((await orders(search)).size).toBe(50);
    await task.stop();
  });

  it('answers preCommit at once, with the offset of the first record whose item is not written yet', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '3', 'max.in.flight.requests': '3', 'linger.ms': '600000' });
    client.hold();
    // Offsets 0-2, 3-5 and 6-8 go out as three requests; 9 waits for a fourth.
    await task.put(Array.from({ length: 10 }, (_, i) => orderUpdate(i, i + 1, 'placed')));
    await waitFor(() => client.heldResponses === 3, 5_000, 'three answered requests');
    expect(await task.preCommit(offsets(10))).toEqual(offsets(0));
    // The second request's answer alone commits nothing: the first is still in flight.
    await releaseRequestOf(client, 4, 'second');
    expect(await task.preCommit(offsets(10))).toEqual(offsets(0));
    await releaseRequestOf(client, 1, 'first');
    // Through the second request; preCommit also sent offset 9 into the slot the first one freed.
    expect(await task.preCommit(offsets(10))).toEqual(offsets(6));
    expect(client.bulkCalls()).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['10']]);
    client.release();
    await flushedThrough(task, 10);
    expect((await orders(search)).size).toBe(10);
    await task.stop();
  });

  it('waits in preCommit for every request in flight under flush.synchronously=true', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '3', 'linger.ms': '600000', 'flush.synchronously': 'true' });
    client.hold();
    await task.put(Array.from({ length: 4 }, (_, i) => orderUpdate(i, i + 1, 'placed')));
    let committed: Map<string, number> | undefined;
    const commit = task.preCommit(offsets(4)).then((result) => (committed = result));
    await waitFor(() => client.heldResponses === 2, 5_000, 'both requests answered');
    await settle();
    expect(committed).toBeUndefined();
    client.release();
    await commit;
    expect(committed).toEqual(offsets(4));
    await task.stop();
  });

  it('holds a write to a document in flight until its request settled, while writes to other documents pass it', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '3', 'linger.ms': '600000', 'index.write.method': 'upsert' });
    client.hold();
    await task.put([orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed'), orderUpdate(2, 3, 'placed')]);
    await task.put([orderUpdate(3, 1, 'paid'), orderUpdate(4, 4, 'placed'), orderUpdate(5, 5, 'placed')]);
    await waitFor(() => client.heldResponses === 2, 5_000, 'two answered requests');
    expect(client.bulkCalls()).toEqual([['1', '2', '3'], ['4', '5']]);
    const flushed = task.flush();
    await releaseRequestOf(client, 4, 'second');
    expect(client.bulkCalls()).toHaveLength(2);
    client.release();
    await flushed;
    expect(await task.preCommit(offsets(6))).toEqual(offsets(6));
    expect(client.bulkCalls()).toEqual([['1', '2', '3'], ['4', '5'], ['1']]);
    expect(client.indexOf('bulk-start', has(1), client.indexOf('bulk-end', has(1)))).toBeGreaterThan(0);
    // upserts carry no version: only the order of the requests makes `paid` last
    expect(await statuses(search)).toEqual({ 1: 'paid', 2: 'placed', 3: 'placed', 4: 'placed', 5: 'placed' });
    await task.stop();
  });

  it('sends a truncate only once everything before it is written, and nothing after it before it is done', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '2', 'linger.ms': '600000' });
    client.hold();
    const put = task.put([...[1, 2, 3, 4, 5].map((id) => orderUpdate(id - 1, id, 'placed')), ordersTruncated(5), orderUpdate(6, 6, 'placed')]);
    await waitFor(() => client.heldResponses === 3, 5_000, 'three answered requests');
    expect(client.bulkCalls()).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(client.indexOf('delete-start', () => true)).toBe(-1);
    client.release();
    await put;
    await flushedThrough(task, 7);
    const deleted = client.indexOf('delete-start', () => true);
    expect(client.events.slice(0, deleted).filter((e) => e.kind === 'bulk-end')).toHaveLength(3);
    expect(client.indexOf('bulk-start', has(6))).toBeGreaterThan(client.indexOf('delete-end', () => true));
    expect(await statuses(search)).toEqual({ 6: 'placed' });
    await task.stop();
  });

  it('sends a partial request once linger.ms has passed, without waiting for preCommit', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '100', 'linger.ms': '20' });
    await task.put([orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed'), orderUpdate(2, 3, 'placed')]);
    expect(client.bulkCalls()).toEqual([]);
    await waitFor(async () => (await orders(search)).size === 3, 5_000, 'the lingering request');
    expect(client.bulkCalls()).toEqual([['1', '2', '3']]);
    await task.stop();
  });

  itWithFaults('never has one document in two requests at once, and ends with every document\'s last write, under slow answers and rejected items', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '7', 'max.in.flight.requests': '4', 'linger.ms': '1', 'retry.backoff.ms': '5', 'max.retries': '50', 'index.write.method': 'upsert' });
    search.fake!.faults.delay(15, 40, 'bulk');
    search.fake!.faults.rejectItems(40);
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const last = new Map<string, string>();
    let offset = 0;
    let committed = 0;
    while (offset < 600) {
      const chunk = Array.from({ length: 1 + random(40) }, () => {
        const id = 1 + random(25);
        const status = `s${offset}`;
        last.set(String(id), status);
        return orderUpdate(offset++, id, status);
      });
      await task.put(chunk);
      if (random(4) === 0) {
        // At once, and only forward: never past a record still in flight, which the end checks.
        const now = (await task.preCommit(offsets(offset))).get(`${ORDERS_INDEX}:0`) ?? 0;
        expect(now).toBeGreaterThanOrEqual(committed);
        expect(now).toBeLessThanOrEqual(offset);
        committed = now;
      }
    }
    await flushedThrough(task, offset);
    expect(client.overlaps).toEqual([]);
    expect(client.maxInFlight).toBeGreaterThan(1);
    // rejected items were sent again
    expect(client.bulkCalls().flat().length).toBeGreaterThan(offset);
    expect(await statuses(search)).toEqual(Object.fromEntries(last));
    await task.stop();
  });

  itWithFaults('keeps a later write to a document behind the retry of its rejected item', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '2', 'linger.ms': '600000', 'retry.backoff.ms': '20', 'index.write.method': 'upsert' });
    search.fake!.faults.rejectItems(1);
    client.hold();
    await task.put([orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed')]);
    await waitFor(() => client.heldResponses === 1, 5_000, 'the first answer');
    await task.put([orderUpdate(2, 3, 'placed'), orderUpdate(3, 1, 'paid')]);
    expect(client.bulkCalls()).toEqual([['1', '2'], ['3']]);
    client.release();
    await flushedThrough(task, 4);
    expect(client.bulkCalls()).toEqual([['1', '2'], ['3'], ['1'], ['1']]);
    const retried = client.indexOf('bulk-end', has(1), client.indexOf('bulk-start', has(1), 1));
    expect(client.indexOf('bulk-start', has(1), retried)).toBeGreaterThan(retried);
    expect(await statuses(search)).toEqual({ 1: 'paid', 2: 'placed', 3: 'placed' });
    await task.stop();
  });

  itWithFaults('when retries run out, throws a retriable error from flush, commits none of their records, and writes the items, in order, on the next call', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '2', 'linger.ms': '600000', 'max.retries': '1', 'retry.backoff.ms': '1', 'index.write.method': 'upsert' });
    search.fake!.faults.rejectBulk(2);
    await task.put([orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed')]);
    await expect(task.flush()).rejects.toMatchObject({ code: 'OPENSEARCH_RETRIES_EXHAUSTED', retriable: true });
    expect((await orders(search)).size).toBe(0);
    expect(await task.preCommit(offsets(2))).toEqual(offsets(0));
    await task.put([orderUpdate(2, 1, 'paid')]);
    await flushedThrough(task, 3);
    expect(client.bulkCalls()).toEqual([['1', '2'], ['1', '2'], ['1', '2'], ['1']]);
    expect(await statuses(search)).toEqual({ 1: 'paid', 2: 'placed' });
    await task.stop();
  });

  itWithFaults('commits every record of a put that failed when retries ran out, once the put is offered again and written', async () => {
    const { task, client } = await ordersSink({ 'batch.size': '2', 'linger.ms': '600000', 'max.retries': '1', 'retry.backoff.ms': '1', 'index.write.method': 'upsert' });
    search.fake!.faults.rejectBulk(2);
    await task.put([orderUpdate(0, 1, 'placed'), orderUpdate(1, 2, 'placed')]);
    await waitFor(() => client.bulkCalls().length === 2, 5_000, 'the request and its retry');
    await settle();
    // The next put throws the failure; the worker offers that put again whole.
    const batch = [orderUpdate(2, 3, 'placed'), orderUpdate(3, 4, 'placed')];
    await expect(task.put(batch)).rejects.toMatchObject({ code: 'OPENSEARCH_RETRIES_EXHAUSTED', retriable: true });
    await task.put(batch);
    await flushedThrough(task, 4);
    expect(await statuses(search)).toEqual({ 1: 'placed', 2: 'placed', 3: 'placed', 4: 'placed' });
    await task.stop();
  });

  it('fails for good when a request fails permanently: later calls throw too and nothing is committed', async () => {
    // The index maps status as a number: order 2's status does not fit.
    expect((await openSearchRequest(search.url, 'PUT', `/${search.index(ORDERS_INDEX)}`, { mappings: { properties: { status: { type: 'long' } } } })).status).toBe(200);
    const { task } = await ordersSink({ 'batch.size': '2', 'linger.ms': '600000' });
    await task.put([orderUpdate(0, 1, '1'), orderUpdate(1, 2, 'placed')]);
    const rejected = { code: 'OPENSEARCH_DOCUMENT_REJECTED', retriable: false };
    await expect(task.flush()).rejects.toMatchObject(rejected);
    await expect(task.put([orderUpdate(2, 3, 'placed')])).rejects.toMatchObject(rejected);
    await expect(task.preCommit(offsets(3))).rejects.toMatchObject(rejected);
    await task.stop();
  });
});

describe('OpenSearch sink task: indices and versions', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  let task: OpenSearchSinkTask;
  afterEach(async () => {
    await task.stop();
  });

  const start = async (settings: Record<string, string> = {}) => {
    task = new OpenSearchSinkTask(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ARTICLES_INDEX, ...search.sinkSettings, ...settings }));
    await task.start(sinkTaskContext({ connector: 'search' }));
  };
  const mappingOf = async (name: string) => (await openSearchRequest(search.url, 'GET', `/${search.index(name)}/_mapping`)).body[search.index(name)].mappings as unknown;

  it('creates an index whose first action is a delete with the mapping a write would have given it', async () => {
    await start({ 'topic.to.index.map': `${ARTICLES_INDEX}:${search.index('written_first')}` });
    await task.put([sinkRecord(articleCreated, 0)]);
    await task.stop();
    await start({ 'topic.to.index.map': `${ARTICLES_INDEX}:${search.index('deleted_first')}` });
    await task.put([sinkRecord(articleDeleted, 0)]);
    await task.flush();
    const written = await mappingOf('written_first');
    expect(written).toMatchObject({ properties: { price: {}, published: { type: 'date' } } });
    expect(await mappingOf('deleted_first')).toEqual(written);
  });

  it('keeps the newer document when an older change of it comes again, and commits past it', async () => {
    await start();
    const stale = new EventBuilder('shop', 'app').change(ARTICLES, 'u', articleCreated.key as Record<string, unknown>, null, ARTICLES.row(WRITTEN.map((v, i) => (i === 2 ? 'Stale' : v))), origin(5_900, null));
    await task.put([sinkRecord(articleCreated, 0), sinkRecord(stale, 1)]);
    await task.flush();
    expect((await search.documents(search.index(ARTICLES_INDEX))).get(ARTICLE_ID)).toMatchObject({ version: 6_000, source: { title: 'Hello' } });
    expect(await task.preCommit(new Map([[`${ARTICLES_INDEX}:0`, 2]]))).toEqual(new Map([[`${ARTICLES_INDEX}:0`, 2]]));
  });
});

describe('OpenSearch sink task: tombstones', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  const indexSize = async (topic: string) => (await search.documents(search.index(topic))).size;

  const FLAT = 'flat.articles';
  const ENVELOPES = 'envelope.articles';
  /** The events as ExtractNewRecordState with `config` leaves them (dropped ones left out), on `topic`. */
  const unwrapped = (config: Record<string, string>, topic: string, events: ChangeEvent[]) =>
    events.flatMap((event) => createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, config).apply(event) ?? []).map((event) => ({ ...event, topic }));
  const onTopic = (topic: string, events: ChangeEvent[]) => events.map((event) => ({ ...event, topic }));

  /** Puts `events` through a new task and returns its warnings about ignored tombstones. */
  const tombstoneWarnings = async (events: ChangeEvent[], settings: Record<string, string> = {}) => {
    const { logger, lines } = capturingLogger();
    const task = new OpenSearchSinkTask(parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: `${FLAT},${ENVELOPES}`, ...search.sinkSettings, ...settings }));
    await task.start(sinkTaskContext({ connector: 'search', logger }));
    await task.put(events.map((event, offset) => sinkRecord(event, offset)));
    await task.flush();
    await task.stop();
    return lines.filter((line) => line.level === WARN && line['code'] === 'tombstone-ignored');
  };

  it('warns once per topic, naming behavior.on.null.values=delete, when it ignores the tombstones that are the deletes of flat rows', async () => {
    const flat = unwrapped({ 'add.fields': 'source.lsn,source.sequence' }, FLAT, [articleCreated, articleDeleted, articleCreated, articleDeleted]);
    expect(flat.map((event) => event.value === null)).toEqual([false, true, false, true]);
    const warnings = await tombstoneWarnings([...flat, ...onTopic(ENVELOPES, [articleCreated, articleDeleted, articleTombstone])]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ topic: FLAT, msg: expect.stringContaining('Set behavior.on.null.values=delete') });
    // What it warns about: the deleted row's document stays; the envelope's `d` event deleted its own.
    expect(await indexSize(FLAT)).toBe(1);
    expect(await indexSize(ENVELOPES)).toBe(0);
  });

  it('stays silent when the tombstones delete (behavior.on.null.values=delete) or follow rows marked __deleted', async () => {
    const flat = unwrapped({}, FLAT, [articleCreated, articleDeleted]);
    expect(await tombstoneWarnings(flat, { 'behavior.on.null.values': 'delete' })).toEqual([]);
    expect(await indexSize(FLAT)).toBe(0);
    const rewritten = unwrapped({ 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' }, FLAT, [articleCreated, articleDeleted, articleTombstone]);
    expect(rewritten.map((event) => event.value === null)).toEqual([false, false, true]);
    expect(await tombstoneWarnings(rewritten)).toEqual([]);
  });
});
