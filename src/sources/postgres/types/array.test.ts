import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('array');
  await fixture.sql(`
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN amount AS numeric(10, 2);`);
});

afterAll(async () => {
  await fixture.close();
});

describe('array literals', () => {
  it('become JSON arrays of converted elements, with NULLs, quoting, bounds and nesting', async () => {
    const read = await fixture.read({ numbers: 'int4[]', words: 'text[]' }, [
      ["'{1,NULL,3}'", `ARRAY['a b', NULL, 'NULL', 'q"x\\y', '', '{}', 'é,ü']`],
      ["'{{1,2},{3,4}}'", "'{}'"],
      ["'[0:1]={7,8}'", "ARRAY[NULL]::text[]"],
    ]);
    expect(read.words!.texts[0]).toBe('{"a b",NULL,"NULL","q\\"x\\\\y","","{}","é,ü"}');
    expect(read.numbers!.values()).toEqual([[1, null, 3], [[1, 2], [3, 4]], [7, 8]]);
    expect(read.words!.values()).toEqual([['a b', null, 'NULL', 'q"x\\y', '', '{}', 'é,ü'], [], [null]]);
    expect(read.numbers!.field).toMatchObject({ type: 'array', items: { type: 'int32', optional: true }, optional: true });
  });
});

describe('array element types', () => {
  it('map like the element type, sized by the array column', async () => {
    const read = await fixture.read(
      { fixed: 'numeric(5,1)[]', variable: 'numeric[]', big: 'int8[]', doubles: 'float8[]', stamps: 'timestamptz[]', blobs: 'bytea[]', ids: 'uuid[]' },
      [
        [
          "'{1.5,NULL,-0.1}'",
          "'{1.10,100}'",
          "'{9223372036854775807,1}'",
          "'{1.5,NaN,-Infinity}'",
          "'{\"2020-04-01 11:51:02+00\"}'",
          "ARRAY['\\x000102'::bytea, '\\x030405'::bytea]",
          "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'",
        ],
      ],
    );
    expect(read.fixed!.values()).toEqual([['Dw==', null, '/w==']]); // 15, -1
    expect(read.fixed!.field.items).toEqual({
      type: 'bytes',
      optional: true,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '1', 'connect.decimal.precision': '5' },
    });
    expect(read.variable!.values()).toEqual([[{ scale: 1, value: 'Cw==' }, { scale: 0, value: 'ZA==' }]]);
    expect(read.variable!.field.items).toMatchObject({ type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', optional: true });
    expect(read.big!.values()).toEqual([[9223372036854775807n, 1]]);
    expect(read.doubles!.values()).toEqual([[1.5, 'NaN', '-Infinity']]);
    expect(read.stamps!.values()).toEqual([['2020-04-01T11:51:02.000000Z']]);
    expect(read.blobs!.values()).toEqual([['AAEC', 'AwQF']]);
    expect(read.blobs!.field.items).toEqual({ type: 'bytes', optional: true });
    expect(read.ids!.field.items).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Uuid', version: 1 });
  });

  it('of enums have required Enum items, as Debezium declares them', async () => {
    const read = await fixture.read({ moods: 'mood[]' }, [["'{happy,sad}'"]]);
    expect(read.moods!.values()).toEqual([['happy', 'sad']]);
    expect(read.moods!.field.items).toEqual({ type: 'string', optional: false, name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: 'sad,ok,happy' } });
  });

  it('of domains map like the domain, sized by its own typmod', async () => {
    const read = await fixture.read({ amounts: 'amount[]' }, [["'{5094.61,NULL}'"]]);
    expect(read.amounts!.values()).toEqual([['B8YV', null]]);
    expect(read.amounts!.field.items).toMatchObject({ name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } });
  });

  it('whose elements use another delimiter than the comma stay text', async () => {
    const read = await fixture.read({ boxes: 'box[]' }, [["'{\"(1,1),(0,0)\";\"(2,2),(1,1)\"}'"]]);
    expect(read.boxes!.values()).toEqual(['{(1,1),(0,0);(2,2),(1,1)}']);
    expect(read.boxes!.field.type).toBe('string');
  });
});
