/**
 * Kafka Connect's data model as our events carry it: a struct is a plain object described by a
 * `struct` ConnectSchema; without a schema ("schemaless") it is a plain object standing for a Map.
 * The checks throw with Kafka's wording (Requirements.requireMap / requireStruct), so a failing
 * record reads the same as in Kafka Connect. Every helper is pure and returns new objects.
 */
import type { ConnectField, ConnectSchema } from '../events.js';

export type Struct = Readonly<Record<string, unknown>>;

/** Connect's logical types: Timestamp (int64 ms), Date (int32 days), Time (int32 ms of the day), Decimal (bytes with a scale). */
export const LOGICAL = {
  timestamp: 'org.apache.kafka.connect.data.Timestamp',
  date: 'org.apache.kafka.connect.data.Date',
  time: 'org.apache.kafka.connect.data.Time',
  decimal: 'org.apache.kafka.connect.data.Decimal',
} as const;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kind of a value, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A schemaless value that must be a map (Kafka's requireMap). */
export function requireMap(value: unknown, purpose: string): Struct {
  if (!isPlainObject(value)) throw new Error(`Only Map objects supported in absence of schema for [${purpose}], found: ${describeValue(value)}`);
  return value;
}

/** A value with a schema that must be a struct (Kafka's requireStruct). */
export function requireStruct(schema: ConnectSchema, value: unknown, purpose: string): Struct {
  if (schema.type !== 'struct' || !isPlainObject(value)) {
    const found = isPlainObject(value) ? `${schema.type} schema` : describeValue(value);
    throw new Error(`Only Struct objects supported for [${purpose}], found: ${found}`);
  }
  return value;
}

/** The fields of a struct schema (none for any other schema). */
/** The record as a transform reads it: a struct checked against its schema, or a map when schemaless. */
export function requireRecord(schema: ConnectSchema | null, value: unknown, purpose: string): Struct {
  return schema === null ? requireMap(value, purpose) : requireStruct(schema, value, purpose);
}

export function fieldsOf(schema: ConnectSchema): readonly ConnectField[] {
  return schema.fields ?? [];
}

export function findField(schema: ConnectSchema, name: string): ConnectField | undefined {
  return schema.fields?.find((field) => field.field === name);
}

/** The schema of a field, without its name. */
export function schemaOfField(field: ConnectField): ConnectSchema {
  const { field: _name, ...schema } = field;
  return schema;
}

export function asField(name: string, schema: ConnectSchema): ConnectField {
  return { ...schema, field: name };
}

/**
 * A new struct schema keeping the name and parameters of `basis` (Kafka's SchemaUtil.copySchemaBasics
 * into SchemaBuilder.struct()): like Kafka, the result is required and unversioned.
 */
export function structLike(basis: ConnectSchema, fields: ConnectField[]): ConnectSchema {
  return {
    type: 'struct',
    optional: false,
    ...(basis.name === undefined ? {} : { name: basis.name }),
    ...(basis.parameters === undefined ? {} : { parameters: basis.parameters }),
    fields,
  };
}

/** A struct schema without a name (Kafka's bare SchemaBuilder.struct()). */
export function anonymousStruct(fields: ConnectField[]): ConnectSchema {
  return { type: 'struct', optional: false, fields };
}

/** A field to append to a struct: its name, schema and value. */
export interface Addition {
  name: string;
  schema: ConnectSchema;
  value: unknown;
}

/**
 * A struct (and its schema, when it has one) with fields appended after the existing ones. A
 * schemaless map takes the new value under a name it already has; a schema cannot hold a name
 * twice, so that throws as Kafka's SchemaBuilder does.
 */
export function appendFields(schema: ConnectSchema | null, value: Struct, additions: readonly Addition[]): { schema: ConnectSchema | null; value: Struct } {
  const updated: Record<string, unknown> = { ...value };
  for (const addition of additions) updated[addition.name] = addition.value;
  if (schema === null) return { schema: null, value: updated };
  const taken = additions.find((addition) => findField(schema, addition.name) !== undefined);
  if (taken !== undefined) throw new Error(`Cannot create field because of field name duplication ${taken.name}`);
  return { schema: structLike(schema, [...fieldsOf(schema), ...additions.map((a) => asField(a.name, a.schema))]), value: updated };
}
