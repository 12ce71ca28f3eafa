/**
 * What became of each action of a `_bulk` request, from the response body and the actions it
 * answers (bulk-body.ts `BulkBody.items`, in the same order). Pure; called once per response.
 *
 * Outcomes per item:
 * - `done`: written, or nothing left to write: 2xx; a delete of a missing document (404
 *   `not_found`); a partial update whose document is gone (`document_missing_exception`: deleted by
 *   a later change, or never indexed; warns); a version conflict under
 *   `behavior.on.version.conflict` ignore or warn (the index holds newer data); a malformed
 *   document under `behavior.on.malformed.documents` ignore or warn. `warn` says whether to log it.
 * - `retry`: the cluster turned it away for now: 429, 5xx, rejected execution, circuit breaking,
 *   unavailable shards, cluster blocks (a full disk's read-only block lifts by itself). Send it
 *   again, alone, with backoff.
 * - `report`: a version conflict or malformed document whose behavior is `report`: write it to the
 *   dead-letter queue with `error`, then count it done.
 * - `fail`: anything else (a missing index with auto-creation off, security errors, a
 *   read-only index, ...) and malformed documents or conflicts under `fail`: the task fails with `error`.
 * A body that is not a bulk response for these actions is a RetriableError (a proxy's error page,
 * a cut connection).
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
  'cluster_block_exception',
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

/** Whether a failed item was turned away for now (429, 5xx, rejected execution, ...): worth sending again. */
export function isRetriableItem(error: ItemError): boolean {
  return RETRIABLE_TYPES.has(error.type) || isRetriableStatus(error.status);
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
  if (status === 404 && action.op === 'delete' && item['error'] === undefined) return { action, outcome: 'done', error: null, warn: false };
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
