/**
 * The OpenSearch sink task: change events in, `_bulk` requests out, offsets durable only once every
 * item before them succeeded (or was dealt with per `behavior.on.malformed.documents`).
 *
 * - `put` plans each record (bulk-body.ts), creates an index the first time it is written to
 *   (`index.auto.create`, with the mapping derived from the row's Postgres types for the fields a
 *   matching index template does not map; an existing index is never changed; where the templates
 *   cannot be checked, logged once at info) and hands the action to the scheduler (bulk-scheduler.ts), which sends
 *   requests of up to `batch.size` actions and `bulk.size.bytes`, up to `max.in.flight.requests` at
 *   once, never two writes of one document at once. `put` returns while requests are in flight; it
 *   blocks only while every slot is busy and a full request waits, or on a TRUNCATE, which waits
 *   for everything before it to be written, then deletes the index's documents up to the
 *   truncate's version (client.ts `deleteAll`: documents written after it, met again when offsets
 *   are reset and the truncate is replayed, stay), before anything after it is sent.
 * - `preCommit` sends what waits and returns at once, per partition, the offset after the records
 *   whose items are all written (written-offsets.ts): requests still in flight hold back only their
 *   own records' offsets, and the records behind them keep flowing. `flush` sends everything and
 *   waits for every request in flight, after which `preCommit` returns the offsets it is given;
 *   so does every `preCommit` under `flush.synchronously=true`.
 *   A failure throws from either instead, and nothing more is committed.
 * - Retries (bulk-writer.ts): items that fail with 429, 5xx or a rejected execution are sent again
 *   alone after an exponential backoff with jitter, up to `max.retries`, and so are requests that
 *   fail whole (connection reset, 503); their documents stay locked meanwhile. When retries run out
 *   the next `put` or `preCommit` throws a RetriableError and the items are sent again after the
 *   runner's pause. A permanent failure (a rejected document under `fail`, bad credentials) fails
 *   the task. Every write and truncate carries the external version of its change, so a retried
 *   or replayed item never overwrites or deletes newer data.
 */
import type { Logger } from 'pino';
import type { SinkTask, SinkTaskContext, TopicPartition } from '../../contracts/sink-task.js';
import { topicPartitionKey, type SinkRecord, type TopicPartitionOffsets } from '../../events.js';
import { BulkPlanner, type BulkAction, type PlanWarning } from './bulk-body.js';
import { BulkScheduler } from './bulk-scheduler.js';
import { BulkWriter } from './bulk-writer.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { deadLetterReporter } from './dead-letters.js';
import { deriveIndexMapping } from './index-mapping.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';
import { WrittenOffsets } from './written-offsets.js';

export class OpenSearchSinkTask implements SinkTask {
  private client!: OpenSearchClient;
  private scheduler!: BulkScheduler;
  private logger!: Logger;
  private readonly planner: BulkPlanner;
  private readonly knownIndices = new Set<string>();
  private readonly warned = new Set<string>();
  private templatesUncheckedLogged = false;
  private readonly writes = new WrittenOffsets();

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
    const writer = new BulkWriter(this.client, this.config, this.logger, deadLetterReporter(context, this.config.deadLetterQueue.file, this.logger));
    this.scheduler = new BulkScheduler({ ...this.config.writes, send: (actions) => writer.write(actions), written: (actions) => this.writes.written(actions) });
  }

  async open(_partitions: TopicPartition[]): Promise<void> {}

  async put(records: SinkRecord[]): Promise<void> {
    for (const record of records) {
      const plan = this.planner.plan(record);
      if (plan.kind === 'truncate') {
        await this.scheduler.drain();
        await this.client.deleteAll(plan.index, plan.version, this.logger);
        this.writes.put(plan.record, null);
        continue;
      }
      this.warnOnce(record.topic, plan.warnings);
      if (plan.kind === 'skip') {
        this.writes.put(plan.record, null);
        continue;
      }
      const { action } = plan;
      if (!this.knownIndices.has(action.index)) await this.createIndex(action);
      // Only once the scheduler has it: `add` throws a failure before taking the action, and the
      // record comes again in the retried put.
      const room = this.scheduler.add(action);
      this.writes.put(action.record, action);
      if (room) await room;
    }
  }

  async preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets> {
    if (this.config.writes.flushSynchronously) await this.scheduler.drain();
    else this.scheduler.sendWaiting();
    const durable: TopicPartitionOffsets = new Map();
    for (const key of current.keys()) {
      const offset = this.writes.committable(key);
      if (offset !== undefined) durable.set(key, offset);
    }
    return durable;
  }

  async flush(): Promise<void> {
    await this.scheduler.drain();
  }

  async close(partitions: TopicPartition[]): Promise<void> {
    const closed = new Set(partitions.map((p) => topicPartitionKey(p.topic, p.partition)));
    this.scheduler.discard((a) => closed.has(topicPartitionKey(a.record.topic, a.record.partition)));
    this.writes.forget(closed);
  }

  async stop(): Promise<void> {
    this.scheduler?.stop();
    await this.client?.close();
  }

  private async createIndex(action: BulkAction): Promise<void> {
    if (this.config.indices.autoCreate) {
      const { templatesUnchecked } = await this.client.ensureIndex(action.index, this.config.indices.deriveMapping ? deriveIndexMapping(action.rowSchema) : null);
      // Once: every index after the first is refused the same way.
      if (templatesUnchecked !== null && !this.templatesUncheckedLogged) {
        this.templatesUncheckedLogged = true;
        this.logger.info({ index: action.index }, templatesUnchecked);
      }
    }
    this.knownIndices.add(action.index);
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
