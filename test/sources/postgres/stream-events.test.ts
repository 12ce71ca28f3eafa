/**
 * Streamed change events against a real PostgreSQL: inserts, updates, deletes and their
 * tombstones, primary-key changes, truncates, skipped operations, column and table filters, and a
 * column added while streaming. Each test starts its own task (own slot and tables) with an empty
 * snapshot, writes, and waits for a logical-message marker written last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/events.js';
import { envelope, isMarker, MARKER_PREFIX, startCapture, type Capture } from '../../support/capture.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { expectFromTransaction, expectTimes, runTransaction, shape, slotLsn, streamSource } from './expected-events.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('stream_events');
});
afterAll(() => db.drop());

/** Starts a capture of `tables` only, with a fresh slot named after the first table. */
async function capture(tables: string[], overrides: Record<string, string> = {}): Promise<Capture> {
  return startCapture(db.url, { 'slot.name': `stream_${tables[0]}`, 'table.include.list': tables.map((t) => `public.${t}`).join(','), ...overrides });
}

async function mark(c: Capture, content = 'end'): Promise<ChangeEvent[]> {
  await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', '${content}')`);
  return (await c.untilMarker(content)).filter((e) => !isMarker(e));
}

/** Op, key and row images only: for tests about which events appear rather than their envelopes. */
const brief = (e: ChangeEvent) => (e.value === null ? { tombstone: e.key } : { op: envelope(e).op, key: e.key, before: envelope(e).before, after: envelope(e).after });

describe('streamed change events', () => {
  it('emits c, u, d and a tombstone with exact envelopes, source blocks and offsets', async () => {
    await db.sql(`CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text)`);
    const c = await capture(['customers'], { 'topic.prefix': 'shop' });
    try {
      const start = await slotLsn(db, 'stream_customers');
      const first = await runTransaction(db, [`INSERT INTO customers VALUES (1, 'Alice', null)`, `UPDATE customers SET email = 'a@x.org' WHERE id = 1`]);
      const second = await runTransaction(db, [`DELETE FROM customers WHERE id = 1`]);
      const events = await mark(c);
      expect(events).toHaveLength(4);
      const [created, updated, deleted, tombstone] = events as [ChangeEvent, ChangeEvent, ChangeEvent, ChangeEvent];
      expectFromTransaction(created, first, 0);
      expectFromTransaction(updated, first, 1);
      expectFromTransaction(deleted, second, 0);

      // The first transaction follows the slot's start; the second follows the first's end.
      const firstEnd = transactionEnd(c, first.xid);
      expect(firstEnd).toBeLessThanOrEqual(first.after);
      const source = (txId: number, event: ChangeEvent, lastCommitLsn: number) =>
        streamSource({ prefix: 'shop', db: db.name, table: 'customers', txId, lsn: envelope(event).source.lsn!, lastCommitLsn });
      const topic = 'shop.public.customers';
      expect(events.map(shape)).toEqual([
        { topic, key: { id: 1 }, value: { before: null, after: { id: 1, name: 'Alice', email: null }, source: source(first.xid, created, start), transaction: null, op: 'c' }, headers: {} },
        {
          topic,
          key: { id: 1 },
          value: { before: { id: 1, name: null, email: null }, after: { id: 1, name: 'Alice', email: 'a@x.org' }, source: source(first.xid, updated, start), transaction: null, op: 'u' },
          headers: {},
        },
        { topic, key: { id: 1 }, value: { before: { id: 1, name: null, email: null }, after: null, source: source(second.xid, deleted, firstEnd), transaction: null, op: 'd' }, headers: {} },
        { topic, key: { id: 1 }, value: null, headers: {} },
      ]);
      for (const event of [created, updated, deleted]) expectTimes(envelope(event));
      expect(envelope(created).source.ts_us).toBe(envelope(updated).source.ts_us);
      expect(tombstone.keySchema).toEqual(deleted.keySchema);
      expect(tombstone.valueSchema).toBeNull();

      // Offsets: the events carry the position before their transaction; a record after each names its end.
      const recordOf = (event: ChangeEvent) => c.records.find((r) => r.event === event)!;
      expect(recordOf(created).offset).toEqual({ lsn: start, lsn_proc: start, lsn_commit: start, txId: first.xid, ts_usec: envelope(created).source.ts_us });
      expect(recordOf(deleted).offset).toMatchObject({ lsn_commit: firstEnd, txId: second.xid });
    } finally {
      await c.stop();
    }
  });

  it('emits no tombstone with tombstones.on.delete=false', async () => {
    await db.sql(`CREATE TABLE no_tombstones (id int PRIMARY KEY, v text)`);
    const c = await capture(['no_tombstones'], { 'tombstones.on.delete': 'false' });
    try {
      await db.sql(`INSERT INTO no_tombstones VALUES (1, 'a'); DELETE FROM no_tombstones WHERE id = 1`);
      expect((await mark(c)).map(brief)).toEqual([
        { op: 'c', key: { id: 1 }, before: null, after: { id: 1, v: 'a' } },
        { op: 'd', key: { id: 1 }, before: { id: 1, v: null }, after: null },
      ]);
    } finally {
      await c.stop();
    }
  });

  it('turns a primary-key change into a delete with __debezium.newkey, its tombstone, and a create with __debezium.oldkey', async () => {
    await db.sql(`CREATE TABLE rekeyed (id int PRIMARY KEY, v text)`);
    await db.sql(`INSERT INTO rekeyed VALUES (1, 'a')`);
    const c = await capture(['rekeyed']);
    try {
      const tx = await runTransaction(db, [`UPDATE rekeyed SET id = 2 WHERE id = 1`]);
      const events = (await mark(c)).filter((e) => e.value === null || envelope(e).op !== 'r');
      const topic = 'test.public.rekeyed';
      expect(events.map((e) => ({ ...brief(e), headers: e.headers, topic: e.topic }))).toEqual([
        { topic, op: 'd', key: { id: 1 }, before: { id: 1, v: null }, after: null, headers: { '__debezium.newkey': '{"id":2}' } },
        { topic, tombstone: { id: 1 }, headers: { '__debezium.newkey': '{"id":2}' } },
        { topic, op: 'c', key: { id: 2 }, before: null, after: { id: 2, v: 'a' }, headers: { '__debezium.oldkey': '{"id":1}' } },
      ]);
      expectFromTransaction(events[0]!, tx, 0);
      expectFromTransaction(events[2]!, tx, 0);
    } finally {
      await c.stop();
    }
  });

  it('skips truncates by default', async () => {
    await db.sql(`CREATE TABLE truncated_default (id int PRIMARY KEY)`);
    const c = await capture(['truncated_default']);
    try {
      await db.sql(`INSERT INTO truncated_default VALUES (1)`);
      await db.sql(`TRUNCATE truncated_default`);
      await db.sql(`INSERT INTO truncated_default VALUES (2)`);
      expect((await mark(c)).map(brief)).toEqual([
        { op: 'c', key: { id: 1 }, before: null, after: { id: 1 } },
        { op: 'c', key: { id: 2 }, before: null, after: { id: 2 } },
      ]);
    } finally {
      await c.stop();
    }
  });

  it('emits a truncate with skipped.operations=none: null key, no before or after', async () => {
    await db.sql(`CREATE TABLE truncated (id int PRIMARY KEY)`);
    await db.sql(`CREATE TABLE truncated_too (id int PRIMARY KEY)`);
    const c = await capture(['truncated', 'truncated_too'], { 'skipped.operations': 'none' });
    try {
      const start = await slotLsn(db, 'stream_truncated');
      const tx = await runTransaction(db, [`TRUNCATE truncated, truncated_too`]);
      const events = await mark(c);
      expect(events.map(shape)).toEqual(
        ['truncated', 'truncated_too'].map((table) => ({
          topic: `test.public.${table}`,
          key: null,
          value: { source: streamSource({ prefix: 'test', db: db.name, table, txId: tx.xid, lsn: envelope(events[0]!).source.lsn!, lastCommitLsn: start }), transaction: null, op: 't' },
          headers: {},
        })),
      );
      for (const event of events) {
        expect(event.keySchema).toBeNull();
        expect(envelope(event)).not.toHaveProperty('before');
        expect(envelope(event)).not.toHaveProperty('after');
        expectFromTransaction(event, tx, 0);
      }
    } finally {
      await c.stop();
    }
  });

  it('skips updates and deletes with skipped.operations=u,d', async () => {
    await db.sql(`CREATE TABLE skipping (id int PRIMARY KEY, v int)`);
    const c = await capture(['skipping'], { 'skipped.operations': 'u,d' });
    try {
      await db.sql(`INSERT INTO skipping VALUES (1, 1), (2, 2); UPDATE skipping SET v = 10; DELETE FROM skipping WHERE id = 1; INSERT INTO skipping VALUES (3, 3)`);
      expect((await mark(c)).map(brief)).toEqual([
        { op: 'c', key: { id: 1 }, before: null, after: { id: 1, v: 1 } },
        { op: 'c', key: { id: 2 }, before: null, after: { id: 2, v: 2 } },
        { op: 'c', key: { id: 3 }, before: null, after: { id: 3, v: 3 } },
      ]);
    } finally {
      await c.stop();
    }
  });

  it('drops the columns of column.exclude.list, but never a key column', async () => {
    await db.sql(`CREATE TABLE excluded (id int PRIMARY KEY, secret text, v int)`);
    const c = await capture(['excluded'], { 'column.exclude.list': 'public\\.excluded\\.(secret|id)' });
    try {
      await db.sql(`INSERT INTO excluded VALUES (1, 'hush', 5); UPDATE excluded SET v = 6`);
      const events = await mark(c);
      expect(events.map(brief)).toEqual([
        { op: 'c', key: { id: 1 }, before: null, after: { id: 1, v: 5 } },
        { op: 'u', key: { id: 1 }, before: { id: 1, v: null }, after: { id: 1, v: 6 } },
      ]);
      const fields = (events[0]!.valueSchema!.fields!.find((f) => f.field === 'after')!.fields ?? []).map((f) => f.field);
      expect(fields).toEqual(['id', 'v']);
    } finally {
      await c.stop();
    }
  });

  it('captures only the tables of table.include.list', async () => {
    await db.sql(`CREATE TABLE included (id int PRIMARY KEY)`);
    await db.sql(`CREATE TABLE not_included (id int PRIMARY KEY)`);
    const c = await capture(['included']);
    try {
      await db.sql(`INSERT INTO not_included VALUES (1); INSERT INTO included VALUES (2); INSERT INTO not_included VALUES (3)`);
      const events = await mark(c);
      expect(events.map((e) => [e.topic, e.key])).toEqual([['test.public.included', { id: 2 }]]);
    } finally {
      await c.stop();
    }
  });

  it('shows a column added while streaming in the events after it, and in their schema', async () => {
    await db.sql(`CREATE TABLE growing (id int PRIMARY KEY, v text)`);
    const c = await capture(['growing']);
    try {
      await db.sql(`INSERT INTO growing VALUES (1, 'a')`);
      await db.sql(`ALTER TABLE growing ADD COLUMN added int NOT NULL DEFAULT 7`);
      await db.sql(`INSERT INTO growing VALUES (2, 'b', 8); UPDATE growing SET v = 'c' WHERE id = 1`);
      const events = await mark(c);
      expect(events.map(brief)).toEqual([
        { op: 'c', key: { id: 1 }, before: null, after: { id: 1, v: 'a' } },
        { op: 'c', key: { id: 2 }, before: null, after: { id: 2, v: 'b', added: 8 } },
        { op: 'u', key: { id: 1 }, before: { id: 1, v: null, added: null }, after: { id: 1, v: 'c', added: 7 } },
      ]);
      const afterFields = (e: ChangeEvent) => e.valueSchema!.fields!.find((f) => f.field === 'after')!.fields!.map((f) => `${f.field}:${f.type}:${f.optional}`);
      expect(afterFields(events[0]!)).toEqual(['id:int32:false', 'v:string:true']);
      expect(afterFields(events[1]!)).toEqual(['id:int32:false', 'v:string:true', 'added:int32:false']);
    } finally {
      await c.stop();
    }
  });
});

/** The end LSN of a transaction, from the record that closes it. */
function transactionEnd(c: Capture, xid: number): number {
  const closing = c.records.filter((r) => r.offset.txId === xid && r.event === null);
  expect(closing).toHaveLength(1);
  return closing[0]!.offset.lsn_commit as number;
}

