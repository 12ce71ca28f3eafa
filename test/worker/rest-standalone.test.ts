/**
 * The REST contract suite (test/support/rest-contract.ts) against the real standalone herder, on a
 * fresh data directory per test.
 */
import pino from 'pino';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { workerDir } from '../support/connectors.js';
import { describeRestContract } from '../support/rest-contract.js';

describeRestContract(
  async () => {
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: workerDir().configFile, env: {} }), pino({ level: 'silent' }));
    await herder.start();
    return herder;
  },
  { close: (herder) => (herder as StandaloneHerder).shutdown() },
);
