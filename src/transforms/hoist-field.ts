/**
 * HoistField (org.apache.kafka.connect.transforms.HoistField$Key / $Value): wraps the key or value
 * in a struct (or map) with a single field named `field`; with a schema, the new schema is an
 * unnamed struct holding the old one. As in Kafka, a null value is wrapped too (`{field: null}`).
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import { anonymousStruct, asField } from './connect-data.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const HOIST_FIELD_CLASS = 'org.apache.kafka.connect.transforms.HoistField';

export const HOIST_FIELD_CONFIG: ConfigDefinition = {
  keys: [
    {
      name: 'field', type: 'STRING', importance: 'MEDIUM', group: 'HoistField',
      documentation: 'Field name for the single field that will be created in the resulting Struct or Map.',
    },
  ],
};

export function createHoistField(name: string, side: RecordSide): Transform {
  return {
    apply(event) {
      const schema = side.schema(event);
      return side.with(event, schema === null ? null : anonymousStruct([asField(name, schema)]), { [name]: side.data(event) });
    },
  };
}

export const HOIST_FIELD: TransformPlugin[] = keyAndValuePlugins(HOIST_FIELD_CLASS, HOIST_FIELD_CONFIG, (values, side) =>
  createHoistField(values.string('field'), side),
);
