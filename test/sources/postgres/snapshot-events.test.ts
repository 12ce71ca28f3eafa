/**
 * The initial snapshot's `r` events against a real PostgreSQL: exact shapes, Debezium's
 * `source.snapshot` markers across tables and chunks, and keyless tables read by heap pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, SourceInfo } from '../../../src/events.js';
import { CONNECTOR_VERSION } from '../../../src/sources/postgres/event-builder.js';
import { envelope, startCapture } from '../../support/capture.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { expectTimes, shape, slotLsn } from './expected-events.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('snapshot_events');
});
afterAll(() => db.drop());

const lastSnapshotEvent = (events: ChangeEvent[]) => events.some((e) => e.value !== null && envelope(e).source.snapshot === 'last');
const markers = (events: ChangeEvent[]) => events.map((e) => `${envelope(e).source.table}:${JSON.stringify(e.key)}:${envelope(e).source.snapshot}`);

async function currentXid(): Promise<number> {
  const [row] = await db.sql<{ xid: string }>(`SELECT txid_current()::text AS xid`);
  return Number(row!.xid);
}

describe('snapshot events', () => {
  it('reads two tables as r events with the first / first_in_data_collection / last_in_data_collection / last markers', async () => {
    await db.sql(`CREATE TABLE snap_a (id int PRIMARY KEY, name text NOT NULL, note text)`);
    await db.sql(`CREATE TABLE snap_b (code text PRIMARY KEY, qty int)`);
    await db.sql(`INSERT INTO snap_a VALUES (1, 'one', null), (2, 'two', 'x'), (3, 'three', null)`);
    await db.sql(`INSERT INTO snap_b VALUES ('p', 10), ('q', null), ('r', 30)`);
    const before = await currentXid();
    // Two rows per chunk: snap_a's rows span two chunks, so markers must not follow chunk boundaries.
    const capture = await startCapture(db.url, { 'slot.name': 'snap_two', 'topic.prefix': 'shop', 'table.include.list': 'public.snap_a,public.snap_b', 'snapshot.fetch.size': '2' });
    try {
      const lsn = await slotLsn(db, 'snap_two');
      const events = await capture.until(lastSnapshotEvent, 'the last snapshot event');
      const source = (table: string, snapshot: SourceInfo['snapshot']): SourceInfo => ({
        version: CONNECTOR_VERSION,
        connector: 'postgresql',
        name: 'shop',
        ts_ms: expect.any(Number) as unknown as number,
        snapshot,
        db: db.name,
        sequence: JSON.stringify([null, String(lsn)]),
        ts_us: expect.any(Number) as unknown as number,
        ts_ns: expect.any(Number) as unknown as number,
        schema: 'public',
        table,
        txId: expect.any(Number) as unknown as number,
        lsn,
        xmin: null,
      });
      const read = (table: string, key: Record<string, unknown>, after: Record<string, unknown>, snapshot: SourceInfo['snapshot']) => ({
        topic: `shop.public.${table}`,
        key,
        value: { before: null, after, source: source(table, snapshot), transaction: null, op: 'r' },
        headers: {},
      });
      expect(events.map(shape)).toEqual([
        read('snap_a', { id: 1 }, { id: 1, name: 'one', note: null }, 'first'),
        read('snap_a', { id: 2 }, { id: 2, name: 'two', note: 'x' }, 'true'),
        read('snap_a', { id: 3 }, { id: 3, name: 'three', note: null }, 'last_in_data_collection'),
        read('snap_b', { code: 'p' }, { code: 'p', qty: 10 }, 'first_in_data_collection'),
        read('snap_b', { code: 'q' }, { code: 'q', qty: null }, 'true'),
        read('snap_b', { code: 'r' }, { code: 'r', qty: 30 }, 'last'),
      ]);
      for (const event of events) {
        expectTimes(envelope(event));
        // A snapshot row is processed as its chunk is read.
        expect(envelope(event).ts_us).toBe(envelope(event).source.ts_us);
        expect(event.keySchema?.name).toBe(`${event.topic}.Key`);
        expect(event.valueSchema?.name).toBe(`${event.topic}.Envelope`);
      }
      // One snapshot transaction, begun after everything the test wrote.
      const txIds = new Set(events.map((e) => envelope(e).source.txId));
      expect(txIds.size).toBe(1);
      expect([...txIds][0]).toBeGreaterThan(before);

      // Then the hand-over record: once committed, a restart streams from the snapshot's position.
      await capture.until(() => capture.records.some((r) => r.offset.last_snapshot_record === true), 'the hand-over record');
      const handOver = capture.records.find((r) => r.offset.last_snapshot_record === true)!;
      expect(handOver.event).toBeNull();
      expect(handOver.offset).toEqual({ lsn, lsn_proc: lsn, lsn_commit: lsn, txId: null, ts_usec: null, last_snapshot_record: true });
      expect(capture.records.indexOf(handOver)).toBe(capture.records.length - 1);
    } finally {
      await capture.stop();
    }
  });

  it('marks single-row tables as Debezium does, and the very last row last even when the tables after it are empty', async () => {
    await db.sql(`CREATE TABLE mark_1 (id int PRIMARY KEY)`);
    await db.sql(`CREATE TABLE mark_2 (id int PRIMARY KEY)`);
    await db.sql(`CREATE TABLE mark_3 (id int PRIMARY KEY)`);
    await db.sql(`CREATE TABLE mark_4 (id int PRIMARY KEY)`);
    await db.sql(`INSERT INTO mark_1 VALUES (1); INSERT INTO mark_2 VALUES (2); INSERT INTO mark_3 VALUES (3), (4)`);
    const capture = await startCapture(db.url, { 'slot.name': 'snap_marks', 'table.include.list': 'public.mark_.*', 'snapshot.fetch.size': '1' });
    try {
      await capture.until(() => capture.records.some((r) => r.offset.last_snapshot_record === true), 'the hand-over record');
      expect(markers(capture.events())).toEqual([
        'mark_1:{"id":1}:first',
        'mark_2:{"id":2}:last_in_data_collection',
        'mark_3:{"id":3}:first_in_data_collection',
        'mark_3:{"id":4}:last',
      ]);
      // Every record's offset names a finished chunk: the progress never moves backwards.
      const progress = capture.records.map((r) => r.offset['sluice.snapshot.progress']).filter((p): p is string => typeof p === 'string');
      const done = progress.map((p) => (JSON.parse(p) as { done: string[] }).done.length);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done[done.length - 1]).toBe(4);
    } finally {
      await capture.stop();
    }
  });

  it('reads a table without a key by heap pages, with null keys, and warns about it', async () => {
    // fillfactor 10 leaves two rows per page, so the table spans several ctid chunks.
    await db.sql(`CREATE TABLE keyless (a int, b text) WITH (fillfactor = 10)`);
    await db.sql(`INSERT INTO keyless SELECT g, repeat(chr(96 + g), 300) FROM generate_series(1, 6) g`);
    await db.sql(`ANALYZE keyless`);
    const [{ pages }] = (await db.sql<{ pages: string }>(`SELECT (pg_relation_size('keyless') / current_setting('block_size')::int)::text AS pages`)) as [{ pages: string }];
    expect(Number(pages)).toBeGreaterThan(1);
    const capture = await startCapture(db.url, { 'slot.name': 'snap_keyless', 'table.include.list': 'public.keyless', 'snapshot.fetch.size': '2' });
    try {
      const events = await capture.until(lastSnapshotEvent, 'the last snapshot event');
      expect(events.map((e) => ({ key: e.key, keySchema: e.keySchema, after: envelope(e).after, snapshot: envelope(e).source.snapshot }))).toEqual(
        [1, 2, 3, 4, 5, 6].map((a) => ({
          key: null,
          keySchema: null,
          after: { a, b: String.fromCharCode(96 + a).repeat(300) },
          snapshot: a === 1 ? 'first' : a === 6 ? 'last' : 'true',
        })),
      );
      const chunks = capture.records.map((r) => r.offset['sluice.snapshot.progress']).filter((p): p is string => typeof p === 'string');
      expect(chunks.some((p) => (JSON.parse(p) as { after: { kind: string } | null }).after?.kind === 'page')).toBe(true);
      const warnings = capture.logs.filter((line) => line.level === 40 && line.table === 'public.keyless');
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]!.msg).toContain('neither a primary key nor a REPLICA IDENTITY index');
    } finally {
      await capture.stop();
    }
  });
});
