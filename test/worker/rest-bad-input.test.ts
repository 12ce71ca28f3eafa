/**
 * Bad input over the REST API with the real standalone herder: each refusal has Connect's status and
 * a message naming the fix, and nothing is created (no entry in the config store).
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRestApp } from '../../src/worker/rest/app.js';
import { LoggerRegistry } from '../../src/worker/rest/logger-registry.js';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { postgresSourceConfig, workerDir, type WorkerDir } from '../support/connectors.js';

const SOURCE = postgresSourceConfig('postgres://u:p@127.0.0.1:1/app', { 'slot.name': 'shared' });

describe('REST bad input with the standalone herder', () => {
  let dir: WorkerDir;
  let herder: StandaloneHerder;
  let app: FastifyInstance;
  const stored = () => {
    const file = path.join(dir.dir, 'data', 'connectors.json');
    return existsSync(file) ? Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { connectors: object }).connectors) : [];
  };
  const post = (body: unknown) => app.inject({ method: 'POST', url: '/connectors', payload: body as object });

  beforeEach(async () => {
    dir = workerDir();
    herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }));
    await herder.start();
    app = createRestApp(herder, { loggers: new LoggerRegistry(pino({ level: 'silent' })) });
  });
  afterEach(async () => {
    await app.close();
    await herder.shutdown();
  });

  it('malformed JSON: 400', async () => {
    const response = await app.inject({ method: 'POST', url: '/connectors', headers: { 'content-type': 'application/json' }, payload: '{"name": "x", "config": {' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error_code: 400 });
    expect(stored()).toEqual([]);
  });

  it('missing and unknown connector.class: 400 naming the fix', async () => {
    const { 'connector.class': _omitted, ...withoutClass } = SOURCE;
    const missing = await post({ name: 'a', config: withoutClass });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/connector\.class/);
    const unknown = await post({ name: 'a', config: { ...SOURCE, 'connector.class': 'com.example.Nope' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/Failed to find any class that implements Connector and which name matches com\.example\.Nope/);
    expect(stored()).toEqual([]);
  });

  it('a missing required key and a value of the wrong type: 400 listing both', async () => {
    const { 'topic.prefix': _omitted, ...withoutPrefix } = SOURCE;
    const response = await post({ name: 'a', config: { ...withoutPrefix, 'database.port': 'five' } });
    expect(response.statusCode).toBe(400);
    const { message } = response.json() as { message: string };
    expect(message).toMatch(/contains the following 2 error\(s\)/);
    expect(message).toMatch(/Missing required configuration "topic\.prefix" which has no default value/);
    expect(message).toMatch(/Invalid value five for configuration database\.port/);
    expect(stored()).toEqual([]);
  });

  it('an unknown transform class: 400 naming the transform', async () => {
    const response = await post({ name: 'a', config: { ...SOURCE, transforms: 'x', 'transforms.x.type': 'com.example.NoSuchTransform' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/transforms\.x\.type/);
    expect(response.json().message).toMatch(/com\.example\.NoSuchTransform/);
    expect(stored()).toEqual([]);
  });

  it('a name in the config that differs from the URL: 400', async () => {
    const response = await app.inject({ method: 'PUT', url: '/connectors/a/config', payload: { ...SOURCE, name: 'b' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe("Connector name configuration (b) doesn't match connector name in the URL (a)");
    expect(stored()).toEqual([]);
  });

  it('a second connector on the same replication slot: 400 naming the first, and only the first exists', async () => {
    const first = await post({ name: 'first', config: SOURCE, initial_state: 'STOPPED' });
    expect(first.statusCode).toBe(201);
    const second = await post({ name: 'second', config: { ...SOURCE, 'topic.prefix': 'other' }, initial_state: 'STOPPED' });
    expect(second.statusCode).toBe(400);
    expect(second.json().message).toMatch(/Connector first already reads replication slot "shared".*Give this connector its own slot\.name/);
    expect(stored()).toEqual(['first']);
  });
});
