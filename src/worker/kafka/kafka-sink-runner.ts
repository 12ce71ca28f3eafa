/**
 * Runs one sink task in Kafka mode, fed by the consumer group `connect-<connector name>`
 * (kafka-sink-consumer.ts). The task is the same SinkTask the standalone worker runs
 * (contracts/sink-task.ts), started with `stableOffsets: true`.
 *
 * Contract:
 * - One loop: fetch a batch, apply the rebalances decided meanwhile, decode the rest with
 *   JsonConverter (`key.converter` / `value.converter` and their `.schemas.enable`) into
 *   SinkRecords (topic, Kafka partition, offset, timestamp, headers; position null) and `put` them.
 *   Task methods are only called from that loop, never at once.
 * - A record the converters cannot read fails the runner, unless `errors.tolerance=all`: then it is
 *   skipped, and written to the dead-letter topic (`errors.deadletterqueue.topic.name`, stage
 *   KEY_CONVERTER or VALUE_CONVERTER) before the batch is put (kafka-sink-dead-letters.ts).
 * - With a dead-letter topic the task gets an ErrantRecordReporter: a record it reports goes to the
 *   topic as it was consumed (stage TASK_PUT), whatever `errors.tolerance` says (the sink chose to
 *   report it). Nothing is committed while a dead letter is not acknowledged; one that cannot be
 *   written fails the runner (retriable).
 * - Every `commitIntervalMs` (offset.flush.interval.ms) it calls `preCommit` with the offsets after
 *   the last records put, and commits to the group exactly the offsets it returns for partitions
 *   it still holds (never one beyond what was put). Nothing is committed automatically.
 * - A commit the group does not store (refused during a rebalance, by a member the group no longer
 *   counts, or with the coordinator away) is logged and not retried in place: it could not succeed
 *   before the rebalance is applied. What it held is committed at the next commit, or read again
 *   by whoever holds the partitions next (at least once).
 * - Before partitions are revoked it commits what the task reports durable, then `close`s them;
 *   the records of a fetched batch for revoked partitions are dropped (whoever gets them next
 *   reads them from the committed offsets). Assigned partitions are `open`ed.
 * - Push-back: while a `put` blocks longer than PUT_BLOCKED_MS, or while more than `maxUnacked`
 *   records put are not yet durable (after asking the task to `flush`), every partition is paused;
 *   fetching resumes from where it stood once that is over.
 * - A put, flush or preCommit failing with a retriable error is offered again after a backoff
 *   (doubling up to 10 s); a permanent error marks the runner FAILED (`failure`, `onFailure`),
 *   commits nothing further and leaves the group, so its records are read again after a restart.
 * - `stop()` flushes, commits what is durable, closes the partitions, stops the task and leaves
 *   the group. Blocks on the brokers and on the task.
 */
import type { Message, MessageHeader } from '@confluentinc/kafka-javascript';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ErrantRecordReporter, SinkTask, TopicPartition } from '../../contracts/sink-task.js';
import { isRetriable, SluiceError } from '../../errors.js';
import { topicPartitionKey, type ChangeEvent, type SinkRecord, type TopicPartitionOffsets } from '../../events.js';
import type { SinkTaskMetrics } from '../metrics.js';
import { releaseSinkTask, type RunnerState } from '../sink-runner.js';
import { decodeChangeEvent, encodeChangeEvent, JSON_CONVERTER_CLASS, jsonConverters, toConnectData, type JsonConverters, type KafkaHeaderValue } from './json-converter.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { KafkaSinkConsumer, type RebalanceEvent } from './kafka-sink-consumer.js';
import { KafkaDeadLetterQueue, sinkErrorHandling, type ConsumedRecord, type RecordFailure, type SinkErrorHandling } from './kafka-sink-dead-letters.js';

export interface KafkaSinkRunnerOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  connector: string;
  /** The connector config merged over the worker's: topics / topics.regex, converters, errors.*, consumer.override.*. */
  config: Readonly<Record<string, string>>;
  task: SinkTask;
  /** The task's SinkTaskContext.workDir. */
  workDir: string;
  logger: Logger;
  /** offset.flush.interval.ms */
  commitIntervalMs: number;
  taskId?: number;
  /** Records put and not yet durable past which consumption pauses. Default 500,000. */
  maxUnacked?: number;
  /** Most records per put. Default 2,048. */
  batchSize?: number;
  onFailure?: (error: unknown) => void;
  metrics?: SinkTaskMetrics;
  /** How long creating the dead-letter topic may take before the broker is taken to be unable to. Default 30 s. */
  topicCreationTimeoutMs?: number;
}

/** What the runner knows of one partition it holds. */
interface PartitionState {
  topic: string;
  partition: number;
  /** The offset after the last record put, or null before the first. */
  next: number | null;
  /** Where the not-yet-durable records begin: the last offset committed, else the first put. */
  base: number | null;
}

const DEFAULT_MAX_UNACKED = 500_000;
const DEFAULT_BATCH_SIZE = 2048;
const PUT_BLOCKED_MS = 1000;
const RETRY_MAX_MS = 10_000;
const FETCH_RETRY_MS = 100;
/** The executing class Connect names for records a task reports (WorkerErrantRecordReporter). */
const SINK_TASK_CLASS = 'org.apache.kafka.connect.sink.SinkTask';

export class KafkaSinkRunner {
  state: RunnerState = 'UNASSIGNED';
  failure: unknown;
  private readonly converters: JsonConverters;
  private readonly errors: SinkErrorHandling;
  private deadLetters: KafkaDeadLetterQueue | undefined;
  /** The consumed message of each record put, for the dead-letter topic (only when there is one). */
  private readonly consumed = new WeakMap<SinkRecord, Message>();
  private readonly partitions = new Map<string, PartitionState>();
  private consumer: KafkaSinkConsumer | undefined;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private lastCommit = Date.now();
  /** The last commit was not stored: the next waits for the interval. */
  private commitRefused = false;
  /** Why fetching is paused; empty: it runs. */
  private readonly pauses = new Set<'put' | 'unacked'>();

  constructor(private readonly options: KafkaSinkRunnerOptions) {
    this.converters = jsonConverters(options.config);
    this.errors = sinkErrorHandling(options.config);
  }

  async start(): Promise<void> {
    const { options } = this;
    const taskId = options.taskId ?? 0;
    const queue = this.errors.deadLetterQueue;
    if (queue) this.deadLetters = await KafkaDeadLetterQueue.open({ ...options, taskId, queue });
    const errantRecordReporter: ErrantRecordReporter | undefined = queue ? { report: (record, error) => this.reportErrant(record, error) } : undefined;
    try {
      await options.task.start({
        connector: options.connector,
        taskId,
        workDir: options.workDir,
        logger: options.logger,
        stableOffsets: true,
        errantRecordReporter,
        resumeOffset: (topic, partition) => this.partitions.get(topicPartitionKey(topic, partition))?.base ?? null,
      });
      this.consumer = await KafkaSinkConsumer.connect(options);
    } catch (error) {
      await this.deadLetters?.close();
      throw error;
    }
    this.state = 'RUNNING';
    this.loop = this.run().catch((error: unknown) => {
      // Stopping cuts retries short: not a failure, and `stop` still tries to flush and commit.
      if (this.stopping && isRetriable(error)) options.logger.warn({ err: error }, 'sink stopped while retrying a write; what was not committed is read again');
      else return this.fail(error);
    });
  }

  /** The partitions this runner holds now. */
  assignment(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    const { task, logger } = this.options;
    try {
      if (this.state === 'RUNNING') {
        // Rebalances decided by the last fetch: librdkafka waits for them to be applied.
        await this.applyRebalances(this.consumer!.takeRebalances());
        if (task.flush) await this.withRetries('flush', () => task.flush!());
        await this.commit();
      }
    } catch (error) {
      logger.warn({ err: error }, 'sink task did not flush before stopping: what it had not made durable is read again from the last commit');
    }
    await releaseSinkTask(task, this.assignment(), logger);
    this.partitions.clear();
    await this.consumer?.disconnect();
    await this.deadLetters?.close();
    if (this.state === 'RUNNING') this.state = 'STOPPED';
  }

  private async run(): Promise<void> {
    const consumer = this.consumer!;
    while (!this.stopping) {
      let batch: Message[];
      try {
        batch = await consumer.consume(this.options.batchSize ?? DEFAULT_BATCH_SIZE);
      } catch (error) {
        // A fetch error (a topic not there yet, a broker away) is the client's to recover from.
        this.options.logger.warn({ err: error }, `Kafka consumer of the sink ${this.options.connector}: fetch failed; retrying`);
        await delay(FETCH_RETRY_MS);
        batch = [];
      }
      const revoked = await this.applyRebalances(consumer.takeRebalances());
      const records = this.decode(batch.filter((message) => !revoked.has(topicPartitionKey(message.topic, message.partition))));
      // Bounds the dead letters in flight to a batch's, and fails the runner soon after one failed.
      await this.deadLetters?.settled();
      if (records.length > 0) await this.put(records);
      await this.checkBacklog(batch.length === 0);
    }
  }

  /** Applies rebalance events in order; returns the keys of every partition revoked. */
  private async applyRebalances(events: RebalanceEvent[]): Promise<Set<string>> {
    const revoked = new Set<string>();
    for (const event of events) {
      if (event.kind === 'revoke') {
        const held = event.partitions.filter((tp) => this.partitions.has(topicPartitionKey(tp.topic, tp.partition)));
        if (!event.lost) await this.commit();
        await this.options.task.close(held);
        for (const tp of event.partitions) {
          const key = topicPartitionKey(tp.topic, tp.partition);
          this.partitions.delete(key);
          revoked.add(key);
        }
        this.consumer!.applyRevoke(event.partitions);
      } else {
        this.consumer!.applyAssign(event.partitions);
        for (const { topic, partition } of event.partitions) {
          this.partitions.set(topicPartitionKey(topic, partition), { topic, partition, next: null, base: null });
        }
        if (this.pauses.size > 0) this.consumer!.pause(event.partitions);
        await this.options.task.open(event.partitions);
      }
    }
    return revoked;
  }

  private decode(messages: Message[]): SinkRecord[] {
    const records: SinkRecord[] = [];
    for (const message of messages) {
      const state = this.partitions.get(topicPartitionKey(message.topic, message.partition));
      // Not held (fetched before a revoke), or already put (fetched again after a pause).
      if (!state || (state.next !== null && message.offset < state.next)) continue;
      const event = this.convert(message);
      if (event !== null) {
        const record: SinkRecord = { ...event, kafkaPartition: message.partition, kafkaOffset: message.offset, position: null };
        if (this.deadLetters) this.consumed.set(record, message);
        records.push(record);
      }
      state.base ??= message.offset;
      state.next = message.offset + 1;
    }
    return records;
  }

  /** The message's event; null for one the converters cannot read, skipped under errors.tolerance=all. */
  private convert(message: Message): ChangeEvent | null {
    const key = toBuffer(message.key);
    try {
      return decodeChangeEvent(message.topic, { key, value: message.value, timestamp: String(message.timestamp ?? 0), headers: headerRecord(message.headers) }, this.converters);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      // The key is read first: if it reads alone, the value failed.
      const stage = readable(() => toConnectData(this.converters.key, key)) ? 'VALUE_CONVERTER' : 'KEY_CONVERTER';
      if (!this.errors.tolerateAll) {
        throw new SluiceError(
          'CONVERTER_DATA_INVALID',
          `The record ${message.topic}:${message.partition}@${message.offset} cannot be read by the ${stage === 'KEY_CONVERTER' ? 'key' : 'value'} converter: ${error.message} ` +
            'Fix what produces to the topic, or set errors.tolerance=all to skip such records (with errors.deadletterqueue.topic.name to keep them).',
          { stage: 'put', cause: error },
        );
      }
      void this.deadLetter(message, { stage, className: JSON_CONVERTER_CLASS, error });
      return null;
    }
  }

  /** A record the task reports: the message it was consumed as, or, for one the task made itself, its converted form (as Connect does). */
  private reportErrant(record: SinkRecord, error: Error): Promise<void> {
    return this.deadLetter(this.consumed.get(record) ?? this.encoded(record), { stage: 'TASK_PUT', className: SINK_TASK_CLASS, error });
  }

  /** Logs the failure (errors.log.enable) and writes the record to the dead-letter topic, if any; see KafkaDeadLetterQueue.report. */
  private deadLetter(record: ConsumedRecord, failure: RecordFailure): Promise<void> {
    if (this.errors.logErrors) {
      const { topic, partition, offset } = record;
      this.options.logger.error({ topic, partition, offset, stage: failure.stage, err: failure.error }, `Error in stage ${failure.stage} (${failure.className}) for the record ${topic}:${partition}@${offset}`);
    }
    return this.deadLetters?.report(record, failure) ?? Promise.resolve();
  }

  private encoded(record: SinkRecord): ConsumedRecord {
    const { key, value, headers } = encodeChangeEvent(record, this.converters);
    const headerList = Object.entries(headers).map(([name, text]) => ({ [name]: text }));
    return { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset, key, value, timestamp: record.timestamp, headers: headerList };
  }

  private async put(records: SinkRecord[]): Promise<void> {
    const started = Date.now();
    // The task pushes back by blocking: stop fetching meanwhile (librdkafka would keep prefetching).
    const blocked = setTimeout(() => this.pause('put'), PUT_BLOCKED_MS);
    try {
      await this.withRetries('put', () => this.options.task.put(records));
    } finally {
      clearTimeout(blocked);
      this.resume('put');
    }
    this.options.metrics?.recordPut(records.length, Date.now() - started);
  }

  /** Commits on the interval; pauses while too much is not durable, resumes once it is. */
  private async checkBacklog(idle: boolean): Promise<void> {
    const maxUnacked = this.options.maxUnacked ?? DEFAULT_MAX_UNACKED;
    const { task } = this.options;
    if (this.unacked() >= maxUnacked && !this.pauses.has('unacked')) {
      this.pause('unacked');
      if (task.flush) await this.withRetries('flush', () => task.flush!());
      await this.commit();
    } else if (this.unacked() > 0 && (Date.now() - this.lastCommit >= this.options.commitIntervalMs || (idle && this.pauses.has('unacked') && !this.commitRefused))) {
      await this.commit();
    }
    if (this.unacked() < maxUnacked) this.resume('unacked');
  }

  /** Asks the task what is durable and commits exactly that, for partitions still held. */
  private async commit(): Promise<void> {
    this.lastCommit = Date.now();
    const current: TopicPartitionOffsets = new Map();
    for (const [key, state] of this.partitions) if (state.next !== null && state.next !== state.base) current.set(key, state.next);
    if (current.size === 0) return;
    const durable = await this.withRetries('preCommit', () => this.options.task.preCommit(current));
    await this.deadLetters?.settled();
    const offsets = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const [key, offset] of durable) {
      const state = this.partitions.get(key);
      if (!state || state.next === null || (state.base !== null && offset <= state.base)) continue;
      if (offset > state.next) {
        this.options.logger.warn({ partition: key, offset, put: state.next }, 'sink task reported an offset beyond the records put; not committed');
        continue;
      }
      offsets.set(key, { topic: state.topic, partition: state.partition, offset });
    }
    try {
      await this.consumer!.commit(offsets);
    } catch (error) {
      this.commitRefused = true;
      this.options.logger.warn({ err: error }, `sink ${this.options.connector}: offsets not committed; the next commit includes them, else their records are read again`);
      return;
    }
    this.commitRefused = false;
    for (const [key, { offset }] of offsets) this.partitions.get(key)!.base = offset;
  }

  private unacked(): number {
    let count = 0;
    for (const state of this.partitions.values()) if (state.next !== null) count += state.next - state.base!;
    return count;
  }

  private pause(reason: 'put' | 'unacked'): void {
    if (this.pauses.size === 0) this.consumer!.pause(this.assignment());
    this.pauses.add(reason);
  }

  private resume(reason: 'put' | 'unacked'): void {
    if (!this.pauses.delete(reason) || this.pauses.size > 0) return;
    this.consumer!.resume(this.assignment());
  }

  private async withRetries<T>(stage: string, attempt: () => Promise<T>): Promise<T> {
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, RETRY_MAX_MS)) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetriable(error) || this.stopping) throw error;
        this.options.logger.warn({ err: error, stage, retryInMs: backoff }, 'sink failed with a retriable error; retrying');
        this.options.metrics?.recordRetry();
        await delay(backoff * (0.5 + Math.random()));
      }
    }
  }

  private async fail(error: unknown): Promise<void> {
    this.state = 'FAILED';
    this.failure = error;
    this.options.logger.error({ err: error }, 'sink task failed');
    this.options.metrics?.recordError('put');
    this.options.onFailure?.(error);
    // Leaves the group without committing: what was not committed goes to whoever reads it next.
    await this.consumer?.disconnect();
  }
}

function readable(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch {
    return false;
  }
}

function toBuffer(key: Message['key']): Buffer | null {
  if (key === null || key === undefined) return null;
  return Buffer.isBuffer(key) ? key : Buffer.from(key);
}

/** librdkafka gives headers as a list of one-entry objects; later ones win (json-converter.ts). */
function headerRecord(headers: MessageHeader[] | undefined): Record<string, KafkaHeaderValue> {
  const record: Record<string, KafkaHeaderValue> = {};
  for (const header of headers ?? []) for (const [name, value] of Object.entries(header)) record[name] = value;
  return record;
}
