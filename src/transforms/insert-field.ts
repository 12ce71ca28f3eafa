/**
 * InsertField (org.apache.kafka.connect.transforms.InsertField$Key / $Value): appends fields taken
 * from the record's metadata (topic, Kafka partition and offset, timestamp) or a static string.
 * A field name ending in `!` makes the field required in the schema, `?` (the default) optional.
 *
 * The partition is known only for records read from Kafka (sink records); it is left out otherwise,
 * as Kafka leaves out a null partition. `offset.field` needs a sink record and fails on any other.
 * With a schema the timestamp is a Connect Timestamp (int64 milliseconds); without one, the number.
 * A null key or value (a tombstone) passes unchanged.
 */
import type { ConfigDefinition, ConfigProblem } from '../config/config-definition.js';
import type { ConfigValues } from '../config/config-values.js';
import type { Transform } from '../contracts/transform.js';
import type { ChangeEvent, ConnectSchema, SinkRecord } from '../events.js';
import { appendFields, LOGICAL, requireRecord, type Addition } from './connect-data.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const INSERT_FIELD_CLASS = 'org.apache.kafka.connect.transforms.InsertField';
const PURPOSE = 'field insertion';
const GROUP = 'InsertField';
const OPTIONALITY = 'Suffix with ! to make this a required field, or ? to keep it optional (the default).';

const FIELD_KEYS = ['topic.field', 'partition.field', 'offset.field', 'timestamp.field', 'static.field'] as const;

function checkInsertions(values: ConfigValues): ConfigProblem[] {
  if (FIELD_KEYS.every((key) => values.optionalString(key) === null)) {
    return [{ key: 'topic.field', message: `No field insertion configured; set at least one of ${FIELD_KEYS.join(', ')}.` }];
  }
  const staticField = values.optionalString('static.field');
  if (staticField !== null && values.optionalString('static.value') === null) {
    return [{ key: 'static.value', message: `No value specified for static field: ${staticField}` }];
  }
  return [];
}

export const INSERT_FIELD_CONFIG: ConfigDefinition = {
  checks: [checkInsertions],
  keys: [
    { name: 'topic.field', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, documentation: `Field name for Kafka topic. ${OPTIONALITY}` },
    { name: 'partition.field', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, documentation: `Field name for Kafka partition. ${OPTIONALITY}` },
    { name: 'offset.field', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, documentation: `Field name for Kafka offset - only applicable to sink connectors. ${OPTIONALITY}` },
    { name: 'timestamp.field', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, documentation: `Field name for record timestamp. ${OPTIONALITY}` },
    { name: 'static.field', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, documentation: `Field name for static data field. ${OPTIONALITY}` },
    { name: 'static.value', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, documentation: 'Static field value, if field name configured.' },
  ],
};

/** One field to insert: its name, schema, and how to read its value from a record (undefined: leave it out). */
interface Insertion {
  name: string;
  schema: ConnectSchema;
  valueOf(event: ChangeEvent): unknown;
}

function spec(text: string): { name: string; optional: boolean } {
  if (text.endsWith('!')) return { name: text.slice(0, -1), optional: false };
  return { name: text.endsWith('?') ? text.slice(0, -1) : text, optional: true };
}

function isSinkRecord(event: ChangeEvent): event is SinkRecord {
  return typeof (event as Partial<SinkRecord>).kafkaOffset === 'number';
}

function insertions(values: ConfigValues): Insertion[] {
  const make = (key: string, type: ConnectSchema['type'], valueOf: Insertion['valueOf'], name?: string): Insertion[] => {
    const text = values.optionalString(key);
    if (text === null) return [];
    const { name: field, optional } = spec(text);
    return [{ name: field, schema: { type, optional, ...(name === undefined ? {} : { name, version: 1 }) }, valueOf }];
  };
  const staticValue = values.optionalString('static.value');
  return [
    ...make('topic.field', 'string', (event) => event.topic),
    ...make('partition.field', 'int32', (event) => (isSinkRecord(event) ? event.kafkaPartition : undefined)),
    ...make('offset.field', 'int64', (event) => {
      if (!isSinkRecord(event)) throw new Error(`Only SinkRecord supported for [${PURPOSE}], found: a source record (offset.field applies to sink connectors only)`);
      return event.kafkaOffset;
    }),
    ...make('timestamp.field', 'int64', (event) => event.timestamp, LOGICAL.timestamp),
    ...make('static.field', 'string', () => staticValue),
  ];
}

export function createInsertField(values: ConfigValues, side: RecordSide): Transform {
  const fields = insertions(values);
  return {
    apply(event) {
      const data = side.data(event);
      if (data === null) return event;
      const schema = side.schema(event);
      const struct = requireRecord(schema, data, PURPOSE);
      const additions: Addition[] = fields.flatMap((field) => {
        const value = field.valueOf(event);
        // Kafka adds the field to the schema even when it has no value for this record.
        if (value === undefined) return schema === null ? [] : [{ name: field.name, schema: field.schema, value: null }];
        return [{ name: field.name, schema: field.schema, value }];
      });
      const updated = appendFields(schema, struct, additions);
      return side.with(event, updated.schema, updated.value);
    },
  };
}

export const INSERT_FIELD: TransformPlugin[] = keyAndValuePlugins(INSERT_FIELD_CLASS, INSERT_FIELD_CONFIG, createInsertField);
