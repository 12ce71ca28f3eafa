/**
 * What became of each action of a `_bulk` request, from the response body and the actions it
 * answers (bulk-body.ts `BulkBody.items`, in the same order). Pure; called once per response.
 *
 * Outcomes per item:
 * - `done`: written, or nothing left to write: 2xx; a delete with nothing to delete (404
 *   `not_found`, or its index is gone: `index_not_found_exception`); a partial update whose document
 *   is gone (`document_missing_exception`: deleted by a later change, or never indexed; warns); a
 *   version conflict under `behavior.on.version.conflict` ignore or warn (the index holds newer
 *   data); a malformed document under `behavior.on.malformed.documents` ignore or warn. `warn` says
 *   whether to log it.
 * - `retry`: the cluster turned it away for now: 429, 5xx, rejected execution, circuit breaking,
 *   unavailable shards, the block a full disk puts on an index (lifted by the cluster once there is
 *   room again). Send it again, alone, with backoff.
 * - `report`: a version conflict or malformed document whose behavior is `report`: write it to the
 *   dead-letter queue with `error`, then count it done.
 * - `fail`: anything else (a missing index with auto-creation off, security errors, an index an
 *   administrator made read-only, ...) and malformed documents or conflicts under `fail`: the task
 *   fails with `error` and `permanentItemFix`'s advice (`refusalFix`'s for a truncate's deletes).
 * A body that is not a bulk response for these actions is a RetriableError (a proxy's error page,
 * a cut connection). The truncate's deletes (versioned-truncate.ts) use the same rules for what is
 * done, retried or permanent.
 */
import { RetriableError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import type { BulkAction } from './bulk-body.js';
import type { MalformedDocumentBehavior, VersionConflictBehavior } from './opensearch-sink-config.js';

export type ItemOutcome = 'done' | 'retry' | 'report' | 'fail';

export interface ItemError {
  status: number;
  type: string;
  reason: string;
}

export interface ItemResult {
  action: BulkAction;
  outcome: ItemOutcome;
  /** Null for a plain success. */
  error: ItemError | null;
  /** Whether to log `error` as a warning (outcome `done` only). */
  warn: boolean;
}

export interface ResponseBehaviors {
  onMalformedDocuments: MalformedDocumentBehavior;
  onVersionConflict: VersionConflictBehavior;
}

const RETRIABLE_TYPES = new Set([
  'es_rejected_execution_exception',
  'opensearch_rejected_execution_exception',
  'rejected_execution_exception',
  'circuit_breaking_exception',
  'unavailable_shards_exception',
  'no_shard_available_action_exception',
  'process_cluster_event_timeout_exception',
  'node_not_connected_exception',
  'node_closed_exception',
]);

const MALFORMED_TYPES = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception',
  'strict_dynamic_mapping_exception',
  'mapper_exception',
  'illegal_argument_exception',
  'action_request_validation_exception',
  'parse_exception',
  'json_parse_exception',
  'x_content_parse_exception',
  'not_x_content_exception',
]);

/** Whether an HTTP status (of an item, or of a whole request) is worth retrying. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Whether a failed item was turned away for now (429, 5xx, rejected execution, ...): worth sending
 * again. A cluster block is, when it lifts by itself: a full disk's (429 since OpenSearch 2, 403
 * "read-only / allow delete" in OpenSearch 1 and Elasticsearch 7) or a cluster not ready (503). The
 * blocks an administrator sets (403: index write, index or cluster read-only) stay until one lifts
 * them.
 */
export function isRetriableItem(error: ItemError): boolean {
  if (error.type === 'cluster_block_exception') return isRetriableStatus(error.status) || error.reason.includes('read-only / allow delete');
  return RETRIABLE_TYPES.has(error.type) || isRetriableStatus(error.status);
}

/** Whether a delete's item left nothing to delete: the document (404 `not_found`) or its index is missing. */
export function isNothingToDelete(status: number, error: unknown): boolean {
  return status === 404 && (error === undefined || (isPlainObject(error) && error['type'] === 'index_not_found_exception'));
}

/**
 * What to do about a write's item that failed (outcome `fail`), as a sentence for the error's
 * message: the behavior that would let it pass, or what `refusalFix` says.
 */
export function permanentItemFix(error: ItemError, index: string): string {
  if (MALFORMED_TYPES.has(error.type)) return 'Fix the mapping or the data, or set behavior.on.malformed.documents to warn, ignore or report.';
  if (error.type === 'version_conflict_engine_exception') return `${index} holds a newer version of the document: set behavior.on.version.conflict to ignore, warn or report to keep it.`;
  return refusalFix(error, index);
}

/** What to change on the cluster for `index` to take an item it refused for good (a block, a missing index or permission), as a sentence. */
export function refusalFix(error: ItemError, index: string): string {
  if (error.type === 'cluster_block_exception') return `Lift the block on ${index} (the index setting index.blocks.write or index.blocks.read_only, or the cluster setting cluster.blocks.read_only, as the reason names), then restart the task.`;
  if (error.type === 'index_not_found_exception') return `Create ${index}, or let it be created: set index.auto.create=true, and let the cluster's action.auto_create_index allow its name.`;
  if (error.type === 'security_exception' || error.status === 401 || error.status === 403) return `Give the connection's user (or IAM role) the permission to write to and delete from ${index}.`;
  return 'Remove the cause the reason names, then restart the task.';
}

export function classifyBulkResponse(response: unknown, items: readonly BulkAction[], behaviors: ResponseBehaviors): ItemResult[] {
  const answers = isPlainObject(response) && Array.isArray(response['items']) ? (response['items'] as unknown[]) : null;
  if (answers === null || answers.length !== items.length) {
    throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch answered a bulk request of ${items.length} actions with ${answers === null ? 'something that is not a bulk response' : `${answers.length} items`}; it will be sent again.`, { stage: 'put' });
  }
  return items.map((action, i) => classify(action, itemBody(answers[i], action.op), behaviors));
}

function classify(action: BulkAction, item: Record<string, unknown>, behaviors: ResponseBehaviors): ItemResult {
  const status = typeof item['status'] === 'number' ? item['status'] : 0;
  if (status >= 200 && status < 300) return { action, outcome: 'done', error: null, warn: false };
  const error = itemError(status, item['error']);
  if (action.op === 'delete' && isNothingToDelete(status, item['error'])) return { action, outcome: 'done', error: null, warn: false };
  if (error.type === 'document_missing_exception' && action.partial) return { action, outcome: 'done', error, warn: true };
  if (error.type === 'version_conflict_engine_exception') return byBehavior(action, error, behaviors.onVersionConflict);
  if (isRetriableItem(error)) return { action, outcome: 'retry', error, warn: false };
  if (MALFORMED_TYPES.has(error.type)) return byBehavior(action, error, behaviors.onMalformedDocuments);
  return { action, outcome: 'fail', error, warn: false };
}

function byBehavior(action: BulkAction, error: ItemError, behavior: MalformedDocumentBehavior | VersionConflictBehavior): ItemResult {
  switch (behavior) {
    case 'ignore':
      return { action, outcome: 'done', error, warn: false };
    case 'warn':
      return { action, outcome: 'done', error, warn: true };
    case 'report':
      return { action, outcome: 'report', error, warn: false };
    case 'fail':
      return { action, outcome: 'fail', error, warn: false };
  }
}

/** The item's `{"<op>": {...}}` body (any single key, as OpenSearch names it by the action). */
function itemBody(answer: unknown, op: BulkAction['op']): Record<string, unknown> {
  if (!isPlainObject(answer)) return {};
  const body = answer[op] ?? Object.values(answer)[0];
  return isPlainObject(body) ? body : {};
}

/** An item's error as status, type and reason (with its cause's). */
export function itemError(status: number, error: unknown): ItemError {
  if (typeof error === 'string') return { status, type: 'unknown', reason: error };
  if (!isPlainObject(error)) return { status, type: `http_${status}`, reason: `status ${status}` };
  const type = typeof error['type'] === 'string' ? error['type'] : `http_${status}`;
  let reason = typeof error['reason'] === 'string' ? error['reason'] : type;
  const cause = error['caused_by'];
  if (isPlainObject(cause) && typeof cause['reason'] === 'string') reason += ` (${String(cause['type'])}: ${cause['reason']})`;
  return { status, type, reason };
}
