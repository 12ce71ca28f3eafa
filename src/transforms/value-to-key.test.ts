import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../events.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { createTransform } from './plugins.js';
import { VALUE_TO_KEY_CLASS } from './value-to-key.js';

const row: ChangeEvent = createTransform(`${EXTRACT_FIELD_CLASS}$Value`, { field: 'after' }).apply(created)!;

describe('ValueToKey', () => {
  it('keys the record by value fields, with an unnamed struct schema of their schemas', () => {
    const out = createTransform(VALUE_TO_KEY_CLASS, { fields: 'customer,id' }).apply(row)!;
    expect(out.key).toEqual({ customer: 'Alice', id: 1 });
    const fields = row.valueSchema!.fields!;
    expect(out.keySchema).toEqual({ type: 'struct', optional: false, fields: ['customer', 'id'].map((name) => fields.find((f) => f.field === name)) });
    expect(out.value).toBe(row.value);
  });

  it('keys a schemaless record by a map', () => {
    expect(createTransform(VALUE_TO_KEY_CLASS, { fields: 'status' }).apply({ ...row, valueSchema: null })).toMatchObject({ key: { status: 'new' }, keySchema: null });
  });

  it('keeps the key of a tombstone, and fails on a field the value lacks', () => {
    expect(createTransform(VALUE_TO_KEY_CLASS, { fields: 'customer' }).apply(tombstone)).toBe(tombstone);
    expect(() => createTransform(VALUE_TO_KEY_CLASS, { fields: 'nope' }).apply(row)).toThrow('Field does not exist: nope');
  });
});
