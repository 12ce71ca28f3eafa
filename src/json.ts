/**
 * JSON text for change events. Like JSON.stringify, except that a `bigint` (an int64 beyond 2^53)
 * is written as an exact JSON number instead of throwing. Events rarely hold one, so the common
 * path is the plain, fast JSON.stringify.
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
