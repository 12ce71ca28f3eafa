import { afterAll, beforeAll, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { startCapture } from '../../support/capture.js';
import { toJson } from '../../../src/json.js';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('scratch'); });
afterAll(() => db.drop());

it('dumps', async () => {
  await db.sql(`CREATE TABLE f (id int PRIMARY KEY, name text, big text) `);
  await db.sql(`ALTER TABLE f REPLICA IDENTITY FULL`);
  await db.sql(`CREATE TABLE ix (code text NOT NULL, name text, other int)`);
  await db.sql(`CREATE UNIQUE INDEX ix_code ON ix (code)`);
  await db.sql(`ALTER TABLE ix REPLICA IDENTITY USING INDEX ix_code`);
  await db.sql(`CREATE TABLE pkix (id int PRIMARY KEY, code text NOT NULL, name text)`);
  await db.sql(`CREATE UNIQUE INDEX pkix_code ON pkix (code)`);
  await db.sql(`ALTER TABLE pkix REPLICA IDENTITY USING INDEX pkix_code`);
  await db.sql(`CREATE TABLE nk (a int, b text)`);
  await db.sql(`INSERT INTO nk VALUES (1, 'x'), (2, 'y')`);
  const cap = await startCapture(db.url, { 'slot.name': 'scratch2', 'table.include.list': 'public.f,public.ix,public.pkix,public.nk', 'skipped.operations': 'none' });
  await db.sql(`INSERT INTO f SELECT 1, 'a', string_agg(md5(random()::text), '') FROM generate_series(1, 3200)`);
  await db.sql(`UPDATE f SET name = 'b' WHERE id = 1`);
  await db.sql(`DELETE FROM f WHERE id = 1`);
  await db.sql(`INSERT INTO ix VALUES ('k1', 'n', 1)`);
  await db.sql(`UPDATE ix SET name = 'm'`);
  await db.sql(`UPDATE ix SET code = 'k2'`);
  await db.sql(`DELETE FROM ix`);
  await db.sql(`INSERT INTO pkix VALUES (1, 'c1', 'n')`);
  await db.sql(`UPDATE pkix SET name = 'm'`);
  await db.sql(`UPDATE pkix SET code = 'c2'`);
  await db.sql(`DELETE FROM pkix`);
  await db.sql(`TRUNCATE nk`);
  await db.sql(`SELECT pg_logical_emit_message(true, 'marker', 'end')`);
  await cap.untilMarker('end');
  console.log(cap.records.filter((r) => r.event).map((r) => toJson({ topic: r.event!.topic, key: r.event!.key, keySchema: r.event!.keySchema?.name, value: r.event!.value && { ...r.event!.value, source: undefined }, headers: r.event!.headers }).replace(/[0-9a-f]{200,}/g, (m) => `<${m.length}>`)).join('\n'));
  console.log(cap.logs.map((l) => l.msg).join('\n'));
  await cap.stop();
});
