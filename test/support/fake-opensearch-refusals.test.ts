/**
 * The fake node's refused items and lost scrolls (fake-opensearch-faults.ts `refuseItems`,
 * `loseScrolls`), over HTTP as a client sees them, in OpenSearch 2.x's shapes.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { requestsTo } from './fake-opensearch-requests.js';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import type { Json } from './opensearch-http.js';

const os = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
const { call, bulk } = requestsTo(os);

const itemsOf = (response: { body: Json }) => response.body.items.map((item: Json) => Object.values(item)[0] as Json);
const ids = (response: { body: Json }) => response.body.hits.hits.map((hit: Json) => hit._id);

describe('refused items', () => {
  const writeAndDelete = (index: string) => bulk([{ index: { _index: index, _id: 'new' } }, { a: 1 }, { delete: { _index: index, _id: 'old', version: 9, version_type: 'external_gte' } }]);

  beforeEach(async () => {
    await bulk([{ index: { _index: 'kept', _id: 'old' } }, { a: 0 }]);
  });

  it('answers every write and delete on an index under an administrator\'s block with 403 cluster_block_exception, and applies none', async () => {
    os.faults.refuseItems('kept', 'read-only block');
    const response = await writeAndDelete('kept');
    expect(response.body.errors).toBe(true);
    expect(itemsOf(response)).toEqual([
      expect.objectContaining({ _id: 'new', status: 403, error: { type: 'cluster_block_exception', reason: 'index [kept] blocked by: [FORBIDDEN/5/index read-only (api)];' } }),
      expect.objectContaining({ _id: 'old', status: 403, error: expect.objectContaining({ type: 'cluster_block_exception' }) }),
    ]);
    os.faults.refuseItems('kept', 'write block');
    expect(itemsOf(await writeAndDelete('kept'))[0].error.reason).toBe('index [kept] blocked by: [FORBIDDEN/8/index write (api)];');
    expect([...os.documents('kept').keys()]).toEqual(['old']);
    // Other indices take writes as before.
    expect(itemsOf(await writeAndDelete('other')).map((item: Json) => item.status)).toEqual([201, 404]);
  });

  it('lets deletes through a full disk\'s block and turns writes away with 429', async () => {
    os.faults.refuseItems('kept', 'flood-stage block');
    const [write, deletion] = itemsOf(await writeAndDelete('kept'));
    expect(write).toMatchObject({ status: 429, error: { type: 'cluster_block_exception', reason: 'index [kept] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];' } });
    expect(deletion).toMatchObject({ result: 'deleted', status: 200 });
    expect(os.documents('kept').size).toBe(0);
  });

  it('answers 403 security_exception for a user without the right, and 404 index_not_found_exception for an index the cluster will not create, until cleared', async () => {
    os.faults.refuseItems('kept', 'no permission');
    expect(itemsOf(await writeAndDelete('kept'))[1]).toMatchObject({ status: 403, error: { type: 'security_exception', reason: expect.stringMatching(/^no permissions for \[indices:data\/write\/bulk\[s\]\]/) } });
    os.faults.refuseItems('gone', 'index missing');
    expect(itemsOf(await writeAndDelete('gone'))).toEqual([
      expect.objectContaining({ status: 404, error: expect.objectContaining({ type: 'index_not_found_exception', reason: 'no such index [gone]', index: 'gone' }) }),
      expect.objectContaining({ status: 404, error: expect.objectContaining({ type: 'index_not_found_exception' }) }),
    ]);
    expect(os.documents('gone').size).toBe(0);
    os.faults.clear();
    expect(itemsOf(await writeAndDelete('kept')).map((item: Json) => item.status)).toEqual([201, 200]);
  });
});

describe('lost scrolls', () => {
  beforeEach(async () => {
    await bulk(Array.from({ length: 6 }, (_, i) => [{ index: { _index: 'people', _id: String(i) } }, { i }]).flat());
    await call('POST', '/people/_refresh');
  });
  const open = () => call('POST', '/people/_search?scroll=1m', { size: 2, sort: ['_doc'], _source: false });
  const next = (scrollId: string) => call('POST', '/_search/scroll', { scroll: '1m', scroll_id: scrollId });

  it('answers the next page 404 search_context_missing_exception when every context is lost, and the scroll is gone', async () => {
    const first = await open();
    os.faults.loseScrolls(1);
    const lost = await next(first.body._scroll_id);
    expect(lost.status).toBe(404);
    expect(lost.body.error).toMatchObject({ type: 'search_phase_execution_exception', root_cause: [{ type: 'search_context_missing_exception' }] });
    expect(os.openScrolls()).toBe(0);
    // Only the next page was lost: a new scroll pages to its end.
    const again = await open();
    expect(ids(await next(again.body._scroll_id))).toEqual(['2', '3']);
  });

  it('leaves out one shard\'s hits from the page that lost it on, saying so in _shards', async () => {
    const first = await open();
    expect(ids(first)).toEqual(['0', '1']);
    os.faults.loseScrolls(1, 'one shard');
    const partial = await next(first.body._scroll_id);
    expect(partial.status).toBe(200);
    expect(partial.body._shards).toMatchObject({ total: 2, successful: 1, failed: 1, failures: [{ shard: 1, index: 'people', reason: { type: 'search_context_missing_exception' } }] });
    expect(ids(partial)).toEqual(['2']);
    const after = await next(partial.body._scroll_id);
    expect(after.body._shards.failed).toBe(1);
    expect(ids(after)).toEqual(['4']);
    const filtered = await fetch(`${os.url}/_search/scroll?filter_path=_scroll_id,_shards.failed`, { method: 'POST', body: JSON.stringify({ scroll_id: first.body._scroll_id }), headers: { 'content-type': 'application/json' } });
    expect(await filtered.json()).toEqual({ _scroll_id: first.body._scroll_id, _shards: { failed: 1 } });
  });
});
