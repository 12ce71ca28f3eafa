/**
 * How the client reads bulk responses: one where no item failed only has its items counted, one
 * with a failure is parsed whole, on the node (the fake, or OPENSEARCH_URL) as on given texts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { countedBulkItems, createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';

describe('countedBulkItems', () => {
  it('counts the items of a response where none failed, as many as parsing finds', () => {
    for (const count of [0, 1, 2, 2000]) {
      const json = JSON.stringify({ errors: false, items: Array.from({ length: count }, (_, i) => ({ [i % 2 ? 'delete' : 'index']: { status: i % 3 ? 201 : 404 } })) });
      const counted = countedBulkItems(json);
      expect(counted?.errors).toBe(false);
      expect(counted?.items).toHaveLength((JSON.parse(json) as { items: unknown[] }).items.length);
    }
  });

  it('is not fooled by a string holding "status": (its quotes are escaped)', () => {
    const json = JSON.stringify({ errors: false, items: [{ index: { _id: '"status":1', status: 201 } }, { index: { _id: 'a"status":"b', status: 200 } }] });
    expect(countedBulkItems(json)?.items).toHaveLength(2);
  });

  it('leaves any other text to be parsed: a failed item, a response not filtered, or not a bulk response', () => {
    expect(countedBulkItems('{"errors":true,"items":[{"index":{"status":400,"error":{"type":"mapper_parsing_exception"}}}]}')).toBeUndefined();
    expect(countedBulkItems('{"took":3,"errors":false,"items":[{"index":{"status":201}}]}')).toBeUndefined();
    expect(countedBulkItems('{"docs":[{"_id":"1","found":false}]}')).toBeUndefined();
  });
});

describe('OpenSearchClient.bulk', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  let client: OpenSearchClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  function open(): OpenSearchClient {
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: 'orders', ...search.sinkSettings });
    client = createOpenSearchClient(config.connection);
    return client;
  }

  const ndjson = (...lines: object[]) => Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));

  it('answers a request where no item failed with as many empty slots as actions', async () => {
    const index = search.index('orders');
    const response = (await open().bulk(ndjson(
      { index: { _index: index, _id: '1' } }, { status: 'placed' },
      { index: { _index: index, _id: '2' } }, { status: 'paid' },
      { delete: { _index: index, _id: '3' } },
    ))) as { errors: boolean; items: unknown[] };
    expect(response.errors).toBe(false);
    expect(response.items).toHaveLength(3);
    expect(Object.keys(response.items)).toEqual([]);
  });

  it('parses a response with a failed item whole, every item with its status', async () => {
    const index = search.index('orders');
    const response = (await open().bulk(ndjson(
      { index: { _index: index, _id: '1', version: 5, version_type: 'external_gte' } }, { status: 'placed' },
      { index: { _index: index, _id: '1', version: 4, version_type: 'external_gte' } }, { status: 'old' },
    ))) as { errors: boolean; items: Array<{ index: { status: number; error?: { type: string } } }> };
    expect(response.errors).toBe(true);
    expect(response.items.map((item) => item.index.status)).toEqual([201, 409]);
    expect(response.items[1]!.index.error?.type).toBe('version_conflict_engine_exception');
  });
});
