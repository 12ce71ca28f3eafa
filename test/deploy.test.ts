/**
 * What users run outside the test suite: the example connector configs and the compose file.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createRestApp } from '../src/worker/rest/app.js';
import { LoggerRegistry } from '../src/worker/rest/logger-registry.js';
import { StandaloneHerder } from '../src/worker/standalone-herder.js';
import { loadConnectorFile, loadWorkerConfig } from '../src/worker/worker-config.js';
import { workerDir } from './support/connectors.js';

const root = path.resolve(import.meta.dirname, '..');

describe('connectors/ examples', () => {
  const files = readdirSync(path.join(root, 'connectors')).filter((f) => f.endsWith('.json'));

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
});
