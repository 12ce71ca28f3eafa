/**
 * What the source database holds: the captured tables with their columns, keys and replica
 * identity, and the server settings capture depends on. Read at start and whenever the stream
 * announces a changed relation. All queries run on an ordinary (non-replication) connection.
 */
import type pg from 'pg';
import { SluiceError } from '../../errors.js';
import { qualifiedName, quoteIdent, quoteTable } from './connection.js';
import { parseLsn, type Lsn } from './lsn.js';

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface CatalogColumn {
  name: string;
  typeOid: number;
  typeMod: number;
  notNull: boolean;
}

export interface CatalogTable {
  oid: number;
  schema: string;
  name: string;
  /** Columns in attribute order, without dropped and generated columns (as pgoutput sends them). */
  columns: CatalogColumn[];
  /** The event key: primary-key columns, else the REPLICA IDENTITY index's columns, else empty (null key). */
  keyColumns: string[];
  hasPrimaryKey: boolean;
  /** Columns of the REPLICA IDENTITY index (USING INDEX), or empty. */
  identityIndexColumns: string[];
  replicaIdentity: ReplicaIdentity;
  /** The planner's row estimate (pg_class.reltuples, summed over a partitioned table's partitions), or null when never analysed. */
  estimatedRows: number | null;
  /** A partitioned table, captured as the root of its partitions. */
  partitioned: boolean;
  /**
   * A partitioned table's partitions (the leaves of its tree) in the byte order of their qualified
   * names, when each is a plain table the user may read on its own; else null.
   */
  leaves: Array<{ schema: string; name: string }> | null;
}

/** server_version_num of the oldest PostgreSQL supported. */
const MIN_SERVER_VERSION = 130000;

const IDENTITY: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

const TABLES_SQL = `
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relreplident AS ident,
       c.relkind AS kind,
       (CASE WHEN c.relkind = 'p'
             THEN (SELECT CASE WHEN bool_and(l.reltuples < 0) THEN -1 ELSE sum(greatest(l.reltuples, 0)) END
                     FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf)
             ELSE c.reltuples END)::float8 AS reltuples,
       (CASE WHEN c.relkind = 'p'
             THEN (SELECT CASE WHEN bool_and(l.relkind = 'r' AND has_table_privilege(l.oid, 'SELECT'))
                               THEN json_agg(json_build_object('schema', ln.nspname, 'name', l.relname) ORDER BY (ln.nspname || '.' || l.relname) COLLATE "C") END
                     FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid JOIN pg_namespace ln ON ln.oid = l.relnamespace
                    WHERE t.isleaf) END) AS leaves,
       (SELECT json_agg(json_build_object('name', a.attname, 'type', a.atttypid::int8, 'mod', a.atttypmod, 'notnull', a.attnotnull) ORDER BY a.attnum)
          FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
       (SELECT json_agg(a.attname ORDER BY array_position(i.indkey::int2[], a.attnum))
          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = c.oid AND i.indisprimary) AS pk,
       (SELECT json_agg(a.attname ORDER BY array_position(i.indkey::int2[], a.attnum))
          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = c.oid AND i.indisreplident) AS ri
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
   AND ($1::int8 IS NULL OR c.oid = $1::int8)
 ORDER BY n.nspname, c.relname`;

interface TableRow {
  oid: string;
  schema: string;
  name: string;
  ident: string;
  kind: string;
  reltuples: string | null;
  leaves: string | null;
  columns: string | null;
  pk: string | null;
  ri: string | null;
}

function toTable(row: TableRow): CatalogTable {
  const columns = (JSON.parse(row.columns ?? '[]') as Array<{ name: string; type: number; mod: number; notnull: boolean }>).map((c) => ({
    name: c.name,
    typeOid: c.type,
    typeMod: c.mod,
    notNull: c.notnull,
  }));
  const pk = JSON.parse(row.pk ?? '[]') as string[];
  const ri = JSON.parse(row.ri ?? '[]') as string[];
  const reltuples = Number(row.reltuples ?? -1);
  return {
    oid: Number(row.oid),
    schema: row.schema,
    name: row.name,
    columns,
    keyColumns: pk.length > 0 ? pk : ri,
    hasPrimaryKey: pk.length > 0,
    identityIndexColumns: ri,
    replicaIdentity: IDENTITY[row.ident] ?? 'default',
    estimatedRows: reltuples >= 0 ? reltuples : null,
    partitioned: row.kind === 'p',
    leaves: row.leaves === null ? null : (JSON.parse(row.leaves) as Array<{ schema: string; name: string }>),
  };
}

/** Every user table (partitioned tables as their root) accepted by the filter, sorted by name. */
export async function listTables(client: pg.Client, accept: (schema: string, table: string) => boolean): Promise<CatalogTable[]> {
  const { rows } = await client.query<TableRow>(TABLES_SQL, [null]);
  return rows.filter((r) => accept(r.schema, r.name)).map(toTable);
}

/** One table by relation OID, or null when it no longer exists. */
export async function tableByOid(client: pg.Client, oid: number): Promise<CatalogTable | null> {
  const { rows } = await client.query<TableRow>(TABLES_SQL, [oid]);
  return rows[0] ? toTable(rows[0]) : null;
}

/**
 * Checks the server can serve logical replication to this user, with one message per problem
 * naming the fix. Run before anything is created. A member of rds_replication (Amazon RDS, Aurora)
 * may replicate without the REPLICATION attribute.
 */
export async function checkReplicationPrerequisites(client: pg.Client, user: string): Promise<void> {
  const { rows } = await client.query<{ wal_level: string; wal_senders: string; replication: string; version: string }>(
    `SELECT current_setting('wal_level') AS wal_level, current_setting('max_wal_senders') AS wal_senders,
            (r.rolreplication OR r.rolsuper OR EXISTS (SELECT 1 FROM pg_roles m WHERE m.rolname = 'rds_replication' AND pg_has_role(r.oid, m.oid, 'MEMBER')))::text AS replication,
            current_setting('server_version_num') AS version
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const row = rows[0]!;
  // 13: publications that publish partitioned tables through their root (12 has generated columns).
  if (Number(row.version) < MIN_SERVER_VERSION) {
    throw new SluiceError('PG_VERSION_UNSUPPORTED', `PostgreSQL ${row.version} is too old: Sluice needs PostgreSQL 13 or later. Upgrade the server.`, { stage: 'start' });
  }
  if (row.wal_level !== 'logical') {
    throw new SluiceError(
      'PG_WAL_LEVEL_NOT_LOGICAL',
      `The PostgreSQL server has wal_level=${row.wal_level}; change data capture needs wal_level=logical. Set it in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart the server.`,
      { stage: 'start' },
    );
  }
  if (Number(row.wal_senders) === 0) {
    throw new SluiceError('PG_NO_WAL_SENDERS', `The PostgreSQL server has max_wal_senders=0, so it accepts no replication connection. Set max_wal_senders to at least 1 per connector (postgresql.conf) and restart the server.`, { stage: 'start' });
  }
  if (row.replication !== 'true') {
    throw new SluiceError(
      'PG_NO_REPLICATION_PRIVILEGE',
      `User "${user}" lacks the REPLICATION privilege, which reading a replication slot needs. Grant it with: ALTER ROLE "${user}" WITH REPLICATION; (on Amazon RDS: GRANT rds_replication TO "${user}";)`,
      { stage: 'start' },
    );
  }
}

/** A snapshot reads every captured table: refuses, naming the GRANT, when this user may not. */
export async function checkTablesReadable(client: pg.Client, tables: CatalogTable[], user: string): Promise<void> {
  const { rows } = await client.query<{ oid: string }>(`SELECT oid::int8 AS oid FROM unnest($1::oid[]) AS oid WHERE NOT has_table_privilege(oid, 'SELECT')`, [tables.map((t) => t.oid)]);
  const denied = new Set(rows.map((r) => Number(r.oid)));
  const unreadable = tables.filter((t) => denied.has(t.oid));
  if (unreadable.length === 0) return;
  const names = unreadable.map(quoteTable).join(', ');
  throw new SluiceError(
    'PG_PERMISSION_DENIED',
    `User "${user}" may not read ${unreadable.map(qualifiedName).join(', ')}, which the snapshot reads. Grant it with: GRANT SELECT ON ${names} TO ${quoteIdent(user)}; or leave ${unreadable.length === 1 ? 'that table' : 'those tables'} out with table.exclude.list.`,
    { stage: 'start' },
  );
}

/** The WAL position a snapshot transaction sees: everything it reads was committed before it. */
export async function currentWalLsn(client: pg.Client): Promise<Lsn> {
  const { rows } = await client.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
  return parseLsn(rows[0]!.lsn);
}
