import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { librdkafkaSecurityProperties } from './kafka-security-config.js';

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="key" password="secret";';

function problemsOf(worker: Record<string, string>): string {
  try {
    librdkafkaSecurityProperties(worker);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('librdkafkaSecurityProperties', () => {
  it('is plaintext without security keys', () => {
    expect(librdkafkaSecurityProperties({})).toEqual({ 'security.protocol': 'plaintext' });
  });

  it('takes SASL credentials from the JAAS line or librdkafka’s own keys, and ignores TLS keys on a plaintext connection', () => {
    expect(librdkafkaSecurityProperties({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': PLAIN_JAAS, 'ssl.truststore.location': '/x.jks' })).toEqual({
      'security.protocol': 'sasl_plaintext',
      'sasl.mechanism': 'PLAIN',
      'sasl.username': 'key',
      'sasl.password': 'secret',
    });
    expect(librdkafkaSecurityProperties({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.username': 'u', 'sasl.password': 'p' })).toMatchObject({
      'sasl.username': 'u',
      'sasl.password': 'p',
    });
  });

  it('maps PEM and PKCS12 TLS material, and an empty endpoint identification to none', () => {
    expect(
      librdkafkaSecurityProperties({
        'security.protocol': 'SSL',
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----...',
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': '/client.p12',
        'ssl.keystore.password': 'ks',
        'ssl.key.password': 'kp',
        'ssl.endpoint.identification.algorithm': '',
      }),
    ).toEqual({
      'security.protocol': 'ssl',
      'ssl.ca.pem': '-----BEGIN CERTIFICATE-----...',
      'ssl.keystore.location': '/client.p12',
      'ssl.keystore.password': 'ks',
      'ssl.key.password': 'kp',
      'ssl.endpoint.identification.algorithm': 'none',
    });
    expect(
      librdkafkaSecurityProperties({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'KEY', 'ssl.keystore.certificate.chain': 'CHAIN' }),
    ).toEqual({ 'security.protocol': 'ssl', 'ssl.key.pem': 'KEY', 'ssl.certificate.pem': 'CHAIN', 'ssl.endpoint.identification.algorithm': 'https' });
  });

  it('reports everything librdkafka cannot use at once, each with what to set', () => {
    const message = problemsOf({
      'security.protocol': 'SASL_SSL',
      'ssl.truststore.location': '/truststore.jks',
      'ssl.keystore.location': '/keystore.jks',
    });
    expect(message).toContain('sasl.mechanism GSSAPI (Connect\'s default) is not supported; set sasl.mechanism to one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.');
    expect(message).toContain('ssl.truststore.type JKS cannot be read: export the CA certificates as PEM');
    expect(message).toContain('ssl.keystore.type JKS cannot be read: convert the keystore');
    expect(problemsOf({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN' })).toContain(
      'sasl.mechanism PLAIN needs a username and password: set sasl.jaas.config to \'org.apache.kafka.common.security.plain.PlainLoginModule required username="<user>" password="<password>";\'',
    );
    expect(problemsOf({ 'security.protocol': 'TLS' })).toContain('security.protocol is "TLS"; set it to one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL.');
  });
});
