import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SOURCE_CONFIG } from '../sources/postgres/postgres-source-config.js';
import type { ConfigDefinition } from './config-definition.js';
import { ConfigProviders } from './config-providers.js';
import { HIDDEN, maskSecrets, passwordValues, redactResolved } from './secrets.js';

const POSTGRES_CONFIG = {
  name: 'inventory',
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'database.hostname': 'db.internal',
  'database.user': 'replicator',
  'database.password': 'pg-Pa55word',
  'database.sslpassword': 'key-pass',
  'database.dbname': 'inventory',
  'topic.prefix': 'inv',
};

describe('maskSecrets', () => {
  it('hides the PASSWORD keys of the Postgres source and nothing else', () => {
    expect(maskSecrets(POSTGRES_CONFIG, POSTGRES_SOURCE_CONFIG)).toEqual({
      ...POSTGRES_CONFIG,
      'database.password': HIDDEN,
      'database.sslpassword': HIDDEN,
    });
    expect(HIDDEN).toBe('[hidden]');
  });

  it('adds no key the config does not have, and leaves a value that is only a provider reference visible', () => {
    const masked = maskSecrets({ 'database.password': '${file:/etc/db.properties:password}', 'database.user': 'u' }, POSTGRES_SOURCE_CONFIG);
    expect(masked).toEqual({ 'database.password': '${file:/etc/db.properties:password}', 'database.user': 'u' });
    // A reference with a secret beside it is hidden whole.
    expect(maskSecrets({ 'database.password': 'pre${env:X}' }, POSTGRES_SOURCE_CONFIG)).toEqual({ 'database.password': HIDDEN });
  });

  it('hides a PASSWORD key given under a deprecated alias', () => {
    const definition: ConfigDefinition = {
      keys: [{ name: 'token', type: 'PASSWORD', default: null, importance: 'HIGH', group: 'Auth', documentation: 'API token.', aliases: [{ name: 'api.token' }] }],
    };
    expect(maskSecrets({ 'api.token': 't0ken', other: 'x' }, definition)).toEqual({ 'api.token': HIDDEN, other: 'x' });
  });
});

describe('passwordValues', () => {
  it('gives the non-empty values of PASSWORD keys', () => {
    expect(passwordValues({ ...POSTGRES_CONFIG, 'database.sslpassword': '' }, POSTGRES_SOURCE_CONFIG)).toEqual(['pg-Pa55word']);
  });
});

describe('redactResolved', () => {
  it('removes a secret wherever a message quotes it, raw, URL-encoded or JSON-escaped', () => {
    const secret = 'p@ss/w"rd:1';
    const url = new URL('postgres://db.internal:5432/inventory');
    url.username = 'replicator';
    url.password = secret;
    const text = `login failed with ${secret}; connecting to ${url.href}; body ${JSON.stringify({ password: secret })}`;
    const redacted = redactResolved(text, [secret]);
    expect(redacted).not.toContain(secret);
    expect(redacted).not.toContain(url.password);
    expect(redacted).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(redacted).toBe(`login failed with ${HIDDEN}; connecting to postgres://replicator:${HIDDEN}@db.internal:5432/inventory; body {"password":"${HIDDEN}"}`);
  });

  it('hides a secret containing another one whole, and treats regular-expression characters literally', () => {
    expect(redactResolved('a abc abcdef a.c x+y', ['abc', 'abcdef', 'x+y'])).toBe(`a ${HIDDEN} ${HIDDEN} a.c ${HIDDEN}`);
  });

  it('leaves the text alone when there is nothing to hide', () => {
    expect(redactResolved('nothing secret here', ['', 'absent'])).toBe('nothing secret here');
    expect(redactResolved('nothing secret here', [])).toBe('nothing secret here');
  });
});

describe('redacting what a provider resolved', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-secrets-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('cleans an error that echoes a resolved password and an inline one', async () => {
    const file = join(root, 'db.properties');
    await writeFile(file, 'password=from-the-file-42\n');
    const providers = ConfigProviders.fromWorkerConfig({
      extra: { 'config.providers': 'file', 'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider' },
    });
    const { config, secrets } = await providers.resolveWithSecrets({ ...POSTGRES_CONFIG, 'database.password': `\${file:${file}:password}` });
    expect(config['database.password']).toBe('from-the-file-42');
    const failure = `could not log in as ${config['database.user']} with password ${config['database.password']} (ssl key pass ${config['database.sslpassword']})`;
    const redacted = redactResolved(failure, [...secrets, ...passwordValues(config, POSTGRES_SOURCE_CONFIG)]);
    expect(redacted).toBe(`could not log in as replicator with password ${HIDDEN} (ssl key pass ${HIDDEN})`);
    expect(maskSecrets(config, POSTGRES_SOURCE_CONFIG)['database.password']).toBe(HIDDEN);
  });
});
