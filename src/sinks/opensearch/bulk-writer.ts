/**
 * Writes one `_bulk` request of the OpenSearch sink to its end: sends the actions, deals with each
 * item's outcome (bulk-response.ts) and sends again, alone, the items the cluster turned away for
 * now. Called by the scheduler (bulk-scheduler.ts) once per request, several at a time on disjoint
 * documents; it blocks only on the request, its retries' backoff, the reads that complete TOAST
 * partial updates (merged-updates.ts: a request holding one is sent in parts, each once the one
 * before it is written) and the dead-letter queue. A request that completed updates made larger
 * than `bulk.size.bytes` goes in parts too, one after another, each within it.
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
import { classifyBulkResponse, permanentItemFix, type ItemResult } from './bulk-response.js';
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
      let outcome: { retry: readonly BulkAction[]; failure: RetriableError | null };
      try {
        items = await completeMerges(items, this.client, this.logger);
        if (items.length === 0) return;
        outcome = await this.sendWithinSize(items);
      } catch (error) {
        if (!(error instanceof RetriableError)) throw error;
        outcome = { retry: items, failure: error };
      }
      const { retry, failure } = outcome;
      if (retry.length === 0) return;
      if (attempt >= maxRetries) throw new RetriesExhausted(retry, attempt + 1, maxRetries, failure);
      if (failure) this.logger.warn({ err: failure, attempt: attempt + 1 }, 'bulk request failed; retrying');
      items = retry;
      await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt, retryBackoffMs)));
    }
  }

  /**
   * Sends `items` in requests of at most `bulk.size.bytes`, one after another. The scheduler made
   * them fit, but completed merges may have grown past it. Returns what to send again: the items of
   * the first request that left any (or failed whole, with its failure) and every item after it,
   * unsent, so that no later write of a document passes the retry of an earlier one.
   */
  private async sendWithinSize(items: readonly BulkAction[]): Promise<{ retry: readonly BulkAction[]; failure: RetriableError | null }> {
    for (let start = 0; start < items.length; ) {
      let end = start + 1;
      let bytes = items[start]!.bytes;
      while (end < items.length && fitsInRequest(end - start, bytes, items[end]!, this.config.writes.bulkSizeBytes)) bytes += items[end++]!.bytes;
      const part = items.slice(start, end);
      let retry: readonly BulkAction[];
      try {
        const body = bulkBody(part);
        const response = await this.client.bulk(body.body);
        retry = allWritten(response, part.length) ? [] : await this.settle(classifyBulkResponse(response, body.items, this.config.documents));
      } catch (error) {
        if (!(error instanceof RetriableError)) throw error;
        return { retry: items.slice(start), failure: error };
      }
      if (retry.length > 0) return { retry: [...retry, ...items.slice(end)], failure: null };
      start = end;
    }
    return { retry: [], failure: null };
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
          // Outcome `report` comes only from a behavior set to report, under which actions keep their records.
          await this.deadLetters.report(action.source!, new DocumentRejected(action.index, action.id, error!));
          break;
        case 'fail':
          throw new SluiceError(
            'OPENSEARCH_DOCUMENT_REJECTED',
            `OpenSearch rejected the document for ${action.record.topic}:${action.record.partition}:${action.record.offset} (index ${action.index}, id ${action.id}): ${error!.type}: ${error!.reason}. ${permanentItemFix(error!, action.index)}`,
            { stage: 'put' },
          );
      }
    }
    return retry;
  }
}

/** Whether `action` may join a request of `count` actions and `bytes` bytes: always as the first (alone if larger than the limit), else within it. */
export function fitsInRequest(count: number, bytes: number, action: BulkAction, limitBytes: number): boolean {
  return count === 0 || bytes + action.bytes <= limitBytes;
}

/**
 * The pause after attempt `attempt` (0 for the first) failed: `retry.backoff.ms` times 2^attempt,
 * capped at MAX_BACKOFF_MS, of which a random part is taken off (up to half) so that requests
 * failing together do not come back together. Each pause is thus at least as long as the longest
 * the one before could be, until the cap. `random` returns a number in [0, 1), as Math.random.
 */
export function retryDelay(attempt: number, backoffMs: number, random: () => number = Math.random): number {
  return Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** attempt) * (1 - random() / 2);
}

/** A bulk response with `errors: false` and one item per action: every item is done, nothing to look at. */
function allWritten(response: unknown, actions: number): boolean {
  return isPlainObject(response) && response['errors'] === false && Array.isArray(response['items']) && response['items'].length === actions;
}
