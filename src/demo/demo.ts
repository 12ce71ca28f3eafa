/**
 * `sluice demo`: an embedded PostgreSQL with a small shop schema, a live workload on it, and the
 * worker capturing everything into a JSON-lines file and, as date-partitioned Parquet files, into a
 * local directory (the S3 Parquet sink with store.url=file://...). Prints progress while it runs (snapshot per
 * table, changes streamed, replication lag) and a summary at the end.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../embedded/postgres-server.js';
import { createLogger } from '../logger.js';
import { StandaloneHerder } from '../worker/standalone-herder.js';
import { loadWorkerConfig } from '../worker/worker-config.js';
import { createShopSchema, startShopWorkload } from './shop.js';

export interface DemoOptions {
  seconds: number;
  rows: number;
  out: string;
  lake: string;
}

const print = (line: string) => process.stdout.write(`${line}\n`);

export async function runDemo(options: DemoOptions): Promise<void> {
  print('Starting an embedded PostgreSQL (wal_level=logical)...');
  const server = await startEmbeddedPostgres();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-demo-'));
  const out = path.resolve(options.out);
  const lake = path.resolve(options.lake);
  await rm(out, { force: true });
  await rm(lake, { recursive: true, force: true });
  try {
    const url = server.urlFor('shop');
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE shop');
    await admin.end();
    print(`Creating the sample schema (customers, products, orders) with ${options.rows} rows per table...`);
    await createShopSchema(url, options.rows);

    const workload = startShopWorkload(url);
    print('A live workload is writing (inserts, updates, deletes) while Sluice starts.');
    const env = { SLUICE_SLUICE_DATA_DIR: dataDir, SLUICE_OFFSET_FLUSH_INTERVAL_MS: '500' };
    const worker = await StandaloneHerder.open(await loadWorkerConfig({ env }), createLogger('warn'));
    const started = Date.now();
    await worker.start([
      {
        name: 'shop-source',
        config: {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': '127.0.0.1',
          'database.port': String(server.port),
          'database.user': 'postgres',
          'database.password': 'postgres',
          'database.dbname': 'shop',
          'database.sslmode': 'disable',
          'topic.prefix': 'shop',
          'decimal.handling.mode': 'string',
        },
      },
      { name: 'shop-jsonl', config: { 'connector.class': 'FileStreamSink', file: out, 'topics.regex': 'shop\\..*' } },
      {
        name: 'shop-lake',
        config: { 'connector.class': 'S3ParquetSink', 'store.url': pathToFileURL(lake).href, 'topics.regex': 'shop\\.public\\..*', 'rotate.schedule.interval.ms': '5000' },
      },
    ]);
    const failed = worker.failures();
    if (failed.length > 0) throw new Error(`connector failed: ${failed.map((f) => `${f.name}: ${f.trace}`).join('; ')}`);

    const monitor = new pg.Client({ connectionString: url });
    await monitor.connect();
    const lagBytes = async () => {
      const { rows } = await monitor.query<{ lag: string | null }>(
        `SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = 'debezium'`,
      );
      return rows[0]?.lag === undefined || rows[0].lag === null ? null : Number(rows[0].lag);
    };
    const source = worker.sourceRunner('shop-source')!;
    const deadline = started + options.seconds * 1000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const tables = worker.progress.snapshot().map((t) => `${t.table} ${t.rows}${t.total ? `/${t.total}` : ''}${t.finished ? ' done' : ` (${t.rowsPerSecond}/s${t.etaSeconds !== null ? `, ~${t.etaSeconds}s left` : ''})`}`);
      const lag = await lagBytes();
      print(`[${Math.round((Date.now() - started) / 1000)}s] snapshot: ${tables.join(', ') || 'starting'} | events: ${source.counts.events} | workload transactions: ${workload.transactions()} | slot lag: ${lag === null ? '-' : `${lag} bytes`}`);
    }

    print('Stopping the workload and waiting for the last changes to arrive...');
    await workload.stop();
    await monitor.query(`SELECT pg_logical_emit_message(true, 'demo', 'end of workload')`);
    const caughtUp = Date.now() + 30_000;
    while (Date.now() < caughtUp && !(await readFile(out, 'utf8').catch(() => '')).includes('"prefix":"demo"')) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await worker.shutdown();
    const lag = await lagBytes();
    await monitor.end();

    const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { value: { op: string } | null });
    const count = (op: string) => lines.filter((l) => l.value?.op === op).length;
    print('');
    print('Summary');
    print(`  rows snapshotted:  ${count('r')}`);
    print(`  changes streamed:  ${count('c')} inserts, ${count('u')} updates, ${count('d')} deletes`);
    print(`  tombstones:        ${lines.filter((l) => l.value === null).length}`);
    print(`  slot lag at stop:  ${lag === null ? '-' : `${lag} bytes`} (WAL the slot still holds)`);
    print(`  events file:       ${out} (${lines.length} events, one JSON line each)`);
    const parquet = await parquetFiles(lake);
    print(`  Parquet lake:      ${lake} (${parquet.length} files, ${parquet.reduce((sum, f) => sum + f.bytes, 0)} bytes; e.g. ${parquet[0]?.key ?? '-'})`);
    print(`  elapsed:           ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The Parquet files under `dir`, by key (path below it), with their sizes. */
async function parquetFiles(dir: string): Promise<Array<{ key: string; bytes: number }>> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const files = names.filter((name) => name.endsWith('.parquet')).sort();
  return Promise.all(files.map(async (key) => ({ key, bytes: (await stat(path.join(dir, key))).size })));
}
