/**
 * Each row in its own time's directory, end to end: a worker captures a table of a real PostgreSQL
 * into two S3 sinks (local directory stores) with hourly directories in zones off UTC by a
 * fraction of an hour, one by a timestamptz column of the row (timestamp.extractor=RecordField,
 * America/St_Johns, across a DST change), one by the commit time (the default extractor,
 * Asia/Kathmandu). Read back with DuckDB, every row's directory is the hour PostgreSQL itself
 * gives that row's time in that zone: its seen_at, or its __source_ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import { readParquet } from '../support/duckdb.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';

const TOPIC = 'test.public.visits';
const HOURLY = { 'path.format': "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", 'partition.duration.ms': '3600000' };
/** PostgreSQL's name of the hour directory of a timestamptz in zone $1. */
const HOUR_DIRECTORY = `to_char(t AT TIME ZONE $1, '"year="YYYY"/month="MM"/day="DD"/hour="HH24')`;

interface LakeRow {
  id: number;
  op: string;
  /** Microseconds since the epoch, as text (exact). */
  time: string;
  directory: string;
}

/** Every row of the lake under `lake`: its id, op, the time `timeColumn` holds and the directory of its file. */
async function lakeRows(lake: string, timeColumn: string): Promise<LakeRow[]> {
  const topicDir = path.join(lake, 'topics', TOPIC);
  const { rows } = await readParquet(path.join(topicDir, '**', '*.parquet'), { select: `id, __op AS op, epoch_us(${timeColumn})::VARCHAR AS time, filename` });
  return rows.map((row) => ({ id: row['id'] as number, op: row['op'] as string, time: row['time'] as string, directory: path.dirname(path.relative(topicDir, String(row['filename']))) }));
}

/** The directory PostgreSQL gives each time (microseconds since the epoch) in `zone`. */
async function hourDirectories(client: pg.Client, zone: string, times: string[]): Promise<Map<string, string>> {
  const { rows } = await client.query<{ us: string; directory: string }>(
    `SELECT us::text, ${HOUR_DIRECTORY} AS directory FROM unnest($2::bigint[]) us, LATERAL (SELECT timestamptz 'epoch' + us * interval '1 microsecond' AS t) x`,
    [zone, [...new Set(times)]],
  );
  return new Map(rows.map((row) => [row.us, row.directory]));
}

describe('S3 sink: each row in its own time\'s directory', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('dirs');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('writes every row into the hour of its timestamp field, or of its commit time, in the sink\'s time zone', { timeout: 120_000 }, async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // A delete's row image holds seen_at only with the whole old row.
    await client.query(`CREATE TABLE visits (id int PRIMARY KEY, seen_at timestamptz NOT NULL, note text)`);
    await client.query(`ALTER TABLE visits REPLICA IDENTITY FULL`);
    // Every 7 h 13 min from 2024-03-07, over St. John's spring DST change (03-10 02:00 local), and
    // the microseconds either side of local hours around it.
    await client.query(`INSERT INTO visits SELECT g, timestamptz '2024-03-07 00:00:00+00' + g * interval '7 hours 13 minutes', 'snapshot' FROM generate_series(1, 30) g`);
    await client.query(`INSERT INTO visits VALUES
      (31, '2024-03-10 01:59:59.999999 America/St_Johns', 'before the lost hour'), (32, '2024-03-10 03:00:00 America/St_Johns', 'after it'),
      (33, '2024-03-09 23:59:59.999999 America/St_Johns', 'before midnight'), (34, '2024-03-10 00:00:00 America/St_Johns', 'midnight')`);
    const dir = workerDir();
    const lakes = { field: path.join(dir.dir, 'lake-field'), commit: path.join(dir.dir, 'lake-commit') };
    const sink = (lake: string, config: Record<string, string>) => ({ 'connector.class': 'S3ParquetSink', topics: TOPIC, 'store.url': `file://${lake}`, 'rotate.schedule.interval.ms': '500', ...HOURLY, ...config });
    const slot = `${db.name}_visits`;
    const streamed = { c: 0, u: 0, d: 0 };
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }));
    try {
      await herder.start([
        { name: 'lake-field', config: sink(lakes.field, { 'timestamp.extractor': 'RecordField', 'timestamp.field': 'seen_at', timezone: 'America/St_Johns' }) },
        { name: 'lake-commit', config: sink(lakes.commit, { timezone: 'Asia/Kathmandu' }) },
        { name: 'source', config: postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': 'public.visits', 'heartbeat.interval.ms': '0' }) },
      ]);
      // Streamed: rows across St. John's autumn DST change (11-03 02:00 local, an hour lived twice),
      // rows moved to other days, and deletes.
      const count = async (op: keyof typeof streamed, sql: string) => void (streamed[op] += (await client.query(sql)).rowCount ?? 0);
      await count('c', `INSERT INTO visits SELECT g, timestamptz '2024-11-02 20:00:00+00' + (g - 40) * interval '37 minutes', 'streamed' FROM generate_series(40, 60) g`);
      await count('u', `UPDATE visits SET seen_at = seen_at + interval '2 days 3 hours' WHERE id % 4 = 0`);
      await count('d', `DELETE FROM visits WHERE id % 5 = 0`);
      await writeAndWaitForSlot(client, slot, `INSERT INTO visits VALUES (99, '2024-11-03 01:30:00-02:30', 'last')`);
      streamed.c++;
    } finally {
      await herder.shutdown();
    }

    // By seen_at in St. John's: snapshot reads, inserts, updates (the new time) and deletes (the old).
    const byField = await lakeRows(lakes.field, 'seen_at');
    const tally = (rows: LakeRow[]) => Object.fromEntries(['r', 'c', 'u', 'd'].map((op) => [op, rows.filter((row) => row.op === op).length]));
    expect(tally(byField)).toEqual({ r: 34, ...streamed });
    const fieldHours = await hourDirectories(client, 'America/St_Johns', byField.map((row) => row.time));
    expect(byField.filter((row) => row.directory !== fieldHours.get(row.time))).toEqual([]);
    // The rows really are spread: days across both DST changes, half-hour-offset hours.
    expect(new Set(byField.map((row) => row.directory)).size).toBeGreaterThan(40);

    // By commit time in Kathmandu (UTC+5:45): streamed changes carry it as __source_ts. (Snapshot rows
    // go by the time the snapshot began; their __source_ts is when each was read.)
    const byCommit = (await lakeRows(lakes.commit, '__source_ts')).filter((row) => row.op !== 'r');
    expect(tally(byCommit)).toEqual({ r: 0, ...streamed });
    const commitHours = await hourDirectories(client, 'Asia/Kathmandu', byCommit.map((row) => row.time));
    expect(byCommit.filter((row) => row.directory !== commitHours.get(row.time))).toEqual([]);
    await client.end();
  });
});
