import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockKafka, type MockKafka } from '../../../test/support/kafka-mock.js';
import { ConfigError } from '../../errors.js';
import { forwardLibrdkafkaLog, importKafka, kafkaClientConfig, librdkafkaProperties, loadKafka } from './kafka-client.js';
import { KafkaLog } from './kafka-log.js';

interface Line {
  level: number;
  msg: string;
  kafka?: { facility?: string; client?: string };
  kafkaNamespace?: string;
}

function capturingLogger(level: string): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

describe('loading the library', () => {
  it('loads it once, with the KafkaJS layer and the plain consumer', async () => {
    const library = await loadKafka();
    expect(await loadKafka()).toBe(library);
    expect(typeof library.KafkaJS.Kafka).toBe('function');
    expect(typeof library.KafkaConsumer).toBe('function');
  });

  it('names the packages and the command when the library is missing', async () => {
    const error = await importKafka('@confluentinc/kafka-javascript-not-installed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      'Kafka mode needs the optional dependency @confluentinc/kafka-javascript, built from source: install g++ make python3 libssl-dev zlib1g-dev libzstd-dev libsasl2-dev, then run CKJS_LINKING=dynamic npm_config_build_from_source=true npm ci',
    );
  });
});

describe('kafkaClientConfig', () => {
  const silent = pino({ level: 'silent' });

  it('takes the brokers and translates Connect’s connection keys', () => {
    const config = kafkaClientConfig(
      {
        bootstrapServers: ['k1:9092', 'k2:9092'],
        extra: {
          'client.id': 'sluice-1',
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': 'SCRAM-SHA-512',
          'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p\\"w;d";',
          'ssl.truststore.type': 'PEM',
          'ssl.truststore.location': '/etc/ca.pem',
          'group.id': 'ignored here',
        },
      },
      silent,
    );
    expect(config.kafkaJS.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(librdkafkaProperties(config)).toEqual({
      'bootstrap.servers': 'k1:9092,k2:9092',
      'client.id': 'sluice-1',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.username': 'alice',
      'sasl.password': 'p"w;d',
      'ssl.ca.location': '/etc/ca.pem',
      'ssl.endpoint.identification.algorithm': 'https',
      log_level: 0,
    });
  });

  it('sets the client’s own level from the pino logger’s', () => {
    const levels = ['silent', 'error', 'warn', 'info', 'debug'].map((level) => kafkaClientConfig({ bootstrapServers: ['k:9092'], extra: {} }, pino({ level })).kafkaJS.logLevel);
    expect(levels).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses Kafka mode without bootstrap.servers', () => {
    expect(() => kafkaClientConfig({ bootstrapServers: null, extra: {} }, silent)).toThrow(/Kafka mode needs bootstrap\.servers: set it/);
  });
});

describe('logging', () => {
  it('writes librdkafka’s lines at pino’s level of their severity, without the thread prefix', () => {
    const { logger, lines } = capturingLogger('debug');
    const kafkaLogger = kafkaClientConfig({ bootstrapServers: ['k:9092'], extra: {} }, logger).kafkaJS.logger;
    for (const severity of [3, 4, 6, 7]) forwardLibrdkafkaLog(kafkaLogger, { severity, fac: 'FAIL', message: `[thrd:main]: line ${severity}`, name: 'rdkafka#consumer-1' });
    kafkaLogger.namespace('admin').info('namespaced');
    expect(lines.map(({ level, msg, kafka }) => ({ level, msg, kafka }))).toEqual([
      { level: 50, msg: 'line 3', kafka: { facility: 'FAIL', client: 'rdkafka#consumer-1' } },
      { level: 40, msg: 'line 4', kafka: { facility: 'FAIL', client: 'rdkafka#consumer-1' } },
      { level: 30, msg: 'line 6', kafka: { facility: 'FAIL', client: 'rdkafka#consumer-1' } },
      { level: 20, msg: 'line 7', kafka: { facility: 'FAIL', client: 'rdkafka#consumer-1' } },
      { level: 30, msg: 'namespaced', kafka: {} },
    ]);
    expect(lines[4]!.kafkaNamespace).toBe('admin');
  });

  describe('with a cluster', () => {
    let mock: MockKafka;
    beforeAll(async () => {
      mock = await startMockKafka(1);
    });
    afterAll(async () => {
      await mock.stop();
    });

    it('hands a real client’s lines to our logger', async () => {
      const { KafkaJS } = await loadKafka();
      const { logger, lines } = capturingLogger('info');
      const admin = new KafkaJS.Kafka(kafkaClientConfig({ bootstrapServers: mock.bootstrapServers.split(','), extra: {} }, logger)).admin();
      await admin.connect();
      await admin.disconnect();
      expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: 'Admin client connected', kafka: expect.objectContaining({ facility: 'BINDING' }) }));
    });
  });

  it('a topic log on brokers that do not answer rejects', async () => {
    const kafka = await loadKafka();
    const logger = pino({ level: 'silent' });
    const client = kafkaClientConfig({ bootstrapServers: ['127.0.0.1:1'], extra: {} }, logger);
    const opening = KafkaLog.open({ kafka, client, logger, topic: { name: 'nowhere', partitions: 1, replicationFactor: 1 }, requestTimeoutMs: 300, onRecord: () => {} });
    await expect(opening).rejects.toThrow();
  });
});
