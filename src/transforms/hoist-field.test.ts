import { describe, expect, it } from 'vitest';
import { created, tombstone } from './debezium-events.fixture.js';
import { HOIST_FIELD_CLASS } from './hoist-field.js';
import { createTransform } from './plugins.js';

describe('HoistField', () => {
  it('wraps the value in a struct with one field holding the old value and schema', () => {
    const out = createTransform(`${HOIST_FIELD_CLASS}$Value`, { field: 'change' }).apply(created)!;
    expect(out.value).toEqual({ change: created.value });
    expect(out.valueSchema).toEqual({ type: 'struct', optional: false, fields: [{ ...created.valueSchema, field: 'change' }] });
  });

  it('wraps the key, and a schemaless null value too, as Kafka does', () => {
    const keyed = createTransform(`${HOIST_FIELD_CLASS}$Key`, { field: 'k' }).apply(created)!;
    expect(keyed).toMatchObject({ key: { k: { id: 1 } }, keySchema: { type: 'struct', fields: [{ field: 'k', name: 'shop.public.orders.Key' }] } });
    expect(createTransform(`${HOIST_FIELD_CLASS}$Value`, { field: 'v' }).apply(tombstone)).toMatchObject({ value: { v: null }, valueSchema: null });
  });
});
