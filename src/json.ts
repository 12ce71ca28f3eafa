/**
 * JSON text for change events. Like JSON.stringify, except that a `bigint` (an int64 beyond 2^53)
 * is written as an exact JSON number instead of throwing. Events rarely hold one, so the common
 * path is the plain, fast JSON.stringify. `jsonValue` writes one value the same way, the common
 * primitives without JSON.stringify, for code that joins an object's text itself.
 */
import { randomBytes } from 'node:crypto';

// A per-process random mark, so that no string in user data can pass for a bigint.
const MARK = `\u0000bigint-${randomBytes(8).toString('hex')}:`;
const MARKED = new RegExp(`"\\\\u0000bigint-${MARK.slice(8, 24)}:(-?\\d+)"`, 'g');

export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError) || !/BigInt/i.test(error.message)) throw error;
    const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? MARK + v.toString() : v));
    return text.replace(MARKED, '$1');
  }
}

/** A string JSON.stringify would write otherwise than between quotes: with a quote, a backslash, a control character or a surrogate. */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The JSON text of one value, as toJson writes it; `undefined` as null. Null, strings with nothing
 * to escape, numbers, booleans and bigints are written here: JSON.stringify costs several times
 * more for one string than the test for characters to escape.
 */
export function jsonValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return ESCAPED.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    default:
      return value === null || value === undefined ? 'null' : toJson(value);
  }
}
