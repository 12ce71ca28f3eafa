#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=50
/**
 * The `sluice` command line: `sluice start` runs the worker, `sluice demo` shows it capturing a
 * live workload from an embedded PostgreSQL.
 *
 * The first line is how the program runs (npm's bin, `npm run sluice|demo`, the Docker image, the
 * benchmark): V8's old generation grows by half its live size before the next full collection
 * instead of V8's adaptive factor of up to 4. A busy worker keeps little alive (about 25 MB) but
 * allocates fast, so left alone V8 lets garbage pile up to over 100 MB of heap; with this it stays
 * near 50 MB, a peak RSS 45-90 MB lower at the same speed (figures in the README). The young
 * generation is set to 16 MB per semi-space, Node 20's default, whatever the Node version.
 */
import { Command } from 'commander';
import { CONNECTOR_VERSION } from './sources/postgres/event-builder.js';
import { runWorker } from './worker/worker-main.js';

const program = new Command()
  .name('sluice')
  .description('Change data capture from PostgreSQL, Debezium-compatible, configured like Kafka Connect.')
  .version(CONNECTOR_VERSION);

program
  .command('start')
  .description('run the worker (in Kafka mode when the worker config sets bootstrap.servers) with the given connector configs (JSON files in the REST body shape {"name", "config"}), created or updated at start')
  .option('-c, --config <file>', 'worker config: a Java-properties or JSON file with Kafka Connect worker keys')
  .argument('[connectors...]', 'connector config files')
  .action(async (files: string[], options: { config?: string }) => {
    await runWorker({ configFile: options.config, connectorFiles: files });
  });

program
  .command('demo')
  .description('start an embedded PostgreSQL, run a live workload and capture it into a JSON-lines file and a local Parquet lake')
  .option('--seconds <n>', 'how long the live workload runs', '20')
  .option('--rows <n>', 'rows per table in the sample schema before capture starts', '100000')
  .option('--out <file>', 'where the captured events go', 'demo-events.jsonl')
  .option('--lake <dir>', 'the directory the S3 Parquet sink writes to (store.url=file://...)', 'demo-lake')
  .action(async (options: { seconds: string; rows: string; out: string; lake: string }) => {
    const { runDemo } = await import('./demo/demo.js');
    await runDemo({ seconds: Number(options.seconds), rows: Number(options.rows), out: options.out, lake: options.lake });
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
