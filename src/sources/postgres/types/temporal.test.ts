import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('temporal');
});

afterAll(async () => {
  await fixture.close();
});

/** Integers Postgres computes itself, one per expression, as exact values. */
async function postgresIntegers(...expressions: string[]): Promise<(number | bigint)[]> {
  const { rows } = await fixture.client.query<string[]>({ text: `SELECT ${expressions.map((e) => `(${e})::text`).join(', ')}`, rowMode: 'array' });
  return rows[0]!.map((text) => (Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text)));
}

const epochMicros = (timestamp: string) => `(extract(epoch FROM '${timestamp}'::timestamp) * 1000000)::numeric(30,0)`;

describe('date', () => {
  const dates = ['2016-11-04', '1970-01-01', '0044-03-15 BC', '5874897-12-31', '4714-11-24 BC'];
  const rows = [...dates.map((d) => [`'${d}'`]), ["'infinity'"], ["'-infinity'"]];

  it('is days since the epoch (io.debezium.time.Date), infinities as Debezium reads them', async () => {
    const read = await fixture.read({ day: 'date' }, rows);
    const expected = await postgresIntegers(...dates.map((d) => `'${d}'::date - '1970-01-01'::date`));
    // Debezium reads 'infinity' as -5877611-06-21 and '-infinity' as -5877611-06-22 (LocalDate.toEpochDay)
    expect(read.day!.values()).toEqual([...expected, -2147472692, -2147472691]);
    expect(read.day!.values()[0]).toBe(Date.UTC(2016, 10, 4) / 86_400_000);
    expect(read.day!.field).toMatchObject({ type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1 });
  });

  it('is a Connect Date in connect mode and an IsoDate in isostring mode', async () => {
    const connect = await fixture.read({ day: 'date' }, rows, { timePrecisionMode: 'connect' });
    expect(connect.day!.values()[0]).toBe(17109);
    expect(connect.day!.field).toMatchObject({ type: 'int32', name: 'org.apache.kafka.connect.data.Date', version: 1 });

    const iso = await fixture.read({ day: 'date' }, rows, { timePrecisionMode: 'isostring' });
    expect(iso.day!.values()).toEqual(['2016-11-04Z', '1970-01-01Z', '-0043-03-15Z', '+5874897-12-31Z', '-4713-11-24Z', '-5877611-06-21Z', '-5877611-06-22Z']);
    expect(iso.day!.field).toMatchObject({ type: 'string', name: 'io.debezium.time.IsoDate', version: 1 });
  });
});

describe('time', () => {
  const columns = { plain: 'time', milli: 'time(3)', micro: 'time(6)' };
  const rows = [
    ["'13:51:30.123456'", "'13:51:30.123'", "'00:00:00.000001'"],
    ["'24:00:00'", "'24:00:00'", "'24:00:00'"],
  ];
  const at = (h: number, m: number, s: number) => ((h * 60 + m) * 60 + s) * 1_000_000;

  it('is MicroTime µs, or Time ms for precision up to 3, in adaptive mode', async () => {
    const read = await fixture.read(columns, rows);
    expect(read.plain!.values()).toEqual([at(13, 51, 30) + 123_456, 86_400_000_000]);
    expect(read.plain!.field).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTime', version: 1 });
    expect(read.milli!.values()).toEqual([at(13, 51, 30) / 1000 + 123, 86_400_000]);
    expect(read.milli!.field).toMatchObject({ type: 'int32', name: 'io.debezium.time.Time', version: 1 });
    expect(read.micro!.values()).toEqual([1, 86_400_000_000]);
  });

  it('is always MicroTime in adaptive_time_microseconds, Connect Time in connect, IsoTime in isostring', async () => {
    const micro = await fixture.read(columns, rows, { timePrecisionMode: 'adaptive_time_microseconds' });
    expect(micro.milli!.values()).toEqual([at(13, 51, 30) + 123_000, 86_400_000_000]);
    expect(micro.milli!.field).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTime' });

    const connect = await fixture.read(columns, rows, { timePrecisionMode: 'connect' });
    expect(connect.plain!.values()).toEqual([at(13, 51, 30) / 1000 + 123, 86_400_000]);
    expect(connect.plain!.field).toMatchObject({ type: 'int32', name: 'org.apache.kafka.connect.data.Time', version: 1 });

    const iso = await fixture.read(columns, rows, { timePrecisionMode: 'isostring' });
    expect(iso.plain!.values()).toEqual(['13:51:30.123456Z', '00:00:00Z']);
    expect(iso.micro!.values()).toEqual(['00:00:00.000001Z', '00:00:00Z']);
    expect(iso.plain!.field).toMatchObject({ type: 'string', name: 'io.debezium.time.IsoTime', version: 1 });
  });
});

describe('timetz', () => {
  it('is a ZonedTime string in UTC, with the end of the day kept as 24:00:00Z', async () => {
    const read = await fixture.read({ clock: 'timetz' }, [
      ["'13:51:30.123789+02:00'"],
      ["'13:51:30.120+02'"],
      ["'01:00:00+05:30'"],
      ["'24:00:00+00'"],
      ["'23:30:00-01'"],
    ]);
    expect(read.clock!.values()).toEqual(['11:51:30.123789Z', '11:51:30.12Z', '19:30:00Z', '24:00:00Z', '00:30:00Z']);
    expect(read.clock!.field).toMatchObject({ type: 'string', name: 'io.debezium.time.ZonedTime', version: 1 });
  });
});

describe('timestamp', () => {
  const stamps = ['2016-11-04 13:51:30.123456', '1936-10-25 22:10:12.608', '294247-01-01 23:59:59.999999', '4713-12-31 23:59:59.999999 BC'];
  const rows = [...stamps.map((s) => [`'${s}'`, `'${s}'`]), ["'infinity'", "'infinity'"], ["'-infinity'", "'-infinity'"]];
  const columns = { micro: 'timestamp', milli: 'timestamp(3)' };

  it('is MicroTimestamp µs (ms Timestamp up to precision 3), exact beyond 2^53, infinities per Debezium', async () => {
    const read = await fixture.read(columns, rows);
    const micros = await postgresIntegers(...stamps.map(epochMicros));
    expect(read.micro!.values()).toEqual([...micros, 9223372036825200000n, -9223372036832400000n]);
    // Debezium's own test expectations for the extremes
    expect(read.micro!.values()[2]).toBe(9223371331200000000n - 1n);
    expect(read.micro!.values()[3]).toBe(-210831897600000001n);
    expect(read.micro!.values()[0]).toBe(Date.UTC(2016, 10, 4, 13, 51, 30, 123) * 1000 + 456);
    expect(read.micro!.field).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTimestamp', version: 1 });

    // timestamp(3) rounds '...30.123456' to '...30.123' and the extremes to the next millisecond
    const millis = await postgresIntegers(...stamps.map((s) => `(extract(epoch FROM '${s}'::timestamp(3)) * 1000)::numeric(30,0)`));
    expect(read.milli!.values()).toEqual([...millis, 9223372036825200n, -9223372036832400n]);
    expect(read.milli!.values()[0]).toBe(Date.UTC(2016, 10, 4, 13, 51, 30, 123));
    expect(read.milli!.field).toMatchObject({ type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 });
  });

  it('is a Connect Timestamp in ms in connect mode and an IsoTimestamp in isostring mode', async () => {
    const connect = await fixture.read(columns, rows, { timePrecisionMode: 'connect' });
    expect(connect.micro!.values().slice(0, 2)).toEqual([Date.UTC(2016, 10, 4, 13, 51, 30, 123), Date.UTC(1936, 9, 25, 22, 10, 12, 608)]);
    expect(connect.micro!.field).toMatchObject({ type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 });

    const iso = await fixture.read(columns, rows, { timePrecisionMode: 'isostring' });
    expect(iso.micro!.values()).toEqual([
      '2016-11-04T13:51:30.123456Z',
      '1936-10-25T22:10:12.608Z',
      '+294247-01-01T23:59:59.999999Z',
      '-4712-12-31T23:59:59.999999Z',
      '+294247-01-10T04:00:25.2Z',
      '-290308-12-21T19:59:27.6Z',
    ]);
    expect(iso.micro!.field).toMatchObject({ type: 'string', name: 'io.debezium.time.IsoTimestamp', version: 1 });
  });
});

describe('timestamptz', () => {
  it('is a ZonedTimestamp in UTC with as many fraction digits as the column has', async () => {
    const read = await fixture.read({ micro: 'timestamptz', milli: 'timestamptz(3)', whole: 'timestamptz(0)' }, [
      ["'2016-11-04 13:51:30.123456+02'", "'2016-11-04 13:51:30.12+02'", "'2016-11-04 13:51:30+02'"],
      ["'21016-11-04 13:51:30+07'", "'2016-11-04 00:30:00+01'", "'2016-11-04 00:30:00.4-01'"],
      ["'294247-01-01 23:59:59.999999+00'", "'0044-03-15 12:00:00+00 BC'", "'4714-12-31 23:59:59+00 BC'"],
      ["'infinity'", "'-infinity'", "'infinity'"],
    ]);
    expect(read.micro!.values()).toEqual(['2016-11-04T11:51:30.123456Z', '+21016-11-04T06:51:30.000000Z', '+294247-01-01T23:59:59.999999Z', 'infinity']);
    expect(read.milli!.values()).toEqual(['2016-11-04T11:51:30.120Z', '2016-11-03T23:30:00.000Z', '-0043-03-15T12:00:00.000Z', '-infinity']);
    expect(read.whole!.values()).toEqual(['2016-11-04T11:51:30Z', '2016-11-04T01:30:00Z', '-4713-12-31T23:59:59Z', 'infinity']);
    expect(read.micro!.field).toMatchObject({ type: 'string', name: 'io.debezium.time.ZonedTimestamp', version: 1 });
  });

  it('is a ZonedTimestamp whatever the time precision mode', async () => {
    const read = await fixture.read({ stamp: 'timestamptz' }, [["'2016-11-04 13:51:30.5+00'"]], { timePrecisionMode: 'connect' });
    expect(read.stamp!.values()).toEqual(['2016-11-04T13:51:30.500000Z']);
    expect(read.stamp!.field.name).toBe('io.debezium.time.ZonedTimestamp');
  });
});
