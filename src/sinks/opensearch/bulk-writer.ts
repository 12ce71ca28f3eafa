/**
 * Writes one `_bulk` request of the OpenSearch sink to its end: sends the actions, deals with each
 * item's outcome (bulk-response.ts) and sends again, alone, the items the cluster turned away for
 * now. Called by the scheduler (bulk-scheduler.ts) once per request, several at a time on disjoint
 * documents; it blocks only on the request, its retries' backoff, the reads that complete TOAST
 * partial updates (merged-updates.ts: a request holding one is sent in parts, each once the one
 * before it is written) and the dead-letter queue.
 *
 * Guarantees: `write` resolves once every action is written or dealt with per
 * `behavior.on.malformed.documents` / `behavior.on.version.conflict` (logged, ignored, or reported
 * to the dead-letter queue, dead-letters.ts, and the report durable). Items rejected with 429,
 * 5xx or a rejected execution, and whole requests that fail (connection reset, 503, a body that is
 * no bulk response), are sent again after an exponential backoff with jitter, up to `max.retries`
 * times; after that `write` rejects with RetriesExhausted, which names the actions still unwritten
 * so that they can be sent again later. Any other failure (a document rejected under `fail`, a
 * security error) rejects with that permanent SluiceError, and a report that could not be written
 * with the reporter's error. Items of one document keep their order through retries: an item after
 * a retried one of the same document is sent again after it.
 */
import type { Logger } from 'pino';
import type { ErrantRecordReporter } from '../../contracts/sink-task.js';
import { RetriableError, SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { bulkBody, documentKey, type BulkAction } from './bulk-body.js';
import { classifyBulkResponse, type ItemResult } from './bulk-response.js';
import type { OpenSearchClient } from './client.js';
import { DocumentRejected } from './dead-letters.js';
import { completeMerges, requestSegments } from './merged-updates.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';

/** The longest pause between two attempts, whatever `retry.backoff.ms` and the attempt count say. */
const MAX_BACKOFF_MS = 60_000;

/** A request whose retries ran out; `unwritten` are its actions not yet written, in request order. */
export class RetriesExhausted extends RetriableError {
  constructor(
    readonly unwritten: readonly BulkAction[],
    readonly attempts: number,
    readonly maxRetries: number,
    readonly failure: RetriableError | null,
  ) {
    const why = failure === null ? 'refused them' : `failed: ${failure.message}`;
    super(
      'OPENSEARCH_RETRIES_EXHAUSTED',
      `OpenSearch still ${why} for ${unwritten.length} document(s) after ${attempts} attempts (max.retries=${maxRetries}); they are sent again after a pause.`,
      { stage: 'put', cause: failure ?? undefined },
    );
  }
}

export type BulkWriterConfig = Pick<OpenSearchSinkConfig, 'writes' | 'documents'>;

export class BulkWriter {
  constructor(
    private readonly client: OpenSearchClient,
    private readonly config: BulkWriterConfig,
    private readonly logger: Logger,
    private readonly deadLetters: ErrantRecordReporter,
  ) {}

  /** Writes one request's actions, retrying what may succeed later; see the module comment. */
  async write(actions: readonly BulkAction[]): Promise<void> {
    const segments = requestSegments(actions);
    for (let i = 0; i < segments.length; i++) {
      try {
        await this.writeSegment(segments[i]!);
      } catch (error) {
        if (!(error instanceof RetriesExhausted) || i === segments.length - 1) throw error;
        throw new RetriesExhausted([...error.unwritten, ...segments.slice(i + 1).flat()], error.attempts, error.maxRetries, error.failure);
      }
    }
  }

  /** One part of a request (merged-updates.ts requestSegments), sent once the part before it is written. */
  private async writeSegment(actions: readonly BulkAction[]): Promise<void> {
    const { maxRetries, retryBackoffMs } = this.config.writes;
    let items = actions;
    for (let attempt = 0; ; attempt++) {
      let retry: readonly BulkAction[];
      let failure: RetriableError | null = null;
      try {
        items = await completeMerges(items, this.client, this.logger);
        if (items.length === 0) return;
        const body = bulkBody(items);
        const response = await this.client.bulk(body.body);
        retry = allWritten(response, items.length) ? [] : await this.settle(classifyBulkResponse(response, body.items, this.config.documents));
      } catch (error) {
        if (!(error instanceof RetriableError)) throw error;
        retry = items;
        failure = error;
      }
      if (retry.length === 0) return;
      if (attempt >= maxRetries) throw new RetriesExhausted(retry, attempt + 1, maxRetries, failure);
      if (failure) this.logger.warn({ err: failure, attempt: attempt + 1 }, 'bulk request failed; retrying');
      items = retry;
      const delay = Math.min(MAX_BACKOFF_MS, retryBackoffMs * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    }
  }

  /**
   * Deals with each item's outcome; returns the actions to send again. An item after a retried one
   * of the same document is sent again too, whatever its outcome, so the retry cannot overwrite it.
   */
  private async settle(results: readonly ItemResult[]): Promise<BulkAction[]> {
    const retry: BulkAction[] = [];
    let retried: Set<string> | null = null;
    for (const { action, outcome, error, warn } of results) {
      if (retried !== null && retried.has(documentKey(action))) {
        retry.push(action);
        continue;
      }
      if (outcome === 'done' && !warn) continue;
      const where = { topic: action.record.topic, partition: action.record.partition, offset: action.record.offset, index: action.index, id: action.id };
      switch (outcome) {
        case 'done':
          if (error) this.logger.warn({ ...where, error }, `document not written: ${error.type}: ${error.reason}`);
          break;
        case 'retry':
          retry.push(action);
          (retried ??= new Set()).add(documentKey(action));
          break;
        case 'report':
          await this.deadLetters.report(action.source, new DocumentRejected(action.index, action.id, error!));
          break;
        case 'fail':
          throw new SluiceError(
            'OPENSEARCH_DOCUMENT_REJECTED',
            `OpenSearch rejected the document for ${action.record.topic}:${action.record.partition}:${action.record.offset} (index ${action.index}, id ${action.id}): ${error?.type}: ${error?.reason}. Fix the mapping or the data, or set behavior.on.malformed.documents to warn, ignore or report.`,
            { stage: 'put' },
          );
      }
    }
    return retry;
  }
}

/** A bulk response with `errors: false` and one item per action: every item is done, nothing to look at. */
function allWritten(response: unknown, actions: number): boolean {
  return isPlainObject(response) && response['errors'] === false && Array.isArray(response['items']) && response['items'].length === actions;
}
