/**
 * Runs one Sluice measurement in a child process (bench/capture.ts), so its CPU time and peak RSS
 * are Sluice's alone and every run starts from a cold process, as a real worker would.
 *
 * Contract: `runCapture` spawns `node <the sluice program's Node flags> <compiled capture.js>
 * <request as JSON>` (see build-capture.ts) and resolves with the one JSON line the child prints; it rejects when the child
 * fails or prints no result.
 * The child's standard error (the worker's warnings) passes through. With `cpuProfileDir` set, the
 * child writes a V8 CPU profile there (`node --cpu-prof`); with `cpus`, it runs on those CPUs only
 * (cpu-affinity.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaptureBuild } from './build-capture.js';
import { pinnedSpawnArgs } from './cpu-affinity.js';

export interface CaptureRequest {
  /**
   * snapshot: snapshot.mode=initial_only until the table is read; stream: no_data from `slot` until
   * it is confirmed at `endLsn`; opensearch: a snapshot into the OpenSearch sink until `opensearch`
   * holds every row; parquet: a snapshot into the S3 Parquet sink until every row is in an
   * uploaded file (the source has committed the snapshot's end); kafka: as stream, with the
   * events produced to the Kafka cluster `kafka` (Kafka mode's source side, kafka-source.ts).
   */
  mode: 'snapshot' | 'stream' | 'opensearch' | 'parquet' | 'kafka';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  table: string;
  publication: string;
  slot: string;
  /** snapshot, opensearch, parquet: rows in the table. */
  rows: number;
  /** stream, kafka: end LSN of the backlog's last transaction. */
  endLsn: string | null;
  timeoutMs: number;
  /** Source connector settings that replace the benchmark's own (e.g. snapshot.fetch.size). */
  sourceOverrides: Record<string, string>;
  /** opensearch: the node the sink writes to, and the index the table's documents land in. */
  opensearch: { url: string; index: string } | null;
  /** parquet: the directory the sink's store writes to (store.url=file://), and its staging directory. */
  parquet: { storeDir: string; stagingDir: string } | null;
  /** kafka: the brokers (bootstrap.servers), and librdkafka properties over the worker's client config. */
  kafka: { bootstrapServers: string; clientProperties: Record<string, string | number | boolean> } | null;
}

export interface CaptureResult {
  /** Change events handed to the sink (a delete makes two: the event and its tombstone). */
  events: number;
  /** Records the source produced, position-only ones included. */
  records: number;
  seconds: number;
  /**
   * opensearch: the seconds from the worker's start to the index holding every document, where
   * `seconds` is then the window of the `_bulk` requests (opensearch-replay.ts `bulkSeconds`), as
   * for the replay it is compared with.
   */
  endToEndSeconds?: number;
  /** User plus system CPU time of the child, from worker start to the end of the measurement. */
  cpuMicros: number;
  /** Peak resident set size of the child, in KiB. */
  maxRssKb: number;
  /** RSS before the worker started (Node and the loaded modules), in KiB. */
  baselineRssKb: number;
}

/** The Node flags the `sluice` program runs with: those on the first line of src/cli.ts after `node`. */
function launcherNodeFlags(): string[] {
  const shebang = readFileSync(fileURLToPath(new URL('../src/cli.ts', import.meta.url)), 'utf8').split('\n', 1)[0]!;
  const words = shebang.split(/\s+/);
  return words.slice(words.indexOf('node') + 1);
}

/** `signal` ends the child (SIGTERM), which then removes its own files. */
export function runCapture(build: CaptureBuild, request: CaptureRequest, signal: AbortSignal, cpuProfileDir?: string, cpus?: string): Promise<CaptureResult> {
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=sluice-${request.mode}-${Date.now()}.cpuprofile`] : [];
  return new Promise((resolve, reject) => {
    const [command, args] = pinnedSpawnArgs(cpus, process.execPath, [...launcherNodeFlags(), ...profile, build.entry, JSON.stringify(request)]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], signal });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, exitSignal) => {
      const line = stdout.trim().split('\n').pop();
      if (code !== 0 || !line) {
        reject(new Error(`the ${request.mode} capture process exited with ${exitSignal ?? `code ${code}`}${line ? `: ${line}` : ''}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as CaptureResult);
      } catch {
        reject(new Error(`the ${request.mode} capture process printed no result: ${line}`));
      }
    });
  });
}
