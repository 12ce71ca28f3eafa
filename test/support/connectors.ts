/**
 * Connector and worker configs for tests: a Postgres source on a test database, a JSON-lines sink,
 * and a worker config file in a temporary data directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function postgresSourceConfig(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  const url = new URL(databaseUrl);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.slice(1),
    'database.sslmode': 'disable',
    'topic.prefix': 'test',
    'slot.name': `s_${url.pathname.slice(1)}`.slice(0, 63),
    'publication.name': 'sluice_test',
    'snapshot.fetch.size': '500',
    ...overrides,
  };
}

export function fileSinkConfig(file: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { 'connector.class': 'FileStreamSink', file, 'topics.regex': 'test\\..*', ...overrides };
}

export interface WorkerDir {
  dir: string;
  configFile: string;
  eventsFile: string;
  /** Writes a connector file in the REST body shape and returns its path. */
  connectorFile(name: string, config: Record<string, string>): string;
}

export function workerDir(settings: Record<string, string> = {}): WorkerDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-'));
  const configFile = path.join(dir, 'worker.properties');
  const all = { 'sluice.data.dir': path.join(dir, 'data'), 'offset.flush.interval.ms': '200', 'rest.port': '0', ...settings };
  writeFileSync(configFile, Object.entries(all).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return {
    dir,
    configFile,
    eventsFile: path.join(dir, 'events.jsonl'),
    connectorFile(name, config) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ name, config }));
      return file;
    },
  };
}
