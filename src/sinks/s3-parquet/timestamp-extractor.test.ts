import { describe, expect, it } from 'vitest';
import type { ChangeEvent, ConnectSchema, SinkRecord } from '../../events.js';
import { EventBuilder, type EventOrigin } from '../../sources/postgres/event-builder.js';
import { buildTableSchema } from '../../sources/postgres/table-schema.js';
import { DEFAULT_TYPE_MAPPING } from '../../sources/postgres/types/column-mapping.js';
import type { TimePrecisionMode } from '../../sources/postgres/types/temporal.js';
import { PG_OID, type PgType } from '../../sources/postgres/types/type-catalog.js';
import { created, deleted, deletedFullRow, message, tombstone, truncated, updated } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { createTimestampExtractor } from './timestamp-extractor.js';
import { thrownBy } from '../../../test/support/failures.js';

const at = (iso: string) => Date.parse(iso);
const sink = (event: ChangeEvent, offset = 7): SinkRecord => ({ ...event, kafkaPartition: 0, kafkaOffset: offset, position: null });
const field = (name: string) => createTimestampExtractor('RecordField', name);

/** `CREATE TABLE readings (id int, at3 timestamp(3), at6 timestamp, tz timestamptz, day date, t time, ms bigint, label text)` in a time.precision.mode. */
function readings(mode: TimePrecisionMode, texts: (string | null)[]): ChangeEvent {
  const base = (name: keyof typeof PG_OID): PgType => ({ oid: PG_OID[name], schema: 'pg_catalog', name, kind: 'base' });
  const names = ['int4', 'timestamp', 'timestamptz', 'date', 'time', 'int8', 'text'] as const;
  const column = (name: string, type: (typeof names)[number], typeMod = -1) => ({ name, typeOid: PG_OID[type], typeMod, notNull: name === 'id' });
  const table = buildTableSchema(
    {
      schema: 'public',
      name: 'readings',
      replicaIdentity: 'default',
      keyColumns: ['id'],
      columns: [column('id', 'int4'), column('at3', 'timestamp', 3), column('at6', 'timestamp'), column('tz', 'timestamptz'), column('day', 'date'), column('t', 'time'), column('ms', 'int8'), column('label', 'text')],
    },
    new Map(names.map((name) => [PG_OID[name], base(name)])),
    { topicPrefix: 'lab', typeMapping: { ...DEFAULT_TYPE_MAPPING, timePrecisionMode: mode }, unavailableValuePlaceholder: '__debezium_unavailable_value', excludeColumn: () => false },
  );
  const origin: EventOrigin = { commitTimeUs: 1_709_633_730_123_456, txId: 5, lsn: 1000, lastCommitLsn: 900, snapshot: 'false', transaction: null };
  return new EventBuilder('lab', 'app').change(table, 'c', table.key(table.row(texts)), null, table.row(texts), origin);
}

const ROW = ['1', '2024-03-05 09:00:00.25', '2024-03-05 09:00:00.250001', '2024-03-05 09:00:00.5+00', '2024-03-07', '13:05:09', '1709629200250', 'x'];

describe('timestamp extractors', () => {
  it('Record takes the event\'s commit time and Wallclock the clock', () => {
    expect(createTimestampExtractor('Record', null)(sink(created))).toBe(at('2024-03-05T10:15:30.123Z'));
    let now = 1_700_000_000_000;
    const wallclock = createTimestampExtractor('Wallclock', null, () => now++);
    expect([wallclock(sink(created)), wallclock(sink(tombstone))]).toEqual([1_700_000_000_000, 1_700_000_000_001]);
  });

  it('RecordField reads the after row of creates and updates, and the before row of deletes', () => {
    expect(field('placed_at')(sink(created))).toBe(at('2024-03-05T09:00:00.500Z'));
    expect(field('updated_at')(sink(created))).toBe(at('2024-03-05T09:00:00.250Z'));
    expect(field('updated_at')(sink(updated))).toBe(at('2024-03-05T10:15:30.123Z'));
    expect(field('ship_date')(sink(updated))).toBe(at('2024-03-07T00:00:00Z'));
    // REPLICA IDENTITY FULL: the old row is whole; its updated_at is the paid row's.
    expect(field('updated_at')(sink(deletedFullRow))).toBe(at('2024-03-05T10:15:30.123Z'));
  });

  it('RecordField reads every timestamp and date encoding of every time.precision.mode', () => {
    const adaptive = sink(readings('adaptive', ROW));
    expect(['at3', 'at6', 'tz', 'day', 'ms'].map((name) => new Date(field(name)(adaptive)).toISOString())).toEqual([
      '2024-03-05T09:00:00.250Z', // io.debezium.time.Timestamp, ms
      '2024-03-05T09:00:00.250Z', // io.debezium.time.MicroTimestamp, µs floored
      '2024-03-05T09:00:00.500Z', // io.debezium.time.ZonedTimestamp
      '2024-03-07T00:00:00.000Z', // io.debezium.time.Date, days
      '2024-03-05T09:00:00.250Z', // plain int64, ms
    ]);
    const connect = sink(readings('connect', ROW));
    expect(['at3', 'at6', 'day'].map((name) => new Date(field(name)(connect)).toISOString())).toEqual(['2024-03-05T09:00:00.250Z', '2024-03-05T09:00:00.250Z', '2024-03-07T00:00:00.000Z']);
    const iso = sink(readings('isostring', ROW));
    expect(['at3', 'at6', 'tz', 'day'].map((name) => new Date(field(name)(iso)).toISOString())).toEqual([
      '2024-03-05T09:00:00.250Z',
      '2024-03-05T09:00:00.250Z',
      '2024-03-05T09:00:00.500Z',
      '2024-03-07T00:00:00.000Z',
    ]);
    const before1970 = sink(readings('adaptive', ['1', '1969-12-31 23:59:59.999', '1969-12-31 23:59:59.999999', null, '1960-02-29', null, '-1', null]));
    expect(['at3', 'at6', 'day', 'ms'].map((name) => field(name)(before1970))).toEqual([-1, -1, Date.UTC(1960, 1, 29), -1]);
  });

  it('RecordField reads flat rows of the unwrap transform, schemaless rows and nested fields', () => {
    const flat = createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, {}).apply(created)!;
    expect(field('placed_at')(sink(flat))).toBe(at('2024-03-05T09:00:00.500Z'));
    const schemaless: ChangeEvent = { ...created, keySchema: null, valueSchema: null };
    expect(field('placed_at')(sink(schemaless))).toBe(at('2024-03-05T09:00:00.500Z'));
    const nestedSchema: ConnectSchema = {
      type: 'struct',
      optional: false,
      name: 'app.Value',
      fields: [
        { field: 'audit', type: 'struct', optional: true, fields: [{ field: 'changed_at', type: 'int64', optional: true, name: 'io.debezium.time.NanoTimestamp' }] },
        { field: 'audit.changed_at', type: 'string', optional: true },
      ],
    };
    const nested: ChangeEvent = { ...created, valueSchema: nestedSchema, value: { audit: { changed_at: 1_709_629_200_250_999_999n }, 'audit.changed_at': null } };
    // A field named with the dotted name wins over the path.
    expect(() => field('audit.changed_at')(sink(nested))).toThrow('has no value for timestamp.field "audit.changed_at"');
    const pathOnly: ChangeEvent = { ...nested, valueSchema: { ...nestedSchema, fields: nestedSchema.fields!.slice(0, 1) }, value: { audit: { changed_at: 1_709_629_200_250_999_999n } } };
    expect(field('audit.changed_at')(sink(pathOnly))).toBe(at('2024-03-05T09:00:00.250Z'));
    const isoTexts: ChangeEvent = { ...created, valueSchema: null, value: { a: '2024-03-05T10:00:00+01:00', b: '2024-03-05 09:00:00.25', c: '2024-03-05', d: '2024-03-05T14:30+0530' } };
    expect(['a', 'b', 'c', 'd'].map((name) => new Date(field(name)(sink(isoTexts))).toISOString())).toEqual([
      '2024-03-05T09:00:00.000Z',
      '2024-03-05T09:00:00.250Z',
      '2024-03-05T00:00:00.000Z',
      '2024-03-05T09:00:00.000Z',
    ]);
  });

  it('RecordField names the record, the field and the fix when there is no usable time', () => {
    expect(thrownBy(() => field('updated_at')(sink(deleted))).message).toBe(
      'Record shop.public.orders-0@7 has no value for timestamp.field "updated_at" (null in the before row; a delete carries its whole old row only with REPLICA IDENTITY FULL): timestamp.extractor=RecordField needs one in every record; choose a NOT NULL column, or use timestamp.extractor=Record.',
    );
    expect(thrownBy(() => field('at3')(sink(readings('adaptive', ['1', null, null, null, null, null, null, null])))).message).toBe(
      'Record lab.public.readings-0@7 has no value for timestamp.field "at3" (null in the after row): timestamp.extractor=RecordField needs one in every record; choose a NOT NULL column, or use timestamp.extractor=Record.',
    );
    expect(thrownBy(() => field('placed')(sink(created, 9))).message).toBe(
      'timestamp.field "placed" is not a field of the after row of record shop.public.orders-0@9 (its fields: id, customer, total, status, placed_at, updated_at, shipped, ship_date): set timestamp.field to one of them.',
    );
    expect(thrownBy(() => field('placed_at')(sink(truncated))).message).toBe(
      'Record shop.public.orders-0@7 is a truncate, which has no row, so timestamp.extractor=RecordField finds no timestamp.field "placed_at" in it: use timestamp.extractor=Record, or keep such records from this sink.',
    );
    expect(thrownBy(() => field('placed_at')(sink(tombstone))).message).toContain('Record shop.public.orders-0@7 is a tombstone (null value), so timestamp.extractor=RecordField finds no');
    expect(thrownBy(() => field('placed_at')(sink(message))).message).toContain('Record shop.message-0@7 is not a row change (its value is io.debezium.connector.postgresql.MessageValue), so');
    expect(thrownBy(() => field('placed_at')(sink({ ...message, valueSchema: null }))).message).toContain('Record shop.message-0@7 is a logical decoding message, which has no row, so');
    const flat = createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, {}).apply(created)!;
    expect(thrownBy(() => field('placed')(sink(flat))).message).toContain('timestamp.field "placed" is not a field of the row of record shop.public.orders-0@7');
  });

  it('RecordField refuses values that are no point in time', () => {
    const row = sink(readings('adaptive', ROW));
    expect(thrownBy(() => field('t')(row)).message).toBe('timestamp.field "t" of record lab.public.readings-0@7 holds 47109000000, a time of day (io.debezium.time.MicroTime), not a point in time.');
    expect(thrownBy(() => field('id')(row)).message).toBe(
      'timestamp.field "id" of record lab.public.readings-0@7 holds 1, of type int32, which holds no timestamp (use an int64 of milliseconds, a Debezium or Connect timestamp or date, or ISO-8601 text).',
    );
    expect(thrownBy(() => field('label')(row)).message).toBe('timestamp.field "label" of record lab.public.readings-0@7 holds "x", not an ISO-8601 date or timestamp.');
    const infinite = sink(readings('adaptive', ['1', 'infinity', '-infinity', 'infinity', null, null, null, null]));
    expect(thrownBy(() => field('at6')(infinite)).message).toBe('timestamp.field "at6" of record lab.public.readings-0@7 holds -9223372036832400000, too far from now to name a partition (an infinity?).');
    expect(thrownBy(() => field('tz')(infinite)).message).toBe('timestamp.field "tz" of record lab.public.readings-0@7 holds "infinity", not an ISO-8601 date or timestamp.');
    const badDates: ChangeEvent = { ...created, valueSchema: null, value: { feb30: '2024-02-30', fraction: 17.5 } };
    expect(thrownBy(() => field('feb30')(sink(badDates))).message).toContain('holds "2024-02-30", not an ISO-8601 date or timestamp');
    expect(thrownBy(() => field('fraction')(sink(badDates))).message).toContain('holds 17.5, not a whole number');
    expect(thrownBy(() => field('fraction')(sink(badDates))).code).toBe('S3_RECORD_TIMESTAMP');
  });
});
