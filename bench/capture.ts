/**
 * The Sluice side of one measurement, run as its own process by capture-process.ts: starts the
 * standalone worker in-process with the Postgres source and a NullSink (or, for the opensearch and
 * parquet cases, the OpenSearch or S3 Parquet sink; for the kafka case, Kafka mode's source side
 * producing to the given cluster instead, kafka-source.ts), waits until the work is done, and
 * prints one JSON line (a CaptureResult) on standard output.
 *
 * Done means: for a snapshot (snapshot.mode=initial_only), the table is reported finished and the
 * source has handed every row and the snapshot's end record to the sink; for a stream
 * (snapshot.mode=no_data on an existing slot), the slot's confirmed_flush_lsn has reached the end
 * of the backlog, i.e. the worker has delivered everything and confirmed it to the server; for the
 * kafka case (also no_data) likewise, which the source confirms only once the broker has
 * acknowledged every event before that position and the offset is in the offsets topic; for the
 * opensearch and parquet cases, the snapshot is done as above and the source has committed its end
 * record, which it does only once the sink has acknowledged every row before it: every bulk item
 * written, or every file holding them uploaded. The opensearch case then checks, once, that the
 * index holds every row (`_refresh`, then `_count`), and fails if it does not; watching the
 * worker's offsets instead of asking the node puts no load on the node while it still answers the
 * last requests (a `_refresh` copies the index's documents, a `_count` reads them all).
 * The sink runs with its defaults (snappy, flush.size 0, 128 MiB files) plus a scheduled rotation
 * every ROTATE_SCHEDULE_MS, without which the last file would stay open. Timing
 * and CPU time run from just before the worker opens to that moment. Exits non-zero on failure,
 * on a FAILED connector or after `timeoutMs`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from '../src/logger.js';
import type { SourceRunner } from '../src/worker/source-runner.js';
import { StandaloneHerder } from '../src/worker/standalone-herder.js';
import { loadWorkerConfig, type WorkerConfig } from '../src/worker/worker-config.js';
import type { CaptureRequest, CaptureResult } from './capture-process.js';
import { startKafkaSource } from './kafka-source.js';

const SOURCE = 'bench-source';
const SNAPSHOT_POLL_MS = 10;
const SLOT_POLL_MS = 100;
const SINK = 'bench-sink';
/**
 * rotate.schedule.interval.ms of the parquet case: files close on wall-clock boundaries this far
 * apart, so the measurement ends on average half of it after the last row reached the sink.
 */
const ROTATE_SCHEDULE_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sinkConfig(request: CaptureRequest): Record<string, string> {
  if (request.opensearch !== null) return { 'connector.class': 'OpenSearchSink', 'topics.regex': '.*', 'connection.url': request.opensearch.url };
  if (request.parquet !== null) {
    return {
      'connector.class': 'S3ParquetSink',
      'topics.regex': '.*',
      'store.url': pathToFileURL(request.parquet.storeDir).href,
      'staging.dir': request.parquet.stagingDir,
      'rotate.schedule.interval.ms': String(ROTATE_SCHEDULE_MS),
    };
  }
  return { 'connector.class': 'NullSink', 'topics.regex': '.*' };
}

function sourceConfig(request: CaptureRequest): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': request.host,
    'database.port': String(request.port),
    'database.user': request.user,
    'database.password': request.password,
    'database.dbname': request.database,
    'database.sslmode': 'disable',
    'topic.prefix': 'bench',
    'table.include.list': request.table,
    'publication.name': request.publication,
    'publication.autocreate.mode': 'disabled',
    'slot.name': request.slot,
    'snapshot.mode': request.mode === 'stream' || request.mode === 'kafka' ? 'no_data' : 'initial_only',
    // Heartbeats would write WAL into the database being measured.
    'heartbeat.interval.ms': '0',
    ...request.sourceOverrides,
  };
}

function connectors(request: CaptureRequest): Array<{ name: string; config: Record<string, string> }> {
  return [
    { name: SINK, config: sinkConfig(request) },
    { name: SOURCE, config: sourceConfig(request) },
  ];
}

/**
 * A small JSON request over node:http (fetch would load undici into the measured process); null
 * when the node answers 404.
 */
function requestJson(url: string, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 404) resolve(null);
        else if (res.statusCode !== 200) reject(new Error(`${method} ${url} answered ${res.statusCode}: ${body}`));
        else resolve(JSON.parse(body));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Throws unless the index holds `rows` documents; refreshes it first, since `_count` sees only refreshed writes. */
async function checkIndexHolds(opensearch: { url: string; index: string }, rows: number): Promise<void> {
  const index = `${opensearch.url}/${encodeURIComponent(opensearch.index)}`;
  const count = (await requestJson(`${index}/_refresh`, 'POST')) === null ? 0 : ((await requestJson(`${index}/_count`, 'GET')) as { count: number }).count;
  if (count !== rows) throw new Error(`the sink acknowledged every row, but ${opensearch.index} holds ${count} documents, not ${rows}`);
}

/** Whether the source has committed the snapshot's end record (the offset that hands over to streaming). */
async function snapshotCommitted(worker: StandaloneHerder): Promise<boolean> {
  return (await worker.offsets(SOURCE)).some(({ offset }) => offset?.last_snapshot_record === true);
}

/** Resolves once `done()` is true; rejects when a connector fails or time runs out. */
async function waitFor(
  worker: Pick<StandaloneHerder, 'failures'>,
  source: SourceRunner | undefined,
  done: () => Promise<boolean> | boolean,
  pollMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = worker.failures();
    if (failed.length > 0) throw new Error(`connector failed: ${failed.map((f) => `${f.name}: ${f.trace}`).join('; ')}`);
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`not done after ${timeoutMs} ms; source counts so far: ${JSON.stringify(source?.counts)}`);
    await sleep(pollMs);
  }
}

/** Whether the slot is confirmed at the end of the backlog. */
async function backlogConfirmed(monitor: pg.Client, request: CaptureRequest): Promise<boolean> {
  const { rows } = await monitor.query<{ done: boolean }>(
    'SELECT confirmed_flush_lsn >= $2::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $1',
    [request.slot, request.endLsn],
  );
  return rows[0]?.done === true;
}

/**
 * This process's peak RSS in KiB: its memory's own high-water mark (VmHWM) where Linux gives it.
 * getrusage's maxRSS also takes in the memory of the process it was forked from, as it stood at the
 * exec: the orchestrator's, which passes a worker's once it holds the recorded requests of a run.
 */
function peakRssKb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux: getrusage's figure
  }
  return process.resourceUsage().maxRSS;
}

/** Starts the clock: wall time and this process's CPU time from now, and its RSS now, into the result. */
function stopwatch(): (counts: SourceRunner['counts'] | undefined) => CaptureResult {
  const baselineRssKb = Math.round(process.memoryUsage().rss / 1024);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  return (counts = { records: 0, events: 0 }) => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      events: counts.events,
      records: counts.records,
      seconds,
      cpuMicros: cpu.user + cpu.system,
      maxRssKb: peakRssKb(),
      baselineRssKb,
    };
  };
}

async function measureStandalone(request: CaptureRequest, config: WorkerConfig, logger: Logger, monitor: pg.Client): Promise<CaptureResult> {
  const result = stopwatch();
  const worker = await StandaloneHerder.open(config, logger);
  try {
    await worker.start(connectors(request));
    const source = worker.sourceRunner(SOURCE);
    if (request.mode !== 'stream') {
      const tableDone = () => worker.progress.snapshot().some((t) => t.connector === SOURCE && t.table === request.table && t.finished);
      // +1: the snapshot's end record, which carries no event.
      await waitFor(worker, source, () => tableDone() && (source?.counts.records ?? 0) >= request.rows + 1, SNAPSHOT_POLL_MS, request.timeoutMs);
      if (request.opensearch || request.parquet) await waitFor(worker, source, () => snapshotCommitted(worker), SNAPSHOT_POLL_MS, request.timeoutMs);
      if (request.opensearch) await checkIndexHolds(request.opensearch, request.rows);
    } else {
      await waitFor(worker, source, () => backlogConfirmed(monitor, request), SLOT_POLL_MS, request.timeoutMs);
    }
    return result(source?.counts);
  } finally {
    await worker.shutdown();
  }
}

async function measureKafka(
  request: CaptureRequest,
  kafka: NonNullable<CaptureRequest['kafka']>,
  config: WorkerConfig,
  logger: Logger,
  monitor: pg.Client,
): Promise<CaptureResult> {
  const result = stopwatch();
  const worker = await startKafkaSource({ connector: SOURCE, sourceConfig: sourceConfig(request), worker: config, clientProperties: kafka.clientProperties, logger });
  try {
    await waitFor(worker, worker.runner, () => backlogConfirmed(monitor, request), SLOT_POLL_MS, request.timeoutMs);
    return result(worker.runner.counts);
  } finally {
    await worker.shutdown();
  }
}

async function measure(request: CaptureRequest, dataDir: string, monitor: pg.Client): Promise<CaptureResult> {
  const env = { SLUICE_SLUICE_DATA_DIR: dataDir, SLUICE_OFFSET_FLUSH_INTERVAL_MS: '100', SLUICE_BOOTSTRAP_SERVERS: request.kafka?.bootstrapServers };
  const config = await loadWorkerConfig({ env });
  const logger = createLogger(process.env.SLUICE_LOG_LEVEL ?? 'warn');
  return request.kafka === null ? measureStandalone(request, config, logger, monitor) : measureKafka(request, request.kafka, config, logger, monitor);
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as CaptureRequest;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-worker-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
  const monitor = new pg.Client({ host: request.host, port: request.port, user: request.user, password: request.password, database: request.database });
  monitor.on('error', () => {}); // a lost connection fails the next query, which reports it
  try {
    await monitor.connect();
    const result = await measure(request, dataDir, monitor);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await monitor.end().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`capture failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
