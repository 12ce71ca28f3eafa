import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (the subset prom-client writes): one sample per line. */
function parse(body: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of body.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

async function scrape(metrics: Metrics) {
  return parse((await metrics.render()).body);
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

describe('Metrics', () => {
  it('renders the counts, errors and last event time recorded in a source task handle', async () => {
    const metrics = new Metrics();
    const source = metrics.sourceTask('inventory', 0);
    source.recordPolled(3);
    source.recordPolled(2);
    source.recordDispatched(4);
    source.recordError('poll');
    source.recordError('poll');
    source.recordError('transform');
    source.recordRetry();
    source.recordRestart();
    source.setLastEventTime(1_700_000_000_500);

    const { contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = await scrape(metrics);
    const task = { connector: 'inventory', task: '0' };
    expect(valueOf(samples, 'sluice_source_records_polled_total', task)).toBe(3 + 2);
    expect(valueOf(samples, 'sluice_source_events_dispatched_total', task)).toBe(4);
    expect(valueOf(samples, 'sluice_task_errors_total', { ...task, stage: 'poll' })).toBe(2);
    expect(valueOf(samples, 'sluice_task_errors_total', { ...task, stage: 'transform' })).toBe(1);
    expect(valueOf(samples, 'sluice_task_retries_total', task)).toBe(1);
    expect(valueOf(samples, 'sluice_task_restarts_total', task)).toBe(1);
    expect(valueOf(samples, 'sluice_source_last_event_timestamp_seconds', task)).toBe(1_700_000_000_500 / 1000);
    expect(types.get('sluice_source_records_polled_total')).toBe('counter');
    expect(types.get('sluice_source_last_event_timestamp_seconds')).toBe('gauge');
  });

  it('shows a new task at zero and gives the same handle for the same connector and task', async () => {
    const metrics = new Metrics();
    const first = metrics.sourceTask('inventory', 0);
    expect(metrics.sourceTask('inventory', 0)).toBe(first);
    const other = metrics.sourceTask('inventory', 1);
    first.recordPolled(7);
    other.recordPolled(1);

    const { samples } = await scrape(metrics);
    expect(valueOf(samples, 'sluice_source_records_polled_total', { connector: 'inventory', task: '0' })).toBe(7);
    expect(valueOf(samples, 'sluice_source_records_polled_total', { connector: 'inventory', task: '1' })).toBe(1);
    expect(valueOf(samples, 'sluice_source_events_dispatched_total', { connector: 'inventory', task: '1' })).toBe(0);
    // No event read yet: no timestamp rather than a made-up one.
    expect(valueOf(samples, 'sluice_source_last_event_timestamp_seconds', { connector: 'inventory', task: '1' })).toBeUndefined();
  });

  it('renders sink puts and their latency as a cumulative histogram in seconds', async () => {
    const metrics = new Metrics();
    const sink = metrics.sinkTask('search', 0);
    const latenciesMs = [3, 40, 700, 45_000];
    for (const ms of latenciesMs) sink.recordPut(10, ms);
    sink.recordError('put');

    const { samples, types } = await scrape(metrics);
    const task = { connector: 'search', task: '0' };
    expect(valueOf(samples, 'sluice_sink_records_put_total', task)).toBe(10 * latenciesMs.length);
    expect(valueOf(samples, 'sluice_task_errors_total', { ...task, stage: 'put' })).toBe(1);
    expect(types.get('sluice_sink_batch_latency_seconds')).toBe('histogram');
    const buckets = samples.filter((s) => s.name === 'sluice_sink_batch_latency_seconds_bucket' && s.labels.connector === 'search');
    expect(buckets.length).toBeGreaterThan(1);
    for (const bucket of buckets) {
      const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
      expect(bucket.value, `le=${bucket.labels.le}`).toBe(latenciesMs.filter((ms) => ms / 1000 <= le).length);
    }
    expect(valueOf(samples, 'sluice_sink_batch_latency_seconds_count', task)).toBe(latenciesMs.length);
    expect(valueOf(samples, 'sluice_sink_batch_latency_seconds_sum', task)).toBeCloseTo(latenciesMs.reduce((a, b) => a + b, 0) / 1000, 9);
  });

  it('renders commit-to-delivery latency per source task, a negative latency counting as 0', async () => {
    const metrics = new Metrics();
    const source = metrics.sourceTask('inventory', 0);
    source.observeCommitToDelivery(-5);
    source.observeCommitToDelivery(1500);

    const { samples } = await scrape(metrics);
    const task = { connector: 'inventory', task: '0' };
    const smallest = samples.find((s) => s.name === 'sluice_commit_to_delivery_seconds_bucket' && s.labels.connector === 'inventory');
    expect(smallest?.value).toBe(1);
    expect(valueOf(samples, 'sluice_commit_to_delivery_seconds_bucket', { ...task, le: '1' })).toBe(1);
    expect(valueOf(samples, 'sluice_commit_to_delivery_seconds_bucket', { ...task, le: '2.5' })).toBe(2);
    expect(valueOf(samples, 'sluice_commit_to_delivery_seconds_count', task)).toBe(2);
    expect(valueOf(samples, 'sluice_commit_to_delivery_seconds_sum', task)).toBe(1.5);
  });

  it('renders snapshot progress per table, leaving out an unknown total', async () => {
    const metrics = new Metrics();
    metrics.snapshotProgress('inventory', 'public.orders', 100, 1000);
    metrics.snapshotProgress('inventory', 'public.orders', 250, 1000);
    metrics.snapshotProgress('inventory', 'public.items', 40, null);

    const { samples } = await scrape(metrics);
    expect(valueOf(samples, 'sluice_snapshot_rows_done', { connector: 'inventory', table: 'public.orders' })).toBe(250);
    expect(valueOf(samples, 'sluice_snapshot_rows_estimated', { connector: 'inventory', table: 'public.orders' })).toBe(1000);
    expect(valueOf(samples, 'sluice_snapshot_rows_done', { connector: 'inventory', table: 'public.items' })).toBe(40);
    expect(valueOf(samples, 'sluice_snapshot_rows_estimated', { connector: 'inventory', table: 'public.items' })).toBeUndefined();
  });

  it('reads slot lag on each scrape, leaving out readers that fail or know nothing', async () => {
    const metrics = new Metrics();
    let lag = 4096;
    let reads = 0;
    const unregister = metrics.registerSlotLag('inventory', async () => {
      reads++;
      return lag;
    });
    metrics.registerSlotLag('broken', () => Promise.reject(new Error('connection refused')));
    metrics.registerSlotLag('fresh', async () => null);

    let { samples } = await scrape(metrics);
    expect(valueOf(samples, 'sluice_source_slot_lag_bytes', { connector: 'inventory' })).toBe(4096);
    expect(valueOf(samples, 'sluice_source_slot_lag_bytes', { connector: 'broken' })).toBeUndefined();
    expect(valueOf(samples, 'sluice_source_slot_lag_bytes', { connector: 'fresh' })).toBeUndefined();

    lag = 0;
    ({ samples } = await scrape(metrics));
    expect(valueOf(samples, 'sluice_source_slot_lag_bytes', { connector: 'inventory' })).toBe(0);
    expect(reads).toBe(2);

    unregister();
    ({ samples } = await scrape(metrics));
    expect(valueOf(samples, 'sluice_source_slot_lag_bytes', { connector: 'inventory' })).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('drops every series of a removed connector and keeps the others', async () => {
    const metrics = new Metrics();
    const removed = metrics.sourceTask('inventory', 0);
    removed.recordPolled(5);
    removed.recordError('stream');
    removed.observeCommitToDelivery(10);
    metrics.sinkTask('inventory', 0).recordPut(1, 1);
    metrics.snapshotProgress('inventory', 'public.orders', 1, 2);
    metrics.registerSlotLag('inventory', async () => 100);
    metrics.sourceTask('billing', 0).recordPolled(9);

    const before = (await scrape(metrics)).samples.filter((s) => s.labels.connector === 'inventory').map((s) => s.name);
    expect(new Set(before)).toEqual(
      new Set([
        'sluice_source_records_polled_total',
        'sluice_source_events_dispatched_total',
        'sluice_sink_records_put_total',
        'sluice_task_errors_total',
        'sluice_task_retries_total',
        'sluice_task_restarts_total',
        'sluice_snapshot_rows_done',
        'sluice_snapshot_rows_estimated',
        'sluice_sink_batch_latency_seconds_bucket',
        'sluice_sink_batch_latency_seconds_sum',
        'sluice_sink_batch_latency_seconds_count',
        'sluice_commit_to_delivery_seconds_bucket',
        'sluice_commit_to_delivery_seconds_sum',
        'sluice_commit_to_delivery_seconds_count',
        'sluice_source_slot_lag_bytes',
      ]),
    );

    metrics.removeConnector('inventory');
    removed.recordPolled(1); // a handle still held by a stopping runner must not bring the series back
    const { samples } = await scrape(metrics);
    expect(samples.filter((s) => s.labels.connector === 'inventory')).toEqual([]);
    expect(valueOf(samples, 'sluice_source_records_polled_total', { connector: 'billing', task: '0' })).toBe(9);
    // Asked for again, the connector starts from zero.
    metrics.sourceTask('inventory', 0);
    const again = (await scrape(metrics)).samples;
    expect(valueOf(again, 'sluice_source_records_polled_total', { connector: 'inventory', task: '0' })).toBe(0);
  });

  it('escapes label values that Prometheus text cannot carry as they are', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const name = 'odd "name" \\ with\nnewline';
    metrics.sourceTask(name, 0).recordPolled(2);
    const { samples } = await scrape(metrics);
    expect(valueOf(samples, 'sluice_source_records_polled_total', { connector: name })).toBe(2);
  });

  it('keeps the registries of several workers in one process apart, each with process metrics', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.sourceTask('inventory', 0).recordPolled(1);
    const [sa, sb] = await Promise.all([scrape(a), scrape(b)]);
    expect(valueOf(sa.samples, 'sluice_source_records_polled_total', { connector: 'inventory' })).toBe(1);
    expect(valueOf(sb.samples, 'sluice_source_records_polled_total', { connector: 'inventory' })).toBeUndefined();
    for (const { samples, types } of [sa, sb]) {
      expect(types.get('sluice_process_cpu_user_seconds_total')).toBe('counter');
      expect(valueOf(samples, 'sluice_process_resident_memory_bytes', {})).toBeGreaterThan(0);
    }
    const quiet = await scrape(new Metrics({ processMetrics: false }));
    expect(quiet.types.has('sluice_process_cpu_user_seconds_total')).toBe(false);
  });
});
