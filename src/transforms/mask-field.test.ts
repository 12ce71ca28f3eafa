import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import type { ChangeEvent } from '../events.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { MASK_FIELD_CLASS, MASK_FIELD_CONFIG } from './mask-field.js';
import { createTransform } from './plugins.js';

const VALUE = `${MASK_FIELD_CLASS}$Value`;
const row: ChangeEvent = createTransform(`${EXTRACT_FIELD_CLASS}$Value`, { field: 'after' }).apply(created)!;
const mask = (config: Record<string, string>, event: ChangeEvent = row) => createTransform(VALUE, config).apply(event)!;

describe('MaskField', () => {
  it('replaces fields with the empty value of their schema type, keeping the schema', () => {
    const out = mask({ fields: 'id,customer,total,placed_at,updated_at,shipped,ship_date' });
    // total is a Connect Decimal: zero is the single byte 0, "AA==" in base64.
    expect(out.value).toEqual({ id: 0, customer: '', total: 'AA==', status: 'new', placed_at: '', updated_at: 0, shipped: false, ship_date: 0 });
    expect(out.valueSchema).toBe(row.valueSchema);
  });

  it('uses the replacement, converted to each field type', () => {
    expect(mask({ fields: 'customer,id', replacement: '42' }).value).toMatchObject({ customer: '42', id: 42 });
    expect(() => mask({ fields: 'id', replacement: 'x' })).toThrow('Unable to convert x (string) to int32');
    expect(() => mask({ fields: 'id', replacement: '3000000000' })).toThrow('Unable to convert 3000000000 (string) to int32');
    expect(() => mask({ fields: 'shipped', replacement: 'yes' })).toThrow('Cannot mask value of type boolean with custom replacement.');
  });

  it('keeps null values null and ignores fields the record lacks', () => {
    const withNull = { ...row, value: { ...(row.value as object), status: null } };
    expect(mask({ fields: 'status,no_such_field' }, withNull).value).toEqual(withNull.value);
  });

  it('masks a key, and a schemaless map by its JSON types', () => {
    expect(createTransform(`${MASK_FIELD_CLASS}$Key`, { fields: 'id' }).apply(created)!.key).toEqual({ id: 0 });
    const schemaless = { ...row, valueSchema: null, value: { n: 7.5, big: 2n ** 60n, s: 'x', b: true, list: [1], map: { a: 1 } } };
    expect(mask({ fields: 'n,big,s,b,list,map' }, schemaless).value).toEqual({ n: 0, big: 0n, s: '', b: false, list: [], map: {} });
    expect(mask({ fields: 'n,s', replacement: '9' }, schemaless).value).toMatchObject({ n: 9, s: '9' });
  });

  it('passes a tombstone unchanged and needs at least one field', () => {
    expect(mask({ fields: 'id' }, tombstone)).toBe(tombstone);
    expect(validateConfig(MASK_FIELD_CONFIG, {}).problems).toEqual([{ key: 'fields', message: 'Missing required configuration "fields" which has no default value.' }]);
  });
});
