import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import type { ChangeEvent, SinkRecord } from '../events.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { INSERT_FIELD_CLASS, INSERT_FIELD_CONFIG } from './insert-field.js';
import { createTransform } from './plugins.js';

const VALUE = `${INSERT_FIELD_CLASS}$Value`;
const row: ChangeEvent = createTransform(`${EXTRACT_FIELD_CLASS}$Value`, { field: 'after' }).apply(created)!;
const sinkRecord: SinkRecord = { ...row, kafkaPartition: 3, kafkaOffset: 1042, position: null };
const ALL = { 'topic.field': 'src_topic', 'partition.field': 'src_partition!', 'offset.field': 'src_offset?', 'timestamp.field': 'committed_at', 'static.field': 'origin', 'static.value': 'pg-main' };

describe('InsertField', () => {
  it('appends topic, partition, offset, timestamp and a static value to a sink record, with their schemas', () => {
    const out = createTransform(VALUE, ALL).apply(sinkRecord)! as SinkRecord;
    expect(out.value).toEqual({ ...(row.value as object), src_topic: 'shop.public.orders', src_partition: 3, src_offset: 1042, committed_at: created.timestamp, origin: 'pg-main' });
    expect(out.valueSchema!.fields!.slice(-5)).toEqual([
      { field: 'src_topic', type: 'string', optional: true },
      { field: 'src_partition', type: 'int32', optional: false },
      { field: 'src_offset', type: 'int64', optional: true },
      { field: 'committed_at', type: 'int64', optional: true, name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
      { field: 'origin', type: 'string', optional: true },
    ]);
    expect(out.valueSchema).toMatchObject({ name: 'shop.public.orders.Value', optional: false });
    expect([out.kafkaPartition, out.kafkaOffset]).toEqual([3, 1042]);
  });

  it('leaves out the partition of a source record, and refuses an offset it does not have', () => {
    const out = createTransform(VALUE, { 'topic.field': 'src_topic', 'partition.field': 'src_partition' }).apply(row)!;
    expect(out.value).toEqual({ ...(row.value as object), src_topic: 'shop.public.orders', src_partition: null });
    expect(() => createTransform(VALUE, { 'offset.field': 'src_offset' }).apply(row)).toThrow(/Only SinkRecord supported for \[field insertion\]/);
  });

  it('inserts into the key, and into a schemaless map', () => {
    const keyed = createTransform(`${INSERT_FIELD_CLASS}$Key`, { 'static.field': 'tenant', 'static.value': 'acme' }).apply(created)!;
    expect(keyed.key).toEqual({ id: 1, tenant: 'acme' });
    expect(keyed.keySchema!.fields!.map((f) => f.field)).toEqual(['id', 'tenant']);
    const schemaless = createTransform(VALUE, { 'timestamp.field': 'ts' }).apply({ ...row, valueSchema: null })!;
    expect(schemaless).toMatchObject({ valueSchema: null, value: { id: 1, ts: created.timestamp } });
  });

  it('passes a tombstone unchanged and refuses a field the schema already has', () => {
    expect(createTransform(VALUE, { 'topic.field': 't' }).apply(tombstone)).toBe(tombstone);
    expect(() => createTransform(VALUE, { 'topic.field': 'status' }).apply(row)).toThrow('Cannot create field because of field name duplication status');
  });

  it('refuses a config that inserts nothing, or a static field without a value', () => {
    expect(validateConfig(INSERT_FIELD_CONFIG, {}).problems).toEqual([
      { key: 'topic.field', message: 'No field insertion configured; set at least one of topic.field, partition.field, offset.field, timestamp.field, static.field.' },
    ]);
    expect(validateConfig(INSERT_FIELD_CONFIG, { 'static.field': 'origin' }).problems).toEqual([{ key: 'static.value', message: 'No value specified for static field: origin' }]);
  });
});
