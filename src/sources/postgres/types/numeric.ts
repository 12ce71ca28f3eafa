/**
 * Numbers: Postgres integer, floating-point, numeric and money text to Debezium's values.
 *
 * Each factory is called once per column and returns its schema and converter; converters run per
 * value and never block. What they guarantee:
 * - int64 values are exact: a JS number when safe, else a bigint (src/json.ts prints it exactly);
 * - float NaN and infinities become the strings JsonConverter's Jackson writes ("NaN", "Infinity",
 *   "-Infinity"), since JSON has no such numbers;
 * - numeric follows decimal.handling.mode: `precise` is a Connect Decimal (base64 of the unscaled
 *   value's minimal big-endian two's-complement bytes, as BigInteger.toByteArray) or, without a
 *   typmod, a VariableScaleDecimal struct; `string` the plain text; `double` a number. NaN and
 *   infinities are "NAN"/"POSITIVE_INFINITY"/"NEGATIVE_INFINITY" in string mode, doubles in double
 *   mode, and in precise mode an error, as Debezium fails the connector there too;
 * - money is a decimal with money.fraction.digits of scale (rounded half up), whatever the currency
 *   symbol and grouping lc_monetary prints.
 */
import { SluiceError } from '../../../errors.js';
import { BASE64_CODES, BASE64_PAD } from '../../../util/base64-alphabet.js';
import { decimalSchema, plain, variableScaleDecimalSchema, type ValueMapping } from './connect-schemas.js';
import { VARIABLE_SCALE_NUMERIC_LENGTH } from './source-column.js';

export type DecimalHandlingMode = 'precise' | 'string' | 'double';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An int64 as a JSON-exact value: a number when safe, else a bigint. */
export function int64(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

export function parseInt64(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/** A float4/float8 value, with NaN and infinities as the strings Jackson writes for them. */
export function floatValue(text: string): number | string {
  switch (text) {
    case 'NaN':
    case 'Infinity':
    case '-Infinity':
      return text;
    default:
      return Number(text);
  }
}

export function numericMapping(column: string, length: number, scale: number, mode: DecimalHandlingMode): ValueMapping {
  if (mode === 'double') return { schema: plain('double'), convert: floatValue };
  if (mode === 'string') return { schema: plain('string'), convert: (text) => SPECIAL_NAMES[text] ?? text };
  const rejectSpecial = (text: string): never => {
    throw new SluiceError(
      'DECIMAL_SPECIAL_VALUE',
      `Column "${column}" holds ${text}, which decimal.handling.mode=precise cannot represent; set decimal.handling.mode to "string" or "double".`,
    );
  };
  if ((length === 0 || length === VARIABLE_SCALE_NUMERIC_LENGTH) && scale === 0) {
    return {
      schema: variableScaleDecimalSchema(),
      convert: (text) => (SPECIAL_NAMES[text] ? rejectSpecial(text) : variableScaleDecimal(text)),
    };
  }
  return {
    schema: decimalSchema(scale, length),
    convert: (text) => smallUnscaledBase64(text, scale) ?? (SPECIAL_NAMES[text] ? rejectSpecial(text) : unscaledBase64(text, scale)),
  };
}

export function moneyMapping(fractionDigits: number, mode: DecimalHandlingMode): ValueMapping {
  if (mode === 'double') return { schema: plain('double'), convert: (text) => Number(plainMoney(text)) };
  if (mode === 'string') return { schema: plain('string'), convert: plainMoney };
  return { schema: decimalSchema(fractionDigits), convert: (text) => unscaledBase64(plainMoney(text), fractionDigits) };
}

const SPECIAL_NAMES: Readonly<Record<string, string | undefined>> = Object.assign(Object.create(null), {
  NaN: 'NAN',
  Infinity: 'POSITIVE_INFINITY',
  '-Infinity': 'NEGATIVE_INFINITY',
});

/** Money as lc_monetary prints it ("$1,234.50", "-$1,234.50", "($1,234.50)") to a plain decimal. */
function plainMoney(text: string): string {
  let plainText = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 40 ? '-' : '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 46) plainText += text[i];
  }
  return plainText;
}

const POWERS_OF_TEN = Array.from({ length: 15 }, (_, i) => 10 ** i);

/**
 * The common case of unscaledBase64 without strings or buffers: a plain decimal whose unscaled
 * value has at most 14 digits and no more fraction digits than `scale`. Undefined otherwise.
 */
function smallUnscaledBase64(text: string, scale: number): string | undefined {
  let value = 0;
  let digits = 0;
  let fraction = -1;
  let negative = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) fraction = 0;
    else if (c === 45 && i === 0) negative = true;
    else return undefined;
  }
  if (digits === 0) return undefined;
  if (fraction < 0) fraction = 0;
  // 14 digits keep the value and its two's complement (up to 2^48) exact as numbers.
  if (fraction > scale || digits + scale - fraction > 14) return undefined;
  value *= POWERS_OF_TEN[scale - fraction]!;
  return smallTwosComplementBase64(negative ? -value : value);
}

/** The bytes of one number being encoded: reused, since encoding never yields before it is done. */
const twosComplement = new Uint8Array(9);

/** base64 of the minimal big-endian two's complement of a safe integer (BigInteger.toByteArray). */
function smallTwosComplementBase64(value: number): string {
  const magnitude = value < 0 ? -value - 1 : value;
  let size = 1;
  let limit = 128;
  while (magnitude >= limit) {
    size++;
    limit *= 256;
  }
  let unsigned = value < 0 ? value + limit * 2 : value;
  const bytes = twosComplement.fill(0);
  for (let i = size - 1; i >= 0; i--) {
    bytes[i] = unsigned % 256;
    unsigned = Math.floor(unsigned / 256);
  }
  // One string per three bytes (most values fit in six): no string per character.
  let out = '';
  for (let i = 0; i < size; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    const b2 = bytes[i + 2]!;
    out += String.fromCharCode(
      BASE64_CODES[b0 >> 2]!,
      BASE64_CODES[((b0 & 3) << 4) | (b1 >> 4)]!,
      i + 1 < size ? BASE64_CODES[((b1 & 15) << 2) | (b2 >> 6)]! : BASE64_PAD,
      i + 2 < size ? BASE64_CODES[b2 & 63]! : BASE64_PAD,
    );
  }
  return out;
}

/** Debezium's VariableScaleDecimal: trailing fractional zeros stripped, scale never negative. */
function variableScaleDecimal(text: string): { scale: number; value: string } {
  const point = text.indexOf('.');
  if (point < 0) return { scale: 0, value: unscaledBase64(text, 0) };
  let end = text.length;
  while (end > point + 1 && text.charCodeAt(end - 1) === 48) end--;
  const scale = end - point - 1;
  return { scale, value: unscaledBase64(scale === 0 ? text.slice(0, point) : text.slice(0, end), scale) };
}

/** base64 of the unscaled value of a plain decimal at `scale`, rounding half up when it has more digits. */
function unscaledBase64(text: string, scale: number): string {
  const negative = text.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const point = text.indexOf('.');
  const integer = point < 0 ? text.slice(start) : text.slice(start, point);
  const fraction = point < 0 ? '' : text.slice(point + 1);
  if (fraction.length <= scale) return twosComplementBase64(negative, integer + fraction.padEnd(scale, '0'));
  const divisor = 10n ** BigInt(fraction.length - scale);
  const exact = BigInt(integer + fraction);
  const rounded = exact / divisor + ((exact % divisor) * 2n >= divisor ? 1n : 0n);
  return twosComplementBase64(negative, rounded.toString());
}

/** base64 of Java's BigInteger.toByteArray(): minimal big-endian two's complement. */
function twosComplementBase64(negative: boolean, digits: string): string {
  // Up to 14 digits the value and its two's complement stay below 2^53: plain number arithmetic.
  if (digits.length <= 14) return smallTwosComplementBase64(negative ? -Number(digits) : Number(digits));
  const value = negative ? -BigInt(digits) : BigInt(digits);
  const magnitude = value < 0n ? -value - 1n : value;
  const size = magnitude === 0n ? 1 : (magnitude.toString(2).length >> 3) + 1;
  const unsigned = value < 0n ? value + (1n << BigInt(size * 8)) : value;
  return Buffer.from(unsigned.toString(16).padStart(size * 2, '0'), 'hex').toString('base64');
}
