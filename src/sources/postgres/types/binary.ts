/**
 * bytea and bit strings: Postgres text to Debezium's values.
 *
 * - bytea (bytea_output=hex, "\x0102ff") per binary.handling.mode: `bytes` is a Connect bytes value,
 *   which JsonConverter writes as base64; `base64` the same text in a string schema;
 *   `base64-url-safe` Java's URL-safe alphabet, padding kept; `hex` lower-case hex.
 * - bit(1) and varbit(1) are booleans; longer bit strings are io.debezium.data.Bits bytes holding the
 *   bit string as a little-endian number (the last bit is bit 0 of the first byte), in as few bytes
 *   as its highest set bit needs, as Debezium's BitSet.toByteArray() has it ("101" -> [0x05], all
 *   zeros -> no bytes).
 * Factories run once per column; converters per value, without blocking.
 */
import { plain, semantic, type ValueMapping } from './connect-schemas.js';

export type BinaryHandlingMode = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';

export function byteaMapping(mode: BinaryHandlingMode): ValueMapping {
  switch (mode) {
    case 'bytes':
      return { schema: plain('bytes'), convert: byteaBase64 };
    case 'base64':
      return { schema: plain('string'), convert: byteaBase64 };
    case 'base64-url-safe':
      return { schema: plain('string'), convert: (text) => byteaBase64(text).replaceAll('+', '-').replaceAll('/', '_') };
    case 'hex':
      return { schema: plain('string'), convert: (text) => text.slice(2) };
  }
}

export function bitsMapping(length: number): ValueMapping {
  if (length <= 1) return { schema: plain('boolean'), convert: (text) => text.includes('1') };
  return { schema: semantic('bytes', 'io.debezium.data.Bits', { length: String(length) }), convert: bitsBase64 };
}

function byteaBase64(text: string): string {
  return Buffer.from(text.slice(2), 'hex').toString('base64');
}

function bitsBase64(text: string): string {
  const first = text.indexOf('1');
  if (first < 0) return '';
  const last = text.length - 1;
  const bytes = Buffer.alloc((last - first + 8) >> 3);
  for (let i = first; i <= last; i++) {
    if (text.charCodeAt(i) === 49) {
      const bit = last - i;
      bytes[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return bytes.toString('base64');
}
