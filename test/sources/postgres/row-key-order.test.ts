/**
 * The snapshot's sortable row keys (row-key-order.ts) against a real PostgreSQL: for random and
 * extreme keys of every encoded type, single and composite, the strings sort exactly as the server
 * orders the rows (`ORDER BY` the key as keyOrder spells it, as the snapshot reads them), and the
 * ctids of a table without a key as the server orders them, enum and domain keys as their labels'
 * bytes and as their base types; text keys in their collation, other
 * key types and partitioned tables without a key are not encoded.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOrder, type TextKeyOrder } from '../../../src/sources/postgres/snapshot/row-key-order.js';
import type { CatalogColumn } from '../../../src/sources/postgres/catalog.js';
import { loadTypes, PG_OID, type PgType } from '../../../src/sources/postgres/types/type-catalog.js';
import { createTestDatabase, withClient, type TestDatabase } from '../../support/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('row_key_order');
});
afterAll(() => db.drop());

/** Built-in types need no entry: keyOrder looks types up only to see through domains and find enums. */
const BUILT_IN: ReadonlyMap<number, PgType> = new Map();
const column = (name: string, typeOid: number) => ({ name, typeOid, typeMod: -1, notNull: true });
const INT8 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/**
 * Checks that `sortable` keys of the rows of `table`, read `ORDER BY` the key as `order` spells it,
 * never decrease, are equal where the key columns are, and increase strictly where they differ.
 */
async function expectServerOrder(table: string, columns: CatalogColumn[], keyColumns: string[], textKeyOrder: TextKeyOrder, types: ReadonlyMap<number, PgType> = BUILT_IN): Promise<void> {
  const order = keyOrder({ columns, keyColumns, partitioned: false, leaves: null }, textKeyOrder, types);
  const names = columns.map((c) => c.name);
  // The text values under other names: ORDER BY "b" would mean an output column "b", its text.
  const ordered = await db.sql<Record<string, string>>(
    `SELECT ${names.map((n) => `${n}::text AS text_${n}`).join(', ')} FROM ${table} ORDER BY ${[...order.columns, ...names].join(', ')}`,
  );
  const keys = ordered.map((row) => order.sortable!(names.map((n) => row[`text_${n}`]!)));
  for (let i = 1; i < keys.length; i++) {
    const same = keyColumns.every((k) => ordered[i]![`text_${k}`] === ordered[i - 1]![`text_${k}`]);
    if (same) expect(keys[i]).toBe(keys[i - 1]);
    else expect(keys[i]! > keys[i - 1]!, `${keyColumns.join(',')}: ${keys[i - 1]} before ${keys[i]}`).toBe(true);
  }
}

describe('keyOrder', () => {
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
    const columns = [column('a', PG_OID.int2), column('b', PG_OID.int8), column('c', PG_OID.uuid), column('d', PG_OID.int4), column('e', PG_OID.oid)];
    for (const keyColumns of [['b'], ['a'], ['c'], ['d'], ['e'], ['a', 'b', 'c'], ['c', 'd'], ['e', 'a', 'b']]) {
      await expectServerOrder('keyed', columns, keyColumns, 'collation');
    }
  });

  it('sorts numeric keys as the server orders them: any scale and size, negatives, zeros, infinities and NaN', async () => {
    // x alone is unique: equal numbers written with other scales (1.5, 1.50) are one value, kept once.
    await db.sql(`CREATE TABLE numbers (x numeric PRIMARY KEY, n int)`);
    const digits = fc.stringMatching(/^[0-9]{1,30}$/);
    const decimal = fc.tuple(fc.boolean(), digits, fc.option(digits)).map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`);
    const values = [
      ...fc.sample(fc.oneof(decimal, fc.integer().map(String), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => d.toFixed(12))), { numRuns: 1500, seed: 11 }),
      '0', '-0', '0.000', '1', '-1', '10', '0.1', '0.01', '-0.01', '-0.012', '-0.0123', '0.0123', '1.5', '1.50', '15', '150', '99999999999999999999999999.99', 'NaN', 'Infinity', '-Infinity',
    ];
    await db.sql(`INSERT INTO numbers SELECT v::numeric, i % 2 FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ON CONFLICT DO NOTHING`, [values]);
    const columns = [column('x', PG_OID.numeric), column('n', PG_OID.int4)];
    for (const keyColumns of [['x'], ['x', 'n'], ['n', 'x']]) await expectServerOrder('numbers', columns, keyColumns, 'bytes');
  });

  it('sorts dates, timestamps and timestamptz keys as the server orders them, BC, far future and infinities included', async () => {
    await db.sql(`CREATE TABLE temporal (d date, ts timestamp, tz timestamptz, n int, PRIMARY KEY (d, ts, tz, n))`);
    await db.sql(`INSERT INTO temporal
      SELECT DATE '2000-01-01' + ((g * 7919) % 3000001 - 1500000),
             TIMESTAMP '2000-01-01' + ((g * 7919) % 2000003 - 1000001) * interval '1 hour 17 minutes 3.123457 seconds',
             TIMESTAMPTZ '2000-01-01 00:00:00+00' + ((g * 104729) % 2000003 - 1000001) * interval '3 hours 1.000001 seconds',
             g % 3
        FROM generate_series(1, 2000) g`);
    await db.sql(`INSERT INTO temporal VALUES
      ('-infinity', '-infinity', '-infinity', 0), ('infinity', 'infinity', 'infinity', 0),
      ('4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', 0), ('0001-12-31 BC', '0001-12-31 23:59:59.999999 BC', '0001-12-31 23:59:59.999999+00 BC', 0),
      ('0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', 0), ('9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', 0),
      ('10000-01-01', '10000-01-01 00:00:00.000001', '10000-01-01 00:00:00.000001+00', 0), ('5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', 0),
      ('1970-01-01', '1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999+00', 0), ('1970-01-02', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', 0)`);
    // Many on one day, from its first seconds to its last: microseconds of the day of every width.
    await db.sql(`INSERT INTO temporal
      SELECT DATE '2026-11-22' + g % 5, TIMESTAMP '2026-11-22' + g * interval '37 seconds 1 microsecond',
             TIMESTAMPTZ '2026-11-22 00:00:00+00' + g * interval '41 seconds 3 microseconds', 10 + g % 3
        FROM generate_series(1, 2500) g`);
    const columns = [column('d', PG_OID.date), column('ts', PG_OID.timestamp), column('tz', PG_OID.timestamptz), column('n', PG_OID.int4)];
    for (const keyColumns of [['d'], ['ts'], ['tz'], ['d', 'ts', 'tz', 'n'], ['tz', 'n']]) {
      await expectServerOrder('temporal', columns, keyColumns, 'bytes');
    }
  });

  it('sorts random text and varchar keys as the server orders their bytes, alone and beside other columns', async () => {
    await db.sql(`CREATE TABLE texts (s text, v varchar(40), n int, PRIMARY KEY (s, v, n))`);
    // Any code point but NUL (which text cannot hold), with the edges where UTF-16 order and byte
    // order part ways (U+FFFF against U+10000), prefixes of one another, and the empty string.
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replaceAll('\0', '')),
      fc.constantFrom('', 'a', 'ab', 'abc', 'a-b', 'A', 'é', 'e\u0301', '\uffff', '\u{10000}', '\u{10ffff}', 'Z', '~', ' '),
    );
    const rows = fc.sample(fc.tuple(text, text.map((s) => [...s].slice(0, 40).join('')), fc.integer({ min: -3, max: 3 })), { numRuns: 2000, seed: 7 });
    await db.sql(
      `INSERT INTO texts SELECT * FROM unnest($1::text[], $2::varchar[], $3::int[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
    const columns = [column('s', PG_OID.text), column('v', PG_OID.varchar), column('n', PG_OID.int4)];
    for (const keyColumns of [['s'], ['v'], ['s', 'v', 'n'], ['n', 's'], ['v', 'n']]) {
      await expectServerOrder('texts', columns, keyColumns, 'bytes');
    }
  });

  it('sorts enum keys by their labels\' bytes and domain keys as their base types, as the server orders them', async () => {
    // Labels added before others, so that the enum's own order is not its labels' order.
    await db.sql(`CREATE TYPE mood AS ENUM ('ok', 'sad'); ALTER TYPE mood ADD VALUE 'zen' BEFORE 'ok'; ALTER TYPE mood ADD VALUE 'Étoile' BEFORE 'sad'`);
    await db.sql(`CREATE DOMAIN code AS varchar(20); CREATE DOMAIN short_code AS code; CREATE DOMAIN amount AS bigint; CREATE DOMAIN moody AS mood`);
    await db.sql(`CREATE TABLE domains (m mood, c short_code, a amount, d moody, PRIMARY KEY (m, c, a, d))`);
    await db.sql(`INSERT INTO domains
      SELECT (enum_range(NULL::mood))[1 + g % 4], (ARRAY['b', 'a', 'ab', 'é', 'Z', ''])[1 + g % 6], (g * 7919) % 2001 - 1000, (enum_range(NULL::mood))[1 + g % 3]
        FROM generate_series(1, 3000) g ON CONFLICT DO NOTHING`);
    const [{ oids }] = await db.sql<{ oids: number[] }>(`SELECT array_agg(atttypid::int ORDER BY attnum) AS oids FROM pg_attribute WHERE attrelid = 'domains'::regclass AND attnum > 0`);
    const types = await withClient(db.url, (client) => loadTypes(client, oids));
    const columns = ['m', 'c', 'a', 'd'].map((name, i) => column(name, oids[i]!));
    expect(keyOrder({ columns, keyColumns: ['m', 'c', 'a'], partitioned: false, leaves: null }, 'bytes', types).columns).toEqual(['"m"::text COLLATE "C"', '"c" COLLATE "C"', '"a"']);
    for (const keyColumns of [['m'], ['c'], ['a'], ['d'], ['m', 'c', 'a', 'd'], ['a', 'm']]) await expectServerOrder('domains', columns, keyColumns, 'bytes', types);
    // In their collation, text and enums stay unencoded; a domain over bigint is encoded anyway.
    expect(keyOrder({ columns, keyColumns: ['m'], partitioned: false, leaves: null }, 'collation', types)).toEqual({ columns: ['"m"'], sortable: null });
    expect(keyOrder({ columns, keyColumns: ['a'], partitioned: false, leaves: null }, 'collation', types).sortable!(['ok', 'x', '-3', 'ok'])).toBe('n98' + '6');
  });

  it('sorts the rows of a table without a key by their ctid, as the server orders them', async () => {
    await db.sql(`CREATE TABLE keyless (n int, pad text)`);
    await db.sql(`INSERT INTO keyless SELECT g, repeat('x', g % 600) FROM generate_series(1, 20000) g`);
    // Gaps and rows moved to later pages.
    await db.sql(`DELETE FROM keyless WHERE n % 7 = 0`);
    await db.sql(`UPDATE keyless SET pad = pad || 'y' WHERE n % 11 = 0`);
    const columns = [column('n', PG_OID.int4), column('pad', PG_OID.text)];
    const order = keyOrder({ columns, keyColumns: [], partitioned: false, leaves: null }, 'bytes', BUILT_IN);
    expect(order.columns).toEqual([]);
    const rows = await db.sql<{ n: string; pad: string; ctid: string }>(`SELECT n::text, pad, ctid::text FROM keyless ORDER BY keyless.ctid`);
    expect(Number(/\((\d+),/.exec(rows.at(-1)!.ctid)![1])).toBeGreaterThan(150);
    const keys = rows.map((row) => order.sortable!([row.n, row.pad, row.ctid]));
    for (let i = 1; i < keys.length; i++) expect(keys[i]! > keys[i - 1]!, `${rows[i - 1]!.ctid} before ${rows[i]!.ctid}`).toBe(true);
  });

  it('encodes a place for a table without a key, and nothing for text keys in their collation, or a key of another type', () => {
    const columns = [column('id', PG_OID.int8), column('code', PG_OID.text), column('at', PG_OID.interval)];
    // Read through the root: the partition's index in the scan's order first, then the place in it; no place, no key.
    const throughRoot = keyOrder({ partitioned: true, leaves: null, columns, keyColumns: [] }, 'bytes', BUILT_IN).sortable!;
    expect(throughRoot(['1', 'a', 'b', '(12,3)', '16384', '10'])).toBe('p0210p0212p013');
    expect(throughRoot(['1', 'a', 'b', '(12,3)', '16384', '9'])! < throughRoot(['1', 'a', 'b', '(1,1)', '16385', '10'])!).toBe(true);
    expect(throughRoot(['1', 'a', 'b', '(12,3)', '16384', null])).toBeNull();
    // Read partition by partition: the partition's name first, then the place in it.
    const leaves = [{ schema: 'public', name: 'logs_1' }];
    expect(keyOrder({ partitioned: true, leaves, columns, keyColumns: [] }, 'bytes', BUILT_IN).sortable!(['1', 'a', 'b', '(12,3)', 'public.logs_1'])).toBe(
      `${Buffer.from('public.logs_1').toString('hex')}-p0212p013`,
    );
    expect(keyOrder({ partitioned: false, leaves: null, columns, keyColumns: [] }, 'bytes', BUILT_IN).sortable!(['1', 'a', 'b', '(12,3)'])).toBe('p0212p013');
    expect(keyOrder({ partitioned: false, leaves: null, columns, keyColumns: ['code'] }, 'collation', BUILT_IN)).toEqual({ columns: ['"code"'], sortable: null });
    expect(keyOrder({ partitioned: false, leaves: null, columns, keyColumns: ['id', 'at'] }, 'bytes', BUILT_IN)).toEqual({ columns: ['"id"', '"at"'], sortable: null });
    expect(keyOrder({ partitioned: false, leaves: null, columns, keyColumns: ['id'] }, 'bytes', BUILT_IN).sortable!(['42', 'x', 'y'])).toBe('p0242');
    expect(keyOrder({ partitioned: false, leaves: null, columns, keyColumns: ['code', 'id'] }, 'bytes', BUILT_IN)).toMatchObject({ columns: ['"code" COLLATE "C"', '"id"'] });
    expect(keyOrder({ partitioned: false, leaves: null, columns, keyColumns: ['code'] }, 'bytes', BUILT_IN).sortable!(['1', 'é', 'y'])).toBe('c3a9-');
  });
});
