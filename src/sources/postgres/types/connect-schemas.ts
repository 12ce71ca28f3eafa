/**
 * The Kafka Connect schemas Debezium's PostgreSQL connector gives columns, and the pairing of a
 * schema with the converter that produces values for it.
 *
 * Builders return a `SchemaSpec` (a schema before it is made optional or not); `connectSchema` and
 * `connectField` turn one into the ConnectSchema of src/events.ts with its keys in the order
 * JsonConverter writes them (type, items/fields, optional, name, version, parameters, field), so a
 * schema serialised with JSON.stringify reads like Kafka Connect's. Pure, allocation-free at
 * conversion time: schemas are built once per column.
 */
import type { ConnectField, ConnectSchema } from '../../../events.js';

export interface SchemaSpec {
  type: ConnectSchema['type'];
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  items?: ConnectSchema;
  fields?: ConnectField[];
}

/** A column's schema and the converter from the text Postgres prints to the JSON value Debezium emits. */
export interface ValueMapping {
  schema: SchemaSpec;
  convert(text: string): unknown;
}

export function plain(type: SchemaSpec['type']): SchemaSpec {
  return { type };
}

/** A Debezium or Kafka Connect semantic type: a primitive schema with a name and version 1. */
export function semantic(type: SchemaSpec['type'], name: string, parameters?: Record<string, string>): SchemaSpec {
  return parameters ? { type, name, version: 1, parameters } : { type, name, version: 1 };
}

export function decimalSchema(scale: number, precision?: number): SchemaSpec {
  const parameters: Record<string, string> = { scale: String(scale) };
  if (precision !== undefined) parameters['connect.decimal.precision'] = String(precision);
  return semantic('bytes', 'org.apache.kafka.connect.data.Decimal', parameters);
}

// Debezium also sets the doc "Variable scaled decimal", which ConnectSchema has no field for.
export function variableScaleDecimalSchema(): SchemaSpec {
  return {
    type: 'struct',
    name: 'io.debezium.data.VariableScaleDecimal',
    version: 1,
    fields: [
      { type: 'int32', optional: false, field: 'scale' },
      { type: 'bytes', optional: false, field: 'value' },
    ],
  };
}

export function arraySchema(items: SchemaSpec, itemsOptional: boolean): SchemaSpec {
  return { type: 'array', items: connectSchema(items, itemsOptional) };
}

export function connectSchema(spec: SchemaSpec, optional: boolean): ConnectSchema {
  const schema: ConnectSchema = { type: spec.type } as ConnectSchema;
  if (spec.items) schema.items = spec.items;
  if (spec.fields) schema.fields = spec.fields;
  schema.optional = optional;
  if (spec.name !== undefined) schema.name = spec.name;
  if (spec.version !== undefined) schema.version = spec.version;
  if (spec.parameters) schema.parameters = spec.parameters;
  return schema;
}

/** The row field for a column: its schema plus the parameters Debezium propagates from the source. */
export function connectField(
  name: string,
  spec: SchemaSpec,
  optional: boolean,
  sourceParameters: Record<string, string>,
): ConnectField {
  const schema = connectSchema({ ...spec, parameters: { ...spec.parameters, ...sourceParameters } }, optional);
  return Object.assign(schema, { field: name });
}
