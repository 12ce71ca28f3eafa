/**
 * Completes the OpenSearch sink's TOAST partial updates (bulk-body.ts `BulkAction.merge`): an
 * update that left out unchanged TOAST values becomes an `index` of the whole document at the
 * change's version, its left-out fields taken from the document as the cluster holds it now.
 *
 * Why not an update: OpenSearch's update API takes no external version and raises the stored one by
 * one, so the next change of the same transaction, which may carry the same version (version.ts),
 * would be refused as older and lost. An index at `external_gte` keeps the version the change's.
 *
 * Contract: the bulk writer calls `requestSegments` once per request and `completeMerges` before
 * each attempt to send a segment, while no other request writes its documents (the scheduler keeps
 * one document in one request at a time). `completeMerges` blocks on one real-time `_mget` and
 * returns the actions to send: each merge completed in place (its bytes encoded again, `merge` set to
 * null, so a retry sends it as it is), or left out when there is nothing to write: the stored
 * document is newer (the change is older than what the index holds), or it is missing (deleted
 * since, or never written; logged, as nothing can stand in for the left-out values). It throws a
 * RetriableError when the read fails.
 */
import type { Logger } from 'pino';
import { toJson } from '../../json.js';
import { actionBytes, documentKey, type BulkAction } from './bulk-body.js';
import type { OpenSearchClient } from './client.js';

/**
 * The request cut into parts to send one after another, so that the stored document a merge is
 * completed from has every earlier action of that document applied: a merge whose document has an
 * action before it in the same part starts a new part. A request without merges is one part.
 */
export function requestSegments(actions: readonly BulkAction[]): Array<readonly BulkAction[]> {
  if (!actions.some((action) => action.merge !== null)) return [actions];
  const segments: BulkAction[][] = [[]];
  let seen = new Set<string>();
  for (const action of actions) {
    const key = documentKey(action);
    if (action.merge !== null && seen.has(key)) {
      segments.push([]);
      seen = new Set();
    }
    seen.add(key);
    segments.at(-1)!.push(action);
  }
  return segments;
}

export async function completeMerges(actions: readonly BulkAction[], client: OpenSearchClient, logger: Logger): Promise<readonly BulkAction[]> {
  const merges = actions.filter((action) => action.merge !== null);
  if (merges.length === 0) return actions;
  const stored = await client.storedDocuments(merges);
  const nothingToWrite = new Set<BulkAction>();
  merges.forEach((action, i) => {
    const { document, omitted } = action.merge!;
    const current = stored[i]!;
    if (current === null) {
      logger.warn(
        { topic: action.record.topic, partition: action.record.partition, offset: action.record.offset, index: action.index, id: action.id, omitted },
        'an update without its unchanged TOAST values found no document to complete (deleted since, or never written); nothing written',
      );
      nothingToWrite.add(action);
    } else if (current.version > action.version!) {
      nothingToWrite.add(action);
    } else {
      const kept = omitted.filter((field) => Object.hasOwn(current.source, field)).map((field) => [field, current.source[field]]);
      // Entries, not assignments: a column may be named __proto__.
      const merged = Object.fromEntries([...Object.entries(document), ...kept]);
      Object.assign(action, actionBytes('index', action.index, action.id, action.version, toJson(merged)), { merge: null });
    }
  });
  return nothingToWrite.size === 0 ? actions : actions.filter((action) => !nothingToWrite.has(action));
}
