import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, isMarker, MARKER_PREFIX, startCapture } from '../../../test/support/capture.js';
import { readParquet } from '../../../test/support/duckdb.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import { openTextFixture, type TextFixture } from '../../../test/support/type-fixture.js';
import { ConfigError, SluiceError } from '../../errors.js';
import type { ChangeEvent, ConnectField, ConnectSchema, Row } from '../../events.js';
import { EventBuilder, type EventOrigin } from '../../sources/postgres/event-builder.js';
import { numericMapping } from '../../sources/postgres/types/numeric.js';
import { envelopeSchema, type TableSchema } from '../../sources/postgres/table-schema.js';
import { parquetLayout, type LayoutOptions, type ParquetLayout } from './parquet-columns.js';
import { parquetCompression } from './parquet-codecs.js';
import { ParquetSpoolFile } from './parquet-spool-file.js';

const OPTIONS: LayoutOptions = { metadataFieldPrefix: '__', unavailableValuePlaceholder: '__debezium_unavailable_value', uuidType: 'uuid', timeType: 'time' };

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-columns-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes `values` into one file the way the sink does (the layout fitted to every value) and returns its path. */
async function writeValues(schema: ConnectSchema, values: unknown[]): Promise<string> {
  let layout: ParquetLayout | undefined;
  for (const value of values) layout = parquetLayout(schema, OPTIONS).fit(value, layout);
  const path = join(dir, `file-${files++}.parquet`);
  const file = await ParquetSpoolFile.create(path, layout!, { compression: await parquetCompression('snappy'), rowGroupRows: 1000 });
  for (const value of values) await file.append(layout!.rowOf(value)!);
  await file.finish();
  return path;
}

/** The source's envelope schema around a row of `fields`. */
function envelopeOf(name: string, fields: ConnectField[]): ConnectSchema {
  return envelopeSchema(name, { type: 'struct', optional: true, name: `${name}.Value`, fields });
}

const ORIGIN: EventOrigin = { commitTimeUs: 1768297171829031, txId: 769, lsn: 33837424, lastCommitLsn: null, snapshot: 'false', transaction: null };

/** Change events of `rows` built by the source's EventBuilder. */
function changeEvents(schema: ConnectSchema, rows: Row[]): ChangeEvent[] {
  const table = { schema: 'public', table: 'types', topic: 'test.public.types', keySchema: null, valueSchema: schema } as unknown as TableSchema;
  const builder = new EventBuilder('test', 'app');
  return rows.map((row) => builder.change(table, 'c', null, null, row, ORIGIN));
}

describe('every type, from the source\'s own column mapping to what DuckDB reads', () => {
  let fixture: TextFixture;
  beforeAll(async () => {
    fixture = await openTextFixture('parquet_types');
    await fixture.sql(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
  });
  afterAll(() => fixture.close());

  const COLUMNS: Record<string, string> = {
    small: 'int2', whole: 'int4', big: 'int8', single: 'float4', twice: 'float8', flag: 'boolean', note: 'text',
    price: 'numeric(10,2)', wide: 'numeric(18,4)', huge: 'numeric(38,10)', vast: 'numeric(50,5)', free: 'numeric', cash: 'money',
    day: 'date', stamp: 'timestamp(6)', stamp_ms: 'timestamp(3)', stamptz: 'timestamptz', clock: 'time', clock_ms: 'time(3)', clocktz: 'timetz',
    doc: 'jsonb', raw: 'json', id: 'uuid', blob: 'bytea', words: 'text[]', numbers: 'int4[]', grid: 'int4[]', amounts: 'numeric(5,1)[]',
    feeling: 'mood', span: 'interval', bits: 'bit(3)',
  };
  const ROWS = [
    [
      '-32768', '2147483647', '9223372036854775807', "'NaN'", "'-Infinity'", 'true', "'héllo'",
      '-12345678.91', '99999999999999.9999', "'-9999999999999999999999999999.9999999999'", "'123456789012345678901234567890123456789012345.12345'", "'-1234.5000'", "'1234.50'",
      "'1969-12-31'", "'1969-12-31 23:59:59.999999'", "'2024-01-02 03:04:05.123'", "'2024-01-02 03:04:05.123456+02'", "'13:51:30.123456'", "'13:51:30.123'", "'10:15:30.123456+02'",
      `'{"b": [1, 2], "a": 12345678901234567890}'`, `'{"x" :  1.50}'`, "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'\\x0001ff'", `ARRAY['a b', NULL, '']`, "'{1,NULL,-3}'", "'{{1,2},{3,NULL}}'", "'{1.5,NULL,-0.1}'",
      "'happy'", "'1 day 02:00:00'", "B'101'",
    ],
    [
      '1', '-1', '-9007199254740993', '1.5', "'Infinity'", 'false', "''",
      '0.05', '-1.0001', '0', "'-0.00001'", "'100'", "'-0.01'",
      "'0044-03-15 BC'", "'9999-12-31 23:59:59.999999'", "'1900-01-01 00:00:00.001'", "'1900-06-01 00:00:00.000001+00'", "'24:00:00'", "'00:00:00'", "'00:00:00+00'",
      `'[]'`, `'null'`, "'00000000-0000-0000-0000-000000000000'", "''", `'{}'`, "'{}'", "'{{7}}'", "'{}'",
      "'sad'", "'-3 seconds'", "B'000'",
    ],
    Object.keys(COLUMNS).map(() => 'NULL'),
  ];

  it('has the exact values and the DuckDB types of the Parquet spec\'s mapping', async () => {
    const read = await fixture.read(COLUMNS, ROWS);
    const names = Object.keys(COLUMNS);
    const schema = envelopeOf('test.public.types', names.map((name) => read[name]!.field));
    const rows = ROWS.map((_, r) => Object.fromEntries(names.map((name) => [name, read[name]!.values()[r]])));
    const path = await writeValues(schema, changeEvents(schema, rows).map((e) => e.value));

    const { types, rows: back } = await readParquet(path);
    expect(types).toEqual({
      small: 'SMALLINT', whole: 'INTEGER', big: 'BIGINT', single: 'FLOAT', twice: 'DOUBLE', flag: 'BOOLEAN', note: 'VARCHAR',
      price: 'DECIMAL(10,2)', wide: 'DECIMAL(18,4)', huge: 'DECIMAL(38,10)', vast: 'VARCHAR', free: 'VARCHAR', cash: 'DECIMAL(38,2)',
      day: 'DATE', stamp: 'TIMESTAMP', stamp_ms: 'TIMESTAMP', stamptz: 'TIMESTAMP WITH TIME ZONE', clock: 'TIME', clock_ms: 'TIME', clocktz: 'TIME WITH TIME ZONE',
      doc: 'JSON', raw: 'JSON', id: 'UUID', blob: 'BLOB', words: 'VARCHAR[]', numbers: 'INTEGER[]', grid: 'INTEGER[][]', amounts: 'DECIMAL(5,1)[]',
      feeling: 'VARCHAR', span: 'BIGINT', bits: 'BLOB',
      __op: 'VARCHAR', __lsn: 'BIGINT', __tx_id: 'BIGINT', __source_ts: 'TIMESTAMP WITH TIME ZONE', __snapshot: 'BOOLEAN', __table: 'VARCHAR', __unavailable: 'VARCHAR[]',
    });
    const metadata = { __op: 'c', __lsn: '33837424', __tx_id: '769', __source_ts: '2026-01-13 09:39:31.829031+00', __snapshot: false, __table: 'public.types', __unavailable: null };
    expect(back[0]).toEqual({
      small: -32768, whole: 2147483647, big: '9223372036854775807', single: 'NaN', twice: '-Infinity', flag: true, note: 'héllo',
      price: '-12345678.91', wide: '99999999999999.9999', huge: '-9999999999999999999999999999.9999999999',
      vast: '123456789012345678901234567890123456789012345.12345', free: '-1234.5', cash: '1234.50',
      day: '1969-12-31', stamp: '1969-12-31 23:59:59.999999', stamp_ms: '2024-01-02 03:04:05.123', stamptz: '2024-01-02 01:04:05.123456+00',
      clock: '13:51:30.123456', clock_ms: '13:51:30.123', clocktz: '08:15:30.123456+00',
      doc: '{"a": 12345678901234567890, "b": [1, 2]}', raw: '{"x" :  1.50}', id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', blob: '\\x00\\x01\\xFF',
      words: ['a b', null, ''], numbers: [1, null, -3], grid: [[1, 2], [3, null]], amounts: ['1.5', null, '-0.1'],
      feeling: 'happy', span: '93600000000', bits: '\\x05',
      ...metadata,
    });
    expect(back[1]).toEqual({
      small: 1, whole: -1, big: '-9007199254740993', single: 1.5, twice: 'Infinity', flag: false, note: '',
      price: '0.05', wide: '-1.0001', huge: '0.0000000000', vast: '-0.00001', free: '100', cash: '-0.01',
      day: '0044-03-15 (BC)', stamp: '9999-12-31 23:59:59.999999', stamp_ms: '1900-01-01 00:00:00.001', stamptz: '1900-06-01 00:00:00.000001+00',
      clock: '24:00:00', clock_ms: '00:00:00', clocktz: '00:00:00+00',
      doc: '[]', raw: 'null', id: '00000000-0000-0000-0000-000000000000', blob: '', words: [], numbers: [], grid: [[7]], amounts: [],
      feeling: 'sad', span: '-3000000', bits: '',
      ...metadata,
    });
    expect(back[2]).toEqual({ ...Object.fromEntries(names.map((name) => [name, null])), ...metadata });
  });

  it('keeps Debezium\'s numbers for infinite timestamps (beyond what DuckDB reads: checked with hyparquet)', async () => {
    const read = await fixture.read({ stamp: 'timestamp(6)', stamp_ms: 'timestamp(3)', stamptz: 'timestamptz' }, [
      ["'infinity'", "'infinity'", "'infinity'"],
      ["'-infinity'", "'-infinity'", "'-infinity'"],
    ]);
    const names = ['stamp', 'stamp_ms', 'stamptz'];
    const schema = envelopeOf('test.public.stamps', names.map((name) => read[name]!.field));
    const rows = [0, 1].map((r) => Object.fromEntries(names.map((name) => [name, read[name]!.values()[r]])));
    const path = await writeValues(schema, changeEvents(schema, rows).map((e) => e.value));
    const raw = (micros: bigint) => micros;
    const back = await parquetReadObjects({
      file: await asyncBufferFromFile(path),
      columns: names,
      parsers: { timestampFromMicroseconds: raw, timestampFromMilliseconds: raw, timestampFromNanoseconds: raw },
    });
    expect(back).toEqual([
      { stamp: 9223372036825200000n, stamp_ms: 9223372036825200n, stamptz: 9223372036825200000n },
      { stamp: -9223372036832400000n, stamp_ms: -9223372036832400n, stamptz: -9223372036832400000n },
    ]);
  });
});

/** The text DuckDB shows for a TIMESTAMP WITH TIME ZONE of `micros` since the epoch (session in UTC). */
function utcTimestampText(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  const fraction = String(micros % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

describe('real change events captured from Postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('parquet_events');
  });
  afterAll(() => db.drop());

  it('give one row per event: the after image (the before image of a delete, none for a truncate), the metadata, and unchanged TOAST as null and listed (never a snapshot read\'s)', async () => {
    await db.sql(`CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text, amount numeric(10,2), tags text[], seen timestamptz)`);
    // Stored out of line and uncompressed, so an UPDATE that leaves it alone does not log it.
    await db.sql(`ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL`);
    const body = `(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 200) g)`;
    await db.sql(`INSERT INTO docs VALUES (1, 'first', ${body}, 12.50, '{a,b}', '2024-01-02 03:04:05.123456+00')`);
    // A snapshot read holds every value: text that reads like the placeholder is data.
    await db.sql(`INSERT INTO docs VALUES (0, 'quoted', '__debezium_unavailable_value', NULL, '{}', NULL)`);
    const capture = await startCapture(db.url, { 'slot.name': 'parquet_events', 'table.include.list': 'public.docs', 'skipped.operations': 'none' });
    try {
      await db.sql(`UPDATE docs SET title = 'renamed' WHERE id = 1`);
      await db.sql(`INSERT INTO docs VALUES (2, 'second', 'short', -0.5, '{}', NULL)`);
      await db.sql(`DELETE FROM docs WHERE id = 2`);
      await db.sql(`TRUNCATE docs`);
      await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
      const events = (await capture.untilMarker('end')).filter((e) => !isMarker(e) && e.value !== null);
      expect(events.map((e) => envelope(e).op)).toEqual(['r', 'r', 'u', 'c', 'd', 't']);
      expect(envelope(events[2]!).after!['body']).toBe('__debezium_unavailable_value');

      const path = await writeValues(events[0]!.valueSchema!, events.map((e) => e.value));
      const { types, rows } = await readParquet(path);
      expect(Object.entries(types)).toEqual([
        ['id', 'INTEGER'], ['title', 'VARCHAR'], ['body', 'VARCHAR'], ['amount', 'DECIMAL(10,2)'], ['tags', 'VARCHAR[]'], ['seen', 'TIMESTAMP WITH TIME ZONE'],
        ['__op', 'VARCHAR'], ['__lsn', 'BIGINT'], ['__tx_id', 'BIGINT'], ['__source_ts', 'TIMESTAMP WITH TIME ZONE'], ['__snapshot', 'BOOLEAN'], ['__table', 'VARCHAR'], ['__unavailable', 'VARCHAR[]'],
      ]);
      const [bodyText] = await db.sql<{ text: string }>(`SELECT ${body} AS text`);
      const metadata = (e: ChangeEvent) => {
        const source = envelope(e).source;
        return { __op: envelope(e).op, __lsn: String(source.lsn), __tx_id: String(source.txId), __source_ts: utcTimestampText(source.ts_us), __table: 'public.docs' };
      };
      const nothing = { id: null, title: null, body: null, amount: null, tags: null, seen: null };
      expect(rows).toEqual([
        { id: 0, title: 'quoted', body: '__debezium_unavailable_value', amount: null, tags: [], seen: null, ...metadata(events[0]!), __snapshot: true, __unavailable: null },
        { id: 1, title: 'first', body: bodyText!.text, amount: '12.50', tags: ['a', 'b'], seen: '2024-01-02 03:04:05.123456+00', ...metadata(events[1]!), __snapshot: true, __unavailable: null },
        { id: 1, title: 'renamed', body: null, amount: '12.50', tags: ['a', 'b'], seen: '2024-01-02 03:04:05.123456+00', ...metadata(events[2]!), __snapshot: false, __unavailable: ['body'] },
        { id: 2, title: 'second', body: 'short', amount: '-0.50', tags: [], seen: null, ...metadata(events[3]!), __snapshot: false, __unavailable: null },
        { ...nothing, id: 2, ...metadata(events[4]!), __snapshot: false, __unavailable: null },
        { ...nothing, ...metadata(events[5]!), __snapshot: false, __unavailable: null },
      ]);
    } finally {
      await capture.stop();
    }
  });
});

describe('a flat row (the Value struct after ExtractNewRecordState)', () => {
  const decimal = (scale: number, precision: number): ConnectSchema => ({ type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: String(scale), 'connect.decimal.precision': String(precision) } });
  const named = (type: ConnectSchema['type'], name: string): ConnectSchema => ({ type, optional: true, name, version: 1 });
  const schema: ConnectSchema = {
    type: 'struct',
    optional: false,
    name: 'test.public.flat.Value',
    fields: [
      { field: 'id', type: 'int64', optional: false },
      { field: 'tiny', type: 'int8', optional: true },
      { field: 'nano_stamp', ...named('int64', 'io.debezium.time.NanoTimestamp') },
      { field: 'nano_time', ...named('int64', 'io.debezium.time.NanoTime') },
      { field: 'connect_stamp', ...named('int64', 'org.apache.kafka.connect.data.Timestamp') },
      { field: 'connect_day', ...named('int32', 'org.apache.kafka.connect.data.Date') },
      { field: 'connect_time', ...named('int32', 'org.apache.kafka.connect.data.Time') },
      { field: 'zoned', ...named('string', 'io.debezium.time.ZonedTimestamp') },
      { field: 'small_decimal', ...decimal(3, 9) },
      { field: 'scale_over_precision', ...decimal(5, 2) },
      { field: 'negative_scale', ...decimal(-2, 5) },
      { field: 'location', type: 'struct', optional: true, name: 'io.debezium.data.geometry.Point', fields: [{ field: 'x', type: 'double', optional: false }, { field: 'y', type: 'double', optional: false }, { field: 'wkb', type: 'bytes', optional: true }] },
      { field: 'labels', type: 'map', optional: true, keys: { type: 'string', optional: false }, values: { type: 'int64', optional: true } },
      { field: 'numbers', type: 'array', optional: true, items: { type: 'struct', optional: true, name: 'io.debezium.data.VariableScaleDecimal', fields: [{ field: 'scale', type: 'int32', optional: false }, { field: 'value', type: 'bytes', optional: false }] } },
      { field: 'states', type: 'array', optional: true, items: { type: 'string', optional: false, name: 'io.debezium.data.Enum', version: 1 } },
      { field: 'matrix', type: 'array', optional: true, items: { type: 'array', optional: true, items: { type: 'int16', optional: true } } },
      { field: 'payload', type: 'bytes', optional: true },
      { field: '__deleted', type: 'string', optional: true },
    ],
  };
  const placeholder = OPTIONS.unavailableValuePlaceholder;
  /** A Connect Decimal's value as the source encodes numeric(precision, scale). */
  const precise = (text: string, precision: number, scale: number) => numericMapping('n', precision, scale, 'precise').convert(text);
  const values = [
    {
      id: 9007199254740993n, tiny: -128, nano_stamp: -1, nano_time: 86_399_999_999_999, connect_stamp: -86_400_001, connect_day: -719528, connect_time: 86_399_999,
      zoned: '-0043-03-15T23:59:59.1234567+05:30', small_decimal: precise('-123456.789', 9, 3), scale_over_precision: precise('0.00099', 2, 5),
      negative_scale: precise('1234500', 5, -2), location: { x: 1.5, y: -2, wkb: 'AQ==' }, labels: { a: 1, b: 9007199254740993n },
      numbers: [{ scale: 2, value: Buffer.from([0xff, 0x85]).toString('base64') }, null], states: ['on', 'off'], matrix: [[1, null], [3, 4]], payload: 'AAEC', __deleted: 'false',
    },
    {
      id: 2, tiny: null, nano_stamp: null, nano_time: null, connect_stamp: null, connect_day: null, connect_time: null, zoned: '+10000-01-01T00:00:00Z',
      small_decimal: null, scale_over_precision: null, negative_scale: null, location: null, labels: {}, numbers: [placeholder], states: [], matrix: [], payload: Buffer.from(placeholder).toString('base64'), __deleted: placeholder,
    },
  ];

  it('gives its own columns only, typed like the envelope\'s, with placeholders (text, bytes, array forms) as null', async () => {
    const layout = parquetLayout(schema, OPTIONS);
    expect(layout.kind).toBe('row');
    const { types, rows } = await readParquet(await writeValues(schema, values));
    // The test reader (DuckDB 1.5.5) reads a TIME(NANOS) column as TIME, to the microsecond; 1.5.6 reads TIME_NS.
    expect(types).toEqual({
      id: 'BIGINT', tiny: 'TINYINT', nano_stamp: 'TIMESTAMP_NS', nano_time: 'TIME', connect_stamp: 'TIMESTAMP', connect_day: 'DATE', connect_time: 'TIME',
      zoned: 'TIMESTAMP WITH TIME ZONE', small_decimal: 'DECIMAL(9,3)', scale_over_precision: 'DECIMAL(5,5)', negative_scale: 'DECIMAL(7,0)', location: 'JSON', labels: 'JSON',
      numbers: 'VARCHAR[]', states: 'VARCHAR[]', matrix: 'SMALLINT[][]', payload: 'BLOB', __deleted: 'VARCHAR',
    });
    expect(rows).toEqual([
      {
        id: '9007199254740993', tiny: -128, nano_stamp: '1969-12-31 23:59:59.999999999', nano_time: '23:59:59.999999', connect_stamp: '1969-12-30 23:59:59.999',
        connect_day: '0000-01-01', connect_time: '23:59:59.999', zoned: '0044-03-15 (BC) 18:29:59.123456+00', small_decimal: '-123456.789', scale_over_precision: '0.00099',
        negative_scale: '1234500', location: '{"x":1.5,"y":-2,"wkb":"AQ=="}', labels: '{"a":1,"b":9007199254740993}', numbers: ['-1.23', null], states: ['on', 'off'],
        matrix: [[1, null], [3, 4]], payload: '\\x00\\x01\\x02', __deleted: 'false',
      },
      {
        id: '2', tiny: null, nano_stamp: null, nano_time: null, connect_stamp: null, connect_day: null, connect_time: null, zoned: '10000-01-01 00:00:00+00',
        small_decimal: null, scale_over_precision: null, negative_scale: null, location: null, labels: '{}', numbers: null, states: [], matrix: [], payload: null, __deleted: null,
      },
    ]);
  });
});

describe('layouts', () => {
  const fields = (...extra: ConnectField[]): ConnectField[] => [
    { field: 'id', type: 'int32', optional: false },
    { field: 'grid', type: 'array', optional: true, items: { type: 'int32', optional: true } },
    ...extra,
  ];
  const schema = envelopeOf('test.public.t', fields());
  const event = (grid: unknown) => changeEvents(schema, [{ id: 1, grid }])[0]!.value;

  it('are compiled once per schema object, with equal fingerprints for equal schemas and different ones for a changed column', () => {
    expect(parquetLayout(schema, OPTIONS)).toBe(parquetLayout(schema, OPTIONS));
    const copy = JSON.parse(JSON.stringify(schema)) as ConnectSchema;
    expect(parquetLayout(copy, OPTIONS)).not.toBe(parquetLayout(schema, OPTIONS));
    expect(parquetLayout(copy, OPTIONS).fingerprint).toBe(parquetLayout(schema, OPTIONS).fingerprint);
    const added = envelopeOf('test.public.t', fields({ field: 'note', type: 'string', optional: true }));
    const retyped = envelopeOf('test.public.t', [{ field: 'id', type: 'int64', optional: false }, fields()[1]!]);
    const fingerprints = new Set([schema, added, retyped].map((s) => parquetLayout(s, OPTIONS).fingerprint));
    expect(fingerprints.size).toBe(3);
    expect(parquetLayout(schema, { ...OPTIONS, metadataFieldPrefix: '_meta_' }).fingerprint).not.toBe(parquetLayout(schema, OPTIONS).fingerprint);
  });

  it('deepen a list column for a multi-dimensional array, and keep the deeper layout for the file once it has one', () => {
    const flat = parquetLayout(schema, OPTIONS);
    expect(flat.fit(event([1, 2]))).toBe(flat);
    const deep = flat.fit(event([[1, 2], [3, 4]]), flat);
    expect(deep.fingerprint).not.toBe(flat.fingerprint);
    expect(deep.schema.filter((e) => e.name === 'list')).toHaveLength(3); // grid's two levels, __unavailable's one
    // A one-dimensional value after a two-dimensional one stays in the deeper file, wrapped.
    expect(flat.fit(event([5]), deep)).toBe(deep);
    expect(deep.rowOf(event([5]))!.slice(0, 2)).toEqual([1, [[5]]]);
    // Another schema object with the same columns follows the current file's depths too.
    const copy = parquetLayout(JSON.parse(JSON.stringify(schema)) as ConnectSchema, OPTIONS);
    expect(copy.fit(event([6]), deep).fingerprint).toBe(deep.fingerprint);
    // A layout that does not hold a value says so instead of writing it wrongly.
    expect(() => flat.rowOf(event([[1]]))).toThrow(/grid.*2-dimensional.*fit\(\)/);
  });

  it('refuse a missing schema, a value that is not a struct and a column named like a metadata column, naming the setting', () => {
    const missing = (() => parquetLayout(null, OPTIONS)) as () => unknown;
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(/value\.converter\.schemas\.enable=true/);
    expect(() => parquetLayout({ type: 'string', optional: false }, OPTIONS)).toThrow(ConfigError);
    const clash = envelopeOf('test.public.t', fields({ field: '__op', type: 'string', optional: true }));
    expect(() => parquetLayout(clash, OPTIONS)).toThrow(/"__op".*metadata\.field\.prefix/);
    expect(parquetLayout(clash, { ...OPTIONS, metadataFieldPrefix: '_sluice_' }).columns.map((c) => c.name)).toContain('_sluice_op');
  });

  it('name the column whose value its schema does not allow, and give no row for a tombstone', () => {
    const layout = parquetLayout(schema, OPTIONS);
    expect(layout.rowOf(null)).toBeNull();
    const bad = changeEvents(schema, [{ id: 'one', grid: null }])[0]!.value;
    expect(() => layout.rowOf(bad)).toThrow(SluiceError);
    expect(() => layout.rowOf(bad)).toThrow('Column "id" cannot be written to Parquet: expected an integer in [-2147483648, 2147483647], got "one".');
  });

  it('mark snapshot reads, and only them, as snapshot rows', () => {
    const table = { schema: 'public', table: 't', topic: 'test.public.t', keySchema: null, valueSchema: schema } as unknown as TableSchema;
    const builder = new EventBuilder('test', 'app');
    const layout = parquetLayout(schema, OPTIONS);
    const snapshotFlag = (snapshot: EventOrigin['snapshot']) => layout.rowOf(builder.change(table, 'r', null, null, { id: 1, grid: null }, { ...ORIGIN, snapshot }).value)!.at(-3);
    expect(['first', 'true', 'last', 'incremental', 'false'].map((s) => snapshotFlag(s as EventOrigin['snapshot']))).toEqual([true, true, true, true, false]);
  });
});
