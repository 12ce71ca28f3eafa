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
  return (await connectSettled(settings, replication)).client;
}

/**
 * Opens a connection and settles TLS for every later one: with sslmode prefer or allow, whether the
 * server took TLS is known only after this first try, and every connection the source opens
 * afterwards (the replication stream included) must make the same choice.
 */
export async function connectSettled(settings: ConnectionSettings, replication = false): Promise<{ client: pg.Client; settings: ConnectionSettings }> {
  const client = new pg.Client(clientConfig(settings, replication));
  client.on('error', () => {}); // errors surface through the pending query; an idle client's error must not crash the worker
  try {
    await client.connect();
    return { client, settings: { ...settings, sslFallback: false } };
  } catch (error) {
    await client.end().catch(() => {});
    if (settings.ssl && settings.sslFallback && /does not support SSL/i.test((error as Error).message)) {
      return connectSettled({ ...settings, ssl: false, sslFallback: false }, replication);
    }
    throw describePostgresError(error, settings, 'connect');
  }
}

/** The fields of a node-postgres DatabaseError, or a node socket error (code only). */
interface DriverError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  severity?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);
const TLS_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const CONNECTION_GONE = /Connection terminated|connection timeout|terminated unexpectedly|server closed|stream ended/i;

/**
 * Maps a driver or server error to one SluiceError whose message names the fix. An error that is,
 * or wraps, a SluiceError is described already and comes back as it is, so describing twice never
 * stacks a second prefix onto a message. `during: 'connect'` reads a connection that drops or times
 * out before it is established as an unreachable server rather than a lost session.
 */
export function describePostgresError(error: unknown, settings: ConnectionSettings, during: 'connect' | 'session' = 'session'): SluiceError {
  const described = describedAlready(error);
  if (described) return described;
  const e = (error ?? {}) as DriverError;
  const where = `${settings.host}:${settings.port}`;
  const user = settings.user;
  const reason = serverReason(e, error);
  const permanent = (code: string, message: string) => new SluiceError(code, message, { cause: error });
  const retriable = (code: string, message: string) => new RetriableError(code, message, { cause: error });
  const unreachable = (why: string) =>
    retriable('PG_UNREACHABLE', `Cannot reach PostgreSQL at ${where} (${why}). Check database.hostname and database.port, and that the server is running and accepts TCP connections.`);
  const lost = () => retriable('PG_CONNECTION_LOST', `The PostgreSQL connection at ${where} was lost: ${reason}. Sluice retries; nothing is lost.`);

  if (e.code && NETWORK_CODES.has(e.code)) return during === 'connect' ? unreachable(e.code) : lost();
  if (e.code && TLS_CERT_CODES.has(e.code)) {
    return permanent('PG_TLS_FAILED', `The TLS certificate of PostgreSQL at ${where} was refused: ${reason}. Point database.sslrootcert at the CA that signed the server's certificate (verify-full also needs database.hostname to match it), or use database.sslmode=require to encrypt without verifying.`);
  }
  if (/does not support SSL/i.test(reason)) {
    return permanent('PG_TLS_UNAVAILABLE', `PostgreSQL at ${where} does not accept TLS connections, but database.sslmode requires TLS. Enable ssl on the server, or set database.sslmode=prefer (or disable).`);
  }
  switch (e.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return retriable('PG_UNREACHABLE', `Cannot resolve the PostgreSQL host "${settings.host}" (${e.code}). Check database.hostname.`);
    case '28P01':
    case '28000':
      if (/replication/i.test(reason))
        return permanent('PG_NO_REPLICATION_ACCESS', `PostgreSQL at ${where} refused a replication connection for user "${user}": ${reason}. Allow it in pg_hba.conf with a line for the "replication" database and this user, then reload the server.`);
      if (/not permitted to log in/i.test(reason))
        return permanent('PG_AUTH_FAILED', `PostgreSQL at ${where} refused user "${user}": ${reason}. Allow it with: ALTER ROLE "${user}" LOGIN;`);
      if (/pg_hba\.conf/i.test(reason))
        return permanent('PG_AUTH_FAILED', `PostgreSQL at ${where} refused user "${user}": ${reason}. Add a pg_hba.conf line allowing this user from this host to database "${settings.database}", then reload the server.`);
      return permanent('PG_AUTH_FAILED', `PostgreSQL at ${where} rejected the credentials of user "${user}": ${reason}. Check database.user and database.password.`);
    case '3D000':
      return permanent('PG_NO_DATABASE', `Database "${settings.database}" does not exist at ${where}. Check database.dbname.`);
    case '42501':
      if (/replication|walsender/i.test(reason))
        return permanent('PG_NO_REPLICATION_PRIVILEGE', `User "${user}" may not use replication: ${reason}. Grant it with: ALTER ROLE "${user}" WITH REPLICATION;`);
      return permanent('PG_PERMISSION_DENIED', `User "${user}" lacks a privilege at ${where}: ${reason}. Grant it that privilege (captured tables need SELECT), or leave the object out of the connector's filters.`);
    case '55006':
      if (/replication slot/i.test(reason)) {
        const pid = /PID (\d+)/i.exec(reason)?.[1] ?? 'active_pid';
        return retriable('PG_SLOT_IN_USE', `${reason}: another reader holds this replication slot, and a slot serves one reader at a time. Stop that reader (SELECT pg_terminate_backend(${pid});), or give this connector its own slot.name.`);
      }
      break;
    case '42704':
      if (/replication slot/i.test(reason))
        return retriable('PG_SLOT_MISSING', `${reason}: the replication slot was dropped while the connector used it. Restarting creates it again; changes made while it was gone are recovered only by a new snapshot (snapshot.mode=when_needed).`);
      break;
    case '53300':
      if (/max_wal_senders/i.test(reason))
        return retriable('PG_TOO_MANY_CONNECTIONS', `PostgreSQL at ${where} has no free replication connection: ${reason}. Raise max_wal_senders (a server restart is needed), or stop unused replication clients.`);
      if (/for role/i.test(reason))
        return retriable('PG_TOO_MANY_CONNECTIONS', `PostgreSQL at ${where} refused another connection: ${reason}. A connector uses up to three connections while it snapshots (catalog, replication, snapshot): raise the limit with ALTER ROLE "${user}" CONNECTION LIMIT <n>, or close that user's idle clients.`);
      return retriable('PG_TOO_MANY_CONNECTIONS', `PostgreSQL at ${where} has no free connection slot: ${reason}. Raise max_connections or close idle clients.`);
    case '53400':
      if (/replication slots/i.test(reason))
        return permanent('PG_NO_FREE_SLOT', `PostgreSQL at ${where} cannot create another replication slot: ${reason}. Raise max_replication_slots (a server restart is needed), or drop unused slots (SELECT slot_name FROM pg_replication_slots WHERE NOT active).`);
      break;
    case '57P01':
    case '57P02':
    case '57P03':
    case '08006':
    case '08003':
    case '08001':
      return during === 'connect' ? unreachable(reason) : lost();
  }
  if (CONNECTION_GONE.test(reason)) return during === 'connect' ? unreachable(reason) : lost();
  if (e.severity !== undefined) return permanent('PG_ERROR', `PostgreSQL at ${where} reported an error: ${reason}${e.code ? ` (SQLSTATE ${e.code})` : ''}.`);
  return permanent('PG_SOURCE_FAILED', reason);
}

function describedAlready(error: unknown): SluiceError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof SluiceError) return e;
  }
  return undefined;
}

/** The server's message with its DETAIL and HINT, which often name the fix themselves. */
function serverReason(e: DriverError, error: unknown): string {
  const bare = (text: string) => text.trim().replace(/\.$/, '');
  return [bare(e.message || String(error)), e.detail && `(${bare(e.detail)})`, e.hint && `Hint: ${bare(e.hint)}`].filter(Boolean).join(' ');
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table's name as SQL spells it: schema and name, each quoted. */
export function quoteTable(table: { schema: string; name: string }): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** A table's name as messages, offsets and table filters spell it: `schema.table`, unquoted. */
export function qualifiedName(table: { schema: string; name: string }): string {
  return `${table.schema}.${table.name}`;
}

/** A string constant that reads as `text` whatever `standard_conforming_strings` is set to. */
export function quoteLiteral(text: string): string {
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return text.includes('\\') ? `E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}
