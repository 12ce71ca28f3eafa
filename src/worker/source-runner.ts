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
import type { Delivery, RunnerState, SinkRunner } from './sink-runner.js';

/** A sink connector as sources see it: which topics it takes, and its runner while one runs. */
export interface SinkTarget {
  accepts(topic: string): boolean;
  running(): SinkRunner | undefined;
}

export interface SourceRunnerOptions {
  connector: string;
  task: SourceTask;
  /** The connector's transform chain: a new event, the same, or null to drop it. */
  transform(event: ChangeEvent): ChangeEvent | null;
  offsets: OffsetStore;
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
    const sinks = this.options.sinks();
    const events = records.map((record) => (record.event ? this.options.transform(record.event) : null));
    const targetsOf = new Map<string, SinkTarget[]>();
    for (const event of events) {
      if (event && !targetsOf.has(event.topic)) {
        targetsOf.set(event.topic, sinks.filter((sink) => sink.accepts(event.topic)));
        this.topics.add(event.topic);
      }
    }
    const needed = new Set([...targetsOf.values()].flat());
    while (!this.stopping && [...needed].some((target) => target.running()?.state !== 'RUNNING')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (this.stopping) return;
    const batches = new Map<SinkRunner, Delivery[]>();
    records.forEach((record, i) => {
      const event = events[i] ?? null;
      const targets = event ? targetsOf.get(event.topic)! : [];
      const handle = this.trackerOf(record.partition).submit(record.offset, targets.length);
      for (const target of targets) {
        const runner = target.running()!;
        let batch = batches.get(runner);
        if (!batch) batches.set(runner, (batch = []));
        batch.push({ event: event!, handle });
      }
      if (targets.length > 0) this.counts.events++;
    });
    this.counts.records += records.length;
    await Promise.all([...batches].map(([sink, batch]) => sink.deliver(batch)));
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.recordPolled(records.length);
      let delivered = 0;
      let last: ChangeEvent | null = null;
      for (const event of events) {
        if (event && targetsOf.get(event.topic)!.length > 0) {
          delivered++;
          last = event;
        }
      }
      metrics.recordDispatched(delivered);
      if (last) {
        metrics.setLastEventTime(last.timestamp);
        metrics.observeCommitToDelivery(Date.now() - last.timestamp);
      }
    }
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
