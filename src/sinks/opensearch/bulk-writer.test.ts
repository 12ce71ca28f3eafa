import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { BulkPlanner, type BulkAction } from './bulk-body.js';
import { BulkWriter, RetriesExhausted } from './bulk-writer.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX } from './orders-sink.fixture.js';

describe('BulkWriter', () => {
  let fake: FakeOpenSearch;
  let client: OpenSearchClient;
  beforeEach(async () => {
    fake = await startFakeOpenSearch({ refreshIntervalMs: null });
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  function writer(settings: Record<string, string>): { write: (actions: BulkAction[]) => Promise<void>; plan: (...updates: Array<[number, string]>) => BulkAction[] } {
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': fake.url, 'retry.backoff.ms': '1', ...settings });
    client = createOpenSearchClient(config.connection);
    const planner = new BulkPlanner(config);
    const plan = (...updates: Array<[number, string]>) =>
      updates.map(([id, status], offset) => {
        const planned = planner.plan(orderUpdate(offset, id, status));
        if (planned.kind !== 'action') throw new Error(`expected an action, got ${planned.kind}`);
        return planned.action;
      });
    const bulk = new BulkWriter(client, config, pino({ level: 'silent' }));
    return { write: (actions) => bulk.write(actions), plan };
  }

  it('sends an item after a retried one of the same document again, after it, so the retry cannot overwrite it', async () => {
    // upserts carry no version: only the order of the writes decides
    const { write, plan } = writer({ 'index.write.method': 'upsert' });
    fake.faults.rejectItems(1);
    await write(plan([1, 'placed'], [2, 'placed'], [1, 'paid']));
    expect(fake.documents(ORDERS_INDEX).get('1')!.source['status']).toBe('paid');
    expect(fake.documents(ORDERS_INDEX).get('2')!.source['status']).toBe('placed');
    expect(fake.requests.filter((r) => r.path.endsWith('/_bulk'))).toHaveLength(2);
  });

  it('rejects with the actions still unwritten, in order, once max.retries is used up', async () => {
    const { write, plan } = writer({ 'max.retries': '1' });
    fake.faults.rejectItems(4);
    const error: unknown = await write(plan([1, 'placed'], [2, 'placed'], [3, 'placed'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).retriable).toBe(true);
    expect((error as RetriesExhausted).unwritten.map((a) => a.id)).toEqual(['1']);
    expect([...fake.documents(ORDERS_INDEX).keys()].sort()).toEqual(['2', '3']);
  });
});
