/**
 * The part of a record a `$Key` or `$Value` transform works on (Kafka's `operatingSchema`,
 * `operatingValue` and `newRecord`). `with` returns a new event carrying every other property of
 * the input unchanged (a sink record keeps its Kafka partition and offset); it never mutates.
 */
import type { ChangeEvent, ConnectSchema } from '../events.js';

export interface RecordSide {
  readonly name: 'Key' | 'Value';
  schema(event: ChangeEvent): ConnectSchema | null;
  data(event: ChangeEvent): unknown;
  with(event: ChangeEvent, schema: ConnectSchema | null, data: unknown): ChangeEvent;
}

export const KEY_SIDE: RecordSide = {
  name: 'Key',
  schema: (event) => event.keySchema,
  data: (event) => event.key,
  with: (event, keySchema, key) => ({ ...event, keySchema, key }),
};

export const VALUE_SIDE: RecordSide = {
  name: 'Value',
  schema: (event) => event.valueSchema,
  data: (event) => event.value,
  with: (event, valueSchema, value) => ({ ...event, valueSchema, value }),
};
