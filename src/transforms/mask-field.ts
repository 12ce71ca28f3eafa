/**
 * MaskField (org.apache.kafka.connect.transforms.MaskField$Key / $Value): replaces the values of
 * `fields` with the empty value of their type (0, false, "", an empty list or map), or with
 * `replacement` converted to the field's type (numeric and string fields only). The schema is
 * unchanged; null values stay null; fields the record lacks are ignored.
 *
 * With a schema the type comes from the field's schema: a Connect Decimal masks to zero (its bytes
 * in base64, "AA=="), other bytes to empty bytes (Kafka refuses plain bytes; an empty value is the
 * useful answer for a bytea column). Without a schema it comes from the JSON value. A null key or
 * value (a tombstone) passes unchanged, where Kafka would fail on it.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import { nonEmptyString } from '../config/validators.js';
import type { Transform } from '../contracts/transform.js';
import type { ConnectSchema } from '../events.js';
import { describeValue, findField, LOGICAL, requireRecord } from './connect-data.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const MASK_FIELD_CLASS = 'org.apache.kafka.connect.transforms.MaskField';
const PURPOSE = 'mask fields';
const INTEGER_RANGES: Partial<Record<ConnectSchema['type'], number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };

export const MASK_FIELD_CONFIG: ConfigDefinition = {
  keys: [
    { name: 'fields', type: 'LIST', importance: 'HIGH', group: 'MaskField', documentation: 'Names of fields to mask.' },
    {
      name: 'replacement', type: 'STRING', default: null, importance: 'LOW', group: 'MaskField', validator: nonEmptyString(),
      documentation: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
    },
  ],
};

/** The type a masked value is made for: a field's schema, or the JSON type of a schemaless value. */
type Kind = ConnectSchema['type'] | 'decimal' | 'bigint' | 'number' | 'other';

function kindOf(schema: ConnectSchema | undefined, value: unknown): Kind {
  if (schema !== undefined) return schema.name === LOGICAL.decimal ? 'decimal' : schema.type;
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'number') return 'number';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'map' : 'other';
}

function emptyValue(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'int8': case 'int16': case 'int32': case 'int64': case 'float': case 'double': case 'number':
      return 0;
    case 'bigint':
      return 0n;
    case 'boolean':
      return false;
    case 'string': case 'bytes':
      return '';
    case 'decimal':
      return 'AA==';
    case 'array':
      return [];
    case 'map':
      return {};
    default:
      throw new Error(`Cannot mask value of type: ${describeValue(value)}`);
  }
}

function replacementValue(kind: Kind, replacement: string): unknown {
  const bits = INTEGER_RANGES[kind as ConnectSchema['type']];
  if (bits !== undefined) {
    const n = /^[+-]?\d+$/.test(replacement) ? BigInt(replacement) : undefined;
    if (n === undefined || BigInt.asIntN(bits, n) !== n) throw new Error(`Unable to convert ${replacement} (string) to ${kind}`);
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  }
  switch (kind) {
    case 'float': case 'double': case 'number': {
      const n = Number(replacement);
      if (replacement.trim() === '' || Number.isNaN(n)) throw new Error(`Unable to convert ${replacement} (string) to number`);
      return kind === 'float' ? Math.fround(n) : n;
    }
    case 'bigint':
      if (!/^[+-]?\d+$/.test(replacement)) throw new Error(`Unable to convert ${replacement} (string) to number`);
      return BigInt(replacement);
    case 'string':
      return replacement;
    default:
      throw new Error(`Cannot mask value of type ${kind} with custom replacement.`);
  }
}

export function createMaskField(fields: readonly string[], replacement: string | null, side: RecordSide): Transform {
  const masked = new Set(fields);
  const mask = (schema: ConnectSchema | undefined, value: unknown) => {
    if (value === null || value === undefined) return value;
    const kind = kindOf(schema, value);
    return replacement === null ? emptyValue(kind, value) : replacementValue(kind, replacement);
  };
  return {
    apply(event) {
      const data = side.data(event);
      if (data === null) return event;
      const schema = side.schema(event);
      const struct = requireRecord(schema, data, PURPOSE);
      const updated: Record<string, unknown> = { ...struct };
      for (const name of masked) {
        if (!Object.hasOwn(struct, name)) continue;
        const field = schema === null ? undefined : findField(schema, name);
        if (schema !== null && field === undefined) continue;
        updated[name] = mask(field, struct[name]);
      }
      return side.with(event, schema, updated);
    },
  };
}

export const MASK_FIELD: TransformPlugin[] = keyAndValuePlugins(MASK_FIELD_CLASS, MASK_FIELD_CONFIG, (values, side) =>
  createMaskField(values.list('fields'), values.optionalString('replacement'), side),
);
