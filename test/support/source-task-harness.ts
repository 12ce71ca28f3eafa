/**
 * Drives one PostgresSourceTask directly, the way the worker does, for tests of how it starts and
 * fails: an in-memory offset store, a pino logger whose lines the test reads back, polling until
 * records arrive, and a look at the replication objects (slots, publications) a database holds.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import type { SourceTaskContext } from '../../src/contracts/source-task.js';
import type { OffsetMap, SourceRecord } from '../../src/events.js';
import { PostgresSourceTask } from '../../src/sources/postgres/postgres-source-task.js';
import { withClient } from './postgres.js';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export const WARN = 40;

/** A logger writing JSON lines into `lines`. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Offsets as the worker keeps them: per partition, written only once the test says they are durable. */
export class MemoryOffsets {
  private readonly entries = new Map<string, OffsetMap>();

  get(partition: OffsetMap): OffsetMap | null {
    return this.entries.get(JSON.stringify(partition)) ?? null;
  }

  set(partition: OffsetMap, offset: OffsetMap): void {
    this.entries.set(JSON.stringify(partition), offset);
  }
}

export interface RunningTask {
  task: PostgresSourceTask;
  lines: LogLine[];
  offsets: MemoryOffsets;
  /** Every record polled so far. */
  records: SourceRecord[];
  /** Polls until `done(records)` holds; a poll that throws rejects this. */
  pollUntil(done: (records: SourceRecord[]) => boolean, timeoutMs?: number): Promise<SourceRecord[]>;
  /** Stores the offset of the last record polled and confirms it to the task, as the worker does once sinks are durable. */
  commitAll(): Promise<void>;
}

/** Creates and starts a task named `connector` (as the worker names it); a failed start rejects with the task's own error. */
export async function startTask(config: Record<string, string>, options: { connector?: string; offsets?: MemoryOffsets } = {}): Promise<RunningTask> {
  const { logger, lines } = capturingLogger();
  const offsets = options.offsets ?? new MemoryOffsets();
  const connector = options.connector ?? 'source';
  const task = new PostgresSourceTask({ ...config, name: connector });
  await task.start(taskContext(connector, logger, offsets));
  const records: SourceRecord[] = [];
  return {
    task,
    lines,
    offsets,
    records,
    async pollUntil(done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(records)) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms polling; ${records.length} records so far`);
        records.push(...(await task.poll()));
      }
      return records;
    },
    async commitAll() {
      const last = records.at(-1);
      if (!last) return;
      offsets.set(last.partition, last.offset);
      await task.commit(last.offset);
    },
  };
}

/** Starts a task expected to fail: resolves with its error and the log lines it wrote. */
export async function failedStart(config: Record<string, string>, connector = 'source'): Promise<{ error: unknown; lines: LogLine[] }> {
  const { logger, lines } = capturingLogger();
  const task = new PostgresSourceTask({ ...config, name: connector });
  try {
    await task.start(taskContext(connector, logger, new MemoryOffsets()));
  } catch (error) {
    return { error, lines };
  }
  await task.stop();
  throw new Error('the task started, but it was expected to fail');
}

function taskContext(connector: string, logger: Logger, offsets: MemoryOffsets): SourceTaskContext {
  return {
    connector,
    taskId: 0,
    logger,
    offsetOf: async (partition) => offsets.get(partition),
    progress: { snapshot: () => {} },
  };
}

export interface ReplicationObjects {
  /** Replication slots of the database, by name. */
  slots: string[];
  /** Publications in the database, by name. */
  publications: string[];
}

/** The slots and publications that exist for the database `url` names. */
export function replicationObjects(url: string): Promise<ReplicationObjects> {
  return withClient(url, async (client: pg.Client) => {
    const slots = await client.query<{ name: string }>(`SELECT slot_name AS name FROM pg_replication_slots WHERE database = current_database() ORDER BY 1`);
    const publications = await client.query<{ name: string }>(`SELECT pubname AS name FROM pg_publication ORDER BY 1`);
    return { slots: slots.rows.map((r) => r.name), publications: publications.rows.map((r) => r.name) };
  });
}

/** The URL of the same server and database as `url`, as another user. */
export function urlAs(url: string, user: string, password: string): string {
  const other = new URL(url);
  other.username = user;
  other.password = password;
  return other.toString();
}
