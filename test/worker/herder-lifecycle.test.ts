/**
 * The standalone herder's lifecycle against a real PostgreSQL: pause and resume lose nothing,
 * stopped connectors' offsets can be rewound, and a lost database connection restarts the task by
 * itself (RESTARTING, then RUNNING) with nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createRestApp } from '../../src/worker/rest/app.js';
import { LoggerRegistry } from '../../src/worker/rest/logger-registry.js';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { BadRequestError } from '../../src/worker/herder-errors.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { readEvents } from '../support/change-log.js';
import { fileSinkConfig, postgresSourceConfig, workerDir } from '../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('standalone herder lifecycle', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('lifecycle');
  });
  afterAll(() => db.drop());

  async function pipeline(table: string) {
    await db.sql(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
    await db.sql(`INSERT INTO ${table} SELECT g, 'row ' || g FROM generate_series(1, 10) g`);
    const dir = workerDir();
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }), {
      restart: { initialDelayMs: 200, maxDelayMs: 1000 },
    });
    const topic = `test.public.${table}`;
    await herder.start([
      { name: 'sink', config: fileSinkConfig(dir.eventsFile, { 'topics.regex': '', topics: topic }) },
      { name: 'source', config: postgresSourceConfig(db.url, { 'slot.name': `${db.name}_${table}`, 'table.include.list': `public.${table}`, 'heartbeat.interval.ms': '0' }) },
    ]);
    const ids = (op?: string) =>
      readEvents(dir.eventsFile)
        .filter((e) => e.topic === topic && e.value !== null && (op === undefined || e.value.op === op))
        .map((e) => (e.value!.after ?? e.value!.before)!.id as number);
    await waitFor(() => ids('r').length === 10, 30_000, 'the snapshot');
    return { herder, ids, dir };
  }

  it('pause stops delivery, resume delivers what was written meanwhile', async () => {
    const { herder, ids } = await pipeline('paused');
    try {
      await herder.pause('source');
      expect(herder.status('source')).toMatchObject({ connector: { state: 'PAUSED' }, tasks: [{ id: 0, state: 'PAUSED' }] });
      await db.sql(`INSERT INTO paused SELECT g, 'while paused' FROM generate_series(11, 20) g`);
      await sleep(1000);
      expect(ids('c')).toEqual([]);
      await herder.resume('source');
      await waitFor(() => ids('c').length === 10, 30_000, 'the changes made while paused');
      expect(ids('c')).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));
      expect(herder.status('source').tasks[0]!.state).toBe('RUNNING');
    } finally {
      await herder.shutdown();
    }
  });

  it('offsets change only while stopped; a reset delivers the table again', async () => {
    const { herder, ids } = await pipeline('rewound');
    try {
      await expect(herder.resetOffsets('source')).rejects.toThrow(BadRequestError);
      await herder.stop('source');
      expect(herder.status('source')).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
      const [stored] = await herder.offsets('source');
      expect(stored!.partition).toEqual({ server: 'test' });
      expect(stored!.offset).toMatchObject({ lsn_commit: expect.any(Number) });
      await herder.resetOffsets('source');
      expect(await herder.offsets('source')).toEqual([]);
      await herder.resume('source');
      await waitFor(() => ids('r').length === 20, 30_000, 'the table delivered again');
    } finally {
      await herder.shutdown();
    }
  });

  it('stop, then PATCH offsets over REST rewinds the source: a snapshot offset reads the table again', async () => {
    const { herder, ids } = await pipeline('patched');
    const app = createRestApp(herder, { loggers: new LoggerRegistry(pino({ level: 'silent' })), metrics: herder.metrics });
    try {
      expect((await app.inject({ method: 'PUT', url: '/connectors/source/stop' })).statusCode).toBe(204);
      const current = (await app.inject({ method: 'GET', url: '/connectors/source/offsets' })).json() as { offsets: Array<{ partition: object; offset: { lsn_commit: number } }> };
      const { partition, offset } = current.offsets[0]!;
      // An unfinished snapshot that has read nothing yet, handing over to the stream where it stands now.
      const rewound = { snapshot: 'true', lsn: offset.lsn_commit, 'sluice.snapshot.progress': JSON.stringify({ done: [], table: null, after: null, rows: 0 }) };
      const patched = await app.inject({ method: 'PATCH', url: '/connectors/source/offsets', payload: { offsets: [{ partition, offset: rewound }] } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toEqual({ message: 'The offsets for this connector have been altered successfully' });
      expect((await app.inject({ method: 'PUT', url: '/connectors/source/resume' })).statusCode).toBe(202);
      await waitFor(() => ids('r').length === 20, 30_000, 'the table read again');

      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/sluice_source_records_polled_total\{connector="source",task="0"\} [1-9]/);
      expect(metrics).toMatch(/sluice_snapshot_rows_done\{connector="source",table="public\.patched"\} 10/);
      expect(metrics).toMatch(/sluice_source_slot_lag_bytes\{connector="source"\} \d+/);
      expect(metrics).toMatch(/sluice_sink_records_put_total\{connector="sink",task="0"\} [1-9]/);
    } finally {
      await app.close();
      await herder.shutdown();
    }
  });

  it('keeps a permanent failure FAILED with its trace, without restarting it', async () => {
    const dir = workerDir();
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }), {
      restart: { initialDelayMs: 50, maxDelayMs: 100 },
    });
    try {
      await herder.start();
      const url = new URL(db.url);
      url.password = 'wrong';
      await herder.create('bad-password', postgresSourceConfig(url.toString(), { 'slot.name': `${db.name}_bad` }));
      const status = herder.status('bad-password');
      expect(status.tasks[0]).toMatchObject({ state: 'FAILED', trace: expect.stringMatching(/database\.password/) });
      await sleep(500);
      expect(herder.status('bad-password').tasks[0]!.state).toBe('FAILED');
      expect(JSON.stringify(herder.status('bad-password'))).not.toContain(':wrong@');
    } finally {
      await herder.shutdown();
    }
  });

  it('keeps configs and target states across a restart of the worker', async () => {
    const dir = workerDir();
    const open = async () => {
      const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }));
      await herder.start();
      return herder;
    };
    const first = await open();
    await first.create('paused-sink', { 'connector.class': 'NullSink', topics: 'a' });
    await first.create('stopped-sink', { 'connector.class': 'NullSink', topics: 'b' }, 'STOPPED');
    await first.pause('paused-sink');
    await first.shutdown();
    const second = await open();
    try {
      expect(second.connectors()).toEqual(['paused-sink', 'stopped-sink']);
      expect(second.status('paused-sink')).toMatchObject({ connector: { state: 'PAUSED' }, tasks: [{ state: 'PAUSED' }] });
      expect(second.status('stopped-sink')).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
      expect(second.config('paused-sink')).toEqual({ 'connector.class': 'NullSink', topics: 'a', name: 'paused-sink' });
    } finally {
      await second.shutdown();
    }
  });

  it('restarts a task whose database connection was killed, without a person, and loses nothing', async () => {
    const { herder, ids } = await pipeline('killed');
    try {
      await waitFor(async () => (await db.sql(`SELECT 1 FROM pg_stat_replication WHERE application_name = 'sluice'`)).length > 0, 30_000, 'the stream');
      const seen: string[] = [];
      const watching = setInterval(() => seen.push(herder.status('source').tasks[0]!.state), 20);
      await db.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'sluice'`);
      await db.sql(`INSERT INTO killed SELECT g, 'after the kill' FROM generate_series(11, 15) g`);
      await waitFor(() => ids('c').length === 5, 30_000, 'the changes made after the kill');
      clearInterval(watching);
      expect(seen).toContain('RESTARTING');
      expect(herder.status('source').tasks[0]!.state).toBe('RUNNING');
      expect(ids('c')).toEqual([11, 12, 13, 14, 15]);
    } finally {
      await herder.shutdown();
    }
  });
});
