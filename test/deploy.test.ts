/**
 * What users run outside the test suite: the example connector configs and the compose file.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/validate-config.js';
import { findPlugin } from '../src/worker/plugins.js';
import { loadConnectorFile } from '../src/worker/worker-config.js';

const root = path.resolve(import.meta.dirname, '..');

describe('connectors/ examples', () => {
  const files = readdirSync(path.join(root, 'connectors')).filter((f) => f.endsWith('.json'));

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s validates with no errors', async (file) => {
    const { name, config } = await loadConnectorFile(path.join(root, 'connectors', file));
    const result = validateConfig(findPlugin(config['connector.class']).definition, { ...config, name });
    expect(result.problems).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it('is a valid compose file (docker-compose config -q, installed by .ci/run)', () => {
    expect(() => execFileSync('docker-compose', ['config', '-q'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });
});
