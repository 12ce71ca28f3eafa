/**
 * The faults a test arms on the fake OpenSearch node (fake-opensearch-faults.ts) as a client sees
 * them over HTTP, and how the request log names them.
 */
import { describe, expect, it } from 'vitest';
import { item, ndjson, requestsTo } from './fake-opensearch-requests.js';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import { waitFor } from './wait.js';

const os = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
const { call, bulk } = requestsTo(os);

describe('faults', () => {
  const oneDoc = (id: string) => ndjson([{ index: { _index: 'f', _id: id } }, { id }]);
  const sendBulk = (id: string) => call('POST', '/_bulk', oneDoc(id), 'application/x-ndjson');

  it('rejects the next N bulk requests with 429 and applies nothing from them', async () => {
    os.faults.rejectBulk(2);
    expect((await call('GET', '/')).status).toBe(200);
    for (const id of ['1', '2']) {
      const rejected = await sendBulk(id);
      expect(rejected.status).toBe(429);
      expect(rejected.body).toMatchObject({ status: 429, error: { type: 'rejected_execution_exception', root_cause: [{ type: 'rejected_execution_exception' }] } });
    }
    expect((await sendBulk('3')).status).toBe(200);
    expect([...os.documents('f').keys()]).toEqual(['3']);
  });

  it('rejects the next N bulk items with a per-item 429 and applies the rest', async () => {
    os.faults.rejectItems(1);
    const response = await bulk([{ index: { _index: 'f', _id: '1' } }, { a: 1 }, { index: { _index: 'f', _id: '2' } }, { a: 2 }]);
    expect(response.body.errors).toBe(true);
    expect(item(response, 0)).toMatchObject({ status: 429, error: { type: 'rejected_execution_exception' } });
    expect(item(response, 1).status).toBe(201);
    expect([...os.documents('f').keys()]).toEqual(['2']);
  });

  it('answers the next N requests with 503, counting only bulk requests when scoped', async () => {
    os.faults.unavailable(1, 'bulk');
    expect((await call('GET', '/')).status).toBe(200);
    const unavailable = await sendBulk('1');
    expect(unavailable).toMatchObject({ status: 503, body: { status: 503, error: { type: 'cluster_block_exception' } } });
    expect((await sendBulk('2')).status).toBe(200);
    os.faults.unavailable(1);
    expect((await call('GET', '/')).status).toBe(503);
    expect([...os.documents('f').keys()]).toEqual(['2']);
  });

  it('answers every bulk request 403 for a cluster block until cleared, applying none, and other requests as usual', async () => {
    os.faults.blockCluster();
    for (const id of ['1', '2']) {
      expect(await sendBulk(id)).toMatchObject({ status: 403, body: { status: 403, error: { type: 'cluster_block_exception', reason: 'blocked by: [FORBIDDEN/6/cluster read-only (api)];' } } });
    }
    expect((await call('GET', '/')).status).toBe(200);
    expect(os.documents('f').size).toBe(0);
    os.faults.clear();
    expect((await sendBulk('3')).status).toBe(200);
  });

  it('resets the connection before applying, or after applying, the next N requests', async () => {
    os.faults.resetConnection(1);
    const lost = await sendBulk('1').catch((e: Error & { cause?: { code?: string } }) => e);
    expect((lost as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    expect(os.documents('f').size).toBe(0);
    os.faults.resetConnection(1, { afterApplying: true });
    const applied = await sendBulk('2').catch((e: Error) => e);
    expect(applied).toBeInstanceOf(Error);
    expect([...os.documents('f').keys()]).toEqual(['2']);
    expect((await sendBulk('3')).status).toBe(200);
    expect(os.requests.map((r) => r.status)).toEqual([undefined, undefined, 200]);
  });

  it('delays the next request, still applying it when the client gives up', async () => {
    os.faults.delay(2000, 1, 'bulk');
    const client = new AbortController();
    const init = { method: 'POST', body: oneDoc('slow'), headers: { 'content-type': 'application/x-ndjson' }, signal: client.signal };
    const pending = fetch(`${os.url}/_bulk`, init).catch((e: Error) => e);
    await waitFor(() => os.requests.length === 1, 5000, 'the delayed request to arrive');
    expect((await call('GET', '/')).status).toBe(200);
    expect(os.requests[0]!.status).toBeUndefined();
    expect(os.documents('f').size).toBe(0);
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await waitFor(() => os.documents('f').has('slow'), 10_000, 'the delayed write');
    expect(os.requests[0]!.status).toBe(200);
  });

  it('goes down (connections refused) and comes back up on the same port with its documents', async () => {
    expect((await sendBulk('1')).status).toBe(200);
    await os.down();
    const refused = await sendBulk('2').catch((e: Error & { cause?: { code?: string } }) => e);
    expect((refused as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await os.up();
    expect((await sendBulk('3')).status).toBe(200);
    expect([...os.documents('f').keys()]).toEqual(['1', '3']);
  });

  it('clears every fault', async () => {
    os.faults.rejectBulk(5);
    os.faults.unavailable(5);
    os.faults.failMapping(() => true);
    os.faults.clear();
    expect((await sendBulk('1')).body.errors).toBe(false);
  });
});

describe('faults: answers after applying, held requests, and the request log', () => {
  const oneDoc = (id: string) => ndjson([{ index: { _index: 'f', _id: id } }, { id }]);

  it('applies a request at once and answers it late with a delay after applying, and names every fault in the request log', async () => {
    os.faults.delay(60_000, 1, { scope: 'bulk', afterApplying: true });
    const client = new AbortController();
    const pending = fetch(`${os.url}/_bulk`, { method: 'POST', body: oneDoc('early'), headers: { 'content-type': 'application/x-ndjson' }, signal: client.signal }).catch((e: Error) => e);
    await waitFor(() => os.documents('f').has('early'), 5000, 'the write applied before the answer');
    expect(os.requests[0]!.status).toBeUndefined();
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    os.faults.releaseDelayed();
    await waitFor(() => os.requests[0]!.status !== undefined, 5000, 'the held answer sent');
    os.faults.rejectBulk(1);
    await bulk([{ index: { _index: 'f', _id: 'x' } }, { a: 1 }]);
    os.faults.rejectItems(1);
    os.faults.resetConnection(1, { afterApplying: true });
    await bulk([{ index: { _index: 'f', _id: 'y' } }, { a: 1 }, { index: { _index: 'f', _id: 'z' } }, { a: 1 }]).catch((e: Error) => e);
    expect(os.requests.map((r) => [r.status, r.faults])).toEqual([[200, ['delayed after applying']], [429, ['rejected']], [undefined, ['reset after applying', 'items rejected']]]);
    expect([...os.documents('f').keys()]).toEqual(['early', 'z']);
  });

  it('holds a delayed request until releaseDelayed, then applies it', async () => {
    os.faults.delay(600_000, 1, 'bulk');
    const pending = call('POST', '/_bulk', oneDoc('held'), 'application/x-ndjson');
    await waitFor(() => os.requests.length === 1, 5000, 'the held request to arrive');
    expect((await call('GET', '/')).status).toBe(200);
    expect(os.documents('f').size).toBe(0);
    os.faults.releaseDelayed();
    expect((await pending).status).toBe(200);
    expect(os.documents('f').has('held')).toBe(true);
    expect(os.requests[0]!.faults).toEqual(['delayed']);
  });
});
