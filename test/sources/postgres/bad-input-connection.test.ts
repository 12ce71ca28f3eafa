/**
 * Bad connection settings and an unfit server: each start fails with one error naming the fix,
 * and leaves no replication slot or publication behind.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedPostgres } from '../../../src/embedded/postgres-server.js';
import { ConfigError, isRetriable, RetriableError, SluiceError } from '../../../src/errors.js';
import { describePostgresError } from '../../../src/sources/postgres/connection.js';
import { postgresSourceConfig } from '../../support/connectors.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../../support/postgres.js';
import { failedStart, replicationObjects, type ReplicationObjects } from '../../support/source-task-harness.js';

describe('Postgres source start with bad connection settings', () => {
  let db: TestDatabase;
  let before: ReplicationObjects;
  beforeAll(async () => {
    db = await createTestDatabase('badconn');
    await db.sql(`CREATE TABLE items (id int PRIMARY KEY, note text)`);
    before = await replicationObjects(db.url);
  });
  afterAll(() => db.drop());

  const leavesNothing = async () => expect(await replicationObjects(db.url)).toEqual(before);

  it('refuses a wrong password, naming database.password', async () => {
    const { error } = await failedStart(postgresSourceConfig(db.url, { 'database.password': 'not-the-password' }));
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'PG_AUTH_FAILED', retriable: false });
    expect((error as Error).message).toMatch(/password authentication failed.*Check database\.user and database\.password/);
    expect(isRetriable(error)).toBe(false);
    await leavesNothing();
  });

  it('reports a closed port as unreachable and retriable, naming hostname and port', async () => {
    const port = await freePort();
    const { error } = await failedStart(postgresSourceConfig(db.url, { 'database.hostname': '127.0.0.1', 'database.port': String(port) }));
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'PG_UNREACHABLE' });
    expect((error as Error).message).toBe(
      `Cannot reach PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED). Check database.hostname and database.port, and that the server is running and accepts TCP connections.`,
    );
    expect(isRetriable(error)).toBe(true);
    await leavesNothing();
  });

  it('refuses a database that does not exist, naming database.dbname', async () => {
    const missing = `${db.name}_missing`;
    const config = postgresSourceConfig(databaseUrl(db.url, missing));
    const { error } = await failedStart(config);
    expect(error).toMatchObject({ code: 'PG_NO_DATABASE', retriable: false });
    expect((error as Error).message).toMatch(new RegExp(`^Database "${missing}" does not exist at .*Check database\\.dbname\\.$`));
    const slots = await db.sql(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 OR database = $2`, [config['slot.name'], missing]);
    expect(slots).toEqual([]);
  });

  it('refuses database.sslmode=require on a server without TLS, naming the sslmode that works', async () => {
    const { error } = await failedStart(postgresSourceConfig(db.url, { 'database.sslmode': 'require' }));
    expect(error).toMatchObject({ code: 'PG_TLS_UNAVAILABLE', retriable: false });
    expect((error as Error).message).toBe(
      `PostgreSQL at 127.0.0.1:${new URL(db.url).port} does not accept TLS connections, but database.sslmode requires TLS. Enable ssl on the server, or set database.sslmode=prefer (or disable).`,
    );
    await leavesNothing();
  });

  it('refuses plugin.name=wal2json before connecting, naming pgoutput', async () => {
    const { error } = await failedStart(postgresSourceConfig(db.url, { 'plugin.name': 'wal2json' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retriable: false });
    expect((error as Error).message).toContain('plugin.name');
    expect((error as Error).message).toContain('set it to pgoutput');
    await leavesNothing();
  });

  it('describes an error once: a described error, or one wrapping it, comes back unchanged', async () => {
    const settings = { host: '127.0.0.1', port: 5432, user: 'u', password: undefined, database: 'd', ssl: false as const, sslFallback: false };
    const described = new RetriableError('PG_CONNECTION_LOST', 'The PostgreSQL connection at 127.0.0.1:5432 was lost: gone. Sluice retries; nothing is lost.');
    expect(describePostgresError(described, settings)).toBe(described);
    expect(describePostgresError(new Error('while streaming', { cause: described }), settings)).toBe(described);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const serverError = await client.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    await client.end();
    const once = describePostgresError(serverError, settings);
    expect(once).toMatchObject({ code: 'PG_ERROR', retriable: false });
    expect(once.message).toBe('PostgreSQL at 127.0.0.1:5432 reported an error: relation "no_such_table" does not exist (SQLSTATE 42P01).');
    expect(describePostgresError(once, settings)).toBe(once);

    const bug = describePostgresError(new TypeError('x is not a function'), settings);
    expect(bug.message).toBe('x is not a function');
  });
});

describe('Postgres source start on a server without wal_level=logical', () => {
  it('refuses, naming wal_level=logical and the restart, and creates nothing', async () => {
    const server = await startEmbeddedPostgres({ settings: { wal_level: 'replica' } });
    try {
      const { error } = await failedStart(postgresSourceConfig(server.url));
      expect(error).toBeInstanceOf(SluiceError);
      expect(error).toMatchObject({ code: 'PG_WAL_LEVEL_NOT_LOGICAL', retriable: false });
      expect((error as Error).message).toMatch(/wal_level=replica; change data capture needs wal_level=logical\..*restart the server/);
      expect(await replicationObjects(server.url)).toEqual({ slots: [], publications: [] });
    } finally {
      await server.stop();
    }
  });
});
