/**
 * What users run outside the test suite: the example connector configs and the compose file, which
 * must stay in step with the code (the worker keys it sets, the topics the source writes and the
 * sinks read). No Docker engine runs here: compose itself resolves the file (`docker-compose config`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { ConfigProviders } from '../src/config/config-providers.js';
import { parsePostgresSourceConfig, POSTGRES_SOURCE_CLASS } from '../src/sources/postgres/postgres-source-config.js';
import { INTERNAL_TOPICS_CONFIG, internalTopics } from '../src/worker/kafka/internal-topics.js';
import { groupSettings, KAFKA_GROUP_CONFIG } from '../src/worker/kafka/kafka-group-config.js';
import { sinkSubscription } from '../src/worker/kafka/kafka-sink-consumer.js';
import { createRestApp } from '../src/worker/rest/app.js';
import { LoggerRegistry } from '../src/worker/rest/logger-registry.js';
import { StandaloneHerder } from '../src/worker/standalone-herder.js';
import { environmentVariableFor, loadConnectorFile, loadWorkerConfig, WORKER_CONFIG_DEFINITION } from '../src/worker/worker-config.js';
import { workerDir } from './support/connectors.js';

const root = path.resolve(import.meta.dirname, '..');

describe('connectors/ examples', () => {
  const files = connectorFiles();

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s validates with no errors through the REST validate endpoint', async (file) => {
    const { name, config } = await loadConnectorFile(path.join(root, 'connectors', file));
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: workerDir().configFile, env: {} }), pino({ level: 'silent' }));
    const app = createRestApp(herder, { loggers: new LoggerRegistry(pino({ level: 'silent' })) });
    try {
      const response = await app.inject({
        method: 'PUT',
        url: `/connector-plugins/${encodeURIComponent(config['connector.class']!)}/config/validate`,
        payload: { ...config, name },
      });
      expect(response.statusCode).toBe(200);
      const infos = response.json() as { error_count: number; configs: Array<{ value: { name: string; errors: string[] } }> };
      expect(infos.configs.filter((c) => c.value.errors.length > 0)).toEqual([]);
      expect(infos.error_count).toBe(0);
    } finally {
      await app.close();
      await herder.shutdown();
    }
  });
});

describe('docker-compose.yml', () => {
  it('is a valid compose file (docker-compose config -q, installed by .ci/run)', () => {
    expect(() => execFileSync('docker-compose', ['config', '-q'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('runs Kafka in KRaft mode from the official image: one node as broker and controller, a listener for the compose network and one for the host', () => {
    const kafka = composeServices()['kafka']!;
    expect(kafka.image).toMatch(/^apache\/kafka:/);
    const env = kafka.environment;
    expect(env['KAFKA_PROCESS_ROLES']!.split(',').sort()).toEqual(['broker', 'controller']);
    expect(Object.keys(env).filter((name) => name.includes('ZOOKEEPER'))).toEqual([]);
    const listeners = listenerMap(env['KAFKA_LISTENERS']!);
    const controller = env['KAFKA_CONTROLLER_LISTENER_NAMES']!;
    expect(env['KAFKA_CONTROLLER_QUORUM_VOTERS']).toBe(`${env['KAFKA_NODE_ID']}@kafka:${listeners.get(controller)!.split(':')[1]}`);

    const advertised = listenerMap(env['KAFKA_ADVERTISED_LISTENERS']!);
    const internal = env['KAFKA_INTER_BROKER_LISTENER_NAME']!;
    expect(advertised.get(internal)).toBe(`kafka${listeners.get(internal)}`);
    const hostListener = [...advertised].find(([, address]) => address === 'localhost:9092')?.[0];
    expect(hostListener).toBeDefined();
    expect(hostListener).not.toBe(internal);
    expect(listeners.get(hostListener!)).toBe(':9092');
    expect(kafka.ports).toContainEqual(expect.objectContaining({ published: 9092, target: 9092 }));
    expect(kafka.healthcheck?.test.join(' ')).toContain('kafka-broker-api-versions.sh');
  });

  it('starts Sluice once Kafka is healthy and the topics exist, with every connector in connectors/', () => {
    const sluice = composeServices()['sluice']!;
    expect(sluice.depends_on['kafka']).toEqual({ condition: 'service_healthy' });
    expect(sluice.depends_on['kafka-topics']).toEqual({ condition: 'service_completed_successfully' });
    const [command, ...files] = sluice.command!;
    expect(command).toBe('start');
    expect(files.sort()).toEqual(connectorFiles().map((file) => `connectors/${file}`).sort());
  });

  it('gives Sluice an environment that loads as a Kafka-mode worker config for the compose network\'s one broker, with keys the worker knows', async () => {
    const env = composeServices()['sluice']!.environment;
    const config = await loadWorkerConfig({ env });
    expect(config.bootstrapServers).toEqual([internalKafkaAddress()]);
    expect(config.groupId).not.toBeNull();
    const topics = internalTopics(config);
    expect([topics.configs, topics.offsets, topics.status].map((topic) => topic.replicationFactor)).toEqual([1, 1, 1]);
    expect(groupSettings(config).url).toBe('http://sluice:8083/');
    expect(ConfigProviders.fromWorkerConfig(config).names).toEqual(['env']);

    const known = new Set(
      [...WORKER_CONFIG_DEFINITION.keys, ...INTERNAL_TOPICS_CONFIG.keys, ...KAFKA_GROUP_CONFIG.keys].map((key) => environmentVariableFor(key.name)),
    );
    const providerKey = /^SLUICE_CONFIG_PROVIDERS(_[A-Z0-9]+_(CLASS|PARAM_.+))?$/;
    expect(Object.keys(env).filter((name) => name.startsWith('SLUICE_') && !known.has(name) && !providerKey.test(name))).toEqual([]);

    // Every ${env:NAME} a connector reads is in the worker's environment.
    const references = (await Promise.all(connectorFiles().map((file) => readFile(path.join(root, 'connectors', file), 'utf8')))).flatMap((text) =>
      [...text.matchAll(/\$\{env:([^}]+)\}/g)].map((match) => match[1]!),
    );
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((name) => env[name] === undefined)).toEqual([]);
  });

  it('creates the topics the source writes the sample schema to, and every sink subscribes to all of them', async () => {
    const sample = await readFile(path.join(root, 'docker', 'postgres', 'init.sql'), 'utf8');
    const tables = [...sample.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]!);
    expect(tables.length).toBeGreaterThan(0);
    const connectors = await Promise.all(connectorFiles().map((file) => loadConnectorFile(path.join(root, 'connectors', file))));
    const source = parsePostgresSourceConfig(connectors.find(({ config }) => config['connector.class'] === POSTGRES_SOURCE_CLASS)!.config);
    expect(tables.filter((table) => !source.tableFilter('public', table))).toEqual([]);
    // Debezium's topic names: <topic.prefix>.<schema>.<table>.
    const topics = tables.map((table) => `${source.topicPrefix}.public.${table}`);

    const creator = composeServices()['kafka-topics']!;
    expect(creator.environment['TOPICS']!.split(' ').sort()).toEqual([...topics].sort());
    expect(creator.entrypoint!.join(' ')).toContain(`--bootstrap-server ${internalKafkaAddress()}`);

    const sinks = connectors.filter(({ config }) => config['connector.class'] !== POSTGRES_SOURCE_CLASS);
    expect(sinks.length).toBeGreaterThan(0);
    for (const { name, config } of sinks) {
      const subscription = sinkSubscription(config);
      const subscribed = (topic: string): boolean => subscription.some((entry) => (entry.startsWith('^') ? new RegExp(entry).test(topic) : entry === topic));
      expect({ name, missed: topics.filter((topic) => !subscribed(topic)) }).toEqual({ name, missed: [] });
    }
  });
});

interface ComposeService {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment: Record<string, string>;
  depends_on: Record<string, { condition: string }>;
  ports?: Array<{ published: number; target: number }>;
  healthcheck?: { test: string[] };
}

let services: Record<string, ComposeService> | undefined;

/**
 * The services as compose resolves them (anchors merged, environment as a map of strings): the
 * output of `docker-compose config`, turned into JSON by the YAML module docker-compose runs on.
 */
function composeServices(): Record<string, ComposeService> {
  if (services === undefined) {
    const resolved = execFileSync('docker-compose', ['config'], { cwd: root, encoding: 'utf8' });
    const json = execFileSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: resolved, encoding: 'utf8' });
    type Resolved = Omit<ComposeService, 'environment' | 'depends_on'> & { environment?: Record<string, unknown>; depends_on?: ComposeService['depends_on'] };
    const parsed = JSON.parse(json) as { services: Record<string, Resolved> };
    services = Object.fromEntries(
      Object.entries(parsed.services).map(([name, service]) => [
        name,
        {
          ...service,
          depends_on: service.depends_on ?? {},
          environment: Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)])),
        },
      ]),
    );
  }
  return services;
}

/** Kafka's listener list `NAME://host:port,...` as name -> host:port. */
function listenerMap(list: string): Map<string, string> {
  return new Map(list.split(',').map((entry) => entry.split('://') as [string, string]));
}

/** Where containers on the compose network reach Kafka: the address advertised on the inter-broker listener. */
function internalKafkaAddress(): string {
  const env = composeServices()['kafka']!.environment;
  return listenerMap(env['KAFKA_ADVERTISED_LISTENERS']!).get(env['KAFKA_INTER_BROKER_LISTENER_NAME']!)!;
}

function connectorFiles(): string[] {
  return readdirSync(path.join(root, 'connectors')).filter((file) => file.endsWith('.json'));
}

describe('the sluice program', () => {
  // npm's bin, `npm run sluice|demo` and the Docker image run dist/cli.js through its first line
  // (`env -S node <V8 flags>`), built by `npm ci`: it must run as a program, flags and all.
  it('runs as an executable through its first line, with the Node flags it carries', () => {
    const program = path.join(root, 'dist', 'cli.js');
    const flags = readFileSync(program, 'utf8').split('\n', 1)[0]!;
    expect(flags).toMatch(/^#!\/usr\/bin\/env -S node --max-semi-space-size=\d+ --heap-growing-percent=\d+$/);
    expect(execFileSync(program, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
