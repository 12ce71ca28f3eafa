/**
 * Log sequence numbers. Postgres prints an LSN as two hex halves (`16/B374D848`); we carry it as a
 * JS number, exact up to 2^53 bytes of WAL (8 PiB), which is also how Debezium's `source.lsn` is typed.
 */
export type Lsn = number;

const HALF = 0x1_0000_0000;

export function parseLsn(text: string): Lsn {
  const slash = text.indexOf('/');
  if (slash < 0) throw new Error(`not an LSN: ${text}`);
  const high = Number.parseInt(text.slice(0, slash), 16);
  const low = Number.parseInt(text.slice(slash + 1), 16);
  if (!Number.isFinite(high) || !Number.isFinite(low)) throw new Error(`not an LSN: ${text}`);
  return high * HALF + low;
}

export function formatLsn(lsn: Lsn): string {
  const high = Math.floor(lsn / HALF);
  const low = lsn - high * HALF;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}

/** Reads a 64-bit LSN from a protocol buffer. */
export function readLsn(buffer: Buffer, offset: number): Lsn {
  return buffer.readUInt32BE(offset) * HALF + buffer.readUInt32BE(offset + 4);
}

/** Writes a 64-bit LSN into a protocol buffer. */
export function writeLsn(buffer: Buffer, lsn: Lsn, offset: number): void {
  const high = Math.floor(lsn / HALF);
  buffer.writeUInt32BE(high, offset);
  buffer.writeUInt32BE(lsn - high * HALF, offset + 4);
}
