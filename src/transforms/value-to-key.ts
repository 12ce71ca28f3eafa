/**
 * ValueToKey (org.apache.kafka.connect.transforms.ValueToKey): replaces the key with a struct (or
 * map) of `fields` copied from the value; with a schema the key schema is an unnamed struct of
 * those fields' schemas, and a field the value schema lacks fails the record. Usually placed after
 * ExtractNewRecordState, to key rows by a column other than the primary key.
 *
 * A tombstone (null value) passes unchanged, keeping its key, where Kafka would fail on it: the
 * tombstone that follows a delete must keep the key it deletes.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import { anonymousStruct, asField, findField, requireMap, requireStruct, schemaOfField } from './connect-data.js';
import { plainPlugin, type TransformPlugin } from './transform-plugin.js';

export const VALUE_TO_KEY_CLASS = 'org.apache.kafka.connect.transforms.ValueToKey';
const PURPOSE = 'copying fields from value to key';

export const VALUE_TO_KEY_CONFIG: ConfigDefinition = {
  keys: [{ name: 'fields', type: 'LIST', importance: 'HIGH', group: 'ValueToKey', documentation: 'Field names on the record value to extract as the record key.' }],
};

export function createValueToKey(fields: readonly string[]): Transform {
  return {
    apply(event) {
      if (event.value === null) return event;
      const schema = event.valueSchema;
      if (schema === null) {
        const map = requireMap(event.value, PURPOSE);
        return { ...event, keySchema: null, key: Object.fromEntries(fields.map((name) => [name, map[name] ?? null])) };
      }
      const struct = requireStruct(schema, event.value, PURPOSE);
      const keyFields = fields.map((name) => {
        const field = findField(schema, name);
        if (field === undefined) throw new Error(`Field does not exist: ${name}`);
        return asField(name, schemaOfField(field));
      });
      return { ...event, keySchema: anonymousStruct(keyFields), key: Object.fromEntries(fields.map((name) => [name, struct[name] ?? null])) };
    },
  };
}

export const VALUE_TO_KEY: TransformPlugin = plainPlugin(VALUE_TO_KEY_CLASS, VALUE_TO_KEY_CONFIG, (values) => createValueToKey(values.list('fields')));
