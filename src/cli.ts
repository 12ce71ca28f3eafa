#!/usr/bin/env node
/**
 * The `sluice` command line: `sluice start` runs the worker, `sluice demo` shows it capturing a
 * live workload from an embedded PostgreSQL.
 */
import { Command } from 'commander';
import { ConfigProviders } from './config/config-providers.js';
import { createLogger } from './logger.js';
import { CONNECTOR_VERSION } from './sources/postgres/event-builder.js';
import { StandaloneHerder } from './worker/standalone-herder.js';
import { loadConnectorFile, loadWorkerConfig } from './worker/worker-config.js';

const program = new Command()
  .name('sluice')
  .description('Change data capture from PostgreSQL, Debezium-compatible, configured like Kafka Connect.')
  .version(CONNECTOR_VERSION);

program
  .command('start')
  .description('run the worker with the given connector configs (JSON files in the REST body shape {"name", "config"})')
  .option('-c, --config <file>', 'worker config: a Java-properties or JSON file with Kafka Connect worker keys')
  .argument('[connectors...]', 'connector config files')
  .action(async (files: string[], options: { config?: string }) => {
    const config = await loadWorkerConfig({ file: options.config, env: process.env });
    const logger = createLogger(config.logLevel);
    const connectors = await Promise.all(files.map((file) => loadConnectorFile(file)));
    const providers = ConfigProviders.fromWorkerConfig(config);
    const herder = await StandaloneHerder.open(config, logger, { resolve: (connector) => providers.resolve(connector) });
    let exiting = false;
    const shutdown = (signal: string) => {
      if (exiting) return;
      exiting = true;
      logger.info({ signal }, 'stopping: flushing sinks and committing offsets');
      herder.shutdown().then(
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
  });

program
  .command('demo')
  .description('start an embedded PostgreSQL, run a live workload and capture it into a JSON-lines file')
  .option('--seconds <n>', 'how long the live workload runs', '20')
  .option('--rows <n>', 'rows per table in the sample schema before capture starts', '100000')
  .option('--out <file>', 'where the captured events go', 'demo-events.jsonl')
  .action(async (options: { seconds: string; rows: string; out: string }) => {
    const { runDemo } = await import('./demo/demo.js');
    await runDemo({ seconds: Number(options.seconds), rows: Number(options.rows), out: options.out });
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
