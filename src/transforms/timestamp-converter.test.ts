import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import type { ChangeEvent } from '../events.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { createTransform } from './plugins.js';
import { TIMESTAMP_CONVERTER_CLASS, TIMESTAMP_CONVERTER_CONFIG } from './timestamp-converter.js';

const VALUE = `${TIMESTAMP_CONVERTER_CLASS}$Value`;
const row: ChangeEvent = createTransform(`${EXTRACT_FIELD_CLASS}$Value`, { field: 'after' }).apply(created)!;
const convert = (config: Record<string, string>, event: ChangeEvent = row) => createTransform(VALUE, config).apply(event)!;
const field = (event: ChangeEvent, name: string) => (event.value as Record<string, unknown>)[name];
const schemaOf = (event: ChangeEvent, name: string) => event.valueSchema!.fields!.find((f) => f.field === name);
// The fixture row: placed_at 2024-03-05T09:00:00.5Z (ZonedTimestamp), updated_at 2024-03-05T09:00:00.250001 (MicroTimestamp), ship_date 2024-03-07 (Date).
const PLACED_MS = Date.UTC(2024, 2, 5, 9, 0, 0, 500);
const UPDATED_MS = Date.UTC(2024, 2, 5, 9, 0, 0, 250);

describe('TimestampConverter on Debezium columns', () => {
  it('reads ZonedTimestamp text and writes a Connect Timestamp with its schema', () => {
    const out = convert({ field: 'placed_at', 'target.type': 'Timestamp' });
    expect(field(out, 'placed_at')).toBe(PLACED_MS);
    expect(schemaOf(out, 'placed_at')).toEqual({ field: 'placed_at', type: 'int64', optional: true, name: 'org.apache.kafka.connect.data.Timestamp', version: 1 });
    expect(out.valueSchema).toMatchObject({ name: 'shop.public.orders.Value' });
  });

  it('reads MicroTimestamp as microseconds whatever unix.precision says, and writes in unix.precision', () => {
    expect(field(convert({ field: 'updated_at', 'target.type': 'unix' }), 'updated_at')).toBe(UPDATED_MS);
    expect(field(convert({ field: 'updated_at', 'target.type': 'unix', 'unix.precision': 'seconds' }), 'updated_at')).toBe(Math.trunc(UPDATED_MS / 1000));
    expect(field(convert({ field: 'updated_at', 'target.type': 'unix', 'unix.precision': 'nanoseconds' }), 'updated_at')).toBe(BigInt(UPDATED_MS) * 1_000_000n);
    expect(field(convert({ field: 'updated_at', 'target.type': 'string', format: 'yyyy-MM-dd HH:mm:ss.SSS' }), 'updated_at')).toBe('2024-03-05 09:00:00.250');
  });

  it('reads Debezium Date as days, and writes Date, Time and text', () => {
    expect(field(convert({ field: 'ship_date', 'target.type': 'string', format: 'dd/MM/yyyy' }), 'ship_date')).toBe('07/03/2024');
    const date = convert({ field: 'placed_at', 'target.type': 'Date' });
    expect(field(date, 'placed_at')).toBe(Math.floor(PLACED_MS / 86_400_000));
    expect(schemaOf(date, 'placed_at')).toMatchObject({ type: 'int32', name: 'org.apache.kafka.connect.data.Date' });
    const time = convert({ field: 'placed_at', 'target.type': 'Time' });
    expect(field(time, 'placed_at')).toBe(9 * 3_600_000 + 500);
    expect(schemaOf(time, 'placed_at')).toMatchObject({ type: 'int32', name: 'org.apache.kafka.connect.data.Time' });
  });

  it('keeps a null field null and passes a tombstone', () => {
    const withNull = { ...row, value: { ...(row.value as object), placed_at: null } };
    expect(field(convert({ field: 'placed_at', 'target.type': 'unix' }, withNull), 'placed_at')).toBeNull();
    expect(convert({ field: 'placed_at', 'target.type': 'unix' }, tombstone)).toBe(tombstone);
  });
});

describe('TimestampConverter as in Kafka', () => {
  const schemaless = (value: unknown): ChangeEvent => ({ ...row, valueSchema: null, value });

  it('reads a plain int64 in unix.precision and a string in format', () => {
    const int64 = { ...row, valueSchema: { type: 'struct' as const, optional: false, fields: [{ field: 'ts', type: 'int64' as const, optional: false }] }, value: { ts: 1_709_633_730 } };
    expect(field(convert({ field: 'ts', 'target.type': 'Timestamp', 'unix.precision': 'seconds' }, int64), 'ts')).toBe(1_709_633_730_000);
    expect(field(convert({ field: 'ts', 'target.type': 'unix', format: 'yyyy-MM-dd HH:mm:ss' }, schemaless({ ts: '2024-03-05 10:15:30' })), 'ts')).toBe(1_709_633_730_000);
  });

  it('converts a whole schemaless value', () => {
    expect(convert({ 'target.type': 'string', format: "yyyy-MM-dd'T'HH:mm:ssX" }, schemaless(1_709_633_730_000)).value).toBe('2024-03-05T10:15:30Z');
  });

  it('converts the whole key', () => {
    const key = { ...row, keySchema: { type: 'int64' as const, optional: false }, key: 1_709_633_730_000 };
    expect(createTransform(`${TIMESTAMP_CONVERTER_CLASS}$Key`, { 'target.type': 'Date' }).apply(key)).toMatchObject({ key: 19_787, keySchema: { type: 'int32', optional: false, name: 'org.apache.kafka.connect.data.Date' } });
  });

  it('fails on text that does not match, on strings without a format, and on types that hold no timestamp', () => {
    expect(() => convert({ field: 'ts', 'target.type': 'unix', format: 'yyyy-MM-dd' }, schemaless({ ts: '05.03.2024' }))).toThrow('Could not parse timestamp: value (05.03.2024) does not match pattern (yyyy-MM-dd)');
    expect(() => convert({ field: 'ts', 'target.type': 'unix' }, schemaless({ ts: '2024-03-05' }))).toThrow('TimestampConverter requires format option to be specified when using string timestamps');
    expect(() => convert({ field: 'id', 'target.type': 'unix' })).toThrow('Schema int32 does not correspond to a known timestamp type format');
    expect(() => convert({ field: 'ts', 'target.type': 'unix' }, schemaless({ ts: true }))).toThrow('TimestampConverter does not support boolean objects as timestamps');
  });

  it('refuses a string target without format, an unknown target type and a bad pattern', () => {
    const problems = (config: Record<string, string>) => validateConfig(TIMESTAMP_CONVERTER_CONFIG, config).problems;
    expect(problems({ 'target.type': 'string' })).toEqual([{ key: 'format', message: 'TimestampConverter requires format option to be specified when using string timestamps' }]);
    expect(problems({ 'target.type': 'date' })).toEqual([{ key: 'target.type', message: 'Invalid value date for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp' }]);
    expect(problems({ 'target.type': 'unix', format: 'yyyy-qq' })).toEqual([{ key: 'format', message: "Invalid value yyyy-qq for configuration format: Illegal pattern character 'q'" }]);
    expect(problems({ 'target.type': 'unix', 'unix.precision': 'days' })[0]!.key).toBe('unix.precision');
  });
});
