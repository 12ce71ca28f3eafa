/**
 * Runs one source task in the standalone worker: polls it, applies the connector's transforms,
 * hands each event to every sink that takes its topic, and commits offsets once they are durable.
 *
 * Where offsets flow: poll -> AckTracker.submit (one ack per receiving sink; none for position-only
 * records or events no sink takes) -> sinks ack when durable -> every `commitIntervalMs` the
 * committable offset is written to the offset store and only then passed to `task.commit` (which
 * confirms it to Postgres). Nothing is confirmed before the data behind it is durable downstream.
 *
 * A sink that takes an event's topic but is not running (failed, paused, stopped, restarting) holds
 * the runner before it hands anything on: nothing could be acknowledged past it. The herder restarts
 * the sources that fed a sink whose runner it replaced, since what the old runner held is gone.
 *
 * `stop()` stops polling, waits (up to `shutdownTimeoutMs`) for the sinks to make everything in
 * flight durable, commits once more and stops the task. A failure of the task (start, poll) ends
 * the runner and is reported through `onFailure`, once.
 */
import type { Logger } from 'pino';
import type { SourceTask } from '../contracts/source-task.js';
import type { ChangeEvent, OffsetMap, SourceRecord } from '../events.js';
import type { OffsetStore } from '../contracts/offset-store.js';
import { AckTracker } from './ack-tracker.js';
import type { SourceTaskMetrics } from './metrics.js';
import type { ProgressLog } from './progress-log.js';
import type { Delivery, DeliveryChannel, RunnerState } from './sink-runner.js';

/** A sink connector (or, in Kafka mode, the producer) as sources see it: which topics it takes, and its channel while one runs. */
export interface SinkTarget {
  accepts(topic: string): boolean;
  running(): DeliveryChannel | undefined;
}

const NO_TARGETS: SinkTarget[] = [];

export interface SourceRunnerOptions {
  connector: string;
  task: SourceTask;
  /** The connector's transform chain: a new event, the same, or null to drop it. */
  transform(event: ChangeEvent): ChangeEvent | null;
  offsets: OffsetStore;
  /** The sink connectors; the same array until the set of sinks changes (topic routing is cached per array). */
  sinks: () => SinkTarget[];
  onFailure?: (error: unknown) => void;
  metrics?: SourceTaskMetrics;
  logger: Logger;
  progress: ProgressLog;
  commitIntervalMs: number;
  shutdownTimeoutMs: number;
}

interface PartitionTracker {
  partition: OffsetMap;
  tracker: AckTracker;
}

export class SourceRunner {
  state: RunnerState = 'UNASSIGNED';
  failure: unknown;
  private readonly trackers = new Map<string, PartitionTracker>();
  private last: PartitionTracker | undefined;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  /** Records polled so far, and events handed to sinks: for the demo's summary and metrics. */
  readonly counts = { records: 0, events: 0 };
  /** Topics this runner has produced to. */
  readonly topics = new Set<string>();
  private knownSinks: SinkTarget[] | undefined;
  private readonly targetsByTopic = new Map<string, SinkTarget[]>();

  constructor(private readonly options: SourceRunnerOptions) {}

  async start(): Promise<void> {
    const { connector, task, offsets, logger, progress } = this.options;
    await task.start({
      connector,
      taskId: 0,
      logger,
      offsetOf: (partition) => offsets.get(connector, partition),
      progress: progress.reporter(connector),
    });
    this.state = 'RUNNING';
    this.loop = this.run().catch((error: unknown) => this.fail(error));
    this.commitTimer = setInterval(() => void this.commit(), this.options.commitIntervalMs);
  }



  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    clearInterval(this.commitTimer);
    if (this.state === 'RUNNING') {
      const drained = await Promise.race([
        Promise.all(this.options.sinks().map((s) => s.running()?.drain())).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.options.shutdownTimeoutMs).unref()),
      ]);
      if (!drained) this.options.logger.warn('sinks did not make every event durable in time; the rest is delivered again after restart');
      await this.commit();
      this.state = 'STOPPED';
    }
    await this.options.task.stop().catch((error: unknown) => this.options.logger.warn({ err: error }, 'source task did not stop cleanly'));
  }

  /** Writes the committable offset of each partition, then lets the task confirm it. */
  commit(): Promise<void> {
    this.committing = this.committing.then(async () => {
      for (const { partition, tracker } of this.trackers.values()) {
        const offset = tracker.committable();
        if (!offset) continue;
        try {
          await this.options.offsets.set(this.options.connector, partition, offset);
          await this.options.task.commit(offset);
        } catch (error) {
          this.options.logger.error({ err: error }, 'committing the source offset failed; it is retried at the next commit');
        }
      }
    });
    return this.committing;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const records = await this.options.task.poll();
      if (records.length > 0) await this.dispatch(records);
    }
  }

  private async dispatch(records: SourceRecord[]): Promise<void> {
    const events: Array<ChangeEvent | null> = new Array(records.length);
    const targets: SinkTarget[][] = new Array(records.length);
    let last: ChangeEvent | null = null;
    let delivered = 0;
    for (let i = 0; i < records.length; i++) {
      const source = records[i]!.event;
      const event = source ? this.options.transform(source) : null;
      const eventTargets = event ? this.targetsOf(event.topic) : NO_TARGETS;
      events[i] = event;
      targets[i] = eventTargets;
      if (eventTargets.length > 0) {
        delivered++;
        last = event;
      }
    }
    while (!this.stopping && this.someTargetDown(targets)) await new Promise((resolve) => setTimeout(resolve, 100));
    if (this.stopping) return;
    const batches = new Map<DeliveryChannel, Delivery[]>();
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const eventTargets = targets[i]!;
      const handle = this.trackerOf(record.partition).submit(record.offset, eventTargets.length);
      for (const target of eventTargets) {
        const runner = target.running()!;
        let batch = batches.get(runner);
        if (!batch) batches.set(runner, (batch = []));
        batch.push({ event: events[i]!, handle, position: record.position ?? null });
      }
    }
    this.counts.records += records.length;
    this.counts.events += delivered;
    await Promise.all([...batches].map(([sink, batch]) => sink.deliver(batch)));
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.recordPolled(records.length);
      metrics.recordDispatched(delivered);
      if (last) {
        metrics.setLastEventTime(last.timestamp);
        metrics.observeCommitToDelivery(Date.now() - last.timestamp);
      }
    }
  }

  /** The sinks that take a topic, remembered until the set of sinks changes. */
  private targetsOf(topic: string): SinkTarget[] {
    const sinks = this.options.sinks();
    if (sinks !== this.knownSinks) {
      this.knownSinks = sinks;
      this.targetsByTopic.clear();
    }
    let found = this.targetsByTopic.get(topic);
    if (!found) {
      found = sinks.filter((sink) => sink.accepts(topic));
      this.targetsByTopic.set(topic, found);
      this.topics.add(topic);
    }
    return found;
  }

  /** Whether a sink some event of the batch goes to has no running runner (failed, paused...). */
  private someTargetDown(targets: SinkTarget[][]): boolean {
    let checked: SinkTarget[] | undefined;
    for (const eventTargets of targets) {
      if (eventTargets === checked || eventTargets.length === 0) continue;
      checked = eventTargets;
      for (const target of eventTargets) if (target.running()?.state !== 'RUNNING') return true;
    }
    return false;
  }

  private trackerOf(partition: OffsetMap): AckTracker {
    // Tasks usually reuse one partition object for all their records: skip the lookup then.
    if (this.last?.partition === partition) return this.last.tracker;
    const key = JSON.stringify(partition);
    let entry = this.trackers.get(key);
    if (!entry) this.trackers.set(key, (entry = { partition, tracker: new AckTracker() }));
    this.last = entry;
    return entry.tracker;
  }

  private fail(error: unknown): void {
    if (this.stopping) return;
    this.state = 'FAILED';
    this.failure = error;
    clearInterval(this.commitTimer);
    this.options.logger.error({ err: error }, 'source task failed');
    this.options.metrics?.recordError('poll');
    this.options.onFailure?.(error);
  }
}
