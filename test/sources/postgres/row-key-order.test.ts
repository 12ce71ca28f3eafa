/**
 * The snapshot's sortable row keys (row-key-order.ts) against a real PostgreSQL: for random and
 * extreme keys of every encoded type, single and composite, the strings sort exactly as the server
 * orders the rows (`ORDER BY` the key, as the snapshot reads them); other key types are not encoded.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowKeyOrder } from '../../../src/sources/postgres/snapshot/row-key-order.js';
import { PG_OID } from '../../../src/sources/postgres/types/type-catalog.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('row_key_order');
});
afterAll(() => db.drop());

const column = (name: string, typeOid: number) => ({ name, typeOid, typeMod: -1, notNull: true });
const INT8 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

describe('rowKeyOrder', () => {
  it('sorts random and extreme keys of smallint, bigint, uuid, integer and oid as the server orders them', async () => {
    await db.sql(`CREATE TABLE keyed (a smallint, b bigint, c uuid, d int, e oid, PRIMARY KEY (a, b, c, d, e))`);
    const rows = fc.sample(
      fc.tuple(
        fc.oneof(fc.integer({ min: -32768, max: 32767 }), fc.constantFrom(-32768, 32767, 0, -1, 1)),
        fc.oneof(fc.bigInt(INT8), fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(INT8.min, INT8.max, 0n, -1n, -10n, 9n, 10n)),
        fc.oneof(fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff')),
        fc.integer({ min: -2147483648, max: 2147483647 }),
        fc.integer({ min: 0, max: 4294967295 }),
      ),
      { numRuns: 2000, seed: 42 },
    );
    const values = rows.map(([a, b, c, d, e]) => `(${a}, ${b}, '${c}', ${d}, ${e})`).join(', ');
    await db.sql(`INSERT INTO keyed VALUES ${values} ON CONFLICT DO NOTHING`);
    const text = (order: string) => db.sql<Record<string, string>>(`SELECT a::text, b::text, c::text, d::text, e::text FROM keyed ORDER BY ${order}`);
    const columns = [column('a', PG_OID.int2), column('b', PG_OID.int8), column('c', PG_OID.uuid), column('d', PG_OID.int4), column('e', PG_OID.oid)];

    for (const keyColumns of [['b'], ['a'], ['c'], ['d'], ['e'], ['a', 'b', 'c'], ['c', 'd'], ['e', 'a', 'b']]) {
      const encode = rowKeyOrder({ columns, keyColumns })!;
      const ordered = await text(keyColumns.map((k) => `keyed.${k}`).join(', ') + ', keyed.a, keyed.b, keyed.c, keyed.d, keyed.e');
      const keys = ordered.map((row) => encode(columns.map((c) => row[c.name]!)));
      // Non-decreasing in the server's order (equal where the key columns are equal), and strictly
      // increasing between rows whose key columns differ.
      for (let i = 1; i < keys.length; i++) {
        const same = keyColumns.every((k) => ordered[i]![k] === ordered[i - 1]![k]);
        if (same) expect(keys[i]).toBe(keys[i - 1]);
        else expect(keys[i]! > keys[i - 1]!, `${keyColumns.join(',')}: ${keys[i - 1]} before ${keys[i]}`).toBe(true);
      }
    }
  });

  it('encodes nothing for a table without a key or with a key of another type', () => {
    const columns = [column('id', PG_OID.int8), column('code', PG_OID.text), column('at', PG_OID.timestamptz)];
    expect(rowKeyOrder({ columns, keyColumns: [] })).toBeNull();
    expect(rowKeyOrder({ columns, keyColumns: ['code'] })).toBeNull();
    expect(rowKeyOrder({ columns, keyColumns: ['id', 'at'] })).toBeNull();
    expect(rowKeyOrder({ columns, keyColumns: ['id'] })!(['42', 'x', 'y'])).toBe('p0242');
  });
});
