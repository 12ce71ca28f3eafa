/**
 * A Kafka Connect worker's connection keys, translated to librdkafka's properties, so that a
 * Connect worker file reaches the same cluster unchanged. Called once when the worker builds its
 * Kafka client config; pure, never blocks.
 *
 * Translated: `client.id`; `security.protocol` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL);
 * `sasl.mechanism` PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 with the username and password taken from
 * `sasl.jaas.config` (`... required username="..." password="...";`) or given as librdkafka's own
 * `sasl.username` / `sasl.password`; and the TLS material in the PEM forms librdkafka reads
 * (`ssl.truststore.type=PEM` with `ssl.truststore.location` or `ssl.truststore.certificates`,
 * `ssl.keystore.type=PKCS12` with `ssl.keystore.location` and `ssl.keystore.password`, or
 * `ssl.keystore.type=PEM` with `ssl.keystore.key` and `ssl.keystore.certificate.chain`,
 * `ssl.key.password`, `ssl.endpoint.identification.algorithm`). SASL keys count only with a SASL
 * protocol and TLS keys only with a TLS one, as in Connect. Other keys are ignored.
 *
 * What librdkafka cannot do (a JKS store, another SASL mechanism) is a ConfigError naming the key
 * and what to set instead; all problems are reported at once.
 */
import { ConfigError } from '../../errors.js';

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
// `key="value"` or `key=value` pairs of a JAAS login module line.
const JAAS_OPTION = /([A-Za-z_][\w.]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;

/** librdkafka properties for the connection keys among `worker` (a worker config's keys). */
export function librdkafkaSecurityProperties(worker: Readonly<Record<string, string>>): Record<string, string> {
  const properties: Record<string, string> = {};
  const problems: string[] = [];
  const value = (key: string): string | undefined => {
    const text = worker[key]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };

  const clientId = value('client.id');
  if (clientId !== undefined) properties['client.id'] = clientId;

  const protocol = (value('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    problems.push(`security.protocol is "${worker['security.protocol']}"; set it to one of ${PROTOCOLS.join(', ')}.`);
  } else {
    properties['security.protocol'] = protocol.toLowerCase();
  }
  if (protocol.startsWith('SASL_')) Object.assign(properties, saslProperties(value, problems));
  if (protocol === 'SSL' || protocol === 'SASL_SSL') Object.assign(properties, tlsProperties(value, worker, problems));

  if (problems.length > 0) {
    throw new ConfigError(`The worker's Kafka connection config cannot be used:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  }
  return properties;
}

type Lookup = (key: string) => string | undefined;

function saslProperties(value: Lookup, problems: string[]): Record<string, string> {
  const mechanism = (value('sasl.mechanism') ?? 'GSSAPI').toUpperCase();
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    problems.push(`sasl.mechanism ${mechanism}${value('sasl.mechanism') === undefined ? ' (Connect\'s default)' : ''} is not supported; set sasl.mechanism to one of ${MECHANISMS.join(', ')}.`);
    return {};
  }
  const jaas = jaasOptions(value('sasl.jaas.config') ?? '');
  const username = value('sasl.username') ?? jaas.get('username');
  const password = value('sasl.password') ?? jaas.get('password');
  if (username === undefined || password === undefined) {
    problems.push(
      `sasl.mechanism ${mechanism} needs a username and password: set sasl.jaas.config to ` +
        `'${mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule'} required username="<user>" password="<password>";'.`,
    );
    return {};
  }
  return { 'sasl.mechanism': mechanism, 'sasl.username': username, 'sasl.password': password };
}

/** The options of a JAAS line (`<LoginModule> required a="x" b="y";`), quotes and escapes removed. */
function jaasOptions(jaas: string): Map<string, string> {
  const options = new Map<string, string>();
  const afterFlag = jaas.replace(/^\s*\S+\s+(required|requisite|sufficient|optional)\b/, '');
  for (const [, name, quoted, bare] of afterFlag.matchAll(JAAS_OPTION)) {
    options.set(name!, quoted === undefined ? bare! : quoted.replace(/\\(.)/g, '$1'));
  }
  return options;
}

function tlsProperties(value: Lookup, worker: Readonly<Record<string, string>>, problems: string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  const truststoreType = (value('ssl.truststore.type') ?? 'JKS').toUpperCase();
  const truststoreLocation = value('ssl.truststore.location');
  const truststoreCertificates = value('ssl.truststore.certificates');
  if (truststoreLocation !== undefined || truststoreCertificates !== undefined) {
    if (truststoreType !== 'PEM') {
      problems.push(
        `ssl.truststore.type ${truststoreType} cannot be read: export the CA certificates as PEM ` +
          `(keytool -exportcert -rfc -keystore <store> -alias <ca>) and set ssl.truststore.type=PEM with ssl.truststore.location pointing to that file.`,
      );
    } else if (truststoreCertificates !== undefined) {
      properties['ssl.ca.pem'] = truststoreCertificates;
    } else {
      properties['ssl.ca.location'] = truststoreLocation!;
    }
  }

  const keystoreType = (value('ssl.keystore.type') ?? 'JKS').toUpperCase();
  const keystoreLocation = value('ssl.keystore.location');
  if (keystoreType === 'PEM') {
    const key = value('ssl.keystore.key');
    const chain = value('ssl.keystore.certificate.chain');
    if (key !== undefined) properties['ssl.key.pem'] = key;
    if (chain !== undefined) properties['ssl.certificate.pem'] = chain;
    if (keystoreLocation !== undefined) {
      problems.push('ssl.keystore.location with ssl.keystore.type=PEM cannot be read: give the key and certificate as ssl.keystore.key and ssl.keystore.certificate.chain, or use a PKCS12 keystore.');
    }
  } else if (keystoreLocation !== undefined) {
    if (keystoreType !== 'PKCS12') {
      problems.push(`ssl.keystore.type ${keystoreType} cannot be read: convert the keystore (keytool -importkeystore -deststoretype PKCS12) and set ssl.keystore.type=PKCS12.`);
    } else {
      properties['ssl.keystore.location'] = keystoreLocation;
      const password = value('ssl.keystore.password');
      if (password !== undefined) properties['ssl.keystore.password'] = password;
    }
  }
  const keyPassword = value('ssl.key.password');
  if (keyPassword !== undefined) properties['ssl.key.password'] = keyPassword;

  // Connect verifies the host name (https) unless the key is set to the empty string.
  const identification = worker['ssl.endpoint.identification.algorithm']?.trim().toLowerCase() ?? 'https';
  if (identification !== 'https' && identification !== '') {
    problems.push(`ssl.endpoint.identification.algorithm is "${identification}"; set it to https, or to the empty string to skip host name verification.`);
  }
  properties['ssl.endpoint.identification.algorithm'] = identification === '' ? 'none' : 'https';
  return properties;
}
