/**
 * parquet.uuid.type and parquet.time.type, through the S3 sink task to files DuckDB reads: real
 * Postgres uuid, time and timetz columns (and arrays of them), mapped by the source's own column
 * mapping, are written with the UUID and TIME logical types by default, and as canonical text and
 * plain integers equal to Postgres's own reading of them with `string` and `integer`; a layout's
 * fingerprint follows the choice, so a file never mixes the two.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectField, ConnectSchema } from '../../events.js';
import { readParquet, readParquetFooter } from '../../../test/support/duckdb.js';
import { openTextFixture, type TextFixture } from '../../../test/support/type-fixture.js';
import { parquetLayout, type LayoutOptions } from './parquet-columns.js';
import { field, startTask, visit, VISIT } from './s3-sink-task.fixture.js';

/** Postgres columns, and each one's values as SQL literals, row by row. */
const COLUMNS: Record<string, string> = { ref: 'uuid', refs: 'uuid[]', clock: 'time(6)', clock_ms: 'time(3)', clocktz: 'timetz', clocks: 'time[]' };
const ROWS = [
  ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'{00000000-0000-0000-0000-000000000000,FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}'", "'13:51:30.123456'", "'13:51:30.123'", "'10:15:30.123456+02'", "'{00:00:00.000001,NULL,24:00:00}'"],
  ["'{6ba7b810-9dad-11d1-80b4-00c04fd430c8}'", "ARRAY['6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid, NULL]", "'24:00:00'", "'00:00:00'", "'01:00:00+02'", "'{}'"],
  ["'6ba7b8129dad11d180b400c04fd430c8'", 'NULL', "'00:00:00'", "'23:59:59.999'", "'23:00:00.5-02'", "'{23:59:59.999999}'"],
  ['NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'],
];
/** A time(6) column read in time.precision.mode=connect (Connect's Time, in ms). */
const CONNECT_ROWS = [["'13:51:30.123456'"], ["'24:00:00'"], ["'00:00:00.000999'"], ['NULL']];
/** A NanoTime column: Postgres has no time finer than µs, so no source column maps to it; its value is made up. */
const NANO_FIELD = field('nano', { type: 'int64', name: 'io.debezium.time.NanoTime', version: 1 });
const NANOS = [86_399_999_999_999, 1, 0, null];

describe('parquet.uuid.type and parquet.time.type', () => {
  let fixture: TextFixture;
  let schema: ConnectSchema;
  let extras: Record<string, unknown>[];
  beforeAll(async () => {
    fixture = await openTextFixture('parquet_choices');
    const adaptive = await fixture.read(COLUMNS, ROWS);
    const connect = await fixture.read({ clock: 'time(6)' }, CONNECT_ROWS, { timePrecisionMode: 'connect' });
    const fields: ConnectField[] = [...Object.keys(COLUMNS).map((name) => adaptive[name]!.field), { ...connect['clock']!.field, field: 'connect_clock' }, NANO_FIELD];
    expect(fields.map((f) => f.name)).toEqual([
      'io.debezium.data.Uuid', undefined, 'io.debezium.time.MicroTime', 'io.debezium.time.Time', 'io.debezium.time.ZonedTime', undefined, 'org.apache.kafka.connect.data.Time', 'io.debezium.time.NanoTime',
    ]);
    schema = { ...VISIT, fields: [...VISIT.fields!, ...fields] };
    extras = ROWS.map((_, r) => ({
      ...Object.fromEntries(Object.keys(COLUMNS).map((name) => [name, adaptive[name]!.values()[r]])),
      connect_clock: connect['clock']!.values()[r],
      nano: NANOS[r],
    }));
  });
  afterAll(() => fixture.close());

  /** The lake's single file after the rows went through a sink task with `config`: its path, rows and types. */
  async function written(config: Record<string, string>) {
    const { task, lake } = await startTask(config);
    await task.put(extras.map((extra, i) => visit(i, 19_000, schema, extra)));
    await task.flush();
    await task.stop();
    const file = path.join(lake, '**', '*.parquet');
    const names = [...Object.keys(COLUMNS), 'connect_clock', 'nano'];
    return { file, ...(await readParquet(file, { select: names.join(', '), orderBy: 'id' })) };
  }

  /** What Postgres itself says of the same literals: uuids as its text, times as a number of `unit` since midnight (UTC for timetz). */
  async function postgresReading(): Promise<Record<string, unknown>[]> {
    const names = Object.keys(COLUMNS);
    const values = ROWS.map((row, r) => `(${row.map((literal, c) => `${literal}::${COLUMNS[names[c]!]}`).join(', ')}, ${CONNECT_ROWS[r]![0]}::time(6))`);
    const micros = (expression: string) => `(extract(epoch FROM ${expression}) * 1000000)::bigint`;
    const day = 86_400_000_000;
    const { rows } = await fixture.client.query<Record<string, string | null>>(
      `SELECT ref::text AS ref, array_to_json(refs)::text AS refs, ${micros('clock')}::text AS clock, (extract(epoch FROM clock_ms) * 1000)::int::text AS clock_ms,
              ((${micros('clocktz')} + ${day}) % ${day})::text AS clocktz,
              CASE WHEN clocks IS NOT NULL THEN array_to_json(ARRAY(SELECT ${micros('t')}::text FROM unnest(clocks) WITH ORDINALITY AS u(t, n) ORDER BY n))::text END AS clocks,
              floor(extract(epoch FROM connect_clock) * 1000)::int::text AS connect_clock
         FROM (VALUES ${values.join(', ')}) AS v(ref, refs, clock, clock_ms, clocktz, clocks, connect_clock)`,
    );
    const json = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));
    const int = (text: string | null) => (text === null ? null : Number(text));
    return rows.map((row, r) => ({
      ref: row['ref'], refs: json(row['refs']!), clock: row['clock'], clock_ms: int(row['clock_ms']!), clocktz: row['clocktz'],
      clocks: json(row['clocks']!), connect_clock: int(row['connect_clock']!), nano: NANOS[r] === null ? null : String(NANOS[r]),
    }));
  }

  it('writes the UUID and TIME logical types by default', { timeout: 60_000 }, async () => {
    const { file, types, rows } = await written({});
    expect(types).toEqual({ ref: 'UUID', refs: 'UUID[]', clock: 'TIME', clock_ms: 'TIME', clocktz: 'TIME WITH TIME ZONE', clocks: 'TIME[]', connect_clock: 'TIME', nano: 'TIME' });
    expect(rows[0]).toMatchObject({ ref: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', clock: '13:51:30.123456', clocktz: '08:15:30.123456+00' });
    const { schema: elements } = await readParquetFooter(file);
    expect(elements.filter((e) => e.logicalType?.startsWith('TimeType(')).map((e) => e.name)).toEqual(['clock', 'clock_ms', 'clocktz', 'element', 'connect_clock', 'nano']);
    expect(elements.filter((e) => e.logicalType === 'UUIDType()').map((e) => [e.name, e.type])).toEqual([['ref', 'FIXED_LEN_BYTE_ARRAY'], ['element', 'FIXED_LEN_BYTE_ARRAY']]);
  });

  it('writes uuids as Postgres\'s text and times as the plain numbers Postgres counts, in arrays too, with string and integer', { timeout: 60_000 }, async () => {
    const { file, types, rows } = await written({ 'parquet.uuid.type': 'string', 'parquet.time.type': 'integer' });
    expect(types).toEqual({ ref: 'VARCHAR', refs: 'VARCHAR[]', clock: 'BIGINT', clock_ms: 'INTEGER', clocktz: 'BIGINT', clocks: 'BIGINT[]', connect_clock: 'INTEGER', nano: 'BIGINT' });
    expect(rows).toEqual(await postgresReading());
    // Spot checks of the reading itself: 24:00:00 is a whole day, timetz counts from midnight UTC.
    expect(rows[1]).toMatchObject({ ref: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', clock: '86400000000', clocktz: '82800000000' });
    expect(rows[2]).toMatchObject({ clock_ms: 86_399_999, clocktz: '3600500000', connect_clock: 0 });
    const { schema: elements } = await readParquetFooter(file);
    const string = ['BYTE_ARRAY', 'UTF8', 'StringType()'];
    const list = [null, 'LIST', 'ListType()'];
    const plain = (type: string) => [type, null, null];
    // Past id, visited_on and body: no TIME or UUID logical type, nor a TIME_* converted type.
    expect(elements.slice(3).map((e) => [e.name, e.type, e.convertedType, e.logicalType])).toEqual([
      ['ref', ...string], ['refs', ...list], ['list', null, null, null], ['element', ...string],
      ['clock', ...plain('INT64')], ['clock_ms', ...plain('INT32')], ['clocktz', ...plain('INT64')],
      ['clocks', ...list], ['list', null, null, null], ['element', ...plain('INT64')],
      ['connect_clock', ...plain('INT32')], ['nano', ...plain('INT64')],
    ]);
  });

  it('gives a layout another fingerprint for each choice a column has, so that a file holds one', () => {
    const options: LayoutOptions = { metadataFieldPrefix: '__', unavailableValuePlaceholder: '__debezium_unavailable_value', uuidType: 'uuid', timeType: 'time' };
    const layouts = [options, { ...options, uuidType: 'string' as const }, { ...options, timeType: 'integer' as const }].map((o) => parquetLayout(schema, o));
    expect(new Set(layouts.map((l) => l.fingerprint)).size).toBe(3);
    // The open file's layout of another choice is not one a record may join.
    expect(layouts[1]!.fit(extras[0], layouts[0]).fingerprint).not.toBe(layouts[0]!.fingerprint);
    // Without uuid or time columns the files are the same either way.
    expect(parquetLayout(VISIT, { ...options, uuidType: 'string', timeType: 'integer' }).fingerprint).toBe(parquetLayout(VISIT, options).fingerprint);
  });

  it('writes the canonical text of a uuid in another form (another source\'s), and refuses text that is not a uuid, naming the column', () => {
    const layout = parquetLayout(schema, { metadataFieldPrefix: '__', unavailableValuePlaceholder: '__debezium_unavailable_value', uuidType: 'string', timeType: 'integer' });
    const row = (ref: string) => layout.rowOf({ ...(visit(0, 19_000, schema, extras[0]).value as object), ref });
    expect(layout.columns[3]!.name).toBe('ref');
    expect(row('A0EEBC999C0B4EF8BB6D6BB9BD380A11')![3]).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(() => row('a0eebc99-9c0b-4ef8-bb6d')).toThrow('Column "ref" cannot be written to Parquet: expected a UUID, got "a0eebc99-9c0b-4ef8-bb6d".');
  });
});
