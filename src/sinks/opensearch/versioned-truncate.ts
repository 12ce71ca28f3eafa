/**
 * A TRUNCATE carried out at the truncate's version (version.ts): every document of the index that
 * is not newer than the truncate is deleted; newer ones stay. Called by client.ts `deleteAll` once
 * every write before the truncate is answered.
 *
 * The index's ids are listed with the scroll API (a point-in-time view of what the refresh made
 * searchable, in `_doc` order, without sources), a page at a time, and each page is deleted with
 * one `_bulk` request of `delete` actions at `version=<the truncate's>, version_type=external_gte`:
 * a document written before the truncate, in the same transaction too (same version), is deleted,
 * and its tombstone keeps the truncate's version, so writes after the truncate, replayed or not,
 * still apply. A document newer than the truncate (written after it, met by a replayed truncate)
 * answers a version conflict and stays; one deleted meanwhile answers not_found. Both are success.
 * delete_by_query could do neither: it takes no version and raises each deleted document's version
 * by one, above that of its own replayed write.
 *
 * The listing sees what a search sees: each one starts with a refresh, so that it sees every write
 * sent before the truncate. A listing cut short (its scroll's search context gone between two
 * pages, as when the keep-alive ran out or the node holding it restarted, or a page missing the
 * hits of a shard that failed) starts over with a new refresh and scroll, logged at warn: deletes
 * at a version are idempotent, and what was deleted is no longer listed. After MAX_LISTINGS
 * listings cut short in one call it throws RetriableError instead, and the whole truncate is
 * carried out again later.
 *
 * Blocks on its requests, one at a time. Each scroll is cleared at the end of its listing, also on
 * failure (a clear that fails is left to the scroll's keep-alive). Each delete's item follows the
 * bulk writer's rules (bulk-response.ts): done when deleted, when there was nothing to delete (the
 * document or its index is gone) or when refused as older than its document; retriable items (429,
 * 5xx, a full disk's block) and a body that is no answer throw RetriableError, and the whole
 * truncate is carried out again, which deletes nothing newer. Any other refused item (an index
 * made read-only, a user without the right to delete) is a permanent SluiceError naming the index
 * and the fix: the truncate is never reported done while a document it should delete remains.
 * Failed requests throw the client's errors as they are.
 */
import type { Logger } from 'pino';
import { RetriableError, SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { actionLine } from './bulk-body.js';
import { isNothingToDelete, isRetriableItem, itemError, refusalFix } from './bulk-response.js';

/** The requests a versioned truncate makes; each returns the response body. */
export interface ScrollCalls {
  /** Makes every write to `index` so far searchable. */
  refresh(index: string): Promise<void>;
  /** A search of `index` with `body` that opens a scroll kept for `keepAlive`. */
  openScroll(index: string, body: Record<string, unknown>, keepAlive: string): Promise<unknown>;
  /** The next page of the scroll, keeping it for `keepAlive` more; null when its search context is gone (404). */
  nextPage(scrollId: string, keepAlive: string): Promise<unknown>;
  clearScroll(scrollId: string): Promise<void>;
  bulk(body: Buffer): Promise<unknown>;
}

/** Ids per page, and so deletes per `_bulk` request (about 100 bytes each). */
const PAGE_SIZE = 1000;
/** Long enough for one page's `_bulk` request, retries of a slow cluster included. */
const KEEP_ALIVE = '5m';
/** Listings cut short in one call before the truncate is left to be carried out again later. */
export const MAX_LISTINGS = 3;
/** The fields of a page the scan reads: the rest of the response is not worth sending. */
export const PAGE_FIELDS = '_scroll_id,hits.hits._id,_shards.failed,_shards.failures.reason';

const PAGE_QUERY = { size: PAGE_SIZE, sort: ['_doc'], _source: false, query: { match_all: {} } };

/** Deletes the documents of `index` whose version is at most `version`; see the module comment. */
export async function deleteUpToVersion(calls: ScrollCalls, index: string, version: number, where: string, logger: Logger): Promise<void> {
  for (let listing = 1; ; listing++) {
    const cut = await deleteListed(calls, index, version, where);
    if (cut === null) return;
    if (listing === MAX_LISTINGS) {
      throw new RetriableError('OPENSEARCH_UNAVAILABLE', `OpenSearch at ${where} cut short the listing of the ids of ${index} for a truncate ${MAX_LISTINGS} times (the last: ${cut}); the truncate is carried out again.`, { stage: 'put' });
    }
    logger.warn({ index, listing, cut }, 'the listing of the ids a truncate deletes was cut short; listing them again');
  }
}

/**
 * One listing: refreshes, then deletes the ids of every page of a new scroll. Resolves to null once
 * the scroll has no more, or to why the listing was cut short.
 */
async function deleteListed(calls: ScrollCalls, index: string, version: number, where: string): Promise<string | null> {
  await calls.refresh(index);
  let scrollId: string | null = null;
  try {
    let body = await calls.openScroll(index, PAGE_QUERY, KEEP_ALIVE);
    for (;;) {
      const page = readPage(body, index, where);
      scrollId = page.scrollId;
      if (page.failedShards !== null) return page.failedShards;
      if (page.ids.length === 0) return null;
      checkDeletes(await calls.bulk(deletes(index, page.ids, version)), page.ids, index, where);
      body = await calls.nextPage(page.scrollId, KEEP_ALIVE);
      if (body === null) {
        scrollId = null;
        return 'its scroll\'s search context is gone: expired, or its node restarted';
      }
    }
  } finally {
    // A scroll holds the segments it reads from until cleared or expired.
    if (scrollId !== null) await calls.clearScroll(scrollId).catch(() => undefined);
  }
}

/** A page's scroll id and ids; `failedShards` says why it lacks some (null when no shard failed). */
function readPage(body: unknown, index: string, where: string): { scrollId: string; ids: string[]; failedShards: string | null } {
  const scrollId = isPlainObject(body) ? body['_scroll_id'] : undefined;
  // filter_path drops the hits of an empty page, the last one.
  const hits = isPlainObject(body) && isPlainObject(body['hits']) ? (body['hits']['hits'] ?? []) : [];
  const ids = Array.isArray(hits) ? hits.map((hit: unknown) => (isPlainObject(hit) ? hit['_id'] : undefined)) : [undefined];
  if (typeof scrollId !== 'string' || !ids.every((id): id is string => typeof id === 'string')) {
    throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch at ${where} answered a page of the ids of ${index} with something else; the truncate is carried out again.`, { stage: 'put' });
  }
  return { scrollId, ids, failedShards: failedShards(isPlainObject(body) ? body['_shards'] : undefined) };
}

/** Why a page lacks the hits of some shards (a search answers them 200 with partial results), or null when none failed. */
function failedShards(shards: unknown): string | null {
  const failed = isPlainObject(shards) && typeof shards['failed'] === 'number' ? shards['failed'] : 0;
  if (failed === 0) return null;
  const failures = isPlainObject(shards) && Array.isArray(shards['failures']) ? shards['failures'] : [];
  const reason = failures.map((failure: unknown) => (isPlainObject(failure) ? failure['reason'] : undefined)).find(isPlainObject);
  return `${failed} shard(s) failed${reason === undefined ? '' : ` (${String(reason['type'])}: ${String(reason['reason'])})`}`;
}

function deletes(index: string, ids: readonly string[], version: number): Buffer {
  return Buffer.from(ids.map((id) => actionLine('delete', index, id, version)).join(''));
}

/** Throws unless every delete is done: deleted, nothing to delete, or refused as older than its document. */
function checkDeletes(response: unknown, ids: readonly string[], index: string, where: string): void {
  const body = isPlainObject(response) ? response : {};
  const items = Array.isArray(body['items']) ? (body['items'] as unknown[]) : null;
  if (items === null || items.length !== ids.length) {
    throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch at ${where} answered ${ids.length} deletes of a truncate of ${index} with something that is not their bulk response; the truncate is carried out again.`, { stage: 'put' });
  }
  if (body['errors'] === false) return;
  items.forEach((answer, i) => {
    const item = isPlainObject(answer) && isPlainObject(answer['delete']) ? answer['delete'] : {};
    const status = typeof item['status'] === 'number' ? item['status'] : 0;
    if ((status >= 200 && status < 300) || isNothingToDelete(status, item['error'])) return;
    const error = itemError(status, item['error']);
    // The document is newer than the truncate (written after it, met by a replayed truncate): it stays.
    if (error.type === 'version_conflict_engine_exception') return;
    const failure = `OpenSearch at ${where} did not delete ${index}/${ids[i]} for a truncate (${error.status} ${error.type}: ${error.reason})`;
    if (isRetriableItem(error)) throw new RetriableError('OPENSEARCH_UNAVAILABLE', `${failure}; the truncate is carried out again.`, { stage: 'put' });
    throw new SluiceError('OPENSEARCH_TRUNCATE_REJECTED', `${failure}. ${refusalFix(error, index)} Or set truncate.behavior=ignore to keep the documents a TRUNCATE deletes.`, { stage: 'put' });
  });
}
