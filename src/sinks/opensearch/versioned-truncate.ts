/**
 * A TRUNCATE carried out at the truncate's version (version.ts): every document of the index that
 * is not newer than the truncate is deleted; newer ones stay. Called by client.ts `deleteAll` once
 * the index is refreshed, so that the scan sees every write sent before the truncate.
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
 * Blocks on its requests, one at a time. The scroll is cleared at the end, also on failure (a clear
 * that fails is left to the scroll's keep-alive). Throws RetriableError for what may pass (an item
 * turned away for now, a body that is no answer); the whole truncate is then carried out again,
 * which deletes nothing newer. Any other failed item is a permanent SluiceError naming the fix.
 * Failed requests throw the client's errors as they are.
 */
import { RetriableError, SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { actionText } from './bulk-body.js';
import { isRetriableItem, itemError } from './bulk-response.js';

/** The requests a versioned truncate makes; each returns the response body. */
export interface ScrollCalls {
  /** A search of `index` with `body` that opens a scroll kept for `keepAlive`. */
  openScroll(index: string, body: Record<string, unknown>, keepAlive: string): Promise<unknown>;
  /** The next page of the scroll, keeping it for `keepAlive` more. */
  nextPage(scrollId: string, keepAlive: string): Promise<unknown>;
  clearScroll(scrollId: string): Promise<void>;
  bulk(body: Buffer): Promise<unknown>;
}

/** Ids per page, and so deletes per `_bulk` request (about 100 bytes each). */
const PAGE_SIZE = 1000;
/** Long enough for one page's `_bulk` request, retries of a slow cluster included. */
const KEEP_ALIVE = '5m';
/** The fields of a page the scan reads: the rest of the response is not worth sending. */
export const PAGE_FIELDS = '_scroll_id,hits.hits._id';

const PAGE_QUERY = { size: PAGE_SIZE, sort: ['_doc'], _source: false, query: { match_all: {} } };

/** Deletes the documents of `index` whose version is at most `version`; see the module comment. */
export async function deleteUpToVersion(calls: ScrollCalls, index: string, version: number, where: string): Promise<void> {
  let scrollId: string | null = null;
  try {
    let page = readPage(await calls.openScroll(index, PAGE_QUERY, KEEP_ALIVE), index, where);
    while (page.ids.length > 0) {
      scrollId = page.scrollId;
      checkDeletes(await calls.bulk(deletes(index, page.ids, version)), page.ids, index, where);
      page = readPage(await calls.nextPage(page.scrollId, KEEP_ALIVE), index, where);
    }
    scrollId = page.scrollId;
  } finally {
    // A scroll holds the segments it reads from until cleared or expired.
    if (scrollId !== null) await calls.clearScroll(scrollId).catch(() => undefined);
  }
}

function readPage(body: unknown, index: string, where: string): { scrollId: string; ids: string[] } {
  const scrollId = isPlainObject(body) ? body['_scroll_id'] : undefined;
  // filter_path drops the hits of an empty page, the last one.
  const hits = isPlainObject(body) && isPlainObject(body['hits']) ? (body['hits']['hits'] ?? []) : [];
  const ids = Array.isArray(hits) ? hits.map((hit: unknown) => (isPlainObject(hit) ? hit['_id'] : undefined)) : [undefined];
  if (typeof scrollId !== 'string' || !ids.every((id): id is string => typeof id === 'string')) {
    throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch at ${where} answered a page of the ids of ${index} with something else; the truncate is carried out again.`, { stage: 'put' });
  }
  return { scrollId, ids };
}

function deletes(index: string, ids: readonly string[], version: number): Buffer {
  return Buffer.from(ids.map((id) => actionText('delete', index, id, version, null).text).join(''));
}

/** Throws unless every delete is done: deleted, not found, or refused as older than its document. */
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
    if ((status >= 200 && status < 300) || status === 404 || status === 409) return;
    const error = itemError(status, item['error']);
    const failure = `OpenSearch at ${where} did not delete ${index}/${ids[i]} for a truncate (${error.status} ${error.type}: ${error.reason})`;
    if (isRetriableItem(error)) throw new RetriableError('OPENSEARCH_UNAVAILABLE', `${failure}; the truncate is carried out again.`, { stage: 'put' });
    throw new SluiceError('OPENSEARCH_TRUNCATE_REJECTED', `${failure}. Give the user the right to delete documents of the index, or set truncate.behavior=ignore to keep them.`, { stage: 'put' });
  });
}
