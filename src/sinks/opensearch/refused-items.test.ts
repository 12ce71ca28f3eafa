/**
 * Items an index refuses, written and truncated through the sink task against the fake node: for
 * good (a block an administrator set, a user without the right), for now (a full disk's block), or
 * with nothing left to do (the index is gone). A refusal for good fails the task once, naming the
 * index and the fix, and commits nothing after it; a refusal for now is retried until it lifts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { fakeOpenSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { waitFor } from '../../../test/support/wait.js';
import { orderDeleted, orderUpdate, ORDERS_INDEX, ordersTruncated, startOrdersSink } from './orders-sink.fixture.js';
import type { OpenSearchSinkTask } from './sink-task.js';

const offsets = (next: number) => new Map([[`${ORDERS_INDEX}:0`, next]]);
const orders = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => orderUpdate(from - 1 + i, from + i, 'placed'));
const ids = (fake: FakeOpenSearch) => [...fake.documents(ORDERS_INDEX).keys()].map(Number).sort((a, b) => a - b);

describe('OpenSearch sink: items an index refuses', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
  let task: OpenSearchSinkTask;
  afterEach(async () => {
    await task.stop();
  });

  /** Starts the task, retrying `maxRetries` times, and writes orders 1 to 3 (offsets 0 to 2). */
  const start = async (maxRetries = 2) => {
    ({ task } = await startOrdersSink(fake.url, { 'linger.ms': '600000', 'max.retries': String(maxRetries), 'retry.backoff.ms': '10' }));
    await task.put(orders(1, 3));
    await task.flush();
  };

  it('fails for good, naming the index and the fix, when a truncate meets an index an administrator made read-only, and commits nothing from it on', async () => {
    await start();
    fake.faults.refuseItems(ORDERS_INDEX, 'read-only block');
    const error = await rejectionOf(task.put([ordersTruncated(3), orderUpdate(4, 4, 'placed')]));
    expect(error).toMatchObject({ code: 'OPENSEARCH_TRUNCATE_REJECTED', retriable: false });
    expect(error.message).toBe(
      `OpenSearch at ${fake.url} did not delete ${ORDERS_INDEX}/1 for a truncate (403 cluster_block_exception: index [${ORDERS_INDEX}] blocked by: [FORBIDDEN/5/index read-only (api)];). ` +
        `Lift the block on ${ORDERS_INDEX} (the index setting index.blocks.write or index.blocks.read_only, or the cluster setting cluster.blocks.read_only, as the reason names), then restart the task. ` +
        'Or set truncate.behavior=ignore to keep the documents a TRUNCATE deletes.',
    );
    expect(ids(fake)).toEqual([1, 2, 3]);
    expect(await task.preCommit(offsets(5))).toEqual(offsets(3));
  });

  it('fails for good, naming the permission, when the user may not delete from the index', async () => {
    await start();
    fake.faults.refuseItems(ORDERS_INDEX, 'no permission');
    const error = await rejectionOf(task.put([ordersTruncated(3)]));
    expect(error).toMatchObject({ code: 'OPENSEARCH_TRUNCATE_REJECTED', retriable: false });
    expect(error.message).toContain(`(403 security_exception: no permissions for [indices:data/write/bulk[s]]`);
    expect(error.message).toContain(`Give the connection's user (or IAM role) the permission to write to and delete from ${ORDERS_INDEX}.`);
    expect(ids(fake)).toEqual([1, 2, 3]);
    expect(await task.preCommit(offsets(4))).toEqual(offsets(3));
  });

  it('counts a truncate and a delete done when their index was deleted meanwhile and the cluster does not create it again', async () => {
    await start();
    fake.faults.refuseItems(ORDERS_INDEX, 'index missing');
    await task.put([ordersTruncated(3), orderDeleted(4, 2)]);
    await task.flush();
    expect(await task.preCommit(offsets(5))).toEqual(offsets(5));
  });

  it('deletes through a full disk\'s block, which lets deletes pass, and retries the writes it turns away until it lifts', async () => {
    await start(100);
    fake.faults.refuseItems(ORDERS_INDEX, 'flood-stage block');
    await task.put([ordersTruncated(3)]);
    expect(ids(fake)).toEqual([]);
    const bulkRequests = () => fake.requests.filter((r) => r.path.endsWith('/_bulk')).length;
    const before = bulkRequests();
    await task.put([orderUpdate(4, 4, 'placed')]);
    const flushed = task.flush();
    await waitFor(() => bulkRequests() >= before + 2, 10_000, 'a write turned away and sent again');
    fake.faults.clear();
    await flushed;
    expect(ids(fake)).toEqual([4]);
    expect(await task.preCommit(offsets(5))).toEqual(offsets(5));
  });

  it('fails for good, naming the block and the fix, when writes meet an index an administrator blocked for writes', async () => {
    await start();
    fake.faults.refuseItems(ORDERS_INDEX, 'write block');
    await task.put([orderUpdate(3, 4, 'placed')]);
    const error = await rejectionOf(task.flush());
    expect(error).toMatchObject({ code: 'OPENSEARCH_DOCUMENT_REJECTED', retriable: false });
    expect(error.message).toBe(
      `OpenSearch rejected the document for ${ORDERS_INDEX}:0:3 (index ${ORDERS_INDEX}, id 4): cluster_block_exception: index [${ORDERS_INDEX}] blocked by: [FORBIDDEN/8/index write (api)];. ` +
        `Lift the block on ${ORDERS_INDEX} (the index setting index.blocks.write or index.blocks.read_only, or the cluster setting cluster.blocks.read_only, as the reason names), then restart the task.`,
    );
    // Sent once: a block an administrator set is not waited out.
    expect(fake.requests.filter((r) => r.path.endsWith('/_bulk') && r.status === 200)).toHaveLength(2);
    // The failure is the task's for good: a commit throws it too, and nothing after it is committed.
    await expect(task.preCommit(offsets(4))).rejects.toBe(error);
  });

  it('fails once, naming the block to lift and not the credentials, when the cluster refuses whole bulk requests for a read-only block', async () => {
    await start(0);
    fake.faults.blockCluster();
    await task.put(orders(4, 5));
    const error = await rejectionOf(task.flush());
    expect(error).toMatchObject({ code: 'OPENSEARCH_BLOCKED', retriable: false });
    expect(error.message).toContain('blocked by: [FORBIDDEN/6/cluster read-only (api)]');
    expect(error.message).toContain('Lift the block on the index or the cluster');
    expect(error.message).not.toContain('connection.username');
    expect(ids(fake)).toEqual([1, 2, 3]);
    expect(await task.preCommit(offsets(5)).catch(() => 'refused')).toBe('refused');
  });
});
