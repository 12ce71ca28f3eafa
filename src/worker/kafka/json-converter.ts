/**
 * Kafka Connect's JsonConverter for change events on Kafka: what a source task's records become
 * as Kafka messages, and what a sink task gets back from them. Pure and synchronous.
 *
 * - With `schemas.enable=true` (JsonConverter's default) the key and the value are each written as
 *   `{"schema": <ConnectSchema>, "payload": <payload>}`; with false, as the payload alone. Reading
 *   with schemas enabled requires exactly those two fields, as Connect does.
 * - A null key or value is no bytes at all (a Kafka null): a tombstone stays a tombstone.
 * - Payloads are the JSON forms events already carry (src/events.ts); int64 values beyond 2^53
 *   travel as exact JSON numbers and come back as `bigint` (src/json.ts, ./exact-json.ts).
 * - Headers are UTF-8 strings (Connect's SimpleHeaderConverter for strings); of a header given
 *   more than once, the last counts. The timestamp is the message's.
 *
 * `jsonConverters(config)` reads `key.converter` / `value.converter` (only JsonConverter) and their
 * `.schemas.enable` from a connector config already merged over the worker's, throwing one
 * ConfigError for everything wrong.
 */
import type { ChangeEvent, ConnectSchema } from '../../events.js';
import { ConfigError, SluiceError } from '../../errors.js';
import { toJson } from '../../json.js';
import { parseExactJson } from './exact-json.js';

export const JSON_CONVERTER_CLASS = 'org.apache.kafka.connect.json.JsonConverter';

export interface JsonConverter {
  schemasEnabled: boolean;
}

export interface JsonConverters {
  key: JsonConverter;
  value: JsonConverter;
}

/** A Kafka message as the client takes and gives it (KafkaJS's Message / KafkaMessage). */
export interface KafkaMessageData {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Milliseconds since the epoch, as text. */
  timestamp: string;
}

export type KafkaHeaderValue = Buffer | string | Array<Buffer | string> | undefined;

export function jsonConverters(config: Readonly<Record<string, string>>): JsonConverters {
  const problems: string[] = [];
  const converter = (prefix: 'key.converter' | 'value.converter'): JsonConverter => {
    const className = config[prefix]?.trim();
    if (className !== undefined && className !== '' && className !== JSON_CONVERTER_CLASS) {
      problems.push(`${prefix} ${className} is not supported: set ${prefix}=${JSON_CONVERTER_CLASS} or leave it out.`);
    }
    const schemas = (config[`${prefix}.schemas.enable`] ?? 'true').trim().toLowerCase();
    if (schemas !== 'true' && schemas !== 'false') problems.push(`${prefix}.schemas.enable is "${config[`${prefix}.schemas.enable`]}": set it to true or false.`);
    return { schemasEnabled: schemas !== 'false' };
  };
  const converters = { key: converter('key.converter'), value: converter('value.converter') };
  if (problems.length > 0) throw new ConfigError(`The converter config cannot be used:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  return converters;
}

// A table's events share their schema objects: each is written out once, not once per event
// (it was the larger part of every message's encoding).
const schemaTexts = new WeakMap<ConnectSchema, string>();

/** The bytes of one key or value, or null for a null value. */
export function fromConnectData(converter: JsonConverter, schema: ConnectSchema | null, value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (!converter.schemasEnabled) return Buffer.from(toJson(value), 'utf8');
  return Buffer.from(`{"schema":${schemaText(schema)},"payload":${toJson(value)}}`, 'utf8');
}

function schemaText(schema: ConnectSchema | null): string {
  if (schema === null) return 'null';
  let text = schemaTexts.get(schema);
  if (text === undefined) schemaTexts.set(schema, (text = toJson(schema)));
  return text;
}

/** The schema and value in the bytes of one key or value; throws a SluiceError for bytes not in the converter's format. */
export function toConnectData(converter: JsonConverter, bytes: Buffer | null): { schema: ConnectSchema | null; value: unknown } {
  if (bytes === null || bytes.length === 0) return { schema: null, value: null };
  let json: unknown;
  try {
    json = parseExactJson(bytes.toString('utf8'));
  } catch (error) {
    throw new SluiceError('CONVERTER_DATA_INVALID', `A Kafka message is not JSON (${(error as Error).message}): JsonConverter reads only JSON.`, { cause: error });
  }
  if (!converter.schemasEnabled) return { schema: null, value: json };
  const envelope = json as { schema?: unknown; payload?: unknown };
  const keys = typeof json === 'object' && json !== null && !Array.isArray(json) ? Object.keys(json) : [];
  if (keys.length !== 2 || !('schema' in envelope) || !('payload' in envelope) || typeof envelope.schema !== 'object' || Array.isArray(envelope.schema)) {
    throw new SluiceError(
      'CONVERTER_DATA_INVALID',
      'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. ' +
        'If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
    );
  }
  return { schema: envelope.schema as ConnectSchema | null, value: envelope.payload ?? null };
}

export function encodeChangeEvent(event: ChangeEvent, converters: JsonConverters): KafkaMessageData {
  return {
    key: fromConnectData(converters.key, event.keySchema, event.key),
    value: fromConnectData(converters.value, event.valueSchema, event.value),
    headers: { ...event.headers },
    timestamp: String(event.timestamp),
  };
}

export function decodeChangeEvent(
  topic: string,
  message: { key: Buffer | null; value: Buffer | null; timestamp: string; headers?: Record<string, KafkaHeaderValue> },
  converters: JsonConverters,
): ChangeEvent {
  const key = toConnectData(converters.key, message.key);
  const value = toConnectData(converters.value, message.value);
  return {
    topic,
    key: key.value,
    value: value.value,
    keySchema: key.schema,
    valueSchema: value.schema,
    headers: headerStrings(message.headers ?? {}),
    timestamp: Number(message.timestamp),
  };
}

function headerStrings(headers: Record<string, KafkaHeaderValue>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) strings[name] = last.toString();
  }
  return strings;
}
