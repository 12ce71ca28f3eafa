/**
 * Connections to the source database, and the translation of connection failures into one clear
 * message each. Every connection uses the fixed session settings (./session.ts) and returns values
 * as the raw text Postgres prints, which the type converters (./types) turn into event values.
 */
import pg from 'pg';
import { RetriableError, SluiceError } from '../../errors.js';
import { sessionOptions } from './session.js';

export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: pg.ClientConfig['ssl'];
  /** sslmode prefer/allow: when the server has no TLS, connect without it. */
  sslFallback: boolean;
}

const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export function clientConfig(settings: ConnectionSettings, replication = false): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    ssl: settings.ssl,
    options: sessionOptions(),
    types: rawText,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    application_name: 'sluice',
    ...(replication ? { replication: 'database' } : {}),
  } as pg.ClientConfig;
}

/** Opens a connection; a failure becomes a SluiceError that says what to fix. */
export async function connect(settings: ConnectionSettings, replication = false): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(settings, replication));
  client.on('error', () => {}); // errors surface through the pending query; an idle client's error must not crash the worker
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    if (settings.ssl && settings.sslFallback && /does not support SSL/i.test((error as Error).message)) {
      return connect({ ...settings, ssl: false, sslFallback: false }, replication);
    }
    throw describePostgresError(error, settings);
  }
}

/** Maps driver and server errors to messages naming the fix. Unknown errors pass through, wrapped. */
export function describePostgresError(error: unknown, settings: ConnectionSettings): SluiceError {
  if (error instanceof SluiceError) return error;
  const e = error as { code?: string; message?: string };
  const where = `${settings.host}:${settings.port}`;
  const message = e.message ?? String(error);
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return new RetriableError(
        'PG_UNREACHABLE',
        `Cannot reach PostgreSQL at ${where} (${e.code}). Check database.hostname and database.port, and that the server is running and accepts TCP connections.`,
        { cause: error },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RetriableError('PG_UNREACHABLE', `Cannot resolve the PostgreSQL host "${settings.host}" (${e.code}). Check database.hostname.`, { cause: error });
    case '28P01':
    case '28000':
      if (/replication/i.test(message))
        return new SluiceError('PG_NO_REPLICATION_ACCESS', `PostgreSQL refused a replication connection for user "${settings.user}": ${message}. Allow it in pg_hba.conf (a "replication" or "all" database line for this user).`, { cause: error });
      return new SluiceError('PG_AUTH_FAILED', `PostgreSQL rejected the credentials of user "${settings.user}" at ${where}: ${message}. Check database.user and database.password.`, { cause: error });
    case '3D000':
      return new SluiceError('PG_NO_DATABASE', `Database "${settings.database}" does not exist at ${where}. Check database.dbname.`, { cause: error });
    case '42501':
      if (/replication|walsender/i.test(message))
        return new SluiceError('PG_NO_REPLICATION_PRIVILEGE', `User "${settings.user}" may not use replication: ${message}. Grant it with: ALTER ROLE "${settings.user}" WITH REPLICATION;`, { cause: error });
      return new SluiceError('PG_PERMISSION_DENIED', `User "${settings.user}" lacks a privilege: ${message}. Grant SELECT on the captured tables (and CREATE on the database to let Sluice create its publication), or create the publication yourself and set publication.autocreate.mode=disabled.`, { cause: error });
    case '55006':
      return new SluiceError('PG_SLOT_IN_USE', `${message}. Another client (perhaps another connector or worker) is reading this replication slot; give this connector its own slot.name, or stop the other reader.`, { cause: error });
    case '57P01':
    case '57P02':
    case '57P03':
    case '08006':
    case '08003':
    case '08001':
      return new RetriableError('PG_CONNECTION_LOST', `The PostgreSQL connection at ${where} was lost: ${message}. Sluice retries; nothing is lost.`, { cause: error });
    case '53300':
      return new RetriableError('PG_TOO_MANY_CONNECTIONS', `PostgreSQL at ${where} has no free connection slot: ${message}. Raise max_connections or close idle clients.`, { cause: error });
    default:
      if (/Connection terminated|connection timeout|terminated unexpectedly/i.test(message))
        return new RetriableError('PG_CONNECTION_LOST', `The PostgreSQL connection at ${where} was lost: ${message}. Sluice retries; nothing is lost.`, { cause: error });
      return new SluiceError('PG_ERROR', `PostgreSQL at ${where}: ${message}`, { cause: error });
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
