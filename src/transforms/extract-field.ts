/**
 * ExtractField (org.apache.kafka.connect.transforms.ExtractField$Key / $Value): replaces the key or
 * value with one of its fields, and its schema with that field's schema. `ExtractField$Value` with
 * `field=after` is the plainest way to unwrap a Debezium envelope (without ExtractNewRecordState's
 * delete handling). A null key or value passes through as null; a schema without the field fails.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import { findField, requireMap, requireStruct, schemaOfField } from './connect-data.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const EXTRACT_FIELD_CLASS = 'org.apache.kafka.connect.transforms.ExtractField';
const PURPOSE = 'field extraction';

export const EXTRACT_FIELD_CONFIG: ConfigDefinition = {
  keys: [{ name: 'field', type: 'STRING', importance: 'MEDIUM', group: 'ExtractField', documentation: 'Field name to extract.' }],
};

export function createExtractField(name: string, side: RecordSide): Transform {
  return {
    apply(event) {
      const data = side.data(event);
      const schema = side.schema(event);
      if (schema === null) return side.with(event, null, data === null ? null : (requireMap(data, PURPOSE)[name] ?? null));
      const field = findField(schema, name);
      if (field === undefined) throw new Error(`Unknown field: ${name}`);
      return side.with(event, schemaOfField(field), data === null ? null : (requireStruct(schema, data, PURPOSE)[name] ?? null));
    },
  };
}

export const EXTRACT_FIELD: TransformPlugin[] = keyAndValuePlugins(EXTRACT_FIELD_CLASS, EXTRACT_FIELD_CONFIG, (values, side) =>
  createExtractField(values.string('field'), side),
);
