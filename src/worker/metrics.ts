/**
 * Sluice's metrics in Prometheus text format, on a registry of each worker's own (never
 * prom-client's global one), so several workers and tests in one process do not clash.
 *
 * Contract:
 * - Runners take a handle per task once (`sourceTask`, `sinkTask`) and record into it on hot paths.
 *   Recording only adds to numbers the handle owns: no label lookup, no allocation, never blocks.
 *   The registry reads the handles when `render()` is called, i.e. on scrape.
 * - Asking again for the same connector and task returns the same handle, so counts survive task
 *   restarts. `removeConnector` drops every series of a connector; handles given out for it keep
 *   accepting records but are no longer rendered.
 * - Slot lag is read on scrape from the callback a source registers. A callback that fails or
 *   gives null leaves its series out of that scrape; `render()` awaits the callbacks, nothing else.
 * - Latencies are taken in milliseconds and exported in seconds; a negative one (clocks of the
 *   database and the worker disagreeing) counts as 0.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { ErrorStage } from '../errors.js';

const PREFIX = 'sluice_';
const BATCH_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DELIVERY_LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export interface TaskMetrics {
  recordError(stage: ErrorStage): void;
  /** A retriable failure that the task retries in place (a put, a reconnect). */
  recordRetry(): void;
  /** The task was stopped and started again after a failure. */
  recordRestart(): void;
}

export interface SourceTaskMetrics extends TaskMetrics {
  /** Records returned by `poll` (changes read from the source, position-only ones included). */
  recordPolled(records: number): void;
  /** Events handed to at least one sink. */
  recordDispatched(events: number): void;
  /** Source time of the newest event read (epoch milliseconds). */
  setLastEventTime(epochMs: number): void;
  /** From the source transaction's commit to the event being durable in a sink. */
  observeCommitToDelivery(latencyMs: number): void;
}

export interface SinkTaskMetrics extends TaskMetrics {
  /** One `put` of `records` records that took `latencyMs`. */
  recordPut(records: number, latencyMs: number): void;
}

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

export type SlotLagReader = () => Promise<number | null>;

type Labels = Record<string, string>;

/** Counts per bucket of one task's latencies; observing is a scan of a dozen bounds. */
class LatencyBuckets {
  /** Observations per bucket (not cumulative); the last slot holds those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observeMs(ms: number): void {
    const seconds = ms > 0 ? ms / 1000 : 0;
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

class TaskCounts implements TaskMetrics {
  readonly errors = new Map<ErrorStage, number>();
  retries = 0;
  restarts = 0;

  constructor(readonly labels: Labels) {}

  recordError(stage: ErrorStage): void {
    this.errors.set(stage, (this.errors.get(stage) ?? 0) + 1);
  }
  recordRetry(): void {
    this.retries++;
  }
  recordRestart(): void {
    this.restarts++;
  }
}

class SourceTaskCounts extends TaskCounts implements SourceTaskMetrics {
  polled = 0;
  dispatched = 0;
  lastEventMs: number | null = null;
  readonly commitToDelivery = new LatencyBuckets(DELIVERY_LATENCY_BUCKETS);

  recordPolled(records: number): void {
    this.polled += records;
  }
  recordDispatched(events: number): void {
    this.dispatched += events;
  }
  setLastEventTime(epochMs: number): void {
    this.lastEventMs = epochMs;
  }
  observeCommitToDelivery(latencyMs: number): void {
    this.commitToDelivery.observeMs(latencyMs);
  }
}

class SinkTaskCounts extends TaskCounts implements SinkTaskMetrics {
  put = 0;
  readonly batchLatency = new LatencyBuckets(BATCH_LATENCY_BUCKETS);

  recordPut(records: number, latencyMs: number): void {
    this.put += records;
    this.batchLatency.observeMs(latencyMs);
  }
}

interface ConnectorSeries {
  sources: Map<number, SourceTaskCounts>;
  sinks: Map<number, SinkTaskCounts>;
  snapshots: Map<string, { rows: number; total: number | null }>;
  slotLag: SlotLagReader | undefined;
}

/**
 * A histogram whose buckets live in the task handles. prom-client's own Histogram cannot be set
 * from counts kept elsewhere, so this hands the registry the same values it would produce.
 */
class HandleHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Iterable<[Labels, LatencyBuckets]>,
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Array<{ metricName: string; labels: Labels; value: number }> }> {
    const values = [];
    for (const [labels, buckets] of this.read()) {
      let cumulative = 0;
      for (let i = 0; i < buckets.bounds.length; i++) {
        cumulative += buckets.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: String(buckets.bounds[i]) }, value: cumulative });
      }
      values.push(
        { metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: buckets.count },
        { metricName: `${this.name}_sum`, labels, value: buckets.sum },
        { metricName: `${this.name}_count`, labels, value: buckets.count },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Nothing to reset: the values are read from the handles on every scrape. */
  reset(): void {}
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly connectors = new Map<string, ConnectorSeries>();

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    const task = ['connector', 'task'];
    this.counter('source_records_polled_total', 'Records read from the source', task, () => this.sources((s) => [[s.labels, s.polled]]));
    this.counter('source_events_dispatched_total', 'Events handed to sinks', task, () => this.sources((s) => [[s.labels, s.dispatched]]));
    this.counter('sink_records_put_total', 'Records written by sink tasks', task, () => this.sinks((s) => [[s.labels, s.put]]));
    this.counter('task_errors_total', 'Task errors by stage', [...task, 'stage'], () =>
      this.tasks((t) => [...t.errors].map(([stage, n]): [Labels, number] => [{ ...t.labels, stage }, n])),
    );
    this.counter('task_retries_total', 'Retriable failures retried in place', task, () => this.tasks((t) => [[t.labels, t.retries]]));
    this.counter('task_restarts_total', 'Task restarts after a failure', task, () => this.tasks((t) => [[t.labels, t.restarts]]));
    this.gauge('source_last_event_timestamp_seconds', 'Source time of the newest event read', task, () =>
      this.sources((s) => (s.lastEventMs === null ? [] : [[s.labels, s.lastEventMs / 1000]])),
    );
    const table = ['connector', 'table'];
    this.gauge('snapshot_rows_done', 'Rows snapshotted so far per table', table, () =>
      this.snapshots((labels, progress) => [[labels, progress.rows]]),
    );
    this.gauge('snapshot_rows_estimated', 'Estimated rows per table being snapshotted', table, () =>
      this.snapshots((labels, progress) => (progress.total === null ? [] : [[labels, progress.total]])),
    );
    this.histogram('sink_batch_latency_seconds', 'Time one sink put took', () => this.sinks((s) => [[s.labels, s.batchLatency]]));
    this.histogram('commit_to_delivery_seconds', 'From the source commit to the event being durable in a sink', () =>
      this.sources((s) => [[s.labels, s.commitToDelivery]]),
    );
    const connectors = this.connectors;
    new Gauge({
      name: `${PREFIX}source_slot_lag_bytes`,
      help: 'WAL bytes between the server position and the replication slot confirmed position',
      labelNames: ['connector'],
      registers: [this.registry],
      async collect(this: Gauge<string>) {
        const readers = [...connectors].filter(([, c]) => c.slotLag).map(([name, c]) => ({ name, read: c.slotLag! }));
        const lags = await Promise.all(readers.map((r) => r.read().catch(() => null)));
        // Reset only after every read is in, so a concurrent scrape never sees a half-filled gauge.
        this.reset();
        readers.forEach((r, i) => {
          const lag = lags[i];
          if (typeof lag === 'number' && Number.isFinite(lag)) this.set({ connector: r.name }, lag);
        });
      },
    });
  }

  sourceTask(connector: string, task: number): SourceTaskMetrics {
    const tasks = this.series(connector).sources;
    let handle = tasks.get(task);
    if (!handle) tasks.set(task, (handle = new SourceTaskCounts({ connector, task: String(task) })));
    return handle;
  }

  sinkTask(connector: string, task: number): SinkTaskMetrics {
    const tasks = this.series(connector).sinks;
    let handle = tasks.get(task);
    if (!handle) tasks.set(task, (handle = new SinkTaskCounts({ connector, task: String(task) })));
    return handle;
  }

  /** Snapshot progress of one table; `total` is the estimate, null while unknown. */
  snapshotProgress(connector: string, table: string, rows: number, total: number | null): void {
    this.series(connector).snapshots.set(table, { rows, total });
  }

  /** Registers the slot-lag reader of a source (replacing an earlier one); returns its removal. */
  registerSlotLag(connector: string, read: SlotLagReader): () => void {
    const series = this.series(connector);
    series.slotLag = read;
    return () => {
      if (series.slotLag === read) series.slotLag = undefined;
    };
  }

  removeConnector(connector: string): void {
    this.connectors.delete(connector);
  }

  async render(): Promise<RenderedMetrics> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private series(connector: string): ConnectorSeries {
    let series = this.connectors.get(connector);
    if (!series) {
      series = { sources: new Map(), sinks: new Map(), snapshots: new Map(), slotLag: undefined };
      this.connectors.set(connector, series);
    }
    return series;
  }

  private *sources<T>(pick: (s: SourceTaskCounts) => Iterable<T>): Iterable<T> {
    for (const c of this.connectors.values()) for (const s of c.sources.values()) yield* pick(s);
  }

  private *sinks<T>(pick: (s: SinkTaskCounts) => Iterable<T>): Iterable<T> {
    for (const c of this.connectors.values()) for (const s of c.sinks.values()) yield* pick(s);
  }

  private *tasks<T>(pick: (t: TaskCounts) => Iterable<T>): Iterable<T> {
    yield* this.sources(pick);
    yield* this.sinks(pick);
  }

  private *snapshots<T>(pick: (labels: Labels, progress: { rows: number; total: number | null }) => Iterable<T>): Iterable<T> {
    for (const [connector, c] of this.connectors) for (const [table, p] of c.snapshots) yield* pick({ connector, table }, p);
  }

  private counter(name: string, help: string, labelNames: string[], read: () => Iterable<[Labels, number]>): void {
    new Counter({
      name: PREFIX + name,
      help,
      labelNames,
      registers: [this.registry],
      collect(this: Counter<string>) {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  }

  private gauge(name: string, help: string, labelNames: string[], read: () => Iterable<[Labels, number]>): void {
    new Gauge({
      name: PREFIX + name,
      help,
      labelNames,
      registers: [this.registry],
      collect(this: Gauge<string>) {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  }

  private histogram(name: string, help: string, read: () => Iterable<[Labels, LatencyBuckets]>): void {
    // The registry only calls get() and reset(), which HandleHistogram has.
    this.registry.registerMetric(new HandleHistogram(PREFIX + name, help, read) as unknown as Metric);
  }
}
