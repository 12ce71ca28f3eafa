/**
 * Inputs the source captures despite a flaw, and failures while it streams: a table without any
 * key is captured with null keys and one warning naming REPLICA IDENTITY FULL; a replication
 * connection the server ends surfaces from poll() as one retriable error, and a restarted task
 * resumes from the committed offset with nothing lost; an initial_only snapshot is not taken twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, SourceRecord } from '../../../src/events.js';
import { isRetriable, RetriableError, SluiceError } from '../../../src/errors.js';
import { postgresSourceConfig } from '../../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { MemoryOffsets, startTask, WARN } from '../../support/source-task-harness.js';
import { waitFor } from '../../support/wait.js';

const changes = (records: SourceRecord[], op: string) =>
  records.filter((r) => (r.event?.value as Envelope | null)?.op === op).map((r) => r.event!);
const ids = (records: SourceRecord[], op: string) => changes(records, op).map((e) => (e.value as Envelope).after!.id as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Postgres source on flawed tables and broken streams', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('badstream');
  });
  afterAll(() => db.drop());

  const slotActive = async (slot: string) => (await db.sql(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [slot])).length === 1;

  it('ends the stream with one permanent error for a row it cannot encode, without crashing the worker', async () => {
    await db.sql(`CREATE TABLE prices (id int PRIMARY KEY, amount numeric(10,2))`);
    const running = await startTask(
      postgresSourceConfig(db.url, { 'slot.name': 'nan_slot', 'table.include.list': 'public.prices', 'snapshot.mode': 'no_data' }),
    );
    // A row first, so that the bad one meets a table already known (and not one still being looked up).
    await db.sql(`INSERT INTO prices VALUES (1, 1.5)`);
    await running.pollUntil((records) => changes(records, 'c').length === 1);
    await db.sql(`INSERT INTO prices VALUES (2, 'NaN')`);
    const failure = await running.pollUntil(() => false, 30_000).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SluiceError);
    expect((failure as SluiceError).code).toBe('DECIMAL_SPECIAL_VALUE');
    expect((failure as Error).message).toMatch(/decimal\.handling\.mode/);
    expect(isRetriable(failure)).toBe(false);
    await running.task.stop();
  });

  it('captures tables without primary key or replica identity index with null keys, warning once to set REPLICA IDENTITY FULL', async () => {
    await db.sql(`CREATE TABLE nokey (n int, note text)`);
    await db.sql(`INSERT INTO nokey SELECT g, 'row ' || g FROM generate_series(1, 3) g`);
    await db.sql(`CREATE TABLE nokey_full (n int)`);
    await db.sql(`ALTER TABLE nokey_full REPLICA IDENTITY FULL`);
    const running = await startTask(
      postgresSourceConfig(db.url, { 'table.include.list': 'public.nokey,public.nokey_full', 'slot.name': `${db.name}_nokey`, 'publication.name': 'nokey_pub' }),
    );
    try {
      await running.pollUntil((records) => changes(records, 'r').length === 3);
      const warnings = () => running.lines.filter((l) => l.level === WARN && l.table === 'public.nokey');
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]!.msg).toBe(
        'Table public.nokey has neither a primary key nor a REPLICA IDENTITY index: its events get a null key, and PostgreSQL rejects its UPDATE and DELETE statements once it is published. Add a primary key, or run ALTER TABLE public.nokey REPLICA IDENTITY FULL.',
      );

      // With REPLICA IDENTITY FULL already set, the warning only says the key is null.
      expect(running.lines.filter((l) => l.level === WARN && l.table === 'public.nokey_full').map((l) => l.msg)).toEqual([
        'Table public.nokey_full has no primary key: its events get a null key. Add a primary key to give them one.',
      ]);

      await db.sql(`INSERT INTO nokey VALUES (4, 'streamed')`);
      await running.pollUntil((records) => changes(records, 'c').length === 1);
      const events = [...changes(running.records, 'r'), ...changes(running.records, 'c')];
      expect(events.map((e) => (e.value as Envelope).after!.n)).toEqual([1, 2, 3, 4]);
      expect(events.map((e) => e.key)).toEqual([null, null, null, null]);
      // The stream's Relation message for the table does not repeat the warning.
      expect(warnings()).toHaveLength(1);
    } finally {
      await running.task.stop();
    }
  });

  it('snapshot.mode=initial_only snapshots once: a restart after the snapshot finds nothing to do', async () => {
    await db.sql(`CREATE TABLE once (id int PRIMARY KEY)`);
    await db.sql(`INSERT INTO once SELECT generate_series(1, 4)`);
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.once', 'snapshot.mode': 'initial_only', 'slot.name': `${db.name}_once`, 'publication.name': 'once_pub' });
    const offsets = new MemoryOffsets();
    const first = await startTask(config, { offsets });
    try {
      await first.pollUntil((records) => records.some((r) => r.offset.last_snapshot_record === true));
      expect(ids(first.records, 'r')).toEqual(range(1, 4));
      await first.commitAll();
    } finally {
      await first.task.stop();
    }
    const second = await startTask(config, { offsets });
    await second.task.stop();
    expect(second.lines.map((l) => l.msg)).toContain('snapshot.mode=initial_only and the snapshot is complete: nothing to do');
    expect(await db.sql(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1`, [config['slot.name']])).toEqual([]);
  });

  it('surfaces a replication connection the server ends as one retriable error, and a restart loses nothing', async () => {
    await db.sql(`CREATE TABLE items (id int PRIMARY KEY, note text)`);
    await db.sql(`INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 5) g`);
    const slot = `${db.name}_items`;
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.items', 'slot.name': slot, 'publication.name': 'items_pub' });
    const offsets = new MemoryOffsets();

    const first = await startTask(config, { offsets });
    await first.pollUntil((records) => records.some((r) => r.offset.last_snapshot_record === true));
    expect(ids(first.records, 'r')).toEqual(range(1, 5));
    await waitFor(() => slotActive(slot), 30_000, 'the stream to start');
    await db.sql(`INSERT INTO items SELECT g, 'committed ' || g FROM generate_series(6, 10) g`);
    await first.pollUntil((records) => ids(records, 'c').length === 5);
    await first.commitAll();

    await db.sql(`INSERT INTO items SELECT g, 'in flight ' || g FROM generate_series(11, 15) g`);
    await db.sql(`SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
    const error = await first.pollUntil(() => false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'PG_CONNECTION_LOST' });
    expect(isRetriable(error)).toBe(true);
    expect((error as Error).message).toBe(
      `The PostgreSQL connection at 127.0.0.1:${new URL(db.url).port} was lost: terminating connection due to administrator command. Sluice retries; nothing is lost.`,
    );
    await first.task.stop();

    await db.sql(`INSERT INTO items SELECT g, 'while down ' || g FROM generate_series(16, 20) g`);
    await waitFor(async () => !(await slotActive(slot)), 30_000, 'the slot to be released');
    const second = await startTask(config, { offsets });
    try {
      await second.pollUntil((records) => ids(records, 'c').length >= 10);
      // Resumed from the committed offset: no new snapshot, nothing committed comes again, nothing is missing.
      expect(changes(second.records, 'r')).toEqual([]);
      expect(ids(second.records, 'c')).toEqual(range(11, 20));
    } finally {
      await second.task.stop();
    }
  });
});
