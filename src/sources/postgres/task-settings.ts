/**
 * The parsed connector config, cut into the settings each part of the Postgres source takes:
 * connection (with TLS per `database.sslmode`), table schemas, and the change handler.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { ConnectionSettings } from './connection.js';
import type { PostgresSourceConfig } from './postgres-source-config.js';
import type { ChangeHandlerOptions } from './replication/change-handler.js';
import type { TableSchemaOptions } from './table-schema.js';

export function connectionSettings(config: PostgresSourceConfig): ConnectionSettings {
  return {
    host: config.hostname,
    port: config.port,
    user: config.user,
    password: config.password ?? undefined,
    database: config.database,
    ssl: tlsOptions(config),
    sslFallback: config.sslMode === 'prefer' || config.sslMode === 'allow',
  };
}

/** libpq's sslmode in node's TLS terms. prefer and allow try TLS first and fall back to plain. */
function tlsOptions(config: PostgresSourceConfig): ConnectionOptions | false {
  if (config.sslMode === 'disable') return false;
  const read = (path: string | null) => (path ? readFileSync(path) : undefined);
  const files = { ca: read(config.sslRootCert), cert: read(config.sslCert), key: read(config.sslKey), passphrase: config.sslPassword ?? undefined };
  switch (config.sslMode) {
    case 'verify-full':
      return { ...files, rejectUnauthorized: true };
    case 'verify-ca':
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    default:
      return { ...files, rejectUnauthorized: false };
  }
}

export function tableSchemaOptions(config: PostgresSourceConfig): TableSchemaOptions {
  return {
    topicPrefix: config.topicPrefix,
    typeMapping: {
      decimalHandlingMode: config.decimalHandlingMode,
      timePrecisionMode: config.timePrecisionMode,
      binaryHandlingMode: config.binaryHandlingMode,
      intervalHandlingMode: config.intervalHandlingMode,
      moneyFractionDigits: config.moneyFractionDigits,
    },
    unavailableValuePlaceholder: config.unavailableValuePlaceholder,
    excludeColumn: (schema, table, column) => !config.columnFilter(schema, table, column),
  };
}

export function changeHandlerOptions(config: PostgresSourceConfig): ChangeHandlerOptions {
  return {
    tombstonesOnDelete: config.tombstonesOnDelete,
    skippedOperations: config.skippedOperations,
    provideTransactionMetadata: config.provideTransactionMetadata,
    acceptMessagePrefix: config.messagePrefixFilter,
  };
}
