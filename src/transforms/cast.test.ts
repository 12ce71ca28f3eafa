import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import type { ChangeEvent, ConnectSchema } from '../events.js';
import { CAST_CLASS, CAST_CONFIG } from './cast.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { INSERT_FIELD_CLASS } from './insert-field.js';
import { createTransform } from './plugins.js';

const VALUE = `${CAST_CLASS}$Value`;
const row: ChangeEvent = createTransform(`${EXTRACT_FIELD_CLASS}$Value`, { field: 'after' }).apply(created)!;
const cast = (spec: string, event: ChangeEvent = row) => createTransform(VALUE, { spec }).apply(event)!;
const values = (event: ChangeEvent) => event.value as Record<string, unknown>;
const schemaOf = (event: ChangeEvent, name: string) => event.valueSchema!.fields!.find((f) => f.field === name);
/** A one-field struct record of a given schema type, for casts from types the fixture table lacks. */
const single = (type: ConnectSchema['type'], value: unknown): ChangeEvent => ({
  ...row,
  valueSchema: { type: 'struct', optional: false, fields: [{ field: 'v', type, optional: true }] },
  value: { v: value },
});

describe('Cast', () => {
  it('casts Debezium Decimal columns to numbers and to their decimal text', () => {
    // "B8YV" is 5094.61 at scale 2.
    expect(values(cast('total:float64'))['total']).toBe(5094.61);
    expect(values(cast('total:int32'))['total']).toBe(5094);
    expect(values(cast('total:string'))['total']).toBe('5094.61');
    expect(values(cast('total:boolean'))['total']).toBe(true);
  });

  it('gives a cast field the plain target schema, keeping its optionality, and leaves other fields alone', () => {
    const out = cast('total:float64,id:string');
    expect(schemaOf(out, 'total')).toEqual({ field: 'total', type: 'double', optional: true });
    expect(schemaOf(out, 'id')).toEqual({ field: 'id', type: 'string', optional: false });
    expect(schemaOf(out, 'customer')).toBe(schemaOf(row, 'customer'));
    expect(values(out)).toEqual({ ...values(row), total: 5094.61, id: '1' });
    expect(out.valueSchema).toMatchObject({ name: 'shop.public.orders.Value', optional: row.valueSchema!.optional });
  });

  it('narrows integers by wrapping and floating-point values by truncating and saturating, as Java does', () => {
    expect(values(cast('v:int8', single('int32', 300)))['v']).toBe(44);
    expect(values(cast('v:int16', single('int64', 2n ** 62n + 5n)))['v']).toBe(5);
    expect(values(cast('v:int32', single('double', -3.9)))['v']).toBe(-3);
    expect(values(cast('v:int32', single('double', 1e20)))['v']).toBe(2 ** 31 - 1);
    expect(values(cast('v:int8', single('double', 1e20)))['v']).toBe(-1);
    expect(values(cast('v:int64', single('double', 1e20)))['v']).toBe(2n ** 63n - 1n);
    expect(values(cast('v:float32', single('double', 0.1)))['v']).toBe(Math.fround(0.1));
    expect(values(cast('v:boolean', single('double', 0.5)))['v']).toBe(false);
  });

  it('parses strings strictly and booleans as Java does', () => {
    expect(values(cast('v:int16', single('string', '+12')))['v']).toBe(12);
    expect(values(cast('v:float32', single('string', ' 1.5f ')))['v']).toBe(1.5);
    expect(values(cast('v:boolean', single('string', 'TRUE')))['v']).toBe(true);
    expect(values(cast('v:boolean', single('string', 'yes')))['v']).toBe(false);
    expect(() => cast('v:int32', single('string', '12.5'))).toThrow('Value (12.5) was out of range for requested data type');
    expect(() => cast('v:int8', single('string', '200'))).toThrow('Value (200) was out of range for requested data type');
  });

  it('prints numbers as Java prints them', () => {
    const text = (type: ConnectSchema['type'], v: unknown) => values(cast('v:string', single(type, v)))['v'];
    expect([text('double', 1), text('double', 1e21), text('double', 1e-4), text('double', 2.5), text('float', Math.fround(0.1))]).toEqual(['1.0', '1.0E21', '1.0E-4', '2.5', '0.1']);
    expect([text('int64', 2n ** 60n), text('boolean', true), text('bytes', 'AAE=')]).toEqual([String(2n ** 60n), 'true', 'AAE=']);
  });

  it('writes Connect timestamps as ISO text', () => {
    const stamped = createTransform(`${INSERT_FIELD_CLASS}$Value`, { 'timestamp.field': 'committed_at' }).apply(row)!;
    expect(values(cast('committed_at:string', stamped))['committed_at']).toBe('2024-03-05T10:15:30.123Z');
  });

  it('casts a whole key or value to a plain schema', () => {
    const key = createTransform(`${EXTRACT_FIELD_CLASS}$Key`, { field: 'id' }).apply(created)!;
    expect(createTransform(`${CAST_CLASS}$Key`, { spec: 'int64' }).apply(key)).toMatchObject({ key: 1, keySchema: { type: 'int64', optional: false } });
    expect(createTransform(`${CAST_CLASS}$Key`, { spec: 'string' }).apply(key)).toMatchObject({ key: '1', keySchema: { type: 'string', optional: false } });
  });

  it('casts fields of a schemaless map by their JSON types', () => {
    const schemaless = { ...row, valueSchema: null, value: { a: '7', b: 2.75, c: 1, d: null } };
    expect(cast('a:int32,b:int64,c:boolean,d:string,missing:int8', schemaless).value).toEqual({ a: 7, b: 2, c: true, d: null });
  });

  it('refuses casts from structs and from bytes to numbers, and passes tombstones', () => {
    expect(() => cast('source:string', created)).toThrow('Cast transformation does not support casting from STRUCT; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]');
    expect(() => cast('v:int32', single('bytes', 'AAE='))).toThrow(/bytes can only be cast to string/);
    expect(cast('id:string', tombstone)).toBe(tombstone);
  });

  it('refuses a spec Kafka refuses', () => {
    const problem = (spec: string) => validateConfig(CAST_CONFIG, { spec }).problems.map((p) => p.message);
    expect(problem('a:int32,b:strin')).toEqual(['Invalid value a:int32,b:strin for configuration spec: Invalid type found in casting spec: strin']);
    expect(problem('a:bytes')).toEqual(['Invalid value a:bytes for configuration spec: Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]']);
    expect(problem('int32,a:string')).toEqual(['Invalid value int32,a:string for configuration spec: Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec']);
    expect(problem('a:b:c')).toEqual(['Invalid value a:b:c for configuration spec: Invalid rename mapping: a:b:c']);
    expect(problem('')).toEqual(['Missing required configuration "spec" which has no default value.']);
  });
});
