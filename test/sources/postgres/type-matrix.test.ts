/**
 * One row of many types through both paths, against a real PostgreSQL: read by the snapshot and
 * streamed by pgoutput, the same values must give the same JSON text, which is Debezium's encoding
 * (the per-type mapping itself is unit-tested in src/sources/postgres/types/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/events.js';
import { toJson } from '../../../src/json.js';
import { envelope, isMarker, MARKER_PREFIX, startCapture } from '../../support/capture.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('type_matrix');
  await db.sql(`CREATE TYPE mood AS ENUM ('sad', 'happy')`);
  await db.sql(`CREATE DOMAIN posint AS int CHECK (VALUE > 0)`);
});
afterAll(() => db.drop());

const COLUMNS = `id int PRIMARY KEY, big bigint, amount numeric(7,2), ts timestamptz(6), d date, doc jsonb, u uuid, bin bytea, ints int[], feeling mood, pos posint`;
const VALUES = `9007199254740993, 5094.61, '2024-01-02 03:04:05.123456+02', '2024-01-02', '{"b": [1, 2], "a": "x"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0102ff', '{1,2,3}', 'happy', 7`;
const NULLS = `null, null, null, null, null, null, null, null, null, null`;

/** Debezium's JSON for the row, with `amount` as the decimal mode renders 5094.61. */
const expectedText = (id: number, amount: string) =>
  `{"id":${id},"big":9007199254740993,"amount":${amount},"ts":"2024-01-02T01:04:05.123456Z","d":19724,"doc":"{\\"a\\": \\"x\\", \\"b\\": [1, 2]}",` +
  `"u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","bin":"AQL/","ints":[1,2,3],"feeling":"happy","pos":7}`;
const nullText = (id: number) => `{"id":${id},"big":null,"amount":null,"ts":null,"d":null,"doc":null,"u":null,"bin":null,"ints":null,"feeling":null,"pos":null}`;

describe('a row of many types', () => {
  for (const [mode, amount] of [
    ['precise', '"B8YV"'],
    ['string', '"5094.61"'],
    ['double', '5094.61'],
  ] as const) {
    it(`has the same Debezium JSON through the snapshot and the stream (decimal.handling.mode=${mode})`, async () => {
      const table = `types_${mode}`;
      await db.sql(`CREATE TABLE ${table} (${COLUMNS})`);
      await db.sql(`INSERT INTO ${table} VALUES (1, ${VALUES}), (3, ${NULLS})`);
      const c = await startCapture(db.url, { 'slot.name': `types_${mode}`, 'table.include.list': `public.${table}`, 'decimal.handling.mode': mode });
      try {
        await db.sql(`INSERT INTO ${table} VALUES (2, ${VALUES}), (4, ${NULLS})`);
        await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
        const events = (await c.untilMarker('end')).filter((e) => !isMarker(e));
        const text = (e: ChangeEvent) => `${envelope(e).op} ${toJson(envelope(e).after)}`;
        expect(events.map(text)).toEqual([`r ${expectedText(1, amount)}`, `r ${nullText(3)}`, `c ${expectedText(2, amount)}`, `c ${nullText(4)}`]);
        // int64 beyond 2^53 stays exact in the event itself, not only in its JSON text.
        expect(envelope(events[0]!).after!.big).toBe(9007199254740993n);
        // Both paths describe the row with one schema.
        expect(events[2]!.valueSchema).toEqual(events[0]!.valueSchema);
      } finally {
        await c.stop();
      }
    });
  }
});
