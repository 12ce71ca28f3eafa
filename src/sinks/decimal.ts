/**
 * Decimals as Debezium sends them (a Connect Decimal: base64 of the unscaled value's big-endian
 * two's complement, with the scale in the schema; or a VariableScaleDecimal struct carrying its own
 * scale) turned into what a sink can hold without losing anything (OpenSearch documents, Parquet).
 *
 * `decimalText` is the exact value as plain decimal text ("5094.61", "-0.005", "1.50": the scale's
 * digits are kept). `decimalValue` is that text, or a JSON number when the number's shortest text
 * (what JSON.stringify writes and what OpenSearch parses back) is the same decimal value, so a
 * number never stands for a value it does not equal. Pure; called per value.
 */
import { BASE64_DIGITS, BASE64_PAD } from '../util/base64-alphabet.js';

/** The unscaled integer of a Connect Decimal's base64 bytes: a number up to 6 bytes, else a bigint. */
export function unscaledValue(base64: string): number | bigint {
  const small = smallUnscaledValue(base64);
  if (small !== undefined) return small;
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return 0;
  if (bytes.length <= 6) {
    let value = 0;
    for (const byte of bytes) value = value * 256 + byte;
    return bytes[0]! >= 0x80 ? value - 2 ** (8 * bytes.length) : value;
  }
  const value = BigInt(`0x${bytes.toString('hex')}`);
  return bytes[0]! >= 0x80 ? value - (1n << BigInt(8 * bytes.length)) : value;
}

/**
 * unscaledValue without a buffer for the common case: canonical padded base64 of one to six bytes
 * (at most 48 bits, exact in a number). Undefined for anything else, which the buffer path reads.
 */
function smallUnscaledValue(base64: string): number | undefined {
  const length = base64.length;
  if (length === 0 || length > 8 || length % 4 !== 0) return undefined;
  const padding = base64.charCodeAt(length - 1) !== BASE64_PAD ? 0 : base64.charCodeAt(length - 2) !== BASE64_PAD ? 1 : 2;
  let bits = 0;
  for (let i = 0; i < length - padding; i++) {
    const code = base64.charCodeAt(i);
    const digit = code < 128 ? BASE64_DIGITS[code]! : -1;
    if (digit < 0) return undefined;
    bits = bits * 64 + digit;
  }
  const bytes = (length / 4) * 3 - padding;
  // The last digit's low bits beyond the bytes are filler.
  const value = Math.floor(bits / 2 ** ((length - padding) * 6 - bytes * 8));
  return value >= 2 ** (bytes * 8 - 1) ? value - 2 ** (bytes * 8) : value;
}

export function decimalText(unscaled: number | bigint, scale: number): string {
  const negative = unscaled < 0;
  const digits = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  if (scale <= 0) return sign + (digits === '0' ? digits : digits + '0'.repeat(-scale));
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
}

/** The decimal as a JSON number when that is exact, else as its text (always text with `asText`). */
export function decimalValue(unscaled: number | bigint, scale: number, asText: boolean): number | string {
  if (!asText && typeof unscaled === 'number' && Math.abs(unscaled) < 1e15 && scale >= 0 && scale <= 22) {
    // Up to 15 significant digits a double holds the value and prints it back unchanged; division by
    // an exact power of ten is correctly rounded, so this is the double nearest the decimal.
    return unscaled / 10 ** scale;
  }
  const text = decimalText(unscaled, scale);
  if (asText) return text;
  const number = Number(text);
  return Number.isFinite(number) && canonical(String(number)) === canonical(text) ? number : text;
}

/** A decimal's value as sign, significant digits and exponent, so equal values compare equal. */
function canonical(text: string): string {
  const negative = text.startsWith('-');
  const exponentAt = text.search(/e/i);
  const mantissa = text.slice(negative ? 1 : 0, exponentAt < 0 ? text.length : exponentAt);
  let exponent = exponentAt < 0 ? 0 : Number(text.slice(exponentAt + 1));
  const point = mantissa.indexOf('.');
  let digits = mantissa;
  if (point >= 0) {
    digits = mantissa.slice(0, point) + mantissa.slice(point + 1);
    exponent -= mantissa.length - point - 1;
  }
  digits = digits.replace(/^0+/, '');
  const trimmed = digits.replace(/0+$/, '');
  if (trimmed === '') return '0';
  exponent += digits.length - trimmed.length;
  return `${negative ? '-' : ''}${trimmed}e${exponent}`;
}
