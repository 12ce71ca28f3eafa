import { describe, expect, it } from 'vitest';
import { created, deleted, ORDERS, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { createTransform } from './plugins.js';

const VALUE = `${EXTRACT_FIELD_CLASS}$Value`;

describe('ExtractField', () => {
  it('replaces the value with one field of the envelope and the schema with its schema', () => {
    const out = createTransform(VALUE, { field: 'after' }).apply(created)!;
    expect(out.value).toEqual((created.value as { after: unknown }).after);
    expect(out.valueSchema).toEqual(ORDERS.rowSchema);
    expect(out.key).toBe(created.key);
  });

  it('gives null for a null field (the after of a delete) and passes a tombstone as null', () => {
    expect(createTransform(VALUE, { field: 'after' }).apply(deleted)).toMatchObject({ value: null, valueSchema: ORDERS.rowSchema });
    expect(createTransform(VALUE, { field: 'after' }).apply(tombstone)).toEqual(tombstone);
  });

  it('extracts from the key, and from a schemaless map', () => {
    const keyed = createTransform(`${EXTRACT_FIELD_CLASS}$Key`, { field: 'id' }).apply(created)!;
    expect(keyed).toMatchObject({ key: 1, keySchema: { type: 'int32', optional: false } });
    expect(createTransform(VALUE, { field: 'op' }).apply({ ...created, valueSchema: null })).toMatchObject({ value: 'c', valueSchema: null });
  });

  it('fails on a field the schema lacks', () => {
    expect(() => createTransform(VALUE, { field: 'nope' }).apply(created)).toThrow('Unknown field: nope');
  });
});
