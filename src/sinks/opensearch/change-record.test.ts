import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Envelope } from '../../events.js';
import { created, deleted, heartbeat, message, ORDERS, snapshotRead, tombstone, truncated, updated } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { readChange } from './change-record.js';

const TABLE = { topic: 'shop.public.orders', prefix: 'shop', schema: 'public', table: 'orders' };
const afterSchema = created.valueSchema!.fields!.find((f) => f.field === 'after')!;
const beforeSchema = deleted.valueSchema!.fields!.find((f) => f.field === 'before')!;
const unwrap = (config: Record<string, string>) => createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, config);

describe('reading a change', () => {
  it('takes writes, deletes and truncates from an envelope, with the table of its source block', () => {
    expect(readChange(snapshotRead)).toEqual({ kind: 'write', op: 'r', row: (snapshotRead.value as Envelope).after, rowSchema: afterSchema, version: 33_837_000, table: TABLE, deletes: 'event' });
    expect(readChange(created)).toMatchObject({ kind: 'write', op: 'c', version: 33_837_424 });
    expect(readChange(updated)).toMatchObject({ kind: 'write', op: 'u', row: { status: 'paid' } });
    expect(readChange(deleted)).toEqual({ kind: 'delete', version: 33_837_424, table: TABLE, rowSchema: beforeSchema, deletes: 'event' });
    expect(readChange(truncated)).toEqual({ kind: 'truncate', version: 33_837_424, table: TABLE });
    expect(readChange(tombstone)).toEqual({ kind: 'tombstone', table: TABLE });
  });

  it('finds no row change in logical messages, heartbeats and values that are not rows', () => {
    expect(readChange(message)).toEqual({ kind: 'other', reason: 'io.debezium.connector.postgresql.MessageValue is not a row change' });
    expect(readChange({ ...message, valueSchema: null })).toEqual({ kind: 'other', reason: '"m" events are not row changes' });
    expect(readChange(heartbeat)).toEqual({ kind: 'other', reason: 'io.debezium.connector.common.Heartbeat is not a row change' });
    expect(readChange({ ...created, value: 'text', valueSchema: { type: 'string', optional: false } })).toEqual({ kind: 'other', reason: 'the value is not a row' });
  });

  it('reads schemaless envelopes (JsonConverter without schemas) too', () => {
    expect(readChange({ ...updated, valueSchema: null, keySchema: null })).toEqual({ kind: 'write', op: 'u', row: (updated.value as Envelope).after, rowSchema: null, version: 33_837_424, table: TABLE, deletes: 'event' });
  });

  it('takes flat rows of ExtractNewRecordState as writes, their table from the row schema\'s name, their deletes arriving as tombstones', () => {
    const flat = unwrap({})!.apply(created)!;
    expect(readChange(flat)).toEqual({ kind: 'write', op: null, row: (created.value as Envelope).after, rowSchema: flat.valueSchema, version: null, table: TABLE, deletes: 'tombstone' });
    const withFields = unwrap({ 'add.fields': 'op,source.lsn' }).apply(updated)!;
    expect(readChange(withFields)).toMatchObject({ kind: 'write', op: 'u', version: 33_837_424 });
    // Rerouted to another topic, the schema name still names the table.
    expect(readChange({ ...flat, topic: 'orders' })).toMatchObject({ table: { ...TABLE, topic: 'orders' } });
  });

  it('reads the deletes of the unwrap transform: tombstones, or rows marked __deleted', () => {
    const asTombstone = unwrap({}).apply(deleted)!;
    expect(asTombstone.value).toBeNull();
    expect(readChange(asTombstone)).toEqual({ kind: 'tombstone', table: TABLE });
    const rewritten = unwrap({ 'delete.tombstone.handling.mode': 'rewrite', 'add.fields': 'lsn,sequence' }).apply(deleted)!;
    expect(readChange(rewritten)).toEqual({ kind: 'delete', version: 33_837_424, table: TABLE, rowSchema: rewritten.valueSchema, deletes: 'marked-row' });
    expect(readChange(unwrap({ 'delete.tombstone.handling.mode': 'rewrite' }).apply(created)!)).toMatchObject({ kind: 'write', deletes: 'marked-row' });
  });

  it('falls back to the key schema\'s name, then the topic, for the table', () => {
    const bare: ChangeEvent = { ...tombstone, keySchema: null, topic: 'erp.sales.invoices' };
    expect(readChange(bare)).toEqual({ kind: 'tombstone', table: { topic: 'erp.sales.invoices', prefix: 'erp', schema: 'sales', table: 'invoices' } });
    expect(readChange({ ...bare, topic: 'invoices' })).toEqual({ kind: 'tombstone', table: { topic: 'invoices', prefix: '', schema: '', table: 'invoices' } });
    expect(readChange({ ...tombstone, keySchema: ORDERS.keySchema, topic: 'x' })).toEqual({ kind: 'tombstone', table: { ...TABLE, topic: 'x' } });
  });
});
