/**
 * The fake OpenSearch node's writes (fake-opensearch-writes.ts) as a client sees them over HTTP:
 * `_bulk` items with internal and external versions, their per-item outcomes, and how long a
 * deleted document's version is kept (index.gc_deletes).
 */
import { describe, expect, it } from 'vitest';
import { item, ndjson, requestsTo } from './fake-opensearch-requests.js';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import type { Json } from './opensearch-http.js';

const os = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
const { call, bulk } = requestsTo(os);
const sourceOf = (index: string, id: string) => os.documents(index).get(id)?.source;

describe('bulk with external versions', () => {
  it('applies a greater version and rejects an equal or lower one with a per-item 409', async () => {
    const response = await bulk([
      { index: { _index: 'orders', _id: '1', version: 5, version_type: 'external' } }, { total: 5 },
      { index: { _index: 'orders', _id: '1', version: 7, version_type: 'external' } }, { total: 7 },
      { index: { _index: 'orders', _id: '1', version: 7, version_type: 'external' } }, { total: 70 },
      { index: { _index: 'orders', _id: '1', version: 6, version_type: 'external' } }, { total: 6 },
    ]);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBe(true);
    expect(item(response, 0)).toMatchObject({ _index: 'orders', _id: '1', _version: 5, result: 'created', status: 201, _seq_no: 0, _primary_term: 1 });
    expect(item(response, 1)).toMatchObject({ _version: 7, result: 'updated', status: 200, _seq_no: 1 });
    expect(item(response, 2)).toMatchObject({ _index: 'orders', _id: '1', status: 409 });
    expect(item(response, 2).error).toMatchObject({
      type: 'version_conflict_engine_exception', reason: '[1]: version conflict, current version [7] is higher or equal to the one provided [7]', index: 'orders', shard: '0',
    });
    expect(item(response, 3).error.reason).toBe('[1]: version conflict, current version [7] is higher or equal to the one provided [6]');
    expect(os.documents('orders').get('1')).toMatchObject({ version: 7, source: { total: 7 } });
  });

  it('keeps the version of a deleted document, so an older write after a newer delete conflicts', async () => {
    await bulk([{ index: { _index: 'orders', _id: '1', version: 2, version_type: 'external' } }, { total: 2 }]);
    const deleted = await bulk([{ delete: { _index: 'orders', _id: '1', version: 5, version_type: 'external' } }]);
    expect(item(deleted, 0)).toMatchObject({ _version: 5, result: 'deleted', status: 200 });
    expect(deleted.body.errors).toBe(false);
    const stale = await bulk([{ index: { _index: 'orders', _id: '1', version: 3, version_type: 'external' } }, { total: 3 }]);
    expect(item(stale, 0).error.reason).toBe('[1]: version conflict, current version [5] is higher or equal to the one provided [3]');
    expect(os.documents('orders').has('1')).toBe(false);
    const newer = await bulk([{ index: { _index: 'orders', _id: '1', version: 6, version_type: 'external' } }, { total: 6 }]);
    expect(item(newer, 0)).toMatchObject({ _version: 6, result: 'created', status: 201 });
  });

  it('records the version of a delete for a document never seen, creating the index as OpenSearch does', async () => {
    const response = await bulk([{ delete: { _index: 'fresh', _id: '9', version: 4, version_type: 'external' } }]);
    expect(item(response, 0)).toMatchObject({ _index: 'fresh', _id: '9', _version: 4, result: 'not_found', status: 404 });
    expect(item(response, 0).error).toBeUndefined();
    expect(response.body.errors).toBe(false);
    expect((await call('HEAD', '/fresh')).status).toBe(200);
    const late = await bulk([{ index: { _index: 'fresh', _id: '9', version: 4, version_type: 'external' } }, { a: 1 }]);
    expect(item(late, 0).status).toBe(409);
  });

  it('lets external_gte accept an equal version but not a lower one', async () => {
    const response = await bulk([
      { index: { _index: 'gte', _id: 'a', version: 3, version_type: 'external_gte' } }, { v: 1 },
      { index: { _index: 'gte', _id: 'a', version: 3, version_type: 'external_gte' } }, { v: 2 },
      { index: { _index: 'gte', _id: 'a', version: 2, version_type: 'external_gte' } }, { v: 3 },
    ]);
    expect(response.body.items.map((i: Json) => i.index.status)).toEqual([201, 200, 409]);
    expect(item(response, 2).error.reason).toBe('[a]: version conflict, current version [3] is higher than the one provided [2]');
    expect(sourceOf('gte', 'a')).toEqual({ v: 2 });
  });
});

describe('bulk actions and per-item outcomes', () => {
  it('counts internal versions, conflicts on create of an existing document and reports not_found deletes', async () => {
    const response = await bulk([
      { index: { _index: 'items', _id: 'x' } }, { n: 1 },
      { index: { _id: 'x' } }, { n: 2 },
      { create: { _index: 'items', _id: 'x' } }, { n: 3 },
      { delete: { _index: 'items', _id: 'x' } },
      { delete: { _index: 'items', _id: 'never' } },
      { create: { _index: 'items', _id: 'x' } }, { n: 4 },
    ], '/items/_bulk');
    const outcomes = response.body.items.map((i: Json) => Object.values(i)[0] as Json);
    expect(outcomes.map((o: Json) => [o.result ?? o.error.type, o.status, o._version])).toEqual([
      ['created', 201, 1], ['updated', 200, 2], ['version_conflict_engine_exception', 409, undefined], ['deleted', 200, 3], ['not_found', 404, 1], ['created', 201, 4],
    ]);
    expect(outcomes[2].error.reason).toBe('[x]: version conflict, document already exists (current version [2])');
    expect(Object.keys(response.body.items[3])).toEqual(['delete']);
  });

  it('generates an id for an index action without one', async () => {
    const response = await bulk([{ index: { _index: 'auto' } }, { a: 1 }]);
    expect(item(response, 0)).toMatchObject({ result: 'created', status: 201 });
    expect(os.documents('auto').get(item(response, 0)._id)?.source).toEqual({ a: 1 });
  });

  it('does not create an index for an internally versioned delete', async () => {
    const response = await bulk([{ delete: { _index: 'ghost', _id: '1' } }]);
    expect(item(response, 0)).toMatchObject({ status: 404, error: { type: 'index_not_found_exception', reason: 'no such index [ghost]' } });
    expect((await call('HEAD', '/ghost')).status).toBe(404);
  });

  it('merges update docs, upserts, detects no-ops and fails updates of missing documents', async () => {
    await bulk([{ index: { _index: 'u', _id: '1' } }, { name: 'a', nested: { x: 1, y: 2 }, list: [1, 2] }]);
    const response = await bulk([
      { update: { _index: 'u', _id: '1' } }, { doc: { nested: { y: 3 }, list: [9] } },
      { update: { _index: 'u', _id: '1' } }, { doc: { name: 'a' } },
      { update: { _index: 'u', _id: '2' } }, { doc: { name: 'b' }, doc_as_upsert: true },
      { update: { _index: 'u', _id: '3' } }, { doc: { name: 'c' }, upsert: { name: 'from-upsert' } },
      { update: { _index: 'u', _id: '4', retry_on_conflict: 3 } }, { doc: { name: 'd' } },
    ]);
    expect(response.body.items.map((i: Json) => [i.update.result ?? i.update.error.type, i.update.status])).toEqual([
      ['updated', 200], ['noop', 200], ['created', 201], ['created', 201], ['document_missing_exception', 404],
    ]);
    expect(item(response, 1)._version).toBe(2);
    expect(item(response, 4).error.reason).toBe('[4]: document missing');
    expect(sourceOf('u', '1')).toEqual({ name: 'a', nested: { x: 1, y: 3 }, list: [9] });
    expect(sourceOf('u', '2')).toEqual({ name: 'b' });
    expect(sourceOf('u', '3')).toEqual({ name: 'from-upsert' });
  });

  it('fails only the items with a mapping error or a malformed document', async () => {
    os.faults.failMapping((doc) => doc.source.bad === true);
    const response = await call('POST', '/_bulk', '{"index":{"_index":"p","_id":"1"}}\n{"ok":1}\n{"index":{"_index":"p","_id":"2"}}\n{"bad":true}\n'
      + '{"index":{"_index":"p","_id":"3"}}\n{not json\n{"update":{"_index":"p","_id":"1"}}\n{"doc":{"bad":true}}\n{"index":{"_index":"p","_id":"4"}}\n{"ok":4}\n', 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(response.body.errors).toBe(true);
    expect(response.body.items.map((i: Json) => (Object.values(i)[0] as Json).status)).toEqual([201, 400, 400, 400, 201]);
    expect(item(response, 1).error).toMatchObject({ type: 'mapper_parsing_exception', reason: 'failed to parse' });
    expect(item(response, 2).error.type).toBe('mapper_parsing_exception');
    expect([...os.documents('p').keys()]).toEqual(['1', '4']);
    expect(sourceOf('p', '1')).toEqual({ ok: 1 });
  });

  it('rejects a malformed or invalid bulk request as a whole with 400', async () => {
    const cases: Array<[string, string, string]> = [
      [ndjson([{ index: { _id: '1' } }, { a: 1 }]), 'action_request_validation_exception', 'Validation Failed: 1: index is missing;'],
      ['{"index":{"_index":"a"}}\n{"a":1}', 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]'],
      [ndjson([{ index: { _index: 'a', _id: '1', version: 3 } }, { a: 1 }]), 'action_request_validation_exception', 'internal versioning can not be used'],
      [ndjson([{ index: { _index: 'a', _id: '1', version_type: 'external' } }, { a: 1 }]), 'action_request_validation_exception', 'illegal version value [-3] for version type [EXTERNAL]'],
      [ndjson([{ upsert: { _index: 'a', _id: '1' } }, { a: 1 }]), 'illegal_argument_exception', 'expected field [create], [delete], [index] or [update] but found [upsert]'],
      [ndjson([{ index: { _index: 'a', _type: '_doc' } }, { a: 1 }]), 'illegal_argument_exception', 'contains an unknown parameter [_type]'],
      ['', 'action_request_validation_exception', 'no requests added'],
    ];
    for (const [body, type, reason] of cases) {
      const response = await call('POST', '/_bulk', body, 'application/x-ndjson');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, error: { type, root_cause: [{ type }] } });
      expect(response.body.error.reason).toContain(reason);
    }
    expect(os.documents('a').size).toBe(0);
  });
});

describe('deleted documents\' versions (index.gc_deletes)', () => {
  const deleteThenStale = async (index: string) => {
    await bulk([{ index: { _index: index, _id: '1', version: 5, version_type: 'external' } }, { v: 5 }]);
    await bulk([{ delete: { _index: index, _id: '1', version: 10, version_type: 'external' } }]);
    return bulk([{ index: { _index: index, _id: '1', version: 3, version_type: 'external' } }, { v: 3 }]);
  };

  it('keeps a deleted document\'s version for 60 s by default, so an older write conflicts', async () => {
    expect(item(await deleteThenStale('kept'), 0).error.reason).toBe('[1]: version conflict, current version [10] is higher or equal to the one provided [3]');
    expect(os.documents('kept').size).toBe(0);
  });

  it('forgets it after the index\'s index.gc_deletes, or the node\'s gcDeletesMs, and then takes a write with any version', async () => {
    expect((await call('PUT', '/forgetful', { settings: { index: { gc_deletes: '0s' } } })).status).toBe(200);
    expect(item(await deleteThenStale('forgetful'), 0)).toMatchObject({ status: 201, result: 'created', _version: 3 });
    expect(sourceOf('forgetful', '1')).toEqual({ v: 3 });
    await os.restart({ refreshIntervalMs: null, gcDeletesMs: 0 });
    expect(item(await deleteThenStale('auto'), 0)).toMatchObject({ status: 201, _version: 3 });
    await bulk([{ index: { _index: 'auto', _id: 'i' } }, { n: 1 }, { delete: { _index: 'auto', _id: 'i' } }, { index: { _index: 'auto', _id: 'i' } }, { n: 2 }]);
    // an internal version starts over once the tombstone is gone
    expect(os.documents('auto').get('i')).toMatchObject({ version: 1, source: { n: 2 } });
  });

  it('refuses an index.gc_deletes that is no time value', async () => {
    const response = await call('PUT', '/badgc', { settings: { 'index.gc_deletes': '100' } });
    expect(response.status).toBe(400);
    expect(response.body.error.reason).toBe('failed to parse setting [index.gc_deletes] with value [100] as a time value: unit is missing or unrecognized');
  });
});
