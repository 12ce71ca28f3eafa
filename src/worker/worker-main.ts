/**
 * `sluice start`: the worker process. Loads the worker config and opens the herder its mode
 * calls for: Kafka mode when `bootstrap.servers` is set (configs, offsets and status in Kafka,
 * shared with the other workers of `group.id`), else the standalone herder on the data directory.
 * Serves the REST API on the configured listeners and creates or updates the connectors given on
 * the command line (those stored from earlier runs, or by other workers, run too).
 *
 * SIGTERM and SIGINT stop reading, let the sinks flush, commit the offsets, leave the group (Kafka
 * mode), close the REST server and exit 0. A second signal during that is ignored; a failed stop
 * exits 1.
 */
import type { Logger } from 'pino';
import { ConfigProviders } from '../config/config-providers.js';
import { createLogger } from '../logger.js';
import type { ConnectorConfig, Herder } from './herder.js';
import type { Metrics } from './metrics.js';
import { createRestApp } from './rest/app.js';
import { listen } from './rest/listen.js';
import { LoggerRegistry } from './rest/logger-registry.js';
import { StandaloneHerder } from './standalone-herder.js';
import { loadConnectorFile, loadWorkerConfig, type WorkerConfig } from './worker-config.js';

/** What the process needs of a herder beyond the REST API's Herder. */
interface WorkerHerder extends Herder {
  readonly metrics: Metrics;
  start(connectors: Array<{ name: string; config: ConnectorConfig }>): Promise<void>;
  shutdown(): Promise<void>;
}

export async function runWorker(options: { configFile?: string; connectorFiles: string[] }): Promise<void> {
  const config = await loadWorkerConfig({ file: options.configFile, env: process.env });
  const loggers = new LoggerRegistry(createLogger(config.logLevel));
  const logger = loggers.root;
  const connectors = await Promise.all(options.connectorFiles.map((file) => loadConnectorFile(file)));
  const herder = await openHerder(config, logger);
  const app = createRestApp(herder, { loggers, metrics: herder.metrics });
  const server = await listen(app, config.listeners);
  logger.info({ urls: server.urls, mode: config.bootstrapServers ? 'kafka' : 'standalone' }, 'REST API listening');

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

async function openHerder(config: WorkerConfig, logger: Logger): Promise<WorkerHerder> {
  const providers = ConfigProviders.fromWorkerConfig(config);
  const resolve = (connector: ConnectorConfig) => providers.resolve(connector);
  if (config.bootstrapServers === null) return StandaloneHerder.open(config, logger, { resolve });
  const { DistributedHerder } = await import('./kafka/distributed-herder.js');
  return DistributedHerder.open(config, logger, { resolve });
}
