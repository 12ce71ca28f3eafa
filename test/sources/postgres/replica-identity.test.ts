/**
 * The `before` image of updates and deletes per REPLICA IDENTITY, and unchanged TOASTed values,
 * against a real PostgreSQL (shared/reference/change-events.md: DEFAULT gives the key columns with
 * the others null, FULL the whole old row, USING INDEX the index's columns, NOTHING none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/events.js';
import { PLACEHOLDER } from '../../support/change-log.js';
import { envelope, isMarker, MARKER_PREFIX, startCapture, type Capture } from '../../support/capture.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('replica_identity');
});
afterAll(() => db.drop());

async function capture(table: string, overrides: Record<string, string> = {}): Promise<Capture> {
  return startCapture(db.url, { 'slot.name': `ri_${table}`, 'table.include.list': `public.${table}`, ...overrides });
}

async function mark(c: Capture): Promise<ChangeEvent[]> {
  await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
  return (await c.untilMarker('end')).filter((e) => !isMarker(e) && e.value !== null && envelope(e).op !== 'r');
}

const images = (e: ChangeEvent) => ({ op: envelope(e).op, key: e.key, before: envelope(e).before, after: envelope(e).after });

/** About 100 kB of incompressible text: stored out of line in the TOAST table. */
const BIG = `(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 3200))`;

describe('before images per REPLICA IDENTITY', () => {
  it('DEFAULT: the key columns, the others null', async () => {
    await db.sql(`CREATE TABLE ri_default (id int PRIMARY KEY, name text NOT NULL, qty int)`);
    await db.sql(`INSERT INTO ri_default VALUES (1, 'a', 1)`);
    const c = await capture('ri_default');
    try {
      await db.sql(`UPDATE ri_default SET qty = 2; DELETE FROM ri_default`);
      expect((await mark(c)).map(images)).toEqual([
        { op: 'u', key: { id: 1 }, before: { id: 1, name: null, qty: null }, after: { id: 1, name: 'a', qty: 2 } },
        { op: 'd', key: { id: 1 }, before: { id: 1, name: null, qty: null }, after: null },
      ]);
    } finally {
      await c.stop();
    }
  });

  it('FULL: the whole old row', async () => {
    await db.sql(`CREATE TABLE ri_full (id int PRIMARY KEY, name text NOT NULL, qty int)`);
    await db.sql(`ALTER TABLE ri_full REPLICA IDENTITY FULL`);
    await db.sql(`INSERT INTO ri_full VALUES (1, 'a', 1)`);
    const c = await capture('ri_full');
    try {
      await db.sql(`UPDATE ri_full SET qty = 2; DELETE FROM ri_full`);
      expect((await mark(c)).map(images)).toEqual([
        { op: 'u', key: { id: 1 }, before: { id: 1, name: 'a', qty: 1 }, after: { id: 1, name: 'a', qty: 2 } },
        { op: 'd', key: { id: 1 }, before: { id: 1, name: 'a', qty: 2 }, after: null },
      ]);
    } finally {
      await c.stop();
    }
  });

  it('USING INDEX on a table without a primary key: the index columns, which are also the key', async () => {
    await db.sql(`CREATE TABLE ri_index (code text NOT NULL, name text, qty int)`);
    await db.sql(`CREATE UNIQUE INDEX ri_index_code ON ri_index (code)`);
    await db.sql(`ALTER TABLE ri_index REPLICA IDENTITY USING INDEX ri_index_code`);
    await db.sql(`INSERT INTO ri_index VALUES ('k1', 'a', 1)`);
    const c = await capture('ri_index');
    try {
      await db.sql(`UPDATE ri_index SET qty = 2; DELETE FROM ri_index`);
      expect((await mark(c)).map(images)).toEqual([
        { op: 'u', key: { code: 'k1' }, before: { code: 'k1', name: null, qty: null }, after: { code: 'k1', name: 'a', qty: 2 } },
        { op: 'd', key: { code: 'k1' }, before: { code: 'k1', name: null, qty: null }, after: null },
      ]);
    } finally {
      await c.stop();
    }
  });

  it('USING INDEX beside a primary key: the index columns, and changing them is an update, not a key change', async () => {
    await db.sql(`CREATE TABLE ri_pk_index (id int PRIMARY KEY, code text NOT NULL, qty int)`);
    await db.sql(`CREATE UNIQUE INDEX ri_pk_index_code ON ri_pk_index (code)`);
    await db.sql(`ALTER TABLE ri_pk_index REPLICA IDENTITY USING INDEX ri_pk_index_code`);
    await db.sql(`INSERT INTO ri_pk_index VALUES (1, 'k1', 1)`);
    const c = await capture('ri_pk_index');
    try {
      await db.sql(`UPDATE ri_pk_index SET qty = 2; UPDATE ri_pk_index SET code = 'k2'`);
      const events = await mark(c);
      expect(events.map(images)).toEqual([
        { op: 'u', key: { id: 1 }, before: { id: null, code: 'k1', qty: null }, after: { id: 1, code: 'k1', qty: 2 } },
        { op: 'u', key: { id: 1 }, before: { id: null, code: 'k1', qty: null }, after: { id: 1, code: 'k2', qty: 2 } },
      ]);
      expect(events.map((e) => e.headers)).toEqual([{}, {}]);
      // Its deletes would carry only the index's columns: the start warns and names the fix.
      const warning = c.logs.find((l) => l.level === 40 && /REPLICA IDENTITY USING INDEX/.test(l.msg));
      expect(warning?.msg).toMatch(/leaves out primary-key column\(s\) id.*REPLICA IDENTITY DEFAULT/);
    } finally {
      await c.stop();
    }
  });

  it('NOTHING: inserts are captured with no before; PostgreSQL itself rejects updates and deletes', async () => {
    await db.sql(`CREATE TABLE ri_nothing (id int PRIMARY KEY, qty int)`);
    await db.sql(`ALTER TABLE ri_nothing REPLICA IDENTITY NOTHING`);
    const c = await capture('ri_nothing');
    try {
      await db.sql(`INSERT INTO ri_nothing VALUES (1, 1)`);
      await expect(db.sql(`UPDATE ri_nothing SET qty = 2`)).rejects.toMatchObject({ code: '55000', message: expect.stringMatching(/does not have a replica identity/) });
      await expect(db.sql(`DELETE FROM ri_nothing`)).rejects.toMatchObject({ code: '55000' });
      expect((await mark(c)).map(images)).toEqual([{ op: 'c', key: { id: 1 }, before: null, after: { id: 1, qty: 1 } }]);
    } finally {
      await c.stop();
    }
  });
});

describe('unchanged TOASTed values in updates', () => {
  async function toastedUpdate(table: string, identity: 'DEFAULT' | 'FULL', overrides: Record<string, string> = {}) {
    await db.sql(`CREATE TABLE ${table} (id int PRIMARY KEY, qty int, big text)`);
    await db.sql(`ALTER TABLE ${table} REPLICA IDENTITY ${identity}`);
    const c = await capture(table, overrides);
    try {
      await db.sql(`INSERT INTO ${table} VALUES (1, 1, ${BIG})`);
      await db.sql(`UPDATE ${table} SET qty = 2`);
      const [{ big, external }] = (await db.sql<{ big: string; external: boolean }>(
        `SELECT big, (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE oid = '${table}'::regclass) AS external FROM ${table}`,
      )) as [{ big: string; external: boolean }];
      expect(big.length).toBe(102_400);
      expect(external).toBe(true);
      const [inserted, updated] = (await mark(c)) as [ChangeEvent, ChangeEvent];
      expect(envelope(inserted).after).toEqual({ id: 1, qty: 1, big });
      return { big, updated: images(updated) };
    } finally {
      await c.stop();
    }
  }

  it('carry the placeholder __debezium_unavailable_value with REPLICA IDENTITY DEFAULT', async () => {
    const { updated } = await toastedUpdate('toast_default', 'DEFAULT');
    expect(updated).toEqual({ op: 'u', key: { id: 1 }, before: { id: 1, qty: null, big: null }, after: { id: 1, qty: 2, big: PLACEHOLDER } });
  });

  it('carry the real value with REPLICA IDENTITY FULL', async () => {
    const { big, updated } = await toastedUpdate('toast_full', 'FULL');
    expect(updated).toEqual({ op: 'u', key: { id: 1 }, before: { id: 1, qty: 1, big }, after: { id: 1, qty: 2, big } });
  });

  it('carry the placeholder set by unavailable.value.placeholder', async () => {
    const { updated } = await toastedUpdate('toast_custom', 'DEFAULT', { 'unavailable.value.placeholder': '<toasted>' });
    expect(updated.after).toEqual({ id: 1, qty: 2, big: '<toasted>' });
  });
});
