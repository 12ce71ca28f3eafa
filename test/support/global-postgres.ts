/**
 * Vitest global setup: one PostgreSQL server for the whole run. `DATABASE_URL` points the suite at
 * an external server (it must have wal_level=logical and a superuser); otherwise an embedded server
 * is started. Tests read the URL with `inject('databaseUrl')` and work in databases of their own
 * (test/support/postgres.ts), so test files can run in parallel.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/embedded/postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let server: EmbeddedPostgresServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.DATABASE_URL) {
    project.provide('databaseUrl', process.env.DATABASE_URL);
    return;
  }
  server = await startEmbeddedPostgres();
  project.provide('databaseUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
