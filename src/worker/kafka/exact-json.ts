/**
 * JSON text back to values, the reverse of src/json.ts's `toJson`: like JSON.parse, except that an
 * integer beyond 2^53 (an int64 column, a large LSN) becomes an exact `bigint` instead of a rounded
 * number. Integers within 2^53, fractions and exponents stay numbers. Pure and synchronous; throws
 * JSON.parse's SyntaxError on bad text.
 *
 * Node 20 has no access to a number's source text in JSON.parse, so the rare text holding a long
 * digit run is rewritten first: each big integer literal outside strings becomes a marked string,
 * which the reviver turns into a bigint. The common text takes the plain JSON.parse path.
 */
import { randomBytes } from 'node:crypto';

// A per-process random mark, so that no string in the text can pass for a rewritten integer.
const MARK = `\u0000bigint-${randomBytes(8).toString('hex')}:`;
const MARK_IN_JSON = JSON.stringify(MARK).slice(1, -1);
const LONG_DIGIT_RUN = /\d{16}/;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;

export function parseExactJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  const marked = markBigIntegers(text);
  if (marked === text) return JSON.parse(text);
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

/** The text with every unsafe integer literal outside strings replaced by a marked string. */
function markBigIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < text.length; ) {
    const char = text.charCodeAt(i);
    if (char === 0x22 /* " */) {
      i = endOfString(text, i);
    } else if (char === 0x2d /* - */ || (char >= 0x30 && char <= 0x39)) {
      NUMBER.lastIndex = i;
      const literal = NUMBER.exec(text)?.[0];
      if (literal === undefined) return text; // not JSON: let JSON.parse report it
      if (INTEGER.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(copiedUpTo, i)}"${MARK_IN_JSON}${literal}"`;
        copiedUpTo = i + literal.length;
      }
      i += literal.length;
    } else {
      i++;
    }
  }
  return out + text.slice(copiedUpTo);
}

/** The index just past the string that starts with the quote at `start`. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x5c /* \ */) i++;
    else if (char === 0x22) return i + 1;
  }
  return text.length;
}
