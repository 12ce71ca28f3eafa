import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import type { ChangeEvent } from '../events.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { createTransform } from './plugins.js';
import { REPLACE_FIELD_CLASS, REPLACE_FIELD_CONFIG } from './replace-field.js';

const VALUE = `${REPLACE_FIELD_CLASS}$Value`;
const KEY = `${REPLACE_FIELD_CLASS}$Key`;
/** The row of the create event, as ExtractField$Value(after) leaves it. */
const row: ChangeEvent = createTransform(`${EXTRACT_FIELD_CLASS}$Value`, { field: 'after' }).apply(created)!;
const fieldNames = (event: ChangeEvent) => event.valueSchema!.fields!.map((f) => f.field);

describe('ReplaceField', () => {
  it('keeps only the included fields, in schema order, with their schemas', () => {
    const out = createTransform(VALUE, { include: 'status,id' }).apply(row)!;
    expect(out.value).toEqual({ id: 1, status: 'new' });
    expect(out.valueSchema).toEqual({ type: 'struct', optional: false, name: 'shop.public.orders.Value', fields: row.valueSchema!.fields!.filter((f) => ['id', 'status'].includes(f.field)) });
  });

  it('drops excluded fields, exclude winning over include', () => {
    const out = createTransform(VALUE, { include: 'id,customer,total', exclude: 'total,placed_at' }).apply(row)!;
    expect(out.value).toEqual({ id: 1, customer: 'Alice' });
    expect(fieldNames(out)).toEqual(['id', 'customer']);
  });

  it('renames fields in the value and the schema', () => {
    const out = createTransform(VALUE, { renames: 'customer:customer_name,status:state', exclude: 'total' }).apply(row)!;
    const { customer, status, total: _total, ...rest } = row.value as Record<string, unknown>;
    expect(out.value).toEqual({ ...rest, customer_name: customer, state: status });
    expect(Object.keys(out.value as object)).toEqual(['id', 'customer_name', 'state', 'placed_at', 'updated_at', 'shipped', 'ship_date']);
    expect(fieldNames(out)).toEqual(['id', 'customer_name', 'state', 'placed_at', 'updated_at', 'shipped', 'ship_date']);
  });

  it('works on the envelope itself, and on the key', () => {
    const envelope = createTransform(VALUE, { exclude: 'transaction,ts_us,ts_ns' }).apply(created)!;
    expect(fieldNames(envelope)).toEqual(['before', 'after', 'source', 'op', 'ts_ms']);
    expect(envelope.valueSchema!.name).toBe('shop.public.orders.Envelope');
    const key = createTransform(KEY, { renames: 'id:order_id' }).apply(created)!;
    expect(key.key).toEqual({ order_id: 1 });
    expect(key.keySchema).toMatchObject({ name: 'shop.public.orders.Key', fields: [{ field: 'order_id', type: 'int32' }] });
    expect(key.value).toBe(created.value);
  });

  it('filters a schemaless map', () => {
    const schemaless = { ...row, valueSchema: null };
    expect(createTransform(VALUE, { include: 'id,status', renames: 'status:state' }).apply(schemaless)!.value).toEqual({ id: 1, state: 'new' });
  });

  it('passes a tombstone unchanged and fails on a value that is no struct', () => {
    expect(createTransform(VALUE, { exclude: 'id' }).apply(tombstone)).toBe(tombstone);
    expect(() => createTransform(VALUE, { exclude: 'id' }).apply({ ...row, valueSchema: null, value: 'text' })).toThrow(
      'Only Map objects supported in absence of schema for [field replacement], found: string',
    );
  });

  it('still reads blacklist and whitelist, with a deprecation warning', () => {
    const { values, warnings } = validateConfig(REPLACE_FIELD_CONFIG, { blacklist: 'total', whitelist: 'id,total' });
    expect(values.list('exclude')).toEqual(['total']);
    expect(values.list('include')).toEqual(['id', 'total']);
    expect(warnings.map((w) => w.key)).toEqual(['blacklist', 'whitelist']);
    expect(createTransform(VALUE, { blacklist: 'total', whitelist: 'id,total' }).apply(row)!.value).toEqual({ id: 1 });
  });

  it('refuses a rename that is not old:new', () => {
    expect(validateConfig(REPLACE_FIELD_CONFIG, { renames: 'a:b,c' }).problems).toEqual([{ key: 'renames', message: 'Invalid value a:b,c for configuration renames: Invalid rename mapping: c' }]);
  });
});
