/**
 * How OpenSearch 2.x field types take JSON values, for the fake node's mappings
 * (fake-opensearch-mapping.ts). Pure; called per value of a document being written.
 * `valueProblem(field, value)` is undefined when the scalar `value` fits the field, else the
 * `caused_by` of the mapper_parsing_exception OpenSearch answers; `detectedMapping(value, root)` is
 * what dynamic mapping gives a field first seen with `value`.
 *
 * As OpenSearch has it (FieldMapper, NumberFieldMapper, BooleanFieldMapper, DateFieldMapper):
 * - text and keyword take strings, numbers and booleans;
 * - byte, short, integer, long take numbers and numeric strings in the type's range, a fraction
 *   truncated (`coerce`, on by default; off, strings and fractions are refused); "" is null. A long
 *   is checked as a JSON number the fake has read as a double: values just past 2^63 get through;
 * - float, half_float, double and scaled_float take finite numbers and numeric strings; "" is null;
 * - boolean takes true, false, "true", "false" and "" (false), nothing else (no numbers);
 * - date takes strings in its `format` (default strict_date_optional_time||epoch_millis, read by
 *   fake-opensearch-dates.ts) and numbers when an epoch format is among them;
 * - binary takes padded base64 strings;
 * - `ignore_malformed: true` takes anything.
 * Dynamic mapping (DocumentParser): a string is a date when it is no number and one of
 * `dynamic_date_formats` reads it (`date_detection`, on by default), long or float when
 * `numeric_detection` is on and it is a number, else text with a `keyword` subfield (ignore_above
 * 256); an integer is long, another number float, a boolean boolean, an object an object.
 * The `caused_by` reasons follow OpenSearch's wording where the fake knows it, not always word for word.
 */
import { isDate, takesNumbers } from './fake-opensearch-dates.js';
import type { FieldMapping, Mappings, Source } from './fake-opensearch-protocol.js';

export type Cause = { type: string; reason: string };

export const DEFAULT_DATE_FORMAT = 'strict_date_optional_time||epoch_millis';
const DYNAMIC_DATE_FORMATS = [DEFAULT_DATE_FORMAT, 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd'];

const INTEGER_RANGES: Readonly<Record<string, { min: number; max: number; name: string }>> = {
  byte: { min: -128, max: 127, name: 'a byte' },
  short: { min: -32768, max: 32767, name: 'a short' },
  integer: { min: -(2 ** 31), max: 2 ** 31 - 1, name: 'an integer' },
  long: { min: -(2 ** 63), max: 2 ** 63, name: 'a long' },
};
const FLOAT_LIMITS: Readonly<Record<string, number>> = { half_float: 65504, float: 3.4028234663852886e38, double: Number.MAX_VALUE, scaled_float: Number.MAX_VALUE };

/** Every field type the fake checks values of; a mapping naming another is refused when created. */
export const FIELD_TYPES = new Set(['text', 'keyword', 'boolean', 'date', 'binary', 'object', 'nested', ...Object.keys(INTEGER_RANGES), ...Object.keys(FLOAT_LIMITS)]);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Java's Double.parseDouble: surrounding blanks, NaN, Infinity and a d/f suffix too
const JAVA_DOUBLE = /^\s*[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?)\s*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const cause = (type: string, reason: string): Cause => ({ type, reason });
const notNumeric = (value: unknown) => cause('json_parse_exception', `Current token (${tokenName(value)}) not numeric, can not use numeric value accessors`);

function tokenName(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  if (typeof value === 'number') return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  return typeof value === 'string' ? 'VALUE_STRING' : 'START_OBJECT';
}

/** Why a scalar `value` (no object, array or null) does not fit `field`; undefined when it does. */
export function valueProblem(field: FieldMapping, value: unknown): Cause | undefined {
  if (field.ignore_malformed === true) return undefined;
  const type = field.type ?? 'object';
  if (typeof value === 'object' && type !== 'object' && type !== 'nested') return cause('illegal_state_exception', `Can't get text on a START_OBJECT`);
  const range = INTEGER_RANGES[type];
  if (range) return integerProblem(type, range, field.coerce !== false, value);
  if (FLOAT_LIMITS[type] !== undefined) return floatProblem(type, FLOAT_LIMITS[type]!, field.coerce !== false, value);
  switch (type) {
    case 'text':
    case 'keyword':
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false' || value === '') return undefined;
      return typeof value === 'string'
        ? cause('illegal_argument_exception', `Failed to parse value [${value}] as only [true] or [false] are allowed.`)
        : cause('json_parse_exception', `Current token (${tokenName(value)}) not of boolean type`);
    case 'date': {
      const format = typeof field.format === 'string' ? field.format : DEFAULT_DATE_FORMAT;
      if (typeof value === 'number' ? takesNumbers(format) : typeof value === 'string' && isDate(value, format)) return undefined;
      return cause('illegal_argument_exception', `failed to parse date field [${String(value)}] with format [${format}]`);
    }
    case 'binary':
      if (typeof value === 'string' && BASE64.test(value)) return undefined;
      return cause('json_parse_exception', typeof value === 'string' ? 'Failed to decode VALUE_STRING as base64 (MIME-NO-LINEFEEDS)' : `Current token (${tokenName(value)}) not VALUE_STRING or VALUE_EMBEDDED_OBJECT, can not access as binary`);
    default:
      return undefined; // object and nested: the caller reports a concrete value where an object belongs
  }
}

function integerProblem(type: string, range: { min: number; max: number; name: string }, coerce: boolean, value: unknown): Cause | undefined {
  let number: number;
  if (typeof value === 'number') {
    if (!coerce && !Number.isInteger(value)) return cause('illegal_argument_exception', `Value [${value}] has a decimal part`);
    number = value;
  } else if (typeof value === 'string') {
    if (value === '') return undefined;
    if (!coerce) return cause('illegal_argument_exception', `[${type}] does not take strings with coerce set to false`);
    if (!DECIMAL.test(value)) return cause('illegal_argument_exception', `For input string: "${value}"`);
    number = Number(value);
  } else return notNumeric(value);
  const whole = Math.trunc(number);
  return whole < range.min || whole > range.max ? cause('illegal_argument_exception', `Value [${String(value)}] is out of range for ${range.name}`) : undefined;
}

function floatProblem(type: string, limit: number, coerce: boolean, value: unknown): Cause | undefined {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    if (value === '') return undefined;
    if (!coerce) return cause('illegal_argument_exception', `[${type}] does not take strings with coerce set to false`);
    if (!JAVA_DOUBLE.test(value)) return cause('number_format_exception', `For input string: "${value}"`);
    number = Number(value.trim().replace(/[dDfF]$/, ''));
  } else return notNumeric(value);
  const held = Math.abs(number) > limit ? Math.sign(number) * Infinity : number;
  if (Number.isFinite(held)) return undefined;
  const shown = Number.isNaN(held) ? 'NaN' : held > 0 ? 'Infinity' : '-Infinity';
  return cause('illegal_argument_exception', type === 'scaled_float' ? `[scaled_float] only supports finite values, but got [${shown}]` : `[${type}] supports only finite values, but got [${shown}]`);
}

/** The mapping dynamic mapping gives a new field first seen with the non-null `value` (an array's first non-null element). */
export function detectedMapping(value: unknown, root: Mappings): FieldMapping {
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'long' : 'float' };
  if (typeof value !== 'string') return { properties: {} };
  const numeric = JAVA_DOUBLE.test(value) && value.trim() === value;
  if (numeric && root.numeric_detection === true) return { type: /^[+-]?\d+$/.test(value) ? 'long' : 'float' };
  if (!numeric && root.date_detection !== false) {
    const formats = Array.isArray(root.dynamic_date_formats) ? (root.dynamic_date_formats as string[]) : DYNAMIC_DATE_FORMATS;
    const format = formats.find((f) => isDate(value, f));
    if (format !== undefined) return format === DEFAULT_DATE_FORMAT ? { type: 'date' } : { type: 'date', format };
  }
  return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
}

/** A value as OpenSearch previews it in a mapper_parsing_exception (Java's toString of the parsed value). */
export function preview(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(preview).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value as Source).map(([k, v]) => `${k}=${preview(v)}`).join(', ')}}`;
  return String(value);
}
