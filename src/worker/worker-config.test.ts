import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { environmentVariableFor, loadConnectorFile, loadWorkerConfig } from './worker-config.js';

let directory: string;
let files = 0;
async function fileWith(content: string, extension = 'properties'): Promise<string> {
  const path = join(directory, `file-${++files}.${extension}`);
  await writeFile(path, content);
  return path;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-worker-config-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadWorkerConfig', () => {
  it('applies the declared defaults when nothing is given', async () => {
    expect(await loadWorkerConfig({ env: {} })).toEqual({
      listeners: [{ protocol: 'http', host: null, port: 8083 }],
      dataDir: './.data',
      offsetStorageFile: join('./.data', 'offsets.json'),
      offsetFlushIntervalMs: 1000,
      bootstrapServers: null,
      groupId: null,
      taskShutdownGracefulTimeoutMs: 5000,
      logLevel: 'info',
      taskRestart: { enabled: true, initialDelayMs: 1000, maxDelayMs: 60000 },
      extra: {},
    });
  });

  it('reads a Kafka Connect worker properties file, keeping unknown keys and ignoring plugin.path', async () => {
    const file = await fileWith(
      [
        '# a connect-standalone.properties',
        'bootstrap.servers=kafka1:9092, kafka2:9092',
        'group.id = connect-cluster',
        'rest.host.name=127.0.0.1',
        'rest.port: 9083',
        'sluice.data.dir=/var/lib/sluice',
        'offset.flush.interval.ms=60000',
        'task.shutdown.graceful.timeout.ms=10000',
        'log.level=debug',
        'plugin.path=/usr/share/java',
        'key.converter=org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable=false',
        'task.restart.max.delay.ms=30000',
      ].join('\n'),
    );
    expect(await loadWorkerConfig({ file, env: {} })).toEqual({
      listeners: [{ protocol: 'http', host: '127.0.0.1', port: 9083 }],
      dataDir: '/var/lib/sluice',
      offsetStorageFile: '/var/lib/sluice/offsets.json',
      offsetFlushIntervalMs: 60000,
      bootstrapServers: ['kafka1:9092', 'kafka2:9092'],
      groupId: 'connect-cluster',
      taskShutdownGracefulTimeoutMs: 10000,
      logLevel: 'debug',
      taskRestart: { enabled: true, initialDelayMs: 1000, maxDelayMs: 30000 },
      extra: { 'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'false' },
    });
  });

  it('reads JSON when the content starts with {, converting numbers and booleans to strings', async () => {
    const file = await fileWith(' {"rest.port": 9000, "offset.storage.file.filename": "/tmp/o.json", "x.enabled": true}', 'conf');
    const config = await loadWorkerConfig({ file, env: {} });
    expect(config.listeners).toEqual([{ protocol: 'http', host: null, port: 9000 }]);
    expect(config.offsetStorageFile).toBe('/tmp/o.json');
    expect(config.extra).toEqual({ 'x.enabled': 'true' });
  });

  it('lets the environment win over the file, for declared and undeclared keys', async () => {
    const file = await fileWith('rest.port=9083\nlog.level=warn\ncustom.key=from-file\n');
    const config = await loadWorkerConfig({
      file,
      env: {
        [environmentVariableFor('rest.port')]: '9999',
        SLUICE_OFFSET_STORAGE_FILE_FILENAME: '/data/offsets.json',
        SLUICE_CUSTOM_KEY: 'from-env',
        SLUICE_OTHER_THING: 'x',
        PATH: '/usr/bin',
      },
    });
    expect(environmentVariableFor('rest.port')).toBe('SLUICE_REST_PORT');
    expect(config.listeners).toEqual([{ protocol: 'http', host: null, port: 9999 }]);
    expect(config.offsetStorageFile).toBe('/data/offsets.json');
    expect(config.logLevel).toBe('warn');
    expect(config.extra).toEqual({ 'custom.key': 'from-env', 'other.thing': 'x' });
  });

  it('reads Confluent images\' CONNECT_ variables too, ours winning where both set a key', async () => {
    const config = await loadWorkerConfig({
      env: {
        CONNECT_BOOTSTRAP_SERVERS: 'kafka:9092',
        CONNECT_GROUP_ID: 'from-connect',
        SLUICE_GROUP_ID: 'from-sluice',
        CONNECT_CONFIG_STORAGE_TOPIC: 'my-configs',
        CONNECT_REST_PORT: '8099',
      },
    });
    expect(config.bootstrapServers).toEqual(['kafka:9092']);
    expect(config.groupId).toBe('from-sluice');
    expect(config.listeners).toEqual([{ protocol: 'http', host: null, port: 8099 }]);
    expect(config.extra).toEqual({ 'config.storage.topic': 'my-configs' });
  });

  it('prefers listeners over rest.port and rest.host.name', async () => {
    const config = await loadWorkerConfig({
      env: { SLUICE_LISTENERS: 'http://0.0.0.0:8084, http://[::1]:8085,http://:8086', SLUICE_REST_PORT: '1', SLUICE_REST_HOST_NAME: 'h' },
    });
    expect(config.listeners).toEqual([
      { protocol: 'http', host: '0.0.0.0', port: 8084 },
      { protocol: 'http', host: '::1', port: 8085 },
      { protocol: 'http', host: null, port: 8086 },
    ]);
  });

  it('names the key, the file and what is expected for a value of the wrong type', async () => {
    const file = await fileWith('rest.port=abc\n');
    const error = await configError(loadWorkerConfig({ file, env: {} }));
    expect(error.message).toContain('rest.port');
    expect(error.message).toContain(file);
    expect(error.message).toContain('an integer in [0,...,65535]');
  });

  it('names the environment variable when the bad value came from there, and lists every problem', async () => {
    const error = await configError(
      loadWorkerConfig({ env: { SLUICE_OFFSET_FLUSH_INTERVAL_MS: '0', SLUICE_LOG_LEVEL: 'loud', SLUICE_LISTENERS: 'https://0.0.0.0:8443' } }),
    );
    expect(error.message).toMatch(/3 problems/);
    expect(error.message).toMatch(/offset\.flush\.interval\.ms.*environment variable SLUICE_OFFSET_FLUSH_INTERVAL_MS/);
    expect(error.message).toMatch(/log\.level.*environment variable SLUICE_LOG_LEVEL.*fatal, error, warn, info, debug, trace, silent/);
    expect(error.message).toMatch(/https is not supported/);
  });

  it('rejects a missing file, bad JSON and a nested JSON value, naming the file', async () => {
    const missing = join(directory, 'nope.properties');
    expect((await configError(loadWorkerConfig({ file: missing, env: {} }))).message).toContain(missing);
    const badJson = await fileWith('{"rest.port": ', 'json');
    expect((await configError(loadWorkerConfig({ file: badJson, env: {} }))).message).toMatch(new RegExp(`${badJson} is not valid JSON`));
    const nested = await fileWith('{"listeners": ["http://:1"]}', 'json');
    expect((await configError(loadWorkerConfig({ file: nested, env: {} }))).message).toBe(
      `listeners in ${nested} is an array; expected a string, number or boolean.`,
    );
  });
});

describe('loadConnectorFile', () => {
  it('returns the name and a string-valued config, with config.name set', async () => {
    const file = await fileWith(
      JSON.stringify({ name: 'inventory', config: { 'connector.class': 'PostgresConnector', 'tasks.max': 1, 'slot.drop.on.stop': false } }),
      'json',
    );
    expect(await loadConnectorFile(file)).toEqual({
      name: 'inventory',
      config: { 'connector.class': 'PostgresConnector', 'tasks.max': '1', 'slot.drop.on.stop': 'false', name: 'inventory' },
    });
  });

  it.each([
    ['a missing name', JSON.stringify({ config: {} }), /has no connector name/],
    ['a config that is not an object', JSON.stringify({ name: 'c', config: ['a'] }), /has no "config" object/],
    ['bad JSON', '{"name": "c", ', /is not valid JSON/],
    ['a nested config value', JSON.stringify({ name: 'c', config: { a: { b: 1 } } }), /a in .* is an object/],
    ['a config.name that differs', JSON.stringify({ name: 'c', config: { name: 'd' } }), /config\.name "d" differs from name "c"/],
  ])('rejects %s, naming the file', async (_case, content, problem) => {
    const file = await fileWith(content, 'json');
    const error = await configError(loadConnectorFile(file));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(problem);
  });
});
