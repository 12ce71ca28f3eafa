import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadWorkerConfig } from '../worker/worker-config.js';
import { ConfigProviders } from './config-providers.js';

const FILE = 'org.apache.kafka.common.config.provider.FileConfigProvider';
const DIRECTORY = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
const ENV = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';

const FILE_PASSWORD = 'file-S3cret $& $1 \\ value';
const OTHER_FILE_SECRET = 'another-file-secret';
const DIRECTORY_SECRET = 'directory-secret\n';
const ENV_SECRET = 'env-secret-Value';
const ENV_NAME = 'SLUICE_PROVIDER_TEST_PASSWORD';
const ALL_SECRETS = [FILE_PASSWORD, OTHER_FILE_SECRET, DIRECTORY_SECRET.trim(), ENV_SECRET];

let root: string;
let propertiesFile: string;
let secretsDirectory: string;
let workerFiles = 0;

/** Providers as the worker builds them: from a real worker properties file. */
async function providersFrom(lines: string[]): Promise<ConfigProviders> {
  const file = join(root, `worker-${++workerFiles}.properties`);
  await writeFile(file, lines.join('\n'));
  return ConfigProviders.fromWorkerConfig(await loadWorkerConfig({ file, env: {} }));
}

const allProviders = (): Promise<ConfigProviders> =>
  providersFrom([
    'config.providers=file, env ,directory',
    `config.providers.file.class=${FILE}`,
    `config.providers.env.class=${ENV}`,
    `config.providers.directory.class=${DIRECTORY}`,
  ]);

async function resolveError(providers: ConfigProviders, config: Record<string, string>): Promise<ConfigError> {
  const error = await providers.resolve(config).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  for (const secret of ALL_SECRETS) expect(message).not.toContain(secret);
  return error as ConfigError;
}

function setupError(build: () => Promise<unknown>): Promise<ConfigError> {
  return build().then(
    () => {
      throw new Error('expected a ConfigError');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    },
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-config-providers-'));
  propertiesFile = join(root, 'db.properties');
  await writeFile(propertiesFile, [
    '# secrets of the test database',
    `password=${FILE_PASSWORD.replaceAll('\\', '\\\\')}`,
    `other.secret = ${OTHER_FILE_SECRET}`,
    'user=replicator',
    'with\\:colon=colon-key-value',
  ].join('\n'));
  secretsDirectory = join(root, 'secrets');
  await mkdir(join(secretsDirectory, 'nested'), { recursive: true });
  await writeFile(join(secretsDirectory, 'db-password'), DIRECTORY_SECRET);
  process.env[ENV_NAME] = ENV_SECRET;
});

afterAll(async () => {
  delete process.env[ENV_NAME];
  await rm(root, { recursive: true, force: true });
});

describe('FileConfigProvider', () => {
  it('replaces a reference with the key of a Java properties file', async () => {
    const providers = await allProviders();
    const resolved = await providers.resolve({ 'database.password': `\${file:${propertiesFile}:password}`, 'database.user': 'plain' });
    expect(resolved).toEqual({ 'database.password': FILE_PASSWORD, 'database.user': 'plain' });
  });

  it('keeps the text around a reference and resolves several references in one value', async () => {
    const providers = await allProviders();
    const value = `user=\${file:${propertiesFile}:user};password=\${file:${propertiesFile}:password};env=\${env:${ENV_NAME}}!`;
    const resolved = await providers.resolve({ 'connection.string': value });
    expect(resolved['connection.string']).toBe(`user=replicator;password=${FILE_PASSWORD};env=${ENV_SECRET}!`);
  });

  it('takes the path up to the second colon and the rest as the key, as Kafka does', async () => {
    const providers = await allProviders();
    const resolved = await providers.resolve({ k: `\${file:${propertiesFile}:with:colon}` });
    expect(resolved['k']).toBe('colon-key-value');
  });

  it('reports every substituted value as a secret', async () => {
    const providers = await allProviders();
    const { secrets } = await providers.resolveWithSecrets({
      a: `\${file:${propertiesFile}:password}`,
      b: `\${file:${propertiesFile}:other.secret}/\${env:${ENV_NAME}}`,
      c: 'no reference',
    });
    expect([...secrets].sort()).toEqual([FILE_PASSWORD, OTHER_FILE_SECRET, ENV_SECRET].sort());
  });

  it('fails naming the config key, the provider and the file when the file is missing', async () => {
    const providers = await allProviders();
    const missing = join(root, 'no-such.properties');
    const error = await resolveError(providers, { name: 'inventory', 'database.password': `\${file:${missing}:password}`, 'database.user': `\${file:${propertiesFile}:user}` });
    expect(error.message).toContain('connector "inventory"');
    expect(error.message).toContain(`- database.password: \${file:${missing}:password}`);
    expect(error.message).toContain(missing);
    expect(error.message).toContain('config provider "file"');
    expect(error.message).not.toContain('database.user');
  });

  it('fails naming the missing key, without showing any value of the file', async () => {
    const providers = await allProviders();
    const error = await resolveError(providers, {
      'database.password': `\${file:${propertiesFile}:pasword}`,
      'database.sslpassword': `\${file:${propertiesFile}:password}`,
    });
    expect(error.message).toContain(`database.password: \${file:${propertiesFile}:pasword}: the properties file ${propertiesFile} has no key "pasword"`);
    expect(error.message).not.toContain('database.sslpassword');
  });

  it('lists every failing reference at once', async () => {
    const providers = await allProviders();
    const error = await resolveError(providers, { a: `\${file:${propertiesFile}:x}`, b: `\${file:${propertiesFile}:y} \${env:SLUICE_PROVIDER_TEST_UNSET}` });
    expect(error.message.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(3);
  });

  it('refuses paths outside allowed.paths', async () => {
    const providers = await providersFrom([
      'config.providers=file',
      `config.providers.file.class=${FILE}`,
      `config.providers.file.param.allowed.paths=${secretsDirectory}`,
    ]);
    const error = await resolveError(providers, { p: `\${file:${secretsDirectory}/../db.properties:password}` });
    expect(error.message).toContain('outside allowed.paths');
  });
});

describe('DirectoryConfigProvider', () => {
  it('replaces a reference with the whole content of the named file', async () => {
    const providers = await allProviders();
    const resolved = await providers.resolve({ 'database.password': `\${directory:${secretsDirectory}:db-password}` });
    expect(resolved['database.password']).toBe(DIRECTORY_SECRET);
  });

  it('fails for a missing file, a sub-directory and a name reaching outside the directory', async () => {
    const providers = await allProviders();
    const error = await resolveError(providers, {
      a: `\${directory:${secretsDirectory}:absent}`,
      b: `\${directory:${secretsDirectory}:nested}`,
      c: `\${directory:${secretsDirectory}:../db.properties}`,
    });
    for (const file of ['absent', 'nested', '../db.properties']) expect(error.message).toContain(`the directory ${secretsDirectory} has no file "${file}"`);
  });

  it('fails when the path is not a directory', async () => {
    const providers = await allProviders();
    const error = await resolveError(providers, { a: `\${directory:${propertiesFile}:password}` });
    expect(error.message).toContain(`${propertiesFile} is not a directory`);
  });
});

describe('EnvVarConfigProvider', () => {
  it('reads a variable written ${env:NAME} or ${env::NAME}', async () => {
    const providers = await allProviders();
    const resolved = await providers.resolve({ a: `\${env:${ENV_NAME}}`, b: `\${env::${ENV_NAME}}` });
    expect(resolved).toEqual({ a: ENV_SECRET, b: ENV_SECRET });
  });

  it('fails for an unset variable and for a path', async () => {
    const providers = await allProviders();
    const error = await resolveError(providers, { a: '${env:SLUICE_PROVIDER_TEST_UNSET}', b: `\${env:/etc:${ENV_NAME}}` });
    expect(error.message).toContain('a: ${env:SLUICE_PROVIDER_TEST_UNSET}: environment variable SLUICE_PROVIDER_TEST_UNSET is not set');
    expect(error.message).toContain('EnvVarConfigProvider takes no path');
  });

  it('only gives variables whose name matches allowlist.pattern', async () => {
    const providers = await providersFrom(['config.providers=env', `config.providers.env.class=${ENV}`, 'config.providers.env.param.allowlist.pattern=^APP_']);
    const error = await resolveError(providers, { a: `\${env:${ENV_NAME}}` });
    expect(error.message).toContain(`environment variable ${ENV_NAME} is not allowed by allowlist.pattern ^APP_`);
  });
});

describe('references the worker has no provider for', () => {
  it('are left as written, as Kafka leaves them', async () => {
    const providers = await providersFrom(['config.providers=env', `config.providers.env.class=${ENV}`]);
    const config = { a: '${vault:secret/db:password}', b: `\${file:${propertiesFile}:password}`, c: 'price: ${5}' };
    expect(await providers.resolve(config)).toEqual(config);
  });

  it('are all left as written when the worker allows no provider', async () => {
    const providers = await providersFrom([]);
    expect(providers.names).toEqual([]);
    const config = { a: `\${env:${ENV_NAME}}` };
    expect(await providers.resolve(config)).toEqual(config);
  });
});

describe('fromWorkerConfig', () => {
  it('lists the allowed providers in order', async () => {
    expect((await allProviders()).names).toEqual(['file', 'env', 'directory']);
  });

  it('takes the providers from SLUICE_ environment variables too', async () => {
    const providers = ConfigProviders.fromWorkerConfig(
      await loadWorkerConfig({ env: { SLUICE_CONFIG_PROVIDERS: 'file', SLUICE_CONFIG_PROVIDERS_FILE_CLASS: FILE } }),
    );
    expect(await providers.resolve({ p: `\${file:${propertiesFile}:user}` })).toEqual({ p: 'replicator' });
  });

  it('refuses an unknown class, naming the key and the known classes', async () => {
    const error = await setupError(() => providersFrom(['config.providers=vault', 'config.providers.vault.class=com.example.VaultConfigProvider']));
    expect(error.message).toContain('config.providers.vault.class is "com.example.VaultConfigProvider"');
    for (const known of [FILE, DIRECTORY, ENV]) expect(error.message).toContain(known);
  });

  it('refuses a listed provider without a class', async () => {
    const error = await setupError(() => providersFrom(['config.providers=file']));
    expect(error.message).toContain('config.providers.file.class is not set');
  });

  it('refuses an unknown parameter and an invalid one', async () => {
    const error = await setupError(() =>
      providersFrom([
        'config.providers=file,env',
        `config.providers.file.class=${FILE}`,
        'config.providers.file.param.allowed.path=/etc',
        `config.providers.env.class=${ENV}`,
        'config.providers.env.param.allowlist.pattern=(',
      ]),
    );
    expect(error.message).toContain('config.providers.file.param.allowed.path: org.apache.kafka.common.config.provider.FileConfigProvider has no parameter "allowed.path"');
    expect(error.message).toContain('config.providers.env.param.allowlist.pattern is not a valid regular expression');
  });

  it('refuses allowed.paths that are relative or do not exist', async () => {
    const error = await setupError(() =>
      providersFrom(['config.providers=directory', `config.providers.directory.class=${DIRECTORY}`, `config.providers.directory.param.allowed.paths=${root},relative/dir`]),
    );
    expect(error.message).toContain('config.providers.directory.param.allowed.paths: path relative/dir is not valid');
  });
});
