/**
 * The Postgres source connector's config: Debezium's PostgreSQL keys with Debezium's names,
 * defaults and documentation, so that a Debezium connector config works here unchanged, except:
 *
 * - `plugin.name` accepts only pgoutput (Debezium's default is decoderbufs): pgoutput is built into
 *   PostgreSQL 10+, so no server extension has to be installed.
 * - `heartbeat.interval.ms` defaults to 10000 instead of Debezium's 0 (off): an idle slot on a busy
 *   server otherwise pins WAL.
 *
 * `parsePostgresSourceConfig` is called when a connector starts or is validated; it does no I/O and
 * throws one ConfigError listing every problem. Table filters follow Debezium's RelationalTableFilters:
 * patterns match the whole `schema.table` (columns: `schema.table.column`), ignoring case, and
 * system schemas and tables are never captured.
 */
import { combineDefinitions, type ConfigDefinition, type ConfigKey, type ConfigProblem } from '../../config/config-definition.js';
import type { ConfigValues } from '../../config/config-values.js';
import { SOURCE_CONNECTOR_CONFIG } from '../../config/connector-common.js';
import { matchesAnyIgnoringCase } from '../../config/patterns.js';
import { parseOrThrow, type RawConfig } from '../../config/validate-config.js';
import { atLeast, eachOneOf, matching, oneOf, range, regexList } from '../../config/validators.js';
import { TEXT_KEY_ORDERS, type TextKeyOrder } from './snapshot/row-key-order.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export const SNAPSHOT_MODES = ['initial', 'initial_only', 'no_data', 'always', 'when_needed'] as const;
export const PUBLICATION_AUTOCREATE_MODES = ['all_tables', 'filtered', 'disabled'] as const;
export const DECIMAL_HANDLING_MODES = ['precise', 'string', 'double'] as const;
export const TIME_PRECISION_MODES = ['adaptive', 'adaptive_time_microseconds', 'connect', 'isostring'] as const;
export const BINARY_HANDLING_MODES = ['bytes', 'base64', 'base64-url-safe', 'hex'] as const;
export const INTERVAL_HANDLING_MODES = ['numeric', 'string'] as const;
const SKIPPED_OPERATION_CODES = ['c', 'u', 'd', 't', 'none'] as const;

export type SslMode = (typeof SSL_MODES)[number];
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number];
export type PublicationAutocreateMode = (typeof PUBLICATION_AUTOCREATE_MODES)[number];
export type DecimalHandlingMode = (typeof DECIMAL_HANDLING_MODES)[number];
export type TimePrecisionMode = (typeof TIME_PRECISION_MODES)[number];
export type BinaryHandlingMode = (typeof BINARY_HANDLING_MODES)[number];
export type IntervalHandlingMode = (typeof INTERVAL_HANDLING_MODES)[number];
export type SkippableOperation = 'c' | 'u' | 'd' | 't';

export const POSTGRES_SOURCE_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';

export interface PostgresSourceConfig {
  topicPrefix: string;
  hostname: string;
  port: number;
  user: string;
  password: string | null;
  database: string;
  sslMode: SslMode;
  sslRootCert: string | null;
  sslCert: string | null;
  sslKey: string | null;
  sslPassword: string | null;
  pluginName: 'pgoutput';
  slotName: string;
  slotDropOnStop: boolean;
  publicationName: string;
  publicationAutocreateMode: PublicationAutocreateMode;
  statusUpdateIntervalMs: number;
  /** Whether a table is captured (schema and table filters together, system tables excluded). */
  tableFilter: (schema: string, table: string) => boolean;
  /** Whether a column of a captured table appears in events. */
  columnFilter: (schema: string, table: string, column: string) => boolean;
  /** Whether a logical decoding message (`pg_logical_emit_message`) with this prefix is captured. */
  messagePrefixFilter: (prefix: string) => boolean;
  snapshotMode: SnapshotMode;
  snapshotFetchSize: number;
  snapshotTextKeyOrder: TextKeyOrder;
  heartbeatIntervalMs: number;
  tombstonesOnDelete: boolean;
  skippedOperations: ReadonlySet<SkippableOperation>;
  decimalHandlingMode: DecimalHandlingMode;
  timePrecisionMode: TimePrecisionMode;
  binaryHandlingMode: BinaryHandlingMode;
  intervalHandlingMode: IntervalHandlingMode;
  moneyFractionDigits: number;
  unavailableValuePlaceholder: string;
  provideTransactionMetadata: boolean;
  /** Deprecated names or values and unknown keys in the config, for the task to log at start. */
  warnings: ConfigProblem[];
}

const CONNECTION = 'Connection';
const SSL = 'Connection Advanced (SSL)';
const REPLICATION = 'Connection Advanced (Replication)';
const FILTERS = 'Filters';
const CONNECTOR = 'Connector';
const SNAPSHOT = 'Connector (Snapshot)';
const ADVANCED = 'Connector (Advanced)';

const PLUGIN_REFUSAL =
  'Only pgoutput is supported. pgoutput is built into PostgreSQL 10 and later, so it needs no server extension, ' +
  'while decoderbufs and wal2json must be installed on the server (which managed services often forbid). ' +
  'Remove plugin.name or set it to pgoutput.';

function enumKey(name: string, values: readonly string[], fallback: string, group: string, documentation: string, extra: Partial<ConfigKey> = {}): ConfigKey {
  return { name, type: 'STRING', default: fallback, importance: 'MEDIUM', group, width: 'SHORT', validator: oneOf(values, { ignoreCase: true }), documentation, ...extra };
}

function regexListKey(name: string, importance: ConfigKey['importance'], documentation: string): ConfigKey {
  return { name, type: 'LIST', default: null, importance, group: FILTERS, width: 'LONG', validator: regexList(), documentation };
}

function optionalString(name: string, group: string, documentation: string): ConfigKey {
  return { name, type: 'STRING', default: null, importance: 'MEDIUM', group, width: 'LONG', documentation };
}

const POSTGRES_KEYS: ConfigKey[] = [
  {
    name: 'topic.prefix', type: 'STRING', importance: 'HIGH', group: CONNECTION, width: 'MEDIUM', displayName: 'Topic prefix',
    aliases: [{ name: 'database.server.name', note: 'Debezium 2.0 replaced it with topic.prefix.' }],
    validator: matching(/^[a-zA-Z0-9_.-]+$/, 'alphanumeric characters, hyphens, dots and underscores', (v) => `${v} has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)`),
    documentation: 'Topic prefix that identifies and provides a namespace for the particular database server/cluster that is capturing changes. The topic prefix should be unique across all other connectors, since it is used as a prefix for all Kafka topic names that receive events emitted by this connector. Only alphanumeric characters, hyphens, dots and underscores must be accepted.',
  },
  { name: 'database.hostname', type: 'STRING', importance: 'HIGH', group: CONNECTION, width: 'MEDIUM', displayName: 'Hostname', documentation: 'Resolvable hostname or IP address of the database server.' },
  { name: 'database.port', type: 'INT', default: 5432, importance: 'HIGH', group: CONNECTION, width: 'SHORT', displayName: 'Port', validator: range({ min: 1, max: 65535 }), documentation: 'Port of the database server.' },
  { name: 'database.user', type: 'STRING', importance: 'HIGH', group: CONNECTION, width: 'SHORT', displayName: 'User', documentation: 'Name of the database user to be used when connecting to the database.' },
  { name: 'database.password', type: 'PASSWORD', default: null, importance: 'HIGH', group: CONNECTION, width: 'SHORT', displayName: 'Password', documentation: 'Password of the database user to be used when connecting to the database.' },
  { name: 'database.dbname', type: 'STRING', importance: 'HIGH', group: CONNECTION, width: 'MEDIUM', displayName: 'Database', documentation: 'The name of the database from which the connector should capture changes' },
  enumKey('database.sslmode', SSL_MODES, 'prefer', SSL,
    "Whether to use an encrypted connection to Postgres. Options include: 'disable' to use an unencrypted connection; 'allow' to try and use an unencrypted connection first and, failing that, a secure (encrypted) connection; 'prefer' (the default) to try and use a secure (encrypted) connection first and, failing that, an unencrypted connection; 'require' to use a secure (encrypted) connection, and fail if one cannot be established; 'verify-ca' like 'require' but additionally verify the server TLS certificate against the configured Certificate Authority (CA) certificates, or fail if no valid matching CA certificates are found; or 'verify-full' like 'verify-ca' but additionally verify that the server certificate matches the host to which the connection is attempted.",
    { displayName: 'SSL mode', width: 'MEDIUM' }),
  optionalString('database.sslrootcert', SSL, 'File containing the root certificate(s) against which the server is validated. See the Postgres SSL docs for further information'),
  optionalString('database.sslcert', SSL, 'File containing the SSL Certificate for the client. See the Postgres SSL docs for further information'),
  optionalString('database.sslkey', SSL, 'File containing the SSL private key for the client. See the Postgres SSL docs for further information'),
  { name: 'database.sslpassword', type: 'PASSWORD', default: null, importance: 'MEDIUM', group: SSL, width: 'MEDIUM', documentation: "Password to access the client private key from the file specified by 'database.sslkey'. See the Postgres SSL docs for further information" },
  {
    name: 'plugin.name', type: 'STRING', default: 'pgoutput', importance: 'MEDIUM', group: REPLICATION, width: 'MEDIUM', displayName: 'Plugin',
    validator: { describe: '[pgoutput]', recommended: ['pgoutput'], check: (v) => (String(v).toLowerCase() === 'pgoutput' ? undefined : PLUGIN_REFUSAL) },
    documentation: "The name of the Postgres logical decoding plugin. Only 'pgoutput' is supported: it is built into PostgreSQL 10 and later, so no server extension is needed. (Debezium's default is 'decoderbufs'.)",
  },
  {
    name: 'slot.name', type: 'STRING', default: 'debezium', importance: 'MEDIUM', group: REPLICATION, width: 'MEDIUM', displayName: 'Slot',
    validator: matching(/^[a-z0-9_]{1,63}$/, 'lower-case letters, digits and underscores, at most 63', () => 'Valid replication slot name must contain only digits, lowercase characters and underscores with length <= 63'),
    documentation: "The name of the Postgres logical decoding slot created for streaming changes from a plugin. Defaults to 'debezium'",
  },
  {
    name: 'slot.drop.on.stop', type: 'BOOLEAN', default: false, importance: 'MEDIUM', group: REPLICATION, width: 'SHORT', displayName: 'Drop slot on stop',
    documentation: 'Whether or not to drop the logical replication slot when the connector finishes orderly. By default the replication is kept so that on restart progress can resume from the last recorded location',
  },
  { name: 'publication.name', type: 'STRING', default: 'dbz_publication', importance: 'MEDIUM', group: REPLICATION, width: 'MEDIUM', displayName: 'Publication', documentation: "The name of the Postgres 10+ publication used for streaming changes from a plugin. Defaults to 'dbz_publication'" },
  enumKey('publication.autocreate.mode', PUBLICATION_AUTOCREATE_MODES, 'all_tables', REPLICATION,
    "Determines how creation of a publication should work, the default is all_tables. 'disabled': the connector will not attempt to create a publication at all; the publication must exist upon startup, or the connector stops with an error. 'all_tables': if no publication exists, the connector creates one for all tables (CREATE PUBLICATION <publication_name> FOR ALL TABLES), which requires a superuser; an existing publication is used as it is. 'filtered': if no publication exists, the connector creates one for the tables matching the current filter configuration (CREATE PUBLICATION <publication_name> FOR TABLE <tbl1, tbl2, ...>); an existing publication is used as it is.",
    { displayName: 'Publication Auto Create Mode', width: 'MEDIUM' }),
  {
    name: 'status.update.interval.ms', type: 'INT', default: 10000, importance: 'MEDIUM', group: REPLICATION, width: 'SHORT', displayName: 'Status update interval (ms)', validator: atLeast(1),
    documentation: 'Frequency for sending replication connection status updates to the server, given in milliseconds. Defaults to 10 seconds (10,000 ms).',
  },
  regexListKey('schema.include.list', 'HIGH', 'A comma-separated list of regular expressions that match the names of the schemas for which changes are to be captured; each must match the whole schema name. Must not be used with schema.exclude.list.'),
  regexListKey('schema.exclude.list', 'MEDIUM', 'A comma-separated list of regular expressions that match the names of the schemas for which changes must not be captured. Must not be used with schema.include.list.'),
  regexListKey('table.include.list', 'HIGH', 'A comma-separated list of regular expressions that match the fully-qualified names (schemaName.tableName) of the tables for which changes are to be captured; each must match the whole name. Must not be used with table.exclude.list.'),
  regexListKey('table.exclude.list', 'MEDIUM', 'A comma-separated list of regular expressions that match the fully-qualified names (schemaName.tableName) of the tables for which changes must not be captured. Must not be used with table.include.list.'),
  regexListKey('column.include.list', 'MEDIUM', 'A comma-separated list of regular expressions that match the fully-qualified names (schemaName.tableName.columnName) of the columns to include in change events. Must not be used with column.exclude.list.'),
  regexListKey('column.exclude.list', 'MEDIUM', 'A comma-separated list of regular expressions that match the fully-qualified names (schemaName.tableName.columnName) of the columns to exclude from change events. Must not be used with column.include.list.'),
  regexListKey('message.prefix.include.list', 'MEDIUM', 'A comma-separated list of regular expressions that match the logical decoding message prefixes to be monitored. All prefixes are monitored by default.'),
  regexListKey('message.prefix.exclude.list', 'MEDIUM', 'A comma-separated list of regular expressions that match the logical decoding message prefixes to be excluded from monitoring.'),
  enumKey('snapshot.mode', SNAPSHOT_MODES, 'initial', SNAPSHOT,
    "The criteria for running a snapshot upon startup of the connector. 'initial' (default): if the connector has no offsets for its topic prefix, it snapshots the current full state of the captured tables, then streams changes. 'initial_only': snapshot as 'initial' does, then stop without streaming. 'no_data': never snapshot the data, only stream changes from the slot's position. 'always': snapshot every time the connector starts, then stream. 'when_needed': snapshot when there are no offsets or the offset's position is no longer available in the slot, then stream. 'never' is a deprecated alias of 'no_data' and 'exported' of 'initial'.",
    { displayName: 'Snapshot mode', deprecatedValues: { never: 'no_data', exported: 'initial' } }),
  {
    name: 'snapshot.fetch.size', type: 'INT', default: 2048, importance: 'MEDIUM', group: SNAPSHOT, width: 'MEDIUM', displayName: 'Snapshot fetch size', validator: atLeast(1),
    documentation:
      'The most rows handed on from a table at a time: one chunk, whose end is a point a restarted snapshot resumes from. ' +
      'A table is streamed out of the server in one COPY, and rows go on in chunks as they arrive (usually a few hundred), so a chunk is rarely this big; ' +
      "a table without a primary key is read in ranges of pages of about this many rows. Debezium's default is 10240; ours is 2048, since fewer rows held at once use less memory.",
  },
  enumKey('snapshot.text.key.order', TEXT_KEY_ORDERS, 'bytes', SNAPSHOT,
    "How the snapshot orders a table whose key has text, varchar or enum columns (or domains over them). 'bytes' (default): by the key's UTF-8 bytes (COLLATE \"C\"; enums by their labels' bytes), an order Sluice can reproduce, so sinks that write files (the S3 sink) pass over the rows they already wrote when a snapshot resumes after a crash, and hold each row once. The server then sorts such a table rather than reading it through its key index, which needs temporary disk space about the table's size before the first row comes out. 'collation': in the columns' own collation (enums in their own order), through the key index when the planner takes it; a crash during the snapshot can then leave some snapshot rows twice in file sinks. A snapshot keeps the order it began with when it resumes. On a database whose encoding is not UTF8, text keys are always ordered by collation.",
    { displayName: 'Snapshot text key order' }),
  {
    name: 'heartbeat.interval.ms', type: 'INT', default: 10000, importance: 'MEDIUM', group: 'Advanced (Heartbeat)', width: 'MEDIUM', displayName: 'Connector heartbeat interval (milli-seconds)', validator: atLeast(0),
    documentation: "Length of an interval in milli-seconds in which the connector periodically sends heartbeat messages to a heartbeat topic and confirms the slot's position to the server. Use 0 to disable heartbeat messages. Debezium disables them by default; Sluice defaults to 10000 so that a slot whose tables see no changes still advances and never pins WAL that other databases' activity produces.",
  },
  {
    name: 'tombstones.on.delete', type: 'BOOLEAN', default: true, importance: 'MEDIUM', group: CONNECTOR, width: 'SHORT', displayName: 'Change the behaviour of Debezium with regards to delete operations',
    documentation: 'Whether delete operations should be represented by a delete event and a subsequent tombstone event (true) or only by a delete event (false). Emitting the tombstone event (the default behavior) allows Kafka to completely delete all events pertaining to the given key once the source record got deleted.',
  },
  {
    name: 'skipped.operations', type: 'LIST', default: ['t'], importance: 'LOW', group: CONNECTOR, width: 'SHORT', displayName: 'Skipped Operations', validator: eachOneOf(SKIPPED_OPERATION_CODES),
    documentation: "The comma-separated list of operations to skip during streaming, defined as: 'c' for inserts/create; 'u' for updates; 'd' for deletes, 't' for truncates, and 'none' to indicate nothing skipped. By default, only truncate operations will be skipped.",
  },
  enumKey('decimal.handling.mode', DECIMAL_HANDLING_MODES, 'precise', CONNECTOR,
    "Specify how DECIMAL and NUMERIC columns should be represented in change events, including: 'precise' (the default) uses java.math.BigDecimal to represent values, which are encoded in the change events using a binary representation and Kafka Connect's 'org.apache.kafka.connect.data.Decimal' type; 'string' uses string to represent values; 'double' represents values using Java's 'double', which may not offer the precision but will be far easier to use in consumers."),
  enumKey('time.precision.mode', TIME_PRECISION_MODES, 'adaptive', CONNECTOR,
    "Time, date, and timestamps can be represented with different kinds of precisions, including: 'adaptive' (the default) bases the precision of time, date, and timestamp values on the database column's precision; 'adaptive_time_microseconds' like 'adaptive' mode, but TIME fields always use microseconds precision; 'connect' always represents time, date, and timestamp values using Kafka Connect's built-in representations for Time, Date, and Timestamp, which uses millisecond precision regardless of the database columns' precision; 'isostring' represents time, date, and timestamp values as ISO 8601 strings."),
  enumKey('binary.handling.mode', BINARY_HANDLING_MODES, 'bytes', CONNECTOR,
    "Specify how binary (blob, binary, etc.) columns should be represented in change events, including: 'bytes' represents binary data as byte array (default); 'base64' represents binary data as base64-encoded string; 'base64-url-safe' represents binary data as base64-url-safe-encoded string; 'hex' represents binary data as hex-encoded (base16) string",
    { importance: 'LOW' }),
  enumKey('interval.handling.mode', INTERVAL_HANDLING_MODES, 'numeric', CONNECTOR,
    "Specify how INTERVAL columns should be represented in change events, including: 'string' represents values as an exact ISO formatted string; 'numeric' (default) represents values using the inexact conversion into microseconds",
    { importance: 'LOW' }),
  { name: 'money.fraction.digits', type: 'INT', default: 2, importance: 'LOW', group: CONNECTOR, width: 'MEDIUM', validator: range({ min: 0, max: 32767 }), documentation: "Number of fractional digits when money type is converted to 'precise' decimal number." },
  {
    name: 'unavailable.value.placeholder', type: 'STRING', default: '__debezium_unavailable_value', importance: 'MEDIUM', group: ADVANCED, width: 'MEDIUM', displayName: 'Unavailable value placeholder',
    documentation: "Specify the constant that will be provided by Debezium to indicate that the original value is a toasted value not provided by the database. If starts with 'hex:' prefix it is expected that the rest of the string represents hexadecimal encoded octets.",
  },
  { name: 'provide.transaction.metadata', type: 'BOOLEAN', default: false, importance: 'LOW', group: CONNECTOR, width: 'SHORT', documentation: 'Enables transaction metadata extraction together with event counting' },
];

/** Debezium's rule: an include list and the exclude list of the same kind are exclusive. */
function exclusiveLists(kind: string): (values: ConfigValues) => ConfigProblem[] {
  const include = `${kind}.include.list`;
  const exclude = `${kind}.exclude.list`;
  return (values) => {
    if (!values.isSet(include) || !values.isSet(exclude)) return [];
    const given = (values.optionalList(exclude) ?? []).join(',');
    return [{ key: exclude, message: `Invalid value ${given} for configuration ${exclude}: "${include}" is already specified; set only one of ${include} and ${exclude}` }];
  };
}

function checkSkippedOperations(values: ConfigValues): ConfigProblem[] {
  const operations = values.optionalList('skipped.operations') ?? [];
  if (!operations.includes('none') || operations.length === 1) return [];
  return [{ key: 'skipped.operations', message: "Invalid value none for configuration skipped.operations: 'none' cannot be specified with other skipped operation types" }];
}

/** The connector's own keys, for `GET /connector-plugins/{p}/config`. */
export const POSTGRES_SOURCE_KEYS: ConfigDefinition = {
  keys: POSTGRES_KEYS,
  checks: [...['schema', 'table', 'column', 'message.prefix'].map(exclusiveLists), checkSkippedOperations],
};

/** Everything a Postgres source config may hold: the common connector keys and its own. */
export const POSTGRES_SOURCE_CONFIG: ConfigDefinition = combineDefinitions(SOURCE_CONNECTOR_CONFIG, POSTGRES_SOURCE_KEYS);

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);
const SYSTEM_TABLES = new Set(['spatial_ref_sys']);

export function parsePostgresSourceConfig(raw: RawConfig): PostgresSourceConfig {
  const { values: v, warnings } = parseOrThrow(POSTGRES_SOURCE_CONFIG, raw);
  const schemaFilter = includeExclude(v, 'schema');
  const tableNameFilter = includeExclude(v, 'table');
  const columnNameFilter = includeExclude(v, 'column');
  const skipped = v.list('skipped.operations').filter((op): op is SkippableOperation => op !== 'none');
  return {
    topicPrefix: v.string('topic.prefix'),
    hostname: v.string('database.hostname'),
    port: v.number('database.port'),
    user: v.string('database.user'),
    password: v.optionalString('database.password'),
    database: v.string('database.dbname'),
    sslMode: enumValue(v, 'database.sslmode', SSL_MODES),
    sslRootCert: v.optionalString('database.sslrootcert'),
    sslCert: v.optionalString('database.sslcert'),
    sslKey: v.optionalString('database.sslkey'),
    sslPassword: v.optionalString('database.sslpassword'),
    pluginName: 'pgoutput',
    slotName: v.string('slot.name'),
    slotDropOnStop: v.boolean('slot.drop.on.stop'),
    publicationName: v.string('publication.name'),
    publicationAutocreateMode: enumValue(v, 'publication.autocreate.mode', PUBLICATION_AUTOCREATE_MODES),
    statusUpdateIntervalMs: v.number('status.update.interval.ms'),
    tableFilter: (schema, table) =>
      !SYSTEM_SCHEMAS.has(schema.toLowerCase()) && !schema.startsWith('pg_temp') && !SYSTEM_TABLES.has(table.toLowerCase()) &&
      schemaFilter(schema) && tableNameFilter(`${schema}.${table}`),
    columnFilter: (schema, table, column) => columnNameFilter(`${schema}.${table}.${column}`),
    messagePrefixFilter: includeExclude(v, 'message.prefix'),
    snapshotMode: enumValue(v, 'snapshot.mode', SNAPSHOT_MODES),
    snapshotFetchSize: v.number('snapshot.fetch.size'),
    snapshotTextKeyOrder: enumValue(v, 'snapshot.text.key.order', TEXT_KEY_ORDERS),
    heartbeatIntervalMs: v.number('heartbeat.interval.ms'),
    tombstonesOnDelete: v.boolean('tombstones.on.delete'),
    skippedOperations: new Set(skipped),
    decimalHandlingMode: enumValue(v, 'decimal.handling.mode', DECIMAL_HANDLING_MODES),
    timePrecisionMode: enumValue(v, 'time.precision.mode', TIME_PRECISION_MODES),
    binaryHandlingMode: enumValue(v, 'binary.handling.mode', BINARY_HANDLING_MODES),
    intervalHandlingMode: enumValue(v, 'interval.handling.mode', INTERVAL_HANDLING_MODES),
    moneyFractionDigits: v.number('money.fraction.digits'),
    unavailableValuePlaceholder: v.string('unavailable.value.placeholder'),
    provideTransactionMetadata: v.boolean('provide.transaction.metadata'),
    warnings,
  };
}

/** An include list keeps what matches; otherwise an exclude list drops what matches; neither keeps all. */
function includeExclude(values: ConfigValues, kind: string): (name: string) => boolean {
  const include = `${kind}.include.list`;
  const exclude = `${kind}.exclude.list`;
  if (values.isSet(include)) return matchesAnyIgnoringCase(values.list(include));
  if (!values.isSet(exclude)) return () => true;
  const excluded = matchesAnyIgnoringCase(values.list(exclude));
  return (name) => !excluded(name);
}

/** A validated enum key's value in its canonical (lower-case) spelling. */
function enumValue<T extends string>(values: ConfigValues, name: string, allowed: readonly T[]): T {
  const value = values.string(name).toLowerCase();
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new Error(`config key "${name}" holds ${value}, which its validator should have refused`);
  return match;
}
