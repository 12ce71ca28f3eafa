/**
 * ZonedTimestamp values to TIMESTAMP(MICROS, UTC): the digit-by-digit reading of the common UTC form
 * agrees with an independent count (Date.parse to the millisecond, then the remaining digits) for
 * any instant and fraction length, and every other form takes the general reading or is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parquetValueType } from './parquet-value-types.js';

const zoned = parquetValueType({ type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1 }, { uuidType: 'uuid', timeType: 'time' });

/** µs since the epoch of "YYYY-MM-DDTHH:MM:SS[.f]Z", counted by Date.parse for the milliseconds. */
function independentMicros(text: string): bigint {
  const [whole, fraction = ''] = text.slice(0, -1).split('.');
  const millis = Date.parse(`${whole}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
  return BigInt(millis) * 1000n + BigInt(fraction.padEnd(6, '0').slice(3, 6));
}

describe('ZonedTimestamp in Parquet', () => {
  it('reads the common UTC form exactly, whatever the instant and the number of fraction digits', () => {
    // Years 0000 to 9999, where Date.parse counts too.
    const instant = fc.bigInt({ min: -62_167_219_200_000_000n, max: 253_402_300_799_999_999n });
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 999 }), (micros, digits, nanos) => {
        const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
        const iso = new Date(Number(millis)).toISOString().slice(0, 19);
        const fractionMicros = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
        const fraction = (fractionMicros.toString().padStart(6, '0') + String(nanos).padStart(3, '0')).slice(0, digits);
        const text = `${iso}${digits > 0 ? `.${fraction}` : ''}Z`;
        expect(zoned.convert(text)).toBe(independentMicros(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads offsets, long and negative years and infinities the general way, and refuses text that is not a timestamp', () => {
    expect(zoned.convert('2024-01-02T01:04:05.123456+05:30')).toBe(independentMicros('2024-01-01T19:34:05.123456Z'));
    expect(zoned.convert('+10000-01-01T00:00:00Z')).toBe(253_402_300_800_000_000n);
    expect(zoned.convert('-0043-03-15T00:00:00Z')).toBe(BigInt(Date.UTC(-43, 2, 15)) * 1000n);
    expect(zoned.convert('infinity')).toBe(9223372036825200000n);
    for (const bad of ['2024-01-02T01:04:05.Z', '2024-01-0xT01:04:05Z', '2024-01-02T01:0x:05Z', '2024-01-02T01:04:05.12345678ZZ', '2024-01-02 01:04:05Z', '2024-01-02T01:04:05.1234567890Z']) {
      expect(() => zoned.convert(bad), bad).toThrow(/expected an ISO-8601 timestamp with offset/);
    }
  });
});
