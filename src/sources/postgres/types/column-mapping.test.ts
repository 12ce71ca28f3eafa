import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../../json.js';
import { DEFAULT_TYPE_MAPPING } from './column-mapping.js';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('column_mapping');
  await fixture.sql(`
    CREATE EXTENSION citext;
    CREATE TYPE test_type AS ENUM ('V1', 'V2');
    CREATE TYPE pair AS (a int, b text);
    CREATE DOMAIN varbit2 AS varbit(3);
    CREATE DOMAIN money2 AS money;
    CREATE DOMAIN float83 AS numeric(8, 3);`);
});

afterAll(async () => {
  await fixture.close();
});

const source = (type: string, length: number | string, scale: number, name: string) => ({
  '__debezium.source.column.type': type,
  '__debezium.source.column.length': String(length),
  '__debezium.source.column.scale': String(scale),
  '__debezium.source.column.name': name,
});

describe('DEFAULT_TYPE_MAPPING', () => {
  it('holds Debezium’s defaults', () => {
    expect(DEFAULT_TYPE_MAPPING).toEqual({
      decimalHandlingMode: 'precise',
      timePrecisionMode: 'adaptive',
      binaryHandlingMode: 'bytes',
      intervalHandlingMode: 'numeric',
      moneyFractionDigits: 2,
    });
  });
});

describe('mapColumn fields', () => {
  it('carry the schema and the propagated source metadata, keys in JsonConverter order', async () => {
    const read = await fixture.read({ price: 'numeric(7,2) NOT NULL', vc: 'varchar(2)', list: 'int4[]' }, []);
    expect(JSON.stringify(read.price!.field)).toBe(
      JSON.stringify({
        type: 'bytes',
        optional: false,
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: '2', 'connect.decimal.precision': '7', ...source('NUMERIC', 7, 2, 'price') },
        field: 'price',
      }),
    );
    expect(JSON.stringify(read.vc!.field)).toBe(JSON.stringify({ type: 'string', optional: true, parameters: source('VARCHAR', 2, 0, 'vc'), field: 'vc' }));
    expect(JSON.stringify(read.list!.field)).toBe(
      JSON.stringify({ type: 'array', items: { type: 'int32', optional: true }, optional: true, parameters: source('_INT4', 10, 0, 'list'), field: 'list' }),
    );
  });

  it('map enums to io.debezium.data.Enum with the allowed labels, named after their type', async () => {
    const read = await fixture.read({ value: 'test_type', values: 'test_type[]' }, [["'V1'", "'{V1,V2}'"]]);
    expect(read.value!.values()).toEqual(['V1']);
    expect(read.value!.field).toEqual({
      type: 'string',
      optional: true,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: 'V1,V2', ...source('TEST_TYPE', 2147483647, 0, 'value') },
      field: 'value',
    });
    expect(read.values!.values()).toEqual([['V1', 'V2']]);
    expect(read.values!.field.parameters).toEqual(source('_TEST_TYPE', 2147483647, 0, 'values'));
  });

  it('map domains as their base type, sized by the domain (Debezium’s domain tests)', async () => {
    const bits = await fixture.read({ value: 'varbit2' }, [["B'101'"]]);
    expect(bits.value!.values()).toEqual([Buffer.from([5]).toString('base64')]);
    expect(bits.value!.field).toEqual({
      type: 'bytes',
      optional: true,
      name: 'io.debezium.data.Bits',
      version: 1,
      parameters: { length: '3', ...source('VARBIT2', 3, 0, 'value') },
      field: 'value',
    });

    const numbers = await fixture.read({ salary: 'money', salary2: 'money2', a: 'numeric(8,3)', area: 'float83' }, [["7.25", "8.25", "12345.123", "12345.123"]], {
      decimalHandlingMode: 'double',
    });
    expect([numbers.salary, numbers.salary2, numbers.a, numbers.area].map((column) => column!.values()[0])).toEqual([7.25, 8.25, 12345.123, 12345.123]);
    expect(numbers.salary2!.field).toEqual({ type: 'double', optional: true, parameters: source('MONEY2', 2147483647, 0, 'salary2'), field: 'salary2' });
    expect(numbers.area!.field).toEqual({ type: 'double', optional: true, parameters: source('FLOAT83', 8, 3, 'area'), field: 'area' });
  });
});

describe('mapColumn values', () => {
  it('map booleans, character and semantic string types', async () => {
    const read = await fixture.read(
      { flag: 'bool', letter: '"char"', label: 'name', padded: 'char(4)', ci: 'citext', id: 'uuid', doc: 'json', docb: 'jsonb', markup: 'xml', words: 'tsvector' },
      [["true", "'a'", "'x'", "'ab'", "'MiXeD'", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", `'{"b": 1,  "a": [2]}'`, `'{"b": 1,  "a": [2]}'`, "'<a>1</a>'", "'fat cat'"]],
    );
    const first = (name: string) => read[name]!.values()[0];
    expect(first('flag')).toBe(true);
    expect(['letter', 'label', 'padded', 'ci'].map(first)).toEqual(['a', 'x', 'ab  ', 'MiXeD']);
    expect(first('id')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(first('doc')).toBe('{"b": 1,  "a": [2]}');
    expect(first('docb')).toBe('{"a": [2], "b": 1}');
    expect(first('markup')).toBe('<a>1</a>');
    expect(first('words')).toBe("'cat' 'fat'");
    expect(read.flag!.field.type).toBe('boolean');
    expect(read.ci!.field).toMatchObject({ type: 'string', parameters: { '__debezium.source.column.type': 'CITEXT' } });
    expect(read.ci!.field.name).toBeUndefined();
    const names = ['id', 'doc', 'docb', 'markup', 'words'].map((name) => read[name]!.field.name);
    expect(names).toEqual(['io.debezium.data.Uuid', 'io.debezium.data.Json', 'io.debezium.data.Json', 'io.debezium.data.Xml', 'io.debezium.data.Tsvector']);
  });

  it('map network, range, composite and other types to their text', async () => {
    const read = await fixture.read({ ip: 'inet', net: 'cidr', mac: 'macaddr', span: 'int4range', both: 'pair', position: 'pg_lsn' }, [
      ["'192.168.0.1/24'", "'10.0.0.0/8'", "'08:00:2b:01:02:03'", "'[1,5)'", "ROW(1, 'x y')", "'0/16B3748'"],
    ]);
    expect(Object.values(read).map((column) => column.values()[0])).toEqual(['192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '[1,5)', '(1,"x y")', '0/16B3748']);
    expect(Object.values(read).map((column) => column.field.type)).toEqual(['string', 'string', 'string', 'string', 'string', 'string']);
  });
});

describe('converted values', () => {
  it('round-trip as exact JSON, int64 beyond 2^53 included', async () => {
    const read = await fixture.read(
      { big: 'int8', stamp: 'timestamp', price: 'numeric(7,2)', ratio: 'float8', at: 'timestamptz', amount: 'numeric', list: 'int8[]', nothing: 'text' },
      [["9223372036854775807", "'294247-01-01 23:59:59.999999'", "5094.61", "'NaN'", "'2016-11-04 13:51:30.123456+02'", "1.10", "'{-9223372036854775808,NULL,2}'", "NULL"]],
    );
    const row = Object.fromEntries(Object.entries(read).map(([name, column]) => [name, column.values()[0]]));
    const json = toJson(row);
    expect(json).toBe(
      '{"big":9223372036854775807,"stamp":9223371331199999999,"price":"B8YV","ratio":"NaN","at":"2016-11-04T11:51:30.123456Z",' +
        '"amount":{"scale":1,"value":"Cw=="},"list":[-9223372036854775808,null,2],"nothing":null}',
    );
    expect(JSON.parse(json)).toMatchObject({ price: 'B8YV', ratio: 'NaN', amount: { scale: 1, value: 'Cw==' }, nothing: null });
  });
});
