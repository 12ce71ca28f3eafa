import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTextFixture, type TextFixture } from '../../../../test/support/type-fixture.js';

let fixture: TextFixture;

beforeAll(async () => {
  fixture = await openTextFixture('interval');
});

afterAll(async () => {
  await fixture.close();
});

// Expected values were computed with Debezium's own arithmetic (MicroDuration.durationMicros over a
// PGInterval, Interval.toIsoString) on a JVM.
const CASES: [interval: string, micros: number | bigint, iso: string][] = [
  ['1 year 2 months 3 days 4 hours 5 minutes 6.78 seconds', 37_091_106_780_000, 'P1Y2M3DT4H5M6.78S'],
  // a month is 365.25 / 12 = 30.4375 days
  ['1 month', 2_629_800_000_000, 'P0Y1M0DT0H0M0S'],
  ['1 month 0.1 seconds', 2_629_800_100_000, 'P0Y1M0DT0H0M0.1S'],
  ['-1 day -1.5 seconds', -86_401_500_000, 'P0Y0M-1DT0H0M-1.5S'],
  ['-1 year -2 months', -36_817_200_000_000, 'P-1Y-2M0DT0H0M0S'],
  ['-0.5 seconds', -500_000, 'P0Y0M0DT0H0M-0.5S'],
  ['100 hours', 360_000_000_000, 'P0Y0M0DT100H0M0S'],
  ['3 hours 3.000001 seconds', 10_803_000_001, 'P0Y0M0DT3H0M3.000001S'],
  ['5 years 59.999999 seconds', 157_788_059_999_999, 'P5Y0M0DT0H0M59.999999S'],
  ['0', 0, 'P0Y0M0DT0H0M0S'],
  // beyond a long Java's (long) cast saturates
  ['1000000 years', 9223372036854775807n, 'P1000000Y0M0DT0H0M0S'],
  // the JDBC driver's PGInterval reads these as a zero interval
  ['infinity', 0, 'P0Y0M0DT0H0M0S'],
];

describe('interval', () => {
  it('is a MicroDuration in µs with months of 365.25/12 days by default', async () => {
    const read = await fixture.read({ span: 'interval' }, CASES.map(([interval]) => [`'${interval}'`]));
    expect(read.span!.texts[0]).toBe('P1Y2M3DT4H5M6.78S');
    expect(read.span!.values()).toEqual(CASES.map(([, micros]) => micros));
    expect(read.span!.field).toMatchObject({ type: 'int64', optional: true, name: 'io.debezium.time.MicroDuration', version: 1 });
  });

  it('is an Interval string with every field written in string mode', async () => {
    const read = await fixture.read({ span: 'interval' }, CASES.map(([interval]) => [`'${interval}'`]), { intervalHandlingMode: 'string' });
    expect(read.span!.values()).toEqual(CASES.map(([, , iso]) => iso));
    expect(read.span!.field).toMatchObject({ type: 'string', name: 'io.debezium.time.Interval', version: 1 });
  });
});
