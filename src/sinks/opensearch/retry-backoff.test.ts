import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { describeOnFake, fakeOpenSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { BulkPlanner } from './bulk-body.js';
import { BulkWriter, retryDelay } from './bulk-writer.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX } from './orders-sink.fixture.js';

describe('retryDelay', () => {
  const schedule = (backoffMs: number, random: number, attempts: number) => Array.from({ length: attempts }, (_, attempt) => retryDelay(attempt, backoffMs, () => random));

  it('doubles retry.backoff.ms with every attempt, taking off up to half at random', () => {
    expect(schedule(100, 0, 6)).toEqual([100, 200, 400, 800, 1600, 3200]);
    expect(schedule(100, 0.5, 4)).toEqual([75, 150, 300, 600]);
    // random() < 1: never quite half
    expect(schedule(100, 0.999, 3).map(Math.round)).toEqual([50, 100, 200]);
  });

  it('never waits less than the longest wait of the attempt before, until the cap', () => {
    for (let attempt = 0; 100 * 2 ** (attempt + 1) <= 60_000; attempt++) {
      expect(retryDelay(attempt + 1, 100, () => 0.9999)).toBeGreaterThanOrEqual(retryDelay(attempt, 100, () => 0) * 0.9999);
    }
  });

  it('stops growing at one minute, however many attempts', () => {
    expect(retryDelay(10, 100, () => 0)).toBe(60_000);
    expect(retryDelay(5_000, 100, () => 0)).toBe(60_000);
    expect(retryDelay(5_000, 100, () => 0.5)).toBe(45_000);
    expect(retryDelay(3, 0, () => 0)).toBe(0);
  });
});

describeOnFake('the 429s are the fake node\'s faults', 'BulkWriter retries', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
  let client: OpenSearchClient | undefined;
  afterEach(async () => {
    await client?.close();
  });

  it('waits longer before each attempt of a request the cluster keeps refusing with 429', async () => {
    const backoffMs = 40;
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': fake.url, 'max.retries': '4', 'retry.backoff.ms': String(backoffMs) });
    const opened = createOpenSearchClient(config.connection);
    client = opened;
    const attempts: number[] = [];
    const timed: OpenSearchClient = { ...opened, bulk: (body) => (attempts.push(performance.now()), opened.bulk(body)) };
    const planned = new BulkPlanner(config).plan(orderUpdate(0, 1, 'placed'));
    if (planned.kind !== 'action') throw new Error(`expected an action, got ${planned.kind}`);
    fake.faults.rejectBulk(4);

    await new BulkWriter(timed, config, pino({ level: 'silent' }), { report: () => Promise.reject(new Error('nothing should be reported')) }).write([planned.action]);

    expect(fake.requests.filter((r) => r.path.endsWith('/_bulk')).map((r) => r.status)).toEqual([429, 429, 429, 429, 200]);
    expect(fake.documents(ORDERS_INDEX).get('1')?.source['status']).toBe('placed');
    // Only lower bounds (a busy machine only makes gaps longer): each gap is at least the shortest
    // its attempt's backoff allows, 20, 40, 80 then 160 ms; a backoff that did not grow would
    // leave the later gaps near 40 ms. A timer may fire up to a millisecond early.
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    gaps.forEach((gap, attempt) => expect(gap).toBeGreaterThanOrEqual(retryDelay(attempt, backoffMs, () => 0.9999) - 1));
  });
});
