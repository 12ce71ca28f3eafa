/**
 * `sluice start`: the standalone worker process. Loads the worker config, opens the herder on the
 * data directory, serves the REST API on the configured listeners and starts the connectors given
 * on the command line (and those stored from earlier runs).
 *
 * SIGTERM and SIGINT stop reading, let the sinks flush, commit the offsets, close the REST server and
 * exit 0. A second signal during that is ignored; a failed stop exits 1.
 */
import { ConfigProviders } from '../config/config-providers.js';
import { createLogger } from '../logger.js';
import { createRestApp } from './rest/app.js';
import { listen } from './rest/listen.js';
import { LoggerRegistry } from './rest/logger-registry.js';
import { StandaloneHerder } from './standalone-herder.js';
import { loadConnectorFile, loadWorkerConfig } from './worker-config.js';

export async function runStandaloneWorker(options: { configFile?: string; connectorFiles: string[] }): Promise<void> {
  const config = await loadWorkerConfig({ file: options.configFile, env: process.env });
  const loggers = new LoggerRegistry(createLogger(config.logLevel));
  const logger = loggers.root;
  const connectors = await Promise.all(options.connectorFiles.map((file) => loadConnectorFile(file)));
  const providers = ConfigProviders.fromWorkerConfig(config);
  const herder = await StandaloneHerder.open(config, logger, { resolve: (connector) => providers.resolve(connector) });
  const app = createRestApp(herder, { loggers, metrics: herder.metrics });
  const server = await listen(app, config.listeners);
  logger.info({ urls: server.urls }, 'REST API listening');

  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, 'stopping: flushing sinks and committing offsets');
    herder
      .shutdown()
      .then(() => server.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await herder.start(connectors);
  logger.info({ connectors: herder.connectors().map((name) => herder.status(name)) }, 'worker running');
}
