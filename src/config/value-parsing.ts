/**
 * One config value from its string form to its typed form and back, as Kafka's ConfigDef.parseType
 * and convertToString do it, with Kafka's error wording. Pure functions; never throw.
 *
 * - STRING and CLASS are trimmed; PASSWORD is taken verbatim.
 * - BOOLEAN accepts true/false in any case.
 * - INT is 32-bit; LONG is limited to JavaScript's exact integers (±2^53-1), which every
 *   millisecond or byte count fits.
 * - LIST splits on commas, trimming around each (`a, b` is `[a, b]`, an empty string is `[]`). A
 *   comma inside an item is written `\,`, as Debezium's regular-expression lists allow.
 */
import type { ConfigType, ConfigValue } from './config-definition.js';

export type ParseResult = { ok: true; value: ConfigValue } | { ok: false; error: string };

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_DOUBLES: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '+Infinity': Infinity, '-Infinity': -Infinity };
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LIST_SEPARATOR = /\s*(?<!\\),\s*/;

export function parseValue(type: ConfigType, text: string): ParseResult {
  const trimmed = text.trim();
  switch (type) {
    case 'PASSWORD':
      return ok(text);
    case 'STRING':
    case 'CLASS':
      return ok(trimmed);
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === 'false') return ok(lower === 'true');
      return fail('Expected value to be either true or false');
    }
    case 'INT': {
      const n = INTEGER.test(trimmed) ? Number(trimmed) : NaN;
      return n >= INT_MIN && n <= INT_MAX ? ok(n) : fail('Not a number of type INT');
    }
    case 'LONG': {
      if (!INTEGER.test(trimmed)) return fail('Not a number of type LONG');
      const n = Number(trimmed);
      if (n > Number.MAX_SAFE_INTEGER) return fail(`Value must be no more than ${Number.MAX_SAFE_INTEGER}`);
      if (n < Number.MIN_SAFE_INTEGER) return fail(`Value must be at least ${Number.MIN_SAFE_INTEGER}`);
      return ok(n);
    }
    case 'DOUBLE': {
      if (DECIMAL.test(trimmed)) return ok(Number(trimmed));
      const special = SPECIAL_DOUBLES[trimmed];
      return special === undefined ? fail('Not a number of type DOUBLE') : ok(special);
    }
    case 'LIST':
      return ok(trimmed === '' ? [] : trimmed.split(LIST_SEPARATOR).map((item) => item.replaceAll('\\,', ',')));
  }
}

/** The string form the REST API shows (Kafka's convertToString): passwords hidden, lists joined by commas. */
export function formatValue(type: ConfigType, value: ConfigValue): string | null {
  if (value === null) return null;
  if (type === 'PASSWORD') return '[hidden]';
  if (Array.isArray(value)) return value.map((item: string) => item.replaceAll(',', '\\,')).join(',');
  return String(value);
}

function ok(value: ConfigValue): ParseResult {
  return { ok: true, value };
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}
