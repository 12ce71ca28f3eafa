import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';
import { PG_OID, loadTypes } from './type-catalog.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('type_catalog');
  await fixture.sql(`
    CREATE SCHEMA shop;
    CREATE TYPE shop.mood AS ENUM ('sad', 'happy');
    ALTER TYPE shop.mood ADD VALUE 'ok' BEFORE 'happy';
    CREATE DOMAIN money_amount AS numeric(10, 2);
    CREATE DOMAIN positive_amount AS money_amount NOT NULL CHECK (VALUE > 0);
    CREATE TYPE pair AS (a int, b text);`);
});

afterAll(async () => {
  await fixture.close();
});

async function oidOf(type: string): Promise<number> {
  const { rows } = await fixture.client.query<{ oid: string }>(`SELECT $1::regtype::oid AS oid`, [type]);
  return Number(rows[0]!.oid);
}

describe('loadTypes', () => {
  it('resolves built-in types, arrays to their element', async () => {
    const int4Array = await oidOf('int4[]');
    const types = await loadTypes(fixture.client, [PG_OID.int4, int4Array, PG_OID.numeric]);

    expect(types.get(PG_OID.int4)).toEqual({ oid: 23, schema: 'pg_catalog', name: 'int4', kind: 'base' });
    expect(types.get(int4Array)).toEqual({ oid: int4Array, schema: 'pg_catalog', name: '_int4', kind: 'array', element: types.get(PG_OID.int4) });
    expect(types.get(PG_OID.numeric)!.kind).toBe('base');
  });

  it('gives enums their labels in sort order, not creation order', async () => {
    const mood = await oidOf('shop.mood');
    const moodArray = await oidOf('shop.mood[]');
    const types = await loadTypes(fixture.client, [moodArray]);

    expect(types.get(mood)).toEqual({ oid: mood, schema: 'shop', name: 'mood', kind: 'enum', enumLabels: ['sad', 'ok', 'happy'] });
    expect(types.get(moodArray)!.element).toBe(types.get(mood));
  });

  it('resolves domains to their base types recursively, with the typmod each applies', async () => {
    const positive = await oidOf('positive_amount');
    const amount = await oidOf('money_amount');
    const types = await loadTypes(fixture.client, [positive]);

    const domain = types.get(positive)!;
    expect(domain).toMatchObject({ name: 'positive_amount', kind: 'domain', baseTypeMod: -1, notNull: true });
    expect(domain.base).toMatchObject({ oid: amount, name: 'money_amount', kind: 'domain', baseTypeMod: (10 << 16) + 2 + 4 });
    expect(domain.base!.notNull).toBeUndefined();
    expect(domain.base!.base).toMatchObject({ oid: PG_OID.numeric, name: 'numeric', kind: 'base' });
  });

  it('classifies composites, ranges and vector types, and keeps non-comma array delimiters', async () => {
    const pair = await oidOf('pair');
    const int4range = await oidOf('int4range');
    const int2vector = await oidOf('int2vector');
    const boxArray = await oidOf('box[]');
    const types = await loadTypes(fixture.client, [pair, int4range, int2vector, boxArray]);

    expect(types.get(pair)!.kind).toBe('composite');
    expect(types.get(int4range)!.kind).toBe('range');
    // int2vector has an element type but prints "1 2 3", not an array literal.
    expect(types.get(int2vector)!.kind).toBe('base');
    expect(types.get(boxArray)!.element).toMatchObject({ name: 'box', delimiter: ';' });
  });

  it('leaves out OIDs that do not exist', async () => {
    const types = await loadTypes(fixture.client, [PG_OID.text, 4_000_000_000]);
    expect([...types.keys()]).toEqual([PG_OID.text]);
  });
});
