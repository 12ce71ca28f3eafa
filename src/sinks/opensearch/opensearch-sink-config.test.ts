import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/validate-config.js';
import { ConfigError } from '../../errors.js';
import { createTopicSelector } from '../topic-selector.js';
import {
  AIVEN_OPENSEARCH_SINK_CLASS,
  CONFLUENT_ELASTICSEARCH_SINK_CLASS,
  OPENSEARCH_SINK_ALIASES,
  OPENSEARCH_SINK_CLASS,
  OPENSEARCH_SINK_CONFIG,
  parseOpenSearchSinkConfig,
} from './opensearch-sink-config.js';

const BASE = { name: 'search', 'connector.class': OPENSEARCH_SINK_CLASS, topics: 'shop.public.orders', 'connection.url': 'http://localhost:9200' };

function problems(raw: Record<string, string>) {
  return validateConfig(OPENSEARCH_SINK_CONFIG, raw).problems;
}

describe('the OpenSearch sink config', () => {
  it('has the defaults of a change-event sink', () => {
    const config = parseOpenSearchSinkConfig(BASE);
    expect(config).toEqual({
      connection: {
        urls: ['http://localhost:9200'],
        basicAuth: null,
        connectTimeoutMs: 1000,
        readTimeoutMs: 30000,
        tls: { caFile: null, verify: true },
        sigv4: null,
      },
      writes: { batchSize: 2000, bulkSizeBytes: 5242880, lingerMs: 1, maxInFlightRequests: 5, maxBufferedRecords: 20000, flushSynchronously: false, flushTimeoutMs: 180000, maxRetries: 5, retryBackoffMs: 100 },
      documents: {
        keyIgnore: false,
        writeMethod: 'insert',
        onNullValues: 'ignore',
        onMalformedDocuments: 'fail',
        onVersionConflict: 'ignore',
        unavailableValuePlaceholder: '__debezium_unavailable_value',
        decimalFormat: 'number',
      },
      indices: { nameFormat: '${topic}', topicToIndex: new Map(), autoCreate: true, deriveMapping: true, truncate: 'delete_by_query' },
      deadLetterQueue: { topic: null, file: null },
      warnings: [],
    });
  });

  it('reads every key, ignoring case in enumerated values as the Aiven and Confluent sinks do', () => {
    const config = parseOpenSearchSinkConfig({
      ...BASE,
      'connection.url': 'https://a:9200/, https://b:9200',
      'connection.username': 'admin',
      'connection.password': ' secret ',
      'connection.timeout.ms': '2000',
      'read.timeout.ms': '60000',
      'connection.ssl.ca.file': '/etc/ssl/ca.pem',
      'connection.ssl.verify': 'false',
      'batch.size': '500',
      'bulk.size.bytes': '1048576',
      'linger.ms': '50',
      'max.in.flight.requests': '2',
      'max.buffered.records': '1000',
      'flush.timeout.ms': '10000',
      'flush.synchronously': 'TRUE',
      'max.retries': '8',
      'retry.backoff.ms': '250',
      'key.ignore': 'true',
      'index.write.method': 'UPSERT',
      'behavior.on.null.values': 'Delete',
      'behavior.on.malformed.documents': 'report',
      'behavior.on.version.conflict': 'WARN',
      'unavailable.value.placeholder': '<toasted>',
      'decimal.format': 'string',
      'index.name.format': '${schema}_${table}',
      'topic.to.index.map': 'shop.public.orders:orders,shop.public.items:items-v2',
      'index.auto.create': 'false',
      'index.mapping.derive': 'false',
      'truncate.behavior': 'ignore',
      'errors.deadletterqueue.file': '/var/lib/sluice/dlq.jsonl',
    });
    expect(config.connection).toEqual({
      urls: ['https://a:9200', 'https://b:9200'],
      basicAuth: { username: 'admin', password: ' secret ' },
      connectTimeoutMs: 2000,
      readTimeoutMs: 60000,
      tls: { caFile: '/etc/ssl/ca.pem', verify: false },
      sigv4: null,
    });
    expect(config.writes).toEqual({ batchSize: 500, bulkSizeBytes: 1048576, lingerMs: 50, maxInFlightRequests: 2, maxBufferedRecords: 1000, flushSynchronously: true, flushTimeoutMs: 10000, maxRetries: 8, retryBackoffMs: 250 });
    expect(config.documents).toEqual({
      keyIgnore: true,
      writeMethod: 'upsert',
      onNullValues: 'delete',
      onMalformedDocuments: 'report',
      onVersionConflict: 'warn',
      unavailableValuePlaceholder: '<toasted>',
      decimalFormat: 'string',
    });
    expect(config.indices).toEqual({
      nameFormat: '${schema}_${table}',
      topicToIndex: new Map([['shop.public.orders', 'orders'], ['shop.public.items', 'items-v2']]),
      autoCreate: false,
      deriveMapping: false,
      truncate: 'ignore',
    });
    expect(config.deadLetterQueue).toEqual({ topic: null, file: '/var/lib/sluice/dlq.jsonl' });
  });

  it('signs with SigV4 when aws.region is set, with given keys or the environment\'s', () => {
    expect(parseOpenSearchSinkConfig({ ...BASE, 'aws.region': 'eu-west-1' }).connection.sigv4).toEqual({ region: 'eu-west-1', service: 'es', accessKeyId: null, secretAccessKey: null });
    const keyed = { ...BASE, 'aws.region': 'us-east-1', 'aws.service.signing.name': 'aoss', 'aws.access_key_id': 'AKIA1', 'aws.secret_access_key': 'shh' };
    expect(parseOpenSearchSinkConfig(keyed).connection.sigv4).toEqual({ region: 'us-east-1', service: 'aoss', accessKeyId: 'AKIA1', secretAccessKey: 'shh' });
    expect(problems({ ...BASE, 'aws.region': 'us-east-1', 'aws.service.signing.name': 'lambda' })).toEqual([
      { key: 'aws.service.signing.name', message: 'Invalid value lambda for configuration aws.service.signing.name: String must be one of: es, aoss' },
    ]);
  });

  it('warns that connection.ssl.verify=false checks no certificate, when some URL is https', () => {
    const unverified = { ...BASE, 'connection.ssl.verify': 'false' };
    expect(parseOpenSearchSinkConfig(unverified).warnings).toEqual([]);
    expect(parseOpenSearchSinkConfig({ ...unverified, 'connection.url': 'http://a:9200,HTTPS://b:9200' }).warnings).toEqual([
      { key: 'connection.ssl.verify', message: expect.stringMatching(/^connection\.ssl\.verify=false: the OpenSearch nodes' certificates and host names are not checked/) as unknown },
    ]);
  });

  it('is selected by our short name and by the Aiven and Confluent class names', () => {
    expect(OPENSEARCH_SINK_CLASS).toBe('OpenSearchSink');
    expect(OPENSEARCH_SINK_ALIASES).toEqual([AIVEN_OPENSEARCH_SINK_CLASS, CONFLUENT_ELASTICSEARCH_SINK_CLASS]);
    expect(AIVEN_OPENSEARCH_SINK_CLASS).toBe('io.aiven.kafka.connect.opensearch.OpensearchSinkConnector');
    expect(CONFLUENT_ELASTICSEARCH_SINK_CLASS).toBe('io.confluent.connect.elasticsearch.ElasticsearchSinkConnector');
  });

  it('takes Connect\'s topics or topics.regex, exactly one of them', () => {
    const { topics: _topics, ...withoutTopics } = BASE;
    expect(problems(withoutTopics).map((p) => p.key)).toEqual(['topics', 'topics.regex']);
    const regex = validateConfig(OPENSEARCH_SINK_CONFIG, { ...withoutTopics, 'topics.regex': 'shop\\.public\\..*' });
    expect(regex.problems).toEqual([]);
    const accepts = createTopicSelector(regex.values);
    expect([accepts('shop.public.orders'), accepts('shop.audit.log')]).toEqual([true, false]);
  });

  it('requires http(s) connection URLs', () => {
    const { 'connection.url': _url, ...withoutUrl } = BASE;
    expect(problems(withoutUrl)).toEqual([{ key: 'connection.url', message: 'Missing required configuration "connection.url" which has no default value.' }]);
    expect(problems({ ...BASE, 'connection.url': 'http://a:9200,localhost:9200' })).toEqual([
      { key: 'connection.url', message: 'Invalid value http://a:9200,localhost:9200 for configuration connection.url: "localhost:9200" is not an http:// or https:// URL' },
    ]);
  });

  it('rejects unknown template variables and invalid index names in the topic map', () => {
    expect(problems({ ...BASE, 'index.name.format': '${database}-${table}' })).toEqual([
      { key: 'index.name.format', message: 'Invalid value ${database}-${table} for configuration index.name.format: Unknown variable ${database}; use ${topic}, ${prefix}, ${schema}, ${table}' },
    ]);
    expect(problems({ ...BASE, 'topic.to.index.map': 'a:Orders' })).toEqual([
      { key: 'topic.to.index.map', message: 'Invalid value a:Orders for configuration topic.to.index.map: "Orders" is not a valid index name (OpenSearch\'s rules make it "orders")' },
    ]);
    expect(problems({ ...BASE, 'topic.to.index.map': 'orders' })[0]!.message).toContain('"orders" is not a topic:index pair');
  });

  it('checks credentials that belong together', () => {
    expect(problems({ ...BASE, 'connection.password': 'x' })).toEqual([
      { key: 'connection.username', message: 'connection.password is set without connection.username; set both for basic authentication.' },
    ]);
    expect(problems({ ...BASE, 'aws.region': 'us-east-1', 'aws.access_key_id': 'AKIA1' }).map((p) => p.key)).toEqual(['aws.access_key_id']);
    expect(problems({ ...BASE, 'aws.region': 'us-east-1', 'connection.username': 'u', 'connection.password': 'p' }).map((p) => p.key)).toEqual(['aws.region']);
  });

  it('needs a dead-letter queue to report to', () => {
    const report = { ...BASE, 'behavior.on.malformed.documents': 'report', 'behavior.on.version.conflict': 'report' };
    expect(problems(report)).toEqual([
      {
        key: 'behavior.on.malformed.documents',
        message: 'behavior.on.malformed.documents=report needs a dead-letter queue: set errors.deadletterqueue.file (standalone mode) or errors.deadletterqueue.topic.name (Kafka mode).',
      },
      {
        key: 'behavior.on.version.conflict',
        message: 'behavior.on.version.conflict=report needs a dead-letter queue: set errors.deadletterqueue.file (standalone mode) or errors.deadletterqueue.topic.name (Kafka mode).',
      },
    ]);
    expect(problems({ ...report, 'errors.deadletterqueue.file': 'dlq.jsonl' })).toEqual([]);
    expect(parseOpenSearchSinkConfig({ ...report, 'errors.deadletterqueue.topic.name': 'dlq-search' }).deadLetterQueue).toEqual({ topic: 'dlq-search', file: null });
  });

  it('throws one ConfigError listing every problem, and warns about keys it does not know', () => {
    expect(() => parseOpenSearchSinkConfig({ ...BASE, 'batch.size': '0', 'behavior.on.null.values': 'drop' })).toThrow(ConfigError);
    expect(() => parseOpenSearchSinkConfig({ ...BASE, 'batch.size': '0', 'behavior.on.null.values': 'drop' })).toThrow(
      /has 2 problems[\s\S]*batch\.size: Invalid value 0[\s\S]*behavior\.on\.null\.values: Invalid value drop for configuration behavior\.on\.null\.values: String must be one of \(case insensitive\): ignore, delete, fail/,
    );
    expect(parseOpenSearchSinkConfig({ ...BASE, 'schema.ignore': 'true' }).warnings).toEqual([
      { key: 'schema.ignore', message: "The configuration 'schema.ignore' was supplied but isn't a known config." },
    ]);
  });
});
