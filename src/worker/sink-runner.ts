/**
 * Runs one sink task in the standalone worker: takes deliveries from its bounded channel, hands
 * them to the task, and acknowledges them once the task reports them durable.
 *
 * Contract:
 * - Sources `deliver` events with an ack handle; `deliver` blocks while the channel is full, which
 *   is how a slow sink slows reading from the source.
 * - Every topic is one partition (0) whose offsets count the events delivered in this process. The
 *   runner calls `preCommit` every `commitIntervalMs`, whenever its channel runs dry and after every
 *   COMMIT_EVERY records put, and acks exactly the deliveries below the offsets the task returns.
 * - A delivery the sink already holds from an earlier run (its position is at or before the one
 *   recorded for the topic; a snapshot row's, only against a row of the same snapshot: see
 *   sink-positions.ts) is acknowledged without reaching the task; the
 *   positions reached are recorded durably before the deliveries are acknowledged.
 * - Deliveries stay in `unacked` until acknowledged, so a put that fails with a retriable error is
 *   offered again after a backoff; a permanent failure marks the runner FAILED (its records are then
 *   never acknowledged, so their source positions are never confirmed).
 * - `drain()` resolves once everything delivered so far is durable (or the runner failed).
 * - A commit asks the task (`preCommit`) between puts; recording the positions reached (a durable
 *   write) and acknowledging then run while the runner goes on putting, one commit at a time, so a
 *   sink fed faster than a file can be synced is not held by every sync.
 */
import type { Logger } from 'pino';
import type { SinkTask, TopicPartition } from '../contracts/sink-task.js';
import type { ChangeEvent, SinkRecord } from '../events.js';
import { isRetriable } from '../errors.js';
import { BoundedQueue } from '../util/bounded-queue.js';
import { RingQueue } from '../util/ring-queue.js';
import type { AckHandle } from './ack-tracker.js';
import type { SinkTaskMetrics } from './metrics.js';
import type { SinkPositions } from './sink-positions.js';

export interface Delivery {
  event: ChangeEvent;
  /**
   * Acknowledges the delivery. Deliveries sharing a handle are records of one group of one source
   * run (AckTracker), delivered in source order: their positions ascend.
   */
  handle: AckHandle;
  /** The source record's position (SourceRecord.position), or null. */
  position: string | null;
}

export type RunnerState = 'UNASSIGNED' | 'RUNNING' | 'FAILED' | 'STOPPED';

/**
 * Where a source runner hands events: a sink runner in the standalone worker, the Kafka producer in
 * Kafka mode. `deliver` returns a promise only while the channel is full (the source waits: that is
 * backpressure); every delivery's handle is acknowledged once its event is durable there. `drain`
 * resolves when everything delivered so far is acknowledged, or the channel has failed.
 */
export interface DeliveryChannel {
  readonly state: RunnerState;
  deliver(deliveries: Delivery[]): Promise<void> | undefined;
  drain(): Promise<void>;
}

export interface SinkRunnerOptions {
  connector: string;
  task: SinkTask;
  /** The task's SinkTaskContext.workDir. */
  workDir: string;
  logger: Logger;
  commitIntervalMs: number;
  channelCapacity: number;
  /** Chooses the topics this sink takes (Connect's `topics` / `topics.regex`). */
  accepts(topic: string): boolean;
  /** What this sink already holds from an earlier run: deliveries at or before it are skipped. */
  positions: SinkPositions;
  /** Called once when the task fails for good (retriable errors are retried here first). */
  onFailure?: (error: unknown) => void;
  metrics?: SinkTaskMetrics;
}

const TAKE_MAX = 2048;
/**
 * Past this many unacknowledged records the runner asks the task to flush: what a sink holds back
 * (a file not full yet) also holds an ack handle per record here and at the source.
 */
const MAX_UNACKED = 500_000;
/**
 * A runner fed without pause (its channel never dry) commits after this many records too, not only
 * every commitIntervalMs: what waits for an ack is held in memory here and at the source.
 */
const COMMIT_EVERY = 4096;
const IDLE_WAIT_MS = 50;
const RETRY_MAX_MS = 10_000;

/**
 * One topic's deliveries in this process: offsets are consecutive, so only the unacknowledged
 * ones are kept, from offset `base` on. Of each, only its handle and position are kept (not the
 * event, which the task has taken), in two rings rather than an object per delivery: they live
 * until a commit, long enough for the garbage collector to copy whatever they hold.
 */
class TopicDeliveries {
  next = 0;
  private base = 0;
  private readonly handles = new RingQueue<AckHandle>();
  private readonly positions = new RingQueue<string | null>();

  get unacked(): number {
    return this.handles.length;
  }

  add(delivery: Delivery): number {
    this.handles.push(delivery.handle);
    this.positions.push(delivery.position);
    return this.next++;
  }

  /** The position of the last delivery below `offset` that has one, if any is still unacknowledged. */
  positionBelow(offset: number): string | null {
    for (let i = Math.min(offset - this.base, this.positions.length) - 1; i >= 0; i--) {
      const position = this.positions.at(i);
      if (position != null) return position;
    }
    return null;
  }

  /** Acknowledges every delivery below `offset` (the next offset to read, as Kafka commits). */
  ackBelow(offset: number): void {
    while (this.base < offset && this.handles.length > 0) {
      this.handles.shift()!.ack();
      this.positions.shift();
      this.base++;
    }
  }
}

export class SinkRunner implements DeliveryChannel {
  readonly channel: BoundedQueue<Delivery>;
  state: RunnerState = 'UNASSIGNED';
  failure: unknown;
  private readonly topics = new Map<string, TopicDeliveries>();
  private lastCommit = Date.now();
  private putSinceCommit = 0;
  private loop: Promise<void> = Promise.resolve();
  private drainWaiters: Array<() => void> = [];
  /** The last commit's recording and acknowledging, while it runs. */
  private recording: Promise<void> | null = null;

  constructor(private readonly options: SinkRunnerOptions) {
    this.channel = new BoundedQueue<Delivery>(options.channelCapacity);
  }

  accepts(topic: string): boolean {
    return this.options.accepts(topic);
  }

  /** Topics this runner has consumed. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  async start(): Promise<void> {
    const { positions } = this.options;
    await this.options.task.start({
      connector: this.options.connector,
      taskId: 0,
      workDir: this.options.workDir,
      logger: this.options.logger,
      stableOffsets: false,
      cuts: { get: (topic) => positions.cuts(topic), durable: (topic) => positions.reached(topic), note: (topic, position) => positions.noteCut(topic, position) },
    });
    this.state = 'RUNNING';
    this.loop = this.run().catch((error: unknown) => this.fail(error));
  }

  /** Returns a promise only while the channel is full (see BoundedQueue.put). */
  deliver(deliveries: Delivery[]): Promise<void> | undefined {
    return this.channel.put(deliveries);
  }

  /** Resolves when every delivery so far is acknowledged, or the runner has failed. */
  drain(): Promise<void> {
    if (this.state !== 'RUNNING' || (this.channel.size === 0 && this.unackedCount() === 0)) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.channel.close();
    await this.loop;
    const partitions = [...this.topics.keys()].map((topic) => ({ topic, partition: 0 }));
    try {
      if (this.state === 'RUNNING') {
        await this.flush();
        await this.commit();
        await this.recording;
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'sink task did not flush before stopping: what it had not made durable is delivered again');
    }
    await releaseSinkTask(this.options.task, partitions, this.options.logger);
    if (this.state === 'RUNNING') this.state = 'STOPPED';
    this.releaseDrainWaiters();
  }

  private async run(): Promise<void> {
    while (!this.channel.isClosed || this.channel.size > 0) {
      const deliveries = await this.channel.take(TAKE_MAX, IDLE_WAIT_MS);
      if (deliveries.length > 0) await this.put(deliveries);
      // A turn of the event loop between puts: a commit's recording is a chain of file operations,
      // each waiting for one, and a source that keeps the channel full would hold them all back.
      await new Promise((resolve) => setImmediate(resolve));
      const idle = this.channel.size === 0;
      const unacked = this.unackedCount();
      if (unacked >= MAX_UNACKED) await this.flush();
      const due = idle || this.putSinceCommit >= COMMIT_EVERY || Date.now() - this.lastCommit >= this.options.commitIntervalMs;
      if (unacked > 0 && this.recording === null && due) await this.commit();
      if (idle && this.unackedCount() === 0) this.releaseDrainWaiters();
    }
    await this.recording;
  }

  private async put(deliveries: Delivery[]): Promise<void> {
    const records: SinkRecord[] = [];
    const opened: TopicPartition[] = [];
    let topic: string | undefined;
    let state: TopicDeliveries | undefined;
    // The group (handle) of the last delivery taken: the ones after it in that group come later in
    // the topic, so they are not held either (nothing moves the recorded positions during this loop).
    let takenGroup: AckHandle | undefined;
    for (const delivery of deliveries) {
      const { event, position } = delivery;
      if (delivery.handle !== takenGroup || event.topic !== topic) {
        if (this.options.positions.skips(event.topic, position)) {
          delivery.handle.ack();
          continue;
        }
        takenGroup = delivery.handle;
      }
      if (event.topic !== topic) {
        topic = event.topic;
        state = this.topics.get(topic);
        if (!state) {
          this.topics.set(topic, (state = new TopicDeliveries()));
          opened.push({ topic, partition: 0 });
        }
      }
      records.push({
        topic: event.topic,
        key: event.key,
        value: event.value,
        keySchema: event.keySchema,
        valueSchema: event.valueSchema,
        headers: event.headers,
        timestamp: event.timestamp,
        kafkaPartition: 0,
        kafkaOffset: state!.add(delivery),
        position,
      });
    }
    if (records.length === 0) return;
    this.putSinceCommit += records.length;
    if (opened.length > 0) await this.options.task.open(opened);
    const started = Date.now();
    await this.withRetries('put', () => this.options.task.put(records));
    this.options.metrics?.recordPut(records.length, Date.now() - started);
  }

  private async flush(): Promise<void> {
    const { task } = this.options;
    if (task.flush) await this.withRetries('flush', () => task.flush!());
  }

  /** Asks the task what is durable; starts recording how far that reaches, then acknowledging it. */
  private async commit(): Promise<void> {
    await this.recording;
    this.lastCommit = Date.now();
    this.putSinceCommit = 0;
    const current = new Map<string, number>();
    for (const [topic, state] of this.topics) if (state.unacked > 0) current.set(`${topic}:0`, state.next);
    const durable = await this.withRetries('preCommit', () => this.options.task.preCommit(current));
    const acked: Array<[TopicDeliveries, number]> = [];
    const reached = new Map<string, string>();
    for (const [key, offset] of durable) {
      const topic = key.slice(0, key.lastIndexOf(':'));
      const state = this.topics.get(topic);
      if (!state) continue;
      acked.push([state, offset]);
      const position = state.positionBelow(offset);
      if (position !== null) reached.set(topic, position);
    }
    if (acked.length === 0) return;
    this.recording = this.record(reached, acked).then(
      () => {
        this.recording = null;
        if (this.channel.size === 0 && this.unackedCount() === 0) this.releaseDrainWaiters();
      },
      (error: unknown) => {
        this.recording = null;
        this.fail(error);
      },
    );
  }

  private async record(reached: Map<string, string>, acked: Array<[TopicDeliveries, number]>): Promise<void> {
    if (reached.size > 0) await this.withRetries('commit', () => this.options.positions.advance(reached));
    for (const [state, offset] of acked) state.ackBelow(offset);
  }

  private async withRetries<T>(stage: string, attempt: () => Promise<T>): Promise<T> {
    for (let delay = 100; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetriable(error) || this.channel.isClosed) throw error;
        this.options.logger.warn({ err: error, stage, retryInMs: delay }, 'sink failed with a retriable error; retrying');
        this.options.metrics?.recordRetry();
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
      }
    }
  }

  private unackedCount(): number {
    let count = 0;
    for (const state of this.topics.values()) count += state.unacked;
    return count;
  }

  private fail(error: unknown): void {
    this.state = 'FAILED';
    this.failure = error;
    // Unblocks sources waiting for room; what they hand over is never acknowledged, so replayed later.
    this.channel.close();
    this.options.logger.error({ err: error }, 'sink task failed');
    this.options.metrics?.recordError('put');
    this.releaseDrainWaiters();
    this.options.onFailure?.(error);
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

/**
 * The last thing a runner that stops does with its task, whatever happened before (a flush that
 * failed, a task that failed): closes the partitions it held, then stops it, each even when the
 * one before threw, so the task always releases what it holds (open files, connections).
 * Failures are logged, not thrown.
 */
export async function releaseSinkTask(task: SinkTask, partitions: TopicPartition[], logger: Logger): Promise<void> {
  try {
    await task.close(partitions);
  } catch (error) {
    logger.warn({ err: error }, 'sink task did not close its partitions cleanly');
  }
  try {
    await task.stop();
  } catch (error) {
    logger.warn({ err: error }, 'sink task did not stop cleanly');
  }
}
