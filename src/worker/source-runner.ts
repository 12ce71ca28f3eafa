/**
 * Runs one source task in the standalone worker: polls it, applies the connector's transforms,
 * hands each event to every sink that takes its topic, and commits offsets once they are durable.
 *
 * Where offsets flow: poll -> AckTracker.submit (one ack per receiving sink; none for position-only
 * records or events no sink takes) -> sinks ack when durable -> every `commitIntervalMs` the
 * committable offset is written to the offset store and only then passed to `task.commit` (which
 * confirms it to Postgres). Nothing is confirmed before the data behind it is durable downstream.
 *
 * `stop()` stops polling, waits (up to `shutdownTimeoutMs`) for the sinks to make everything in
 * flight durable, commits once more and stops the task.
 */
import type { Logger } from 'pino';
import type { SourceTask } from '../contracts/source-task.js';
import type { Transform } from '../contracts/transform.js';
import type { ChangeEvent, OffsetMap, SourceRecord } from '../events.js';
import type { OffsetStore } from '../contracts/offset-store.js';
import { AckTracker } from './ack-tracker.js';
import type { ProgressLog } from './progress-log.js';
import type { Delivery, RunnerState, SinkRunner } from './sink-runner.js';

export interface SourceRunnerOptions {
  connector: string;
  task: SourceTask;
  transforms: Transform[];
  offsets: OffsetStore;
  sinks: () => SinkRunner[];
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
        Promise.all(this.options.sinks().map((s) => s.drain())).then(() => true),
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
      // A failed sink never acknowledges, so nothing could be committed past it: stop reading
      // rather than hold ever more records in memory. The slot keeps the changes meanwhile.
      if (this.options.sinks().some((sink) => sink.state === 'FAILED')) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const records = await this.options.task.poll();
      if (records.length > 0) await this.dispatch(records);
    }
  }

  private async dispatch(records: SourceRecord[]): Promise<void> {
    const sinks = this.options.sinks();
    const batches = new Map<SinkRunner, Delivery[]>();
    for (const record of records) {
      const event = record.event ? this.transform(record.event) : null;
      const targets = event ? sinks.filter((sink) => sink.accepts(event.topic)) : [];
      const handle = this.trackerOf(record.partition).submit(record.offset, targets.length);
      for (const sink of targets) {
        let batch = batches.get(sink);
        if (!batch) batches.set(sink, (batch = []));
        batch.push({ event: event!, handle });
      }
      if (targets.length > 0) this.counts.events++;
    }
    this.counts.records += records.length;
    await Promise.all([...batches].map(([sink, batch]) => sink.deliver(batch)));
  }

  private transform(event: ChangeEvent): ChangeEvent | null {
    let current: ChangeEvent | null = event;
    for (const t of this.options.transforms) {
      if (current === null) break;
      current = t.apply(current);
    }
    return current;
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
    this.state = 'FAILED';
    this.failure = error;
    clearInterval(this.commitTimer);
    this.options.logger.error({ err: error }, 'source task failed');
  }
}
