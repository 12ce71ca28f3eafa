import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import type { ChangeEvent, Envelope } from '../events.js';
import { created, deleted, deletedFullRow, heartbeat, message, ORDERS, snapshotRead, tombstone, truncated, updated } from './debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS, EXTRACT_NEW_RECORD_STATE_CONFIG } from './extract-new-record-state.js';
import { createTransform } from './plugins.js';

function unwrap(config: Record<string, string> = {}) {
  const warnings: string[] = [];
  const transform = createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, config, (message) => warnings.push(message));
  return { apply: (event: ChangeEvent) => transform.apply(event), warnings };
}
const envelope = (event: ChangeEvent) => event.value as Envelope;
const fieldNames = (event: ChangeEvent) => event.valueSchema!.fields!.map((f) => f.field);
/** The row schema as Debezium's flattened records carry it: the table's `Value` struct, required. */
const FLAT_ROW_SCHEMA = { type: 'struct', optional: false, name: 'shop.public.orders.Value', fields: ORDERS.rowSchema.fields };

describe('ExtractNewRecordState', () => {
  it('turns creates, updates and snapshot reads into their new row, schema and all', () => {
    for (const event of [created, updated, snapshotRead]) {
      const row = unwrap().apply(event)!;
      expect(row).toEqual({ ...event, value: envelope(event).after, valueSchema: FLAT_ROW_SCHEMA });
    }
  });

  it('by default (tombstone) turns a delete into a null value and drops the tombstone', () => {
    const { apply, warnings } = unwrap();
    expect(apply(deleted)).toEqual({ ...deleted, value: null, valueSchema: ORDERS.rowSchema });
    expect(apply(tombstone)).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('drops deletes and tombstones in drop mode', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'drop' });
    expect([apply(deleted), apply(tombstone)]).toEqual([null, null]);
    expect(apply(created)).not.toBeNull();
  });

  it('rewrites deletes as the old row with __deleted=true, every other row with __deleted=false', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'rewrite' });
    const gone = apply(deletedFullRow)!;
    expect(gone.value).toEqual({ ...envelope(deletedFullRow).before, __deleted: 'true' });
    expect(gone.valueSchema).toEqual({ ...FLAT_ROW_SCHEMA, fields: [...ORDERS.rowSchema.fields!, { field: '__deleted', type: 'string', optional: true }] });
    expect(apply(created)!.value).toEqual({ ...envelope(created).after, __deleted: 'false' });
    expect(apply(tombstone)).toBeNull();
  });

  it('keeps the tombstone in rewrite-with-tombstone mode', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' });
    expect(apply(deleted)!.value).toMatchObject({ id: 1, __deleted: 'true' });
    expect(apply(tombstone)).toEqual(tombstone);
  });

  it('turns a delete into a true tombstone and drops the original in delete-to-tombstone mode', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'Delete-To-Tombstone' });
    expect(apply(deleted)).toEqual({ ...deleted, value: null, valueSchema: null });
    expect(apply(tombstone)).toBeNull();
  });

  it('drops truncates and passes records that are not change events unchanged', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'rewrite' });
    expect(apply(truncated)).toBeNull();
    expect(apply(message)).toBe(message);
    expect(apply(heartbeat)).toBe(heartbeat);
  });

  it('adds envelope, source and transaction fields to the row, prefixed, with optional schemas', () => {
    const { apply } = unwrap({ 'add.fields': 'op,table,lsn,source.ts_ms,id,ts_ms:processed_at' });
    const row = apply(created)!;
    const { source, transaction, ts_ms } = envelope(created);
    expect(row.value).toEqual({ ...envelope(created).after, __op: 'c', __table: 'orders', __lsn: source.lsn, __source_ts_ms: source.ts_ms, __id: transaction!.id, __processed_at: ts_ms });
    expect(row.valueSchema!.fields!.slice(-6)).toEqual([
      { field: '__op', type: 'string', optional: true },
      { field: '__table', type: 'string', optional: true },
      { field: '__lsn', type: 'int64', optional: true },
      { field: '__source_ts_ms', type: 'int64', optional: true },
      { field: '__id', type: 'string', optional: true },
      { field: '__processed_at', type: 'int64', optional: true },
    ]);
    // A snapshot read has no transaction block: the field is there, null.
    expect(apply(snapshotRead)!.value).toMatchObject({ __op: 'r', __id: null });
  });

  it('adds fields after __deleted on rewritten rows, with add.fields.prefix, and skips fields the envelope lacks', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'rewrite', 'add.fields': 'op,source.nope', 'add.fields.prefix': 'cdc_' });
    expect(fieldNames(apply(deletedFullRow)!).slice(-2)).toEqual(['__deleted', 'cdc_op']);
    expect(apply(deletedFullRow)!.value).toMatchObject({ __deleted: 'true', cdc_op: 'd' });
  });

  it('adds envelope fields as headers, and only op=d to a tombstone', () => {
    const { apply } = unwrap({ 'delete.tombstone.handling.mode': 'rewrite-with-tombstone', 'add.headers': 'op,source.ts_ms,db,txId', 'add.headers.prefix': 'dbz.' });
    const { source } = envelope(updated);
    expect(apply(updated)!.headers).toEqual({ 'dbz.op': 'u', 'dbz.source_ts_ms': String(source.ts_ms), 'dbz.db': 'app', 'dbz.txId': String(source.txId) });
    expect(apply(tombstone)!.headers).toEqual({ 'dbz.op': 'd' });
    // A null value adds no header: snapshot reads have no txId here.
    expect(apply({ ...snapshotRead, value: { ...envelope(snapshotRead), source: { ...envelope(snapshotRead).source, txId: null } } })!.headers).not.toHaveProperty('dbz.txId');
  });

  it('routes by a row column: the new row for changes, the old row for deletes', () => {
    const { apply } = unwrap({ 'route.by.field': 'status', 'delete.tombstone.handling.mode': 'rewrite' });
    expect(apply(created)!.topic).toBe('new');
    expect(apply(deletedFullRow)!.topic).toBe('paid');
    // Under REPLICA IDENTITY DEFAULT the old row holds only the key: nothing to route by.
    expect(apply(deleted)!.topic).toBe(deleted.topic);
    expect(() => unwrap({ 'route.by.field': 'shipped' }).apply(created)).toThrow('route.by.field: field "shipped" holds a boolean, not a topic name');
    expect(() => unwrap({ 'route.by.field': 'nope' }).apply(created)).toThrow('route.by.field: "nope" is not a field of the after row');
  });

  it('drops the fields a header lists, only optional ones unless told otherwise, from the key too if asked', () => {
    const listed = { ...created, headers: { drop: '["status","customer","id"]' } };
    const compatible = unwrap({ 'drop.fields.header.name': 'drop' }).apply(listed)!;
    expect(fieldNames(compatible)).toEqual(['id', 'customer', 'total', 'placed_at', 'updated_at', 'shipped', 'ship_date']);
    expect(compatible.value).not.toHaveProperty('status');
    const all = unwrap({ 'drop.fields.header.name': 'drop', 'drop.fields.keep.schema.compatible': 'false', 'drop.fields.from.key': 'true' }).apply({ ...listed, headers: { drop: 'status, customer' } })!;
    expect(fieldNames(all)).toEqual(['id', 'total', 'placed_at', 'updated_at', 'shipped', 'ship_date']);
    expect(all.key).toEqual({ id: 1 });
    const withKey = unwrap({ 'drop.fields.header.name': 'drop', 'drop.fields.keep.schema.compatible': 'false', 'drop.fields.from.key': 'true' }).apply(listed)!;
    expect([withKey.key, withKey.keySchema!.fields]).toEqual([{}, []]);
    expect(unwrap({ 'drop.fields.header.name': 'drop' }).apply(created)!.value).toEqual(envelope(created).after);
  });
});

describe('ExtractNewRecordState deprecated keys', () => {
  const modeOf = (config: Record<string, string>) => {
    const { apply, warnings } = unwrap(config);
    const outcome = (event: ChangeEvent) => {
      const out = apply(event);
      if (out === null) return 'dropped';
      if (out.value === null) return out.valueSchema === null ? 'tombstone' : 'null value';
      return (out.value as { __deleted?: string }).__deleted === 'true' ? 'rewritten' : 'row';
    };
    return { delete: outcome(deletedFullRow), tombstone: outcome(tombstone), warnings };
  };

  it('map drop.tombstones and delete.handling.mode onto delete.tombstone.handling.mode, with a warning', () => {
    const rewrite = modeOf({ 'delete.handling.mode': 'rewrite' });
    expect(rewrite).toMatchObject({ delete: 'rewritten', tombstone: 'dropped' });
    expect(rewrite.warnings).toEqual([expect.stringMatching(/deprecated.*delete\.tombstone\.handling\.mode=rewrite\.$/)]);
    expect(modeOf({ 'delete.handling.mode': 'rewrite', 'drop.tombstones': 'false' })).toMatchObject({ delete: 'rewritten', tombstone: 'tombstone' });
    expect(modeOf({ 'delete.handling.mode': 'drop' })).toMatchObject({ delete: 'dropped', tombstone: 'dropped' });
    expect(modeOf({ 'drop.tombstones': 'false' })).toMatchObject({ delete: 'null value', tombstone: 'dropped', warnings: [expect.stringContaining('=tombstone.')] });
    expect(modeOf({ 'delete.handling.mode': 'NONE' })).toMatchObject({ delete: 'null value', tombstone: 'dropped' });
  });

  it('are ignored, with a warning, when delete.tombstone.handling.mode is set', () => {
    const mixed = modeOf({ 'delete.tombstone.handling.mode': 'drop', 'drop.tombstones': 'false', 'delete.handling.mode': 'rewrite' });
    expect(mixed).toMatchObject({ delete: 'dropped', tombstone: 'dropped' });
    expect(mixed.warnings).toEqual(['The deprecated "drop.tombstones" and "delete.handling.mode" are ignored because "delete.tombstone.handling.mode" is set; remove them.']);
  });

  it('are refused with an unknown value, as are unknown modes and malformed field lists', () => {
    const problems = (config: Record<string, string>) => validateConfig(EXTRACT_NEW_RECORD_STATE_CONFIG, config).problems.map((p) => p.key);
    expect(problems({ 'delete.handling.mode': 'keep' })).toEqual(['delete.handling.mode']);
    expect(problems({ 'delete.tombstone.handling.mode': 'keep' })).toEqual(['delete.tombstone.handling.mode']);
    expect(problems({ 'add.fields': 'op:a:b' })).toEqual(['add.fields']);
  });
});
