/**
 * The OpenSearch sink task: change events in, `_bulk` requests out, offsets durable only once every
 * item before them succeeded (or was dealt with per `behavior.on.malformed.documents`).
 *
 * - `put` plans each record (bulk-body.ts), creates an index the first time it is written to
 *   (`index.auto.create`, with the mapping derived from the row's Postgres types; an existing index
 *   is never changed), and sends full batches (`batch.size` actions or `bulk.size.bytes`). A TRUNCATE
 *   sends what came before it first, then deletes the index's documents.
 * - `preCommit` sends what is buffered and returns the offsets it was given: by then every earlier
 *   item is written, so they are durable. A failure throws instead, and nothing is committed.
 * - Requests go one at a time, in record order. Items that fail with 429, 5xx or a rejected
 *   execution are retried alone after an exponential backoff with jitter, up to `max.retries`;
 *   a request that fails whole (connection reset, 503) is retried the same way. Every write carries
 *   the external version of its change, so a retried or replayed item never overwrites newer data.
 */
import { appendFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { SinkTask, SinkTaskContext, TopicPartition } from '../../contracts/sink-task.js';
import type { SinkRecord, TopicPartitionOffsets } from '../../events.js';
import { RetriableError, SluiceError } from '../../errors.js';
import { toJson } from '../../json.js';
import { BulkPlanner, bulkBody, type BulkAction, type PlanWarning } from './bulk-body.js';
import { classifyBulkResponse, type ItemResult } from './bulk-response.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { deriveIndexMapping } from './index-mapping.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';

export class OpenSearchSinkTask implements SinkTask {
  private client!: OpenSearchClient;
  private logger!: Logger;
  private readonly planner: BulkPlanner;
  private pending: BulkAction[] = [];
  private pendingBytes = 0;
  private readonly knownIndices = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly config: OpenSearchSinkConfig,
    private readonly connect: (connection: OpenSearchSinkConfig['connection']) => OpenSearchClient = createOpenSearchClient,
  ) {
    this.planner = new BulkPlanner(config);
  }

  async start(context: SinkTaskContext): Promise<void> {
    this.logger = context.logger;
    for (const warning of this.config.warnings) this.logger.warn({ key: warning.key }, warning.message);
    this.client = this.connect(this.config.connection);
  }

  async open(_partitions: TopicPartition[]): Promise<void> {}

  async put(records: SinkRecord[]): Promise<void> {
    for (const record of records) {
      const plan = this.planner.plan(record);
      if (plan.kind !== 'truncate') this.warnOnce(record.topic, plan.warnings);
      if (plan.kind === 'truncate') {
        await this.send();
        await this.client.deleteAll(plan.index);
        continue;
      }
      if (plan.kind === 'skip') continue;
      const { action } = plan;
      if (!this.knownIndices.has(action.index)) {
        if (this.config.indices.autoCreate) {
          await this.client.ensureIndex(action.index, this.config.indices.deriveMapping ? deriveIndexMapping(action.rowSchema) : null);
        }
        this.knownIndices.add(action.index);
      }
      this.pending.push(action);
      this.pendingBytes += action.bytes;
      if (this.pending.length >= this.config.writes.batchSize || this.pendingBytes >= this.config.writes.bulkSizeBytes) await this.send();
    }
  }

  async preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets> {
    await this.send();
    return current;
  }

  async close(partitions: TopicPartition[]): Promise<void> {
    const closed = new Set(partitions.map((p) => `${p.topic}:${p.partition}`));
    this.pending = this.pending.filter((a) => !closed.has(`${a.record.topic}:${a.record.partition}`));
    this.pendingBytes = this.pending.reduce((sum, a) => sum + a.bytes, 0);
  }

  async stop(): Promise<void> {
    await this.client?.close();
  }

  /** Sends everything buffered, in requests of at most `batch.size` actions and `bulk.size.bytes`. */
  private async send(): Promise<void> {
    while (this.pending.length > 0) {
      let count = 0;
      let bytes = 0;
      while (count < this.pending.length && count < this.config.writes.batchSize && (count === 0 || bytes + this.pending[count]!.bytes <= this.config.writes.bulkSizeBytes)) {
        bytes += this.pending[count]!.bytes;
        count++;
      }
      const batch = this.pending.slice(0, count);
      await this.write(batch);
      this.pending = this.pending.slice(count);
      this.pendingBytes -= bytes;
    }
  }

  /** Writes one batch, retrying what may succeed later; resolves once every item is dealt with. */
  private async write(actions: readonly BulkAction[]): Promise<void> {
    let items = actions;
    for (let attempt = 0; ; attempt++) {
      let retry: BulkAction[];
      try {
        const body = bulkBody(items);
        const results = classifyBulkResponse(await this.client.bulk(body.body), body.items, this.config.documents);
        retry = await this.settle(results);
      } catch (error) {
        if (!(error instanceof RetriableError)) throw error;
        retry = [...items];
        if (attempt >= this.config.writes.maxRetries) throw error;
        this.logger.warn({ err: error, attempt: attempt + 1 }, 'bulk request failed; retrying');
      }
      if (retry.length === 0) return;
      if (attempt >= this.config.writes.maxRetries) {
        throw new RetriableError('OPENSEARCH_RETRIES_EXHAUSTED', `OpenSearch still refused ${retry.length} document(s) after ${attempt + 1} attempts (max.retries=${this.config.writes.maxRetries}); the task restarts and tries again.`, { stage: 'put' });
      }
      items = retry;
      const delay = Math.min(60_000, this.config.writes.retryBackoffMs * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    }
  }

  /** Deals with each item's outcome; returns the actions to send again. */
  private async settle(results: readonly ItemResult[]): Promise<BulkAction[]> {
    const retry: BulkAction[] = [];
    for (const { action, outcome, error, warn } of results) {
      const where = { topic: action.record.topic, partition: action.record.partition, offset: action.record.offset, index: action.index, id: action.id };
      switch (outcome) {
        case 'done':
          if (warn && error) this.logger.warn({ ...where, error }, `document not written: ${error.type}: ${error.reason}`);
          break;
        case 'retry':
          retry.push(action);
          break;
        case 'report':
          await this.report(where, error);
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

  /** A malformed document under `report`: one JSON line in the dead-letter file, with its reason. */
  private async report(where: Record<string, unknown>, error: ItemResult['error']): Promise<void> {
    const file = this.config.deadLetterQueue.file;
    const line = { ...where, error, reportedAt: new Date().toISOString() };
    if (file) await appendFile(file, `${toJson(line)}\n`);
    else this.logger.error(line, 'malformed document (no dead-letter file configured)');
  }

  private warnOnce(topic: string, warnings: readonly PlanWarning[]): void {
    for (const warning of warnings) {
      const key = `${warning.code}:${topic}`;
      if (this.warned.has(key)) continue;
      this.warned.add(key);
      this.logger.warn({ topic, code: warning.code }, warning.message);
    }
  }
}
