import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn, readLsn, writeLsn } from './lsn.js';

describe('LSN', () => {
  it('parses and formats the textual form', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16 * 2 ** 32 + 0xb374d848);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(formatLsn(0)).toBe('0/0');
  });

  it('round-trips through the 64-bit protocol form', () => {
    const buffer = Buffer.alloc(8);
    const lsn = parseLsn('FFFF/FFFFFFFF');
    writeLsn(buffer, lsn, 0);
    expect(buffer.toString('hex')).toBe('0000ffffffffffff');
    expect(readLsn(buffer, 0)).toBe(lsn);
  });

  it('refuses text that is not an LSN', () => {
    expect(() => parseLsn('12345')).toThrow(/not an LSN/);
  });
});
