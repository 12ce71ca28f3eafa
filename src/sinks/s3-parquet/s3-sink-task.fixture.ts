/**
 * Test fixture (not used by the worker): the S3 sink task on a local directory store in a new
 * temporary directory, records of `shop.public.visits` (one per visit, its `visited_on` date
 * naming its directory through timestamp.extractor=RecordField), the file formats with how DuckDB
 * reads each back, and SinkCuts as the standalone worker keeps them.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { SinkCuts } from '../../contracts/sink-task.js';
import type { ConnectSchema, SinkRecord } from '../../events.js';
import { readJsonLines, readParquet, type ParquetContents } from '../../../test/support/duckdb.js';
import { SINK_RECORDS_DIR } from './file-cuts.js';
import { openObjectStore } from './object-store.js';
import { parseS3SinkConfig } from './s3-sink-config.js';
import { S3ParquetSinkTask } from './s3-sink-task.js';

export const TOPIC = 'shop.public.visits';
export const DAY_MS = 86_400_000;
export const field = (name: string, schema: Omit<ConnectSchema, 'optional'>, optional = true) => ({ field: name, optional, ...schema });
export const VISIT: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'shop.public.visits.Value',
  fields: [field('id', { type: 'int32' }, false), field('visited_on', { type: 'int32', name: 'io.debezium.time.Date', version: 1 }), field('body', { type: 'string' })],
};

export interface Format {
  name: string;
  config: Record<string, string>;
  extension: string;
  /** The rows of every file of the format under `lake`. */
  read(lake: string, options: { select?: string; orderBy?: string }): Promise<ParquetContents>;
}

export const PARQUET: Format = { name: 'Parquet', config: {}, extension: 'parquet', read: (lake, options) => readParquet(path.join(lake, '**', '*.parquet'), options) };
export const JSON_LINES: Format = {
  name: 'JSON lines',
  config: { 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat' },
  extension: 'json',
  read: (lake, options) => readJsonLines(path.join(lake, '**', '*.json'), options),
};
export const GZIP_JSON_LINES: Format = {
  name: 'gzipped JSON lines',
  config: { 'format.class': 'json', 's3.compression.type': 'gzip' },
  extension: 'json.gz',
  read: (lake, options) => readJsonLines(path.join(lake, '**', '*.json.gz'), options),
};
export const FORMATS: Format[] = [PARQUET, JSON_LINES, GZIP_JSON_LINES];

/** Visit `offset` on day `day` (days since 1970-01-01), committed that day, with a 400-character body. */
export function visit(offset: number, day: number, schema = VISIT, extra: Record<string, unknown> = {}): SinkRecord {
  return {
    topic: TOPIC,
    key: { id: offset },
    value: { id: offset, visited_on: day, body: `visit ${offset} `.padEnd(400, 'x'), ...extra },
    keySchema: null,
    valueSchema: schema,
    headers: {},
    timestamp: day * DAY_MS,
    kafkaPartition: 0,
    kafkaOffset: offset,
    position: String(offset).padStart(8, '0'),
  };
}

/** SinkCuts as the standalone worker keeps them, in memory: it survives a task, as the worker's store does. */
export function memoryCuts(durable: string | null = null): SinkCuts & { noted: string[] } {
  const noted: string[] = [];
  return { noted, get: () => [...noted], durable: () => durable, note: async (_topic, position) => void noted.push(position) };
}

export interface TaskOptions {
  /** A directory of a task before (a run after a crash); a new one by default. */
  dir?: string;
  cuts?: SinkCuts;
  /** Kafka mode: files named after Kafka offsets. */
  stableOffsets?: boolean;
  /** Kafka mode: SinkTaskContext.resumeOffset. */
  resumeOffset?: (topic: string, partition: number) => number | null;
}

/** Starts a task partitioning by `visited_on` into a lake under a new directory, with `config` on top. */
export async function startTask(config: Record<string, string>, openStore = openObjectStore, options: TaskOptions = {}) {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'sluice-s3-task-'));
  const task = new S3ParquetSinkTask(
    parseS3SinkConfig({
      name: 'lake',
      'connector.class': 'S3ParquetSink',
      topics: TOPIC,
      'store.url': `file://${path.join(dir, 'lake')}`,
      'timestamp.extractor': 'RecordField',
      'timestamp.field': 'visited_on',
      ...config,
    }),
    openStore,
  );
  // Files are staged in the task's work directory (staging.dir unset), the same for a run after a crash.
  await task.start({ connector: 'lake', taskId: 0, workDir: path.join(dir, 'task'), logger: pino({ level: 'silent' }), stableOffsets: options.stableOffsets ?? false, cuts: options.cuts, resumeOffset: options.resumeOffset });
  await task.open([{ topic: TOPIC, partition: 0 }]);
  return { task, lake: path.join(dir, 'lake'), dir };
}

/** Every file under `dir` but the sink's own records (file-cuts.ts), as paths relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).includes(SINK_RECORDS_DIR))
    .sort();
}
