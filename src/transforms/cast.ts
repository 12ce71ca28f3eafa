/**
 * Cast (org.apache.kafka.connect.transforms.Cast$Key / $Value): casts fields (`spec=a:int32,b:string`)
 * or the whole key or value (`spec=int64`) to int8, int16, int32, int64, float32, float64, boolean
 * or string, with Java's conversions: integers wrap to the target width, floating-point values
 * truncate (saturating at the int range first), strings parse strictly, numbers print as Java
 * prints them (`1.0`, `1.0E21`), booleans become 1 or 0.
 *
 * With a schema, a cast field's schema becomes the plain target type (keeping optionality and a
 * cast default); so does a whole-value cast, where Kafka would also keep the old schema's name.
 * Debezium's Decimal columns (base64 bytes with a scale) cast to numbers or to their decimal text,
 * Connect Date/Time/Timestamp to their ISO text; other bytes cast only to string (their base64).
 * A null key or value passes unchanged; schemaless fields the record lacks are ignored.
 */
import type { ConfigDefinition, Validator } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import type { ConnectField, ConnectSchema } from '../events.js';
import { describeValue, fieldsOf, isPlainObject, LOGICAL, requireMap, requireStruct, structLike } from './connect-data.js';
import { compileDateFormat } from './java-date-format.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const CAST_CLASS = 'org.apache.kafka.connect.transforms.Cast';
const PURPOSE = 'cast types';

const TARGETS = { int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64', float32: 'float', float64: 'double', boolean: 'boolean', string: 'string' } as const;
type Target = keyof typeof TARGETS;
const CONNECT_TYPE_NAMES: Readonly<Record<string, string>> = { float: 'FLOAT32', double: 'FLOAT64' };
const INPUT_TYPES = new Set<string>(['int8', 'int16', 'int32', 'int64', 'float', 'double', 'boolean', 'string', 'bytes']);
const INT_BITS: Readonly<Record<string, number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };
const SUPPORTED_OUTPUTS = '[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]';
const SUPPORTED_INPUTS = '[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]';
const KNOWN_TYPES = new Set(['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string', 'bytes', 'array', 'map', 'struct']);
const LOGICAL_TEXT: Readonly<Record<string, { pattern: string; unitMs: number }>> = {
  [LOGICAL.timestamp]: { pattern: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", unitMs: 1 },
  [LOGICAL.date]: { pattern: 'yyyy-MM-dd', unitMs: 86_400_000 },
  [LOGICAL.time]: { pattern: "HH:mm:ss.SSS'Z'", unitMs: 1 },
};

export interface CastSpec {
  /** The type of a whole-value cast, or undefined for field casts. */
  whole?: Target;
  fields: ReadonlyMap<string, Target>;
}

/** Parses `spec`; throws with Kafka's wording for a spec it refuses. */
export function parseCastSpec(items: readonly string[]): CastSpec {
  if (items.length === 0) throw new Error('Must specify at least one field to cast.');
  const target = (text: string): Target => {
    const name = text.trim().toLowerCase();
    if (!KNOWN_TYPES.has(name)) throw new Error(`Invalid type found in casting spec: ${text.trim()}`);
    if (!(name in TARGETS)) throw new Error(`Cast transformation does not support casting to ${name.toUpperCase()}; supported types are ${SUPPORTED_OUTPUTS}`);
    return name as Target;
  };
  const fields = new Map<string, Target>();
  let whole: Target | undefined;
  for (const item of items) {
    const parts = item.split(':');
    if (parts.length > 2) throw new Error(`Invalid rename mapping: ${item}`);
    if (parts.length === 1) whole = target(parts[0]!);
    else fields.set(parts[0]!.trim(), target(parts[1]!));
  }
  if (whole !== undefined && items.length > 1) throw new Error('Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec');
  return whole === undefined ? { fields } : { whole, fields };
}

const castSpecValidator: Validator = {
  describe: 'list of colon-delimited pairs, e.g. foo:bar,abc:xyz',
  check: (value) => {
    try {
      parseCastSpec(value as readonly string[]);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  },
};

export const CAST_CONFIG: ConfigDefinition = {
  keys: [
    {
      name: 'spec', type: 'LIST', importance: 'HIGH', group: 'Cast', validator: castSpecValidator,
      documentation: 'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.',
    },
  ],
};

/** The input as Cast sees it: a Connect type and the value to convert. */
type Input = { type: 'integer'; value: bigint } | { type: 'floating'; value: number; float32: boolean } | { type: 'decimal'; text: string } | { type: 'boolean' | 'string' | 'bytes'; value: string | boolean };

function inputOf(schema: ConnectSchema | null, value: unknown): Input {
  const type = schema?.type ?? inferType(value);
  if (!INPUT_TYPES.has(type)) throw new Error(`Cast transformation does not support casting from ${(CONNECT_TYPE_NAMES[type] ?? type).toUpperCase()}; supported types are ${SUPPORTED_INPUTS}`);
  if (schema?.name === LOGICAL.decimal) return { type: 'decimal', text: decimalText(String(value), Number(schema.parameters?.['scale'] ?? 0)) };
  if (type === 'float' || type === 'double') return { type: 'floating', value: Number(value), float32: type === 'float' };
  if (type in INT_BITS) return { type: 'integer', value: BigInt(value as number | bigint) };
  return { type: type as 'boolean' | 'string' | 'bytes', value: value as string | boolean };
}

function inferType(value: unknown): string {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'int64';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value;
  if (Array.isArray(value)) return 'array';
  return isPlainObject(value) ? 'map' : describeValue(value);
}

/** A Connect Decimal's JSON form (base64 of the big-endian two's-complement unscaled value) as decimal text. */
function decimalText(base64: string, scale: number): string {
  const bytes = Buffer.from(base64, 'base64');
  let unscaled = bytes.length > 0 && bytes[0]! >= 0x80 ? -1n : 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return unscaled < 0n ? `-${text}` : text;
}

function outOfRange(value: unknown): Error {
  return new Error(`Value (${String(value)}) was out of range for requested data type`);
}

/** Java's narrowing of a double to an integer type: truncate, saturate at int (or long), then wrap. */
function floatingToInteger(value: number, bits: number): bigint {
  if (Number.isNaN(value)) return 0n;
  const limit = bits === 64 ? 2n ** 63n : 2n ** 31n;
  const truncated = Number.isFinite(value) ? BigInt(Math.trunc(value)) : value > 0 ? limit - 1n : -limit;
  const saturated = truncated >= limit ? limit - 1n : truncated < -limit ? -limit : truncated;
  return BigInt.asIntN(bits, saturated);
}

function toInteger(input: Input, bits: number, raw: unknown): number | bigint {
  let n: bigint;
  if (input.type === 'integer') n = BigInt.asIntN(bits, input.value);
  else if (input.type === 'floating') n = floatingToInteger(input.value, bits);
  else if (input.type === 'decimal') n = BigInt.asIntN(bits, BigInt(input.text.split('.')[0]!));
  else if (input.type === 'boolean') n = input.value ? 1n : 0n;
  else if (input.type === 'string' && /^[+-]?\d+$/.test(input.value as string)) {
    n = BigInt(input.value as string);
    if (BigInt.asIntN(bits, n) !== n) throw outOfRange(raw);
  } else if (input.type === 'string') throw outOfRange(raw);
  else throw new Error(`Unexpected type in Cast transformation: ${input.type}`);
  return Number.isSafeInteger(Number(n)) ? Number(n) : n;
}

const JAVA_FLOAT = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?$/;

function toFloating(input: Input, raw: unknown): number {
  switch (input.type) {
    case 'integer':
      return Number(input.value);
    case 'floating':
      return input.value;
    case 'decimal':
      return Number(input.text);
    case 'boolean':
      return input.value ? 1 : 0;
    case 'string': {
      const text = (input.value as string).trim();
      if (!JAVA_FLOAT.test(text)) throw outOfRange(raw);
      return Number(text.replace(/[fFdD]$/, ''));
    }
    default:
      throw new Error(`Unexpected type in Cast transformation: ${input.type}`);
  }
}

function toBoolean(input: Input): boolean {
  switch (input.type) {
    case 'integer':
      return input.value !== 0n;
    case 'floating':
      return Number.isFinite(input.value) ? Math.trunc(input.value) !== 0 : !Number.isNaN(input.value);
    case 'decimal':
      return BigInt(input.text.split('.')[0]!) !== 0n;
    case 'boolean':
      return input.value as boolean;
    case 'string':
      return (input.value as string).toLowerCase() === 'true';
    default:
      throw new Error(`Unexpected type in Cast transformation: ${input.type}`);
  }
}

/** Java's Double.toString / Float.toString: `.0` on whole numbers, `E` notation outside 10^-3 .. 10^7. */
function javaNumberText(n: number, float32: boolean): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  let shortest = String(n);
  // The shortest text that reads back as the same float32, as Java prints floats.
  for (let digits = 1; float32 && digits <= 9; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === n) {
      shortest = String(candidate);
      break;
    }
  }
  const value = Number(shortest);
  const magnitude = Math.abs(value);
  if (value === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) return Number.isInteger(value) ? `${value.toFixed(1)}` : shortest;
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

function toText(input: Input, schema: ConnectSchema | null, raw: unknown): string {
  const logical = schema?.name === undefined ? undefined : LOGICAL_TEXT[schema.name];
  if (logical !== undefined) return compileDateFormat(logical.pattern).format(Number(raw) * logical.unitMs);
  switch (input.type) {
    case 'integer':
      return input.value.toString();
    case 'floating':
      return javaNumberText(input.value, input.float32);
    case 'decimal':
      return input.text;
    default:
      return String(input.value);
  }
}

/** One value cast to `target`; null stays null. */
function castValue(schema: ConnectSchema | null, value: unknown, target: Target): unknown {
  if (value === null || value === undefined) return null;
  const input = inputOf(schema, value);
  if (input.type === 'bytes' && target !== 'string') throw new Error(`Unexpected type in Cast transformation: bytes can only be cast to string, not ${target}`);
  if (target === 'string') return toText(input, schema, value);
  if (target === 'boolean') return toBoolean(input);
  if (target === 'float32') return Math.fround(toFloating(input, value));
  if (target === 'float64') return toFloating(input, value);
  return toInteger(input, INT_BITS[target]!, value);
}

function castSchema(schema: ConnectSchema, target: Target): ConnectSchema {
  const cast: ConnectSchema = { type: TARGETS[target], optional: schema.optional };
  return schema.default === undefined || schema.default === null ? cast : { ...cast, default: castValue(schema, schema.default, target) };
}

export function createCast(spec: CastSpec, side: RecordSide): Transform {
  const { whole, fields } = spec;
  return {
    apply(event) {
      const data = side.data(event);
      if (data === null) return event;
      const schema = side.schema(event);
      if (whole !== undefined) return side.with(event, schema === null ? null : castSchema(schema, whole), castValue(schema, data, whole));
      if (schema === null) {
        const map = requireMap(data, PURPOSE);
        const updated = Object.fromEntries(Object.entries(map).map(([name, v]) => [name, fields.has(name) ? castValue(null, v, fields.get(name)!) : v]));
        return side.with(event, null, updated);
      }
      const struct = requireStruct(schema, data, PURPOSE);
      const updatedFields: ConnectField[] = fieldsOf(schema).map((field) => {
        const target = fields.get(field.field);
        return target === undefined ? field : { ...castSchema(field, target), field: field.field };
      });
      const updated = Object.fromEntries(fieldsOf(schema).map((field) => {
        const target = fields.get(field.field);
        const v = struct[field.field] ?? null;
        return [field.field, target === undefined ? v : castValue(field, v, target)];
      }));
      return side.with(event, { ...structLike(schema, updatedFields), optional: schema.optional }, updated);
    },
  };
}

export const CAST: TransformPlugin[] = keyAndValuePlugins(CAST_CLASS, CAST_CONFIG, (values, side) => createCast(parseCastSpec(values.list('spec')), side));
