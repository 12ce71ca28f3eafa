/**
 * The data lake end to end: a random workload on a real PostgreSQL, captured by the worker into the
 * S3 sink on an S3-compatible server (fauxqs), read back with DuckDB. Every change is in the
 * lake exactly once with exact values and types; killed with SIGKILL during writing, rotation and
 * upload and restarted, the lake still holds each change exactly once and no partial object, and
 * killed while the server holds a part of a multipart upload, no upload stays open once the key is
 * written again. In JSON lines, plain and gzipped, every change is there once too and the lines
 * rebuild the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { postgresSourceConfig, workerDir, type WorkerDir } from '../support/connectors.js';
import { readJsonLines, readParquet } from '../support/duckdb.js';
import { downloadLake, runChangeWorkload, type ChangeTally } from '../support/lake.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';
import { urlAs } from '../support/source-task-harness.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { isUploadPart, startS3Server, type S3Request, type S3TestServer } from '../support/s3-server.js';

const COLUMNS = `id int PRIMARY KEY, amount numeric(12,3), happened timestamptz, local_at timestamp, due_on date, tags text[], doc jsonb, note text, flag boolean, big bigint`;
/** The columns after id for the row `id` (an SQL expression). */
const values = (id: string) =>
  `${id} * 3.125, '2026-03-29 00:59:59.123456+00'::timestamptz + ${id} * interval '1 hour 1 microsecond', '1969-12-31 23:59:59.999999'::timestamp + ${id} * interval '1 day', ` +
  `'1960-02-29'::date + ${id}, ARRAY['a' || ${id}, NULL, 'c'], jsonb_build_object('n', ${id}, 'nested', jsonb_build_array(1, 'x')), ` +
  `CASE WHEN ${id} % 7 = 0 THEN NULL ELSE 'note ' || ${id} END, ${id} % 2 = 0, 9007199254740993 + ${id}`;
/** Rows of the crash test's table: a snapshot of 30 chunks of 100 rows, long enough to be killed twice. */
const CRASH_TABLE_ROWS = 3000;
const UPDATE = `amount = amount + 0.001, note = coalesce(note, '') || '+', tags = tags || ARRAY['u'], flag = NOT flag`;
/**
 * The multipart crash test's rows carry 1 KiB of random hex text (an SQL expression of id): files
 * of MULTIPART_FLUSH_SIZE rows outgrow a 5 MiB part, compressed or not, and the row stays small
 * enough for Postgres to keep inline (an update then carries it whole).
 */
const payload = (id: string) => `(SELECT string_agg(md5(${id} || '/' || i), '') FROM generate_series(1, 32) i)`;
/** A multiple of MULTIPART_FLUSH_SIZE: the snapshot's last file is full, and goes up without a change after it. */
const MULTIPART_TABLE_ROWS = 30_000;
const MULTIPART_FLUSH_SIZE = 6000;
const PART_SIZE = 5 * 1024 * 1024;

/** The table as DuckDB prints the same values, for a row-by-row comparison with the lake. */
const TABLE_AS_TEXT = `SELECT id, amount::text AS amount, (extract(epoch FROM happened) * 1000000)::bigint::text AS happened_us,
  to_char(local_at, 'YYYY-MM-DD HH24:MI:SS.US') AS local_at, due_on::text AS due_on, to_json(tags)::text AS tags, doc::text AS doc, note, flag, big::text AS big`;
const LAKE_AS_TEXT = `id, amount::VARCHAR AS amount, epoch_us(happened)::VARCHAR AS happened_us, strftime(local_at, '%Y-%m-%d %H:%M:%S.%f') AS local_at,
  due_on::VARCHAR AS due_on, to_json(tags)::VARCHAR AS tags, doc::VARCHAR AS doc, note, flag, big::VARCHAR AS big, __op, __lsn::VARCHAR AS lsn, __snapshot`;

/** The same from JSON lines: the row image (`after`, `before` for a delete) of Debezium's JSON, taken apart as text. */
const image = (column: string) => `(coalesce(after, before)->>'${column}')`;
const JSON_COLUMNS = { before: 'JSON', after: 'JSON', source: 'JSON', op: 'VARCHAR' };
const JSON_LAKE_AS_TEXT = `${image('id')}::INTEGER AS id, ${image('amount')} AS amount, epoch_us(${image('happened')}::TIMESTAMPTZ)::VARCHAR AS happened_us,
  strftime(make_timestamp(${image('local_at')}::BIGINT), '%Y-%m-%d %H:%M:%S.%f') AS local_at, (DATE '1970-01-01' + ${image('due_on')}::INTEGER)::VARCHAR AS due_on,
  (coalesce(after, before)->'tags')::VARCHAR AS tags, ${image('doc')} AS doc, ${image('note')} AS note, ${image('flag')}::BOOLEAN AS flag, ${image('big')} AS big,
  op AS __op, source->>'lsn' AS lsn, coalesce(source->>'snapshot', 'false') <> 'false' AS __snapshot`;

interface LakeRow {
  id: number;
  __op: string;
  lsn: string;
  __snapshot: boolean;
  [column: string]: unknown;
}

/** A file format of the lake: its sink and source settings, and its files read back as LakeRows (with `extra` columns). */
interface LakeFormat {
  name: string;
  /** Names its tables and buckets. */
  tag: string;
  extension: string;
  sink: Record<string, string>;
  source: Record<string, string>;
  read(dir: string, extra?: string): Promise<LakeRow[]>;
}

const PARQUET_LAKE: LakeFormat = {
  name: 'Parquet',
  tag: 'parquet',
  extension: 'parquet',
  sink: {},
  source: {},
  read: async (dir, extra = '') => (await readParquet(path.join(dir, '**', '*.parquet'), { select: LAKE_AS_TEXT + extra })).rows as unknown as LakeRow[],
};

function jsonLake(name: string, tag: string, extension: string, sink: Record<string, string>): LakeFormat {
  return {
    name,
    tag,
    extension,
    sink,
    // Without schemas a precise decimal is base64 bytes whose scale only the schema held: JSON readers want text.
    source: { 'decimal.handling.mode': 'string' },
    read: async (dir, extra = '') => (await readJsonLines(path.join(dir, '**', `*.${extension}`), { columns: JSON_COLUMNS, select: JSON_LAKE_AS_TEXT + extra })).rows as unknown as LakeRow[],
  };
}
const JSON_LAKE = jsonLake('JSON lines', 'json', 'json', { 'format.class': 'io.confluent.connect.s3.format.json.JsonFormat' });
const GZIP_JSON_LAKE = jsonLake('gzipped JSON lines', 'jsongz', 'json.gz', { 'format.class': 'json', 's3.compression.type': 'gzip' });

/**
 * The key of every object of `table` in daily partitions, named after a source position: a streamed
 * change's (24 hex digits), or for snapshot files the snapshot's reading (its LSN, '!', its id, '!') with the
 * key of the row they follow.
 */
function keyPattern(table: string, extension: string): RegExp {
  const topic = `test\\.public\\.${table}`;
  return new RegExp(`^topics/${topic}/year=\\d{4}/month=\\d{2}/day=\\d{2}/${topic}\\+0\\+([0-9a-f]{24}|[0-9a-f]{16}![0-9a-z]{9}![0-9a-z-]*)\\.${extension.replaceAll('.', '\\.')}$`);
}

async function tableRows(client: pg.Client, table: string): Promise<Record<string, unknown>[]> {
  const { rows } = await client.query(`${TABLE_AS_TEXT} FROM ${table} ORDER BY id`);
  return rows.map((row) => ({ ...row, doc: JSON.parse(row.doc as string) }));
}

/** The table the lake describes: each id's last change (snapshot reads first, then by LSN), deletes removed. */
function rebuild(rows: LakeRow[]): Record<string, unknown>[] {
  const ordered = [...rows].sort((a, b) => Number(a.__snapshot ? 0 : 1) - Number(b.__snapshot ? 0 : 1) || Number(BigInt(a.lsn) - BigInt(b.lsn)));
  const table = new Map<number, Record<string, unknown>>();
  for (const row of ordered) {
    if (row.__op === 'd') table.delete(row.id);
    else {
      const { __op: _op, lsn: _lsn, __snapshot: _snapshot, ...columns } = row;
      table.set(row.id, { ...columns, doc: JSON.parse(columns['doc'] as string) });
    }
  }
  return [...table.values()].sort((a, b) => (a['id'] as number) - (b['id'] as number));
}

function expectEachChangeOnce(rows: LakeRow[], tally: ChangeTally): void {
  const streamed = rows.filter((row) => !row.__snapshot);
  const identities = streamed.map((row) => `${row.__op}:${row.id}:${row.lsn}`);
  expect(new Set(identities).size).toBe(identities.length);
  const count = (op: string) => streamed.filter((row) => row.__op === op).length;
  expect({ c: count('c'), u: count('u'), d: count('d') }).toEqual(tally);
}

/** The source offsets a standalone worker in `dir` has committed, as its offsets file holds them ('' before the first). */
const committedOffsets = (dir: string) => {
  const file = path.join(dir, 'data', 'offsets.json');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};

/** The source's committed snapshot progress (a finished chunk) in the worker's offsets, or null. */
function snapshotProgress(dir: string): string | null {
  const stored = committedOffsets(dir);
  if (!stored.includes('sluice.snapshot.progress')) return null;
  const all = Object.values(JSON.parse(stored) as Record<string, Record<string, unknown>>);
  return (all.find((offset) => typeof offset['sluice.snapshot.progress'] === 'string')?.['sluice.snapshot.progress'] as string | undefined) ?? null;
}

/**
 * Kills the worker with SIGKILL twice during its snapshot, each time once another chunk is
 * committed, restarting it each time; returns the worker last started once its snapshot is
 * committed whole (the sink has uploaded every row and the offset names the stream's position).
 */
async function killTwiceDuringSnapshot(worker: WorkerProcess, dir: WorkerDir, files: string[]): Promise<WorkerProcess> {
  let killedAt: string | null = null;
  for (let kills = 0; kills < 2; kills++) {
    await waitFor(() => snapshotProgress(dir.dir) !== null && snapshotProgress(dir.dir) !== killedAt, 120_000, 'a snapshot chunk committed');
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBeNull();
    killedAt = snapshotProgress(dir.dir);
    expect(committedOffsets(dir.dir)).not.toContain('lsn_commit');
    worker = startWorkerProcess(dir.configFile, files);
  }
  await waitFor(() => committedOffsets(dir.dir).includes('lsn_commit'), 120_000, 'the snapshot uploaded and committed');
  return worker;
}

describe('S3 sink: the change log in the lake', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  beforeAll(async () => {
    db = await createTestDatabase('lake');
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.stop();
    await db?.drop();
  });

  const sinkConfig = (bucket: string, table: string, overrides: Record<string, string> = {}) => ({
    'connector.class': 'io.confluent.connect.s3.S3SinkConnector',
    's3.bucket.name': bucket,
    'store.url': s3.endpoint,
    's3.path.style.access.enabled': 'true',
    'aws.access.key.id': 'test',
    'aws.secret.access.key': 'test',
    topics: `test.public.${table}`,
    'flush.size': '100',
    'rotate.schedule.interval.ms': '500',
    ...overrides,
  });

  /**
   * Creates `table` with 150 rows and captures it into `sinks` (standalone) while 120 random
   * transactions run; returns what they did and the table as it ends.
   */
  async function captureWorkload(table: string, sinks: { name: string; config: Record<string, string> }[], options: { seed: number; source?: Record<string, string> }) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE ${table} (${COLUMNS})`);
    await client.query(`INSERT INTO ${table} SELECT g, ${values('g')} FROM generate_series(1, 150) g`);
    const dir = workerDir();
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }));
    const slot = `${db.name}_${table}`;
    const tally: ChangeTally = { c: 0, u: 0, d: 0 };
    try {
      await herder.start([
        ...sinks,
        { name: 'source', config: postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': `public.${table}`, 'heartbeat.interval.ms': '0', ...options.source }) },
      ]);
      await runChangeWorkload(client, table, { from: 1000, rounds: 120, seed: options.seed, tally, insertValues: (id) => values(String(id)), updateSet: UPDATE });
      await writeAndWaitForSlot(client, slot, `INSERT INTO ${table} VALUES (-1, ${values('(-1)')})`);
      tally.c++;
    } finally {
      await herder.shutdown();
    }
    const expected = await tableRows(client, table);
    await client.end();
    return { tally, expected };
  }

  it('holds every change exactly once, with exact values and types, in daily partitions', { timeout: 120_000 }, async () => {
    await s3.createBucket('lake-orders');
    const { tally, expected } = await captureWorkload('orders', [{ name: 'lake', config: sinkConfig('lake-orders', 'orders') }], { seed: 7 });

    const lake = await downloadLake(s3.client, 'lake-orders');
    expect(lake.keys.length).toBeGreaterThan(2);
    for (const key of lake.keys) expect(key).toMatch(keyPattern('orders', 'parquet'));
    const { rows, types } = await readParquet(path.join(lake.dir, '**', '*.parquet'), { select: LAKE_AS_TEXT });
    const lakeRows = rows as unknown as LakeRow[];
    expect(lakeRows.filter((row) => row.__snapshot)).toHaveLength(150);
    expectEachChangeOnce(lakeRows, tally);
    expect(rebuild(lakeRows)).toEqual(expected);

    const raw = await readParquet(path.join(lake.dir, '**', '*.parquet'), { select: 'amount, happened, local_at, due_on, tags, doc, big, __op, __lsn, __tx_id, __source_ts, __snapshot, __table', orderBy: '__lsn LIMIT 1' });
    expect(raw.types).toEqual({
      amount: 'DECIMAL(12,3)',
      happened: 'TIMESTAMP WITH TIME ZONE',
      local_at: 'TIMESTAMP',
      due_on: 'DATE',
      tags: 'VARCHAR[]',
      doc: 'JSON',
      big: 'BIGINT',
      __op: 'VARCHAR',
      __lsn: 'BIGINT',
      __tx_id: 'BIGINT',
      __source_ts: 'TIMESTAMP WITH TIME ZONE',
      __snapshot: 'BOOLEAN',
      __table: 'VARCHAR',
    });
    expect(types['id']).toBe('INTEGER');
    expect(raw.rows[0]!['__table']).toBe('public.orders');
  });

  it('holds every change exactly once in JSON lines, plain and gzipped, that rebuild the table', { timeout: 120_000 }, async () => {
    const lakes = [JSON_LAKE, GZIP_JSON_LAKE];
    for (const format of lakes) await s3.createBucket(`lake-shipments-${format.tag}`);
    // Both sinks read the same source; both formats need the same source settings.
    const sinks = lakes.map((format) => ({ name: `lake-${format.tag}`, config: sinkConfig(`lake-shipments-${format.tag}`, 'shipments', format.sink) }));
    const { tally, expected } = await captureWorkload('shipments', sinks, { seed: 11, source: JSON_LAKE.source });
    expect(tally.d).toBeGreaterThan(0);

    for (const format of lakes) {
      const lake = await downloadLake(s3.client, `lake-shipments-${format.tag}`);
      expect(lake.keys.length).toBeGreaterThan(2);
      for (const key of lake.keys) expect(key).toMatch(keyPattern('shipments', format.extension));
      const lakeRows = await format.read(lake.dir);
      // The deletes' tombstones wrote no line.
      expect(lakeRows.filter((row) => typeof row.__op !== 'string')).toEqual([]);
      expect(lakeRows.filter((row) => row.__snapshot)).toHaveLength(150);
      expectEachChangeOnce(lakeRows, tally);
      expect(rebuild(lakeRows)).toEqual(expected);
    }
  });

  // Each format with its own kind of key: the files are named and rows passed over the same way in
  // both formats, by the key's sortable form, which differs for integers and for text.
  it.each([
    { format: PARQUET_LAKE, key: 'an integer key' },
    { format: GZIP_JSON_LAKE, key: 'a text key' },
  ])('holds each change exactly once and no partial object in $format.name, with $key, after kill -9 during the snapshot, writing, rotation and upload', { timeout: 240_000 }, async ({ format, key }) => {
    const table = `payments_${format.tag}`;
    const bucket = `lake-payments-${format.tag}`;
    await s3.createBucket(bucket);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    if (key === 'a text key') {
      // The key: text made from id, in mixed case and with an accent so that collations and byte
      // order sort it apart, and unlike id's order; kept in step with id, so that moving a row to
      // another id changes its key (a delete and a create, as the tally counts it).
      await client.query(`CREATE TABLE ${table} (${COLUMNS.replace('id int PRIMARY KEY', 'id int NOT NULL UNIQUE')}, code text PRIMARY KEY)`);
      await client.query(`CREATE FUNCTION ${table}_code() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.code := (ARRAY['K', 'k', 'é', 'E'])[1 + abs(NEW.id) % 4] || (abs(NEW.id) * 7919 % 10007)::text || '/' || NEW.id;
          RETURN NEW;
        END $$`);
      await client.query(`CREATE TRIGGER ${table}_code BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_code()`);
      // A delete's row image then holds id, which the lake is rebuilt by, not just the key.
      await client.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
    } else {
      await client.query(`CREATE TABLE ${table} (${COLUMNS})`);
    }
    await client.query(`INSERT INTO ${table} SELECT g, ${values('g')} FROM generate_series(1, ${CRASH_TABLE_ROWS}) g`);
    const dir = workerDir();
    const slot = `${db.name}_${table}`;
    const files = [
      // Small files and frequent rotations, so that kills land while files are written and uploaded,
      // and files end inside transactions, where a restart resumes the source before what they hold;
      // small snapshot chunks, so that the snapshot is killed between chunks with files uploaded past
      // the last chunk committed.
      dir.connectorFile('lake', sinkConfig(bucket, table, { ...format.sink, 'flush.size': '40', 'rotate.schedule.interval.ms': '200' })),
      dir.connectorFile('source', postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': `public.${table}`, 'heartbeat.interval.ms': '0', 'snapshot.fetch.size': '100', ...format.source })),
    ];
    const kill = async () => {
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
    };

    let worker = startWorkerProcess(dir.configFile, files);
    // The workload runs once the slot is made (what is committed before it is in the snapshot, not
    // in the stream): the snapshot, resumed after each kill, reads rows changed, added and removed
    // since the first reading.
    const slotMade = async () => (await client.query(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn IS NOT NULL`, [slot])).rowCount === 1;
    await waitFor(slotMade, 60_000, 'the slot made');
    const tally: ChangeTally = { c: 0, u: 0, d: 0 };
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    let writing = true;
    const workload = (async () => {
      let next = 100_000;
      for (let seed = 1; writing; seed++) next = await runChangeWorkload(writer, table, { from: next, rounds: 5, seed, tally, insertValues: (id) => values(String(id)), updateSet: UPDATE, maxStatements: 30 });
    })();
    try {
      // 1. Killed twice during the snapshot, each time once another chunk is committed.
      worker = await killTwiceDuringSnapshot(worker, dir, files);

      // 2. Killed while streaming, at different moments.
      for (const pause of [900, 1300, 700, 1100, 600]) {
        await new Promise((resolve) => setTimeout(resolve, pause));
        await kill();
        worker = startWorkerProcess(dir.configFile, files);
      }
      await new Promise((resolve) => setTimeout(resolve, 800));
    } finally {
      writing = false;
      await workload;
      await writer.end();
    }
    await writeAndWaitForSlot(client, slot, `INSERT INTO ${table} VALUES (-1, ${values('(-1)')})`);
    tally.c++;
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const expected = await tableRows(client, table);
    await client.end();

    // Every object is whole (DuckDB reads them all). (These files are small, each one PUT: the
    // multipart test below kills uploads in parts.)
    const lake = await downloadLake(s3.client, bucket);
    for (const key of lake.keys) expect(key).toMatch(keyPattern(table, format.extension));
    const lakeRows = await format.read(lake.dir);
    // Each row read by the snapshot once, though the snapshot was read in three runs; the rows it
    // never reached again (changed or deleted meanwhile) are in the stream.
    const snapshotIds = lakeRows.filter((row) => row.__snapshot).map((row) => row.id);
    expect(snapshotIds.length).toBeGreaterThan(CRASH_TABLE_ROWS / 2);
    expect(new Set(snapshotIds).size).toBe(snapshotIds.length);
    expectEachChangeOnce(lakeRows, tally);
    expect(rebuild(lakeRows)).toEqual(expected);
  });

  it('leaves no multipart upload open and holds each change once after kill -9 while the server holds a part, in the snapshot and in the stream', { timeout: 240_000 }, async () => {
    const table = 'payments_multipart';
    const bucket = 'lake-payments-multipart';
    await s3.createBucket(bucket);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE ${table} (${COLUMNS}, payload text)`);
    await client.query(`INSERT INTO ${table} SELECT g, ${values('g')}, ${payload('g')} FROM generate_series(1, ${MULTIPART_TABLE_ROWS}) g`);
    const dir = workerDir();
    const slot = `${db.name}_${table}`;
    // Files rotate by count only until the last run, so that each is larger than a part.
    const sinkFile = (rotateScheduleMs: number) =>
      dir.connectorFile('lake', sinkConfig(bucket, table, { 'flush.size': String(MULTIPART_FLUSH_SIZE), 's3.part.size': String(PART_SIZE), 'rotate.schedule.interval.ms': String(rotateScheduleMs) }));
    const files = [
      sinkFile(3_600_000),
      dir.connectorFile('source', postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': `public.${table}`, 'heartbeat.interval.ms': '0', 'snapshot.fetch.size': '500' })),
    ];

    /**
     * Runs the worker (and `meanwhile`) until the server holds a part of an upload of a key
     * `holding` accepts, kills it with SIGKILL there and lets the part go on; returns the upload,
     * which nothing has aborted.
     */
    const killDuringPart = async (holding: (request: S3Request) => boolean, meanwhile = async () => {}): Promise<{ key: string; uploadId: string }> => {
      const hold = s3.hold((request) => isUploadPart(request) && holding(request));
      const worker = startWorkerProcess(dir.configFile, files);
      let held: S3Request;
      try {
        await meanwhile();
        await waitFor(() => hold.held().length > 0, 120_000, 'a part of a multipart upload held by the server');
        held = hold.held()[0]!;
      } finally {
        worker.child.kill('SIGKILL');
        expect(await worker.exited).toBeNull();
        hold.release();
      }
      const killed = { key: held.key, uploadId: held.query.get('uploadId')! };
      expect(s3.multipartUploads().find((upload) => upload.uploadId === killed.uploadId)?.state).toBe('open');
      return killed;
    };
    const snapshotFile = (request: S3Request) => request.key.includes('!');
    const streamedFile = (request: S3Request) => /\+0\+[0-9a-f]{24}\.parquet$/.test(request.key);

    // 1. Killed twice while a snapshot file goes up, past the first chunk committed (before it, a
    // new snapshot, with new keys, is taken: that upload is the bucket lifecycle rule's to end).
    const killed = [await killDuringPart((request) => snapshotFile(request) && snapshotProgress(dir.dir) !== null)];
    killed.push(await killDuringPart(snapshotFile));

    // 2. Once the snapshot is committed whole (its rows fill its files exactly), changes in the
    // stream, then killed while a streamed file goes up.
    const tally: ChangeTally = { c: 0, u: 0, d: 0 };
    killed.push(
      await killDuringPart(streamedFile, async () => {
        await waitFor(() => committedOffsets(dir.dir).includes('lsn_commit'), 120_000, 'the snapshot uploaded and committed');
        for (const part of [0, 1]) tally.u += (await client.query(`UPDATE ${table} SET ${UPDATE} WHERE id % 4 = ${part}`)).rowCount ?? 0;
        await runChangeWorkload(client, table, { from: 100_000, rounds: 40, seed: 5, tally, insertValues: (id) => `${values(String(id))}, ${payload(String(id))}`, updateSet: UPDATE, maxStatements: 30 });
      }),
    );

    // 3. The last run, which also rotates on the clock so that the last change reaches the lake.
    files[0] = sinkFile(500);
    const worker = startWorkerProcess(dir.configFile, files);
    await writeAndWaitForSlot(client, slot, `INSERT INTO ${table} VALUES (-1, ${values('(-1)')}, ${payload('(-1)')})`, 120_000);
    tally.c++;
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const expected = await tableRows(client, table);
    const payloads = (await client.query<{ id: number; md5: string }>(`SELECT id, md5(payload) FROM ${table} ORDER BY id`)).rows.map((row) => `${row.id}:${row.md5}`);
    await client.end();

    // Each killed upload was aborted by the run after it, which wrote its key again; none is left open.
    expect(killed.map(({ uploadId }) => s3.multipartUploads().find((upload) => upload.uploadId === uploadId)?.state)).toEqual(['aborted', 'aborted', 'aborted']);
    expect(s3.multipartUploads().filter((upload) => upload.bucket === bucket && upload.state === 'open')).toEqual([]);
    expect(s3.multipartUploads().filter((upload) => upload.bucket === bucket && upload.state === 'completed').length).toBeGreaterThan(3);
    const lake = await downloadLake(s3.client, bucket);
    for (const { key } of killed) expect(lake.keys).toContain(key);
    for (const key of lake.keys) expect(key).toMatch(keyPattern(table, 'parquet'));
    const lakeRows = await PARQUET_LAKE.read(lake.dir, ', md5(payload) AS payload_md5');
    const snapshotIds = lakeRows.filter((row) => row.__snapshot).map((row) => row.id);
    expect(snapshotIds.length).toBeGreaterThan(MULTIPART_TABLE_ROWS / 2);
    expect(new Set(snapshotIds).size).toBe(snapshotIds.length);
    expectEachChangeOnce(lakeRows, tally);
    const rebuilt = rebuild(lakeRows);
    expect(rebuilt.map(({ payload_md5: _md5, ...row }) => row)).toEqual(expected);
    expect(rebuilt.map((row) => `${row['id']}:${row['payload_md5']}`)).toEqual(payloads);
  });

  it('holds each row of a partitioned table without a key, read through its root, exactly once after kill -9 during the snapshot', { timeout: 180_000 }, async () => {
    const table = 'ledger_root';
    const bucket = 'lake-ledger-root';
    const user = `${db.name}_ledger_reader`;
    await s3.createBucket(bucket);
    await db.sql(`CREATE TABLE ${table} (${COLUMNS.replace(' PRIMARY KEY', '')}) PARTITION BY RANGE (id)`);
    for (const [part, bounds] of [['low', 'MINVALUE) TO (1000'], ['mid', '1000) TO (2000'], ['high', '2000) TO (MAXVALUE']]) {
      await db.sql(`CREATE TABLE ${table}_${part} PARTITION OF ${table} FOR VALUES FROM (${bounds})`);
    }
    await db.sql(`INSERT INTO ${table} SELECT g, ${values('g')} FROM generate_series(1, ${CRASH_TABLE_ROWS}) g`);
    // A user who may read the root only: the snapshot reads the partitions through it.
    await db.sql(`CREATE ROLE "${user}" LOGIN REPLICATION PASSWORD 'pw'`);
    try {
      await db.sql(`GRANT SELECT ON ${table} TO "${user}"`);
      await db.sql(`CREATE PUBLICATION ${table}_pub FOR TABLE ${table} WITH (publish_via_partition_root = true)`);
      const dir = workerDir();
      const files = [
        dir.connectorFile('lake', sinkConfig(bucket, table, { 'flush.size': '40', 'rotate.schedule.interval.ms': '200' })),
        dir.connectorFile('source', postgresSourceConfig(urlAs(db.url, user, 'pw'), {
          'slot.name': `${db.name}_${table}`, 'table.include.list': `public.${table}`, 'publication.name': `${table}_pub`, 'publication.autocreate.mode': 'disabled',
          'heartbeat.interval.ms': '0', 'snapshot.fetch.size': '100',
        })),
      ];
      const worker = await killTwiceDuringSnapshot(startWorkerProcess(dir.configFile, files), dir, files);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const lake = await downloadLake(s3.client, bucket);
      for (const key of lake.keys) expect(key).toMatch(keyPattern(table, 'parquet'));
      const ids = (await PARQUET_LAKE.read(lake.dir)).map((row) => row.id).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: CRASH_TABLE_ROWS }, (_, i) => i + 1));
    } finally {
      await db.sql(`DROP PUBLICATION IF EXISTS ${table}_pub`);
      await db.sql(`DROP OWNED BY "${user}"`);
      await db.sql(`DROP ROLE "${user}"`);
    }
  });
});
