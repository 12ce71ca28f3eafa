import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../test/support/kafka-mock.js';
import type { ChangeEvent, ConnectSchema } from '../../events.js';
import { ConfigError, SluiceError } from '../../errors.js';
import { loadKafka } from './kafka-client.js';
import { decodeChangeEvent, encodeChangeEvent, fromConnectData, JSON_CONVERTER_CLASS, jsonConverters, toConnectData, type JsonConverters } from './json-converter.js';

const keySchema: ConnectSchema = { type: 'struct', fields: [{ type: 'int64', optional: false, field: 'id' }], optional: false, name: 'shop.public.orders.Key' };
const rowSchema: ConnectSchema = {
  type: 'struct',
  fields: [
    { type: 'int64', optional: false, field: 'id' },
    { type: 'string', optional: true, field: 'note' },
  ],
  optional: true,
  name: 'shop.public.orders.Value',
};
const valueSchema: ConnectSchema = {
  type: 'struct',
  fields: [
    { ...rowSchema, field: 'before' },
    { ...rowSchema, field: 'after' },
    { type: 'string', optional: false, field: 'op' },
  ],
  optional: false,
  name: 'shop.public.orders.Envelope',
};

const created: ChangeEvent = {
  topic: 'shop.public.orders',
  key: { id: 9223372036854775807n },
  value: { before: null, after: { id: 9223372036854775807n, note: 'ünïcode "quoted"' }, op: 'c' },
  keySchema,
  valueSchema,
  headers: { __debezium_oldkey: '{"id":1}', trace: 'abc' },
  timestamp: 1768297171829,
};
const tombstone: ChangeEvent = { ...created, value: null, valueSchema: null, headers: {} };

const withSchemas = jsonConverters({});
const withoutSchemas = jsonConverters({ 'key.converter.schemas.enable': 'false', 'value.converter.schemas.enable': 'FALSE' });

describe('JsonConverter', () => {
  it('writes {"schema", "payload"} with schemas, the payload alone without, int64s beyond 2^53 exact', () => {
    expect(fromConnectData(withSchemas.key, keySchema, created.key)!.toString()).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"shop.public.orders.Key"},"payload":{"id":9223372036854775807}}',
    );
    expect(fromConnectData(withoutSchemas.value, valueSchema, created.value)!.toString()).toBe(
      '{"before":null,"after":{"id":9223372036854775807,"note":"ünïcode \\"quoted\\""},"op":"c"}',
    );
  });

  it('reads back exactly what it wrote, with and without schemas', () => {
    for (const converters of [withSchemas, withoutSchemas]) {
      for (const event of [created, tombstone]) {
        const decoded = decodeChangeEvent(event.topic, encodeChangeEvent(event, converters), converters);
        expect(decoded).toEqual(converters === withSchemas ? event : { ...event, keySchema: null, valueSchema: null });
      }
    }
  });

  it('writes a null value (a tombstone) and a null key as no bytes', () => {
    const message = encodeChangeEvent({ ...tombstone, key: null, keySchema: null }, withSchemas);
    expect(message.key).toBeNull();
    expect(message.value).toBeNull();
    expect(toConnectData(withSchemas.value, null)).toEqual({ schema: null, value: null });
  });

  it('reads headers given as buffers or repeated, the last of a name counting', () => {
    const message = { key: null, value: null, timestamp: '5', headers: { a: Buffer.from('ä'), b: ['first', Buffer.from('last')], c: undefined } };
    expect(decodeChangeEvent('t', message, withSchemas).headers).toEqual({ a: 'ä', b: 'last' });
  });

  it('refuses plain JSON when schemas are enabled, and bytes that are not JSON, naming the fix', () => {
    for (const text of ['{"id":1}', '{"schema":null,"payload":1,"extra":2}', '[1,2]', '{"schema":"int32","payload":1}']) {
      expect(() => toConnectData(withSchemas.key, Buffer.from(text))).toThrow(/set schemas\.enable=false in your converter configuration/);
    }
    expect(toConnectData(withoutSchemas.key, Buffer.from('{"id":1}'))).toEqual({ schema: null, value: { id: 1 } });
    const error = (() => {
      try {
        toConnectData(withoutSchemas.value, Buffer.from('{"id":'));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('CONVERTER_DATA_INVALID');
  });

  it('takes its settings from a connector config, refusing other converters and non-boolean flags at once', () => {
    expect(jsonConverters({ 'key.converter': JSON_CONVERTER_CLASS, 'value.converter.schemas.enable': 'false' })).toEqual({
      key: { schemasEnabled: true },
      value: { schemasEnabled: false },
    });
    const error = (() => {
      try {
        jsonConverters({ 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'key.converter.schemas.enable': 'yes' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain(`value.converter io.confluent.connect.avro.AvroConverter is not supported: set value.converter=${JSON_CONVERTER_CLASS}`);
    expect(error!.message).toContain('key.converter.schemas.enable is "yes": set it to true or false');
  });
});

describe('JsonConverter through Kafka', () => {
  let mock: MockKafka;
  beforeAll(async () => {
    mock = await startMockKafka(1);
  });
  afterAll(async () => {
    await mock.stop();
  });

  it('carries events, tombstones and headers through a topic unchanged', async () => {
    const { KafkaJS } = await loadKafka();
    const producer = new KafkaJS.Kafka(mock.clientConfig()).producer();
    await producer.connect();
    const converters: JsonConverters = withSchemas;
    await producer.send({ topic: 'events', messages: [created, tombstone].map((event) => ({ ...encodeChangeEvent(event, converters), partition: 0 })) });
    await producer.disconnect();

    const records = await mock.readTopic('events');
    expect(records.map((r) => r.value === null)).toEqual([false, true]);
    const decoded = records.map((r) =>
      decodeChangeEvent('shop.public.orders', { key: Buffer.from(r.key!), value: r.value === null ? null : Buffer.from(r.value), timestamp: String(r.timestamp), headers: r.headers }, converters),
    );
    expect(decoded).toEqual([created, tombstone]);
  });
});
