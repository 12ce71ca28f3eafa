/**
 * A captured table as events see it: its topic, the Connect schemas of key, row and envelope, and
 * the converters that turn the text values of a snapshot row or a pgoutput tuple into the row and
 * key objects of an event. Built once per table and again whenever its columns change.
 */
import type { ConnectField, ConnectSchema, Row } from '../../events.js';
import type { CatalogTable, ReplicaIdentity } from './catalog.js';
import type { TupleValue } from './replication/pgoutput-decoder.js';
import { compileKeyBuilder, compileRowBuilder, type RowColumn } from './row-builder.js';
import { mapColumn, type TypeMappingOptions } from './types/column-mapping.js';
import type { PgType } from './types/type-catalog.js';

export interface TableSchemaOptions {
  topicPrefix: string;
  typeMapping: TypeMappingOptions;
  unavailableValuePlaceholder: string;
  /** column.exclude.list as a predicate; key columns are always kept. */
  excludeColumn: (schema: string, table: string, column: string) => boolean;
}

export interface TableSchema {
  readonly schema: string;
  readonly table: string;
  readonly topic: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly keySchema: ConnectSchema | null;
  readonly rowSchema: ConnectSchema;
  readonly valueSchema: ConnectSchema;
  /** Names of the key columns; empty when the table has no key (events then have a null key). */
  readonly keyColumns: readonly string[];
  /** Column names in tuple order, to detect a relation that changed shape. */
  readonly columnNames: readonly string[];
  /** Builds a row from values in tuple order. `fallback` supplies unchanged TOAST values (REPLICA IDENTITY FULL). */
  row(values: readonly TupleValue[], fallback?: readonly TupleValue[] | null): Row;
  /**
   * The event key: the key columns' values taken from a row `row` built (a row always holds the key
   * columns), or null for a keyless table. Taken, not converted again: a key is as costly as its row.
   */
  key(row: Row): Record<string, unknown> | null;
  /**
   * Whether a tuple holds every key column. Key columns are never null in a row, so a null one
   * means pgoutput did not send it: an old-key tuple of a replica identity index without them.
   */
  holdsKey(values: readonly TupleValue[]): boolean;
  /** Whether two tuples hold the same key (compared as text, before conversion). */
  sameKey(a: readonly TupleValue[], b: readonly TupleValue[]): boolean;
}

/** What a table schema is built from: a catalog table, or a stream relation joined with the catalog. */
export type TableShape = Pick<CatalogTable, 'schema' | 'name' | 'columns' | 'keyColumns' | 'replicaIdentity'>;

export function buildTableSchema(shape: TableShape, types: ReadonlyMap<number, PgType>, options: TableSchemaOptions): TableSchema {
  const { schema, name: table, columns, keyColumns } = shape;
  const name = `${options.topicPrefix}.${schema}.${table}`;
  const codecs: RowColumn[] = [];
  const fields: ConnectField[] = [];
  const keyFields: ConnectField[] = [];
  const keyCodecs: RowColumn[] = [];
  columns.forEach((column, index) => {
    const type = types.get(column.typeOid);
    if (!type) throw new Error(`Type ${column.typeOid} of column ${schema}.${table}.${column.name} was not loaded`);
    const isKey = keyColumns.includes(column.name);
    const mapped = mapColumn({ name: column.name, type, typeMod: column.typeMod, optional: !column.notNull && !isKey }, options.typeMapping);
    const codec = { index, name: column.name, convert: mapped.convert };
    if (isKey) {
      keyCodecs.push(codec);
      keyFields.push(mapped.field);
    }
    if (!options.excludeColumn(schema, table, column.name) || isKey) {
      codecs.push(codec);
      fields.push(mapped.field);
    }
  });
  // Key fields in the key's own order (a composite primary key's column order).
  keyCodecs.sort((a, b) => keyColumns.indexOf(a.name) - keyColumns.indexOf(b.name));
  keyFields.sort((a, b) => keyColumns.indexOf(a.field) - keyColumns.indexOf(b.field));

  const rowSchema: ConnectSchema = { type: 'struct', optional: true, name: `${name}.Value`, fields };
  const keySchema: ConnectSchema | null = keyCodecs.length > 0 ? { type: 'struct', optional: false, name: `${name}.Key`, fields: keyFields } : null;
  const keyNames = keyCodecs.map((c) => c.name);
  const buildKey = keyNames.length === 0 ? () => null : compileKeyBuilder(keyNames);

  return {
    schema,
    table,
    topic: name,
    replicaIdentity: shape.replicaIdentity,
    keySchema,
    rowSchema,
    valueSchema: envelopeSchema(name, rowSchema),
    keyColumns: keyNames,
    columnNames: columns.map((c) => c.name),
    row: compileRowBuilder(codecs, options.unavailableValuePlaceholder),
    holdsKey(values) {
      return keyCodecs.length > 0 && keyCodecs.every((codec) => values[codec.index] !== null && values[codec.index] !== undefined);
    },
    sameKey(a, b) {
      return keyCodecs.every((codec) => a[codec.index] === b[codec.index]);
    },
    key: buildKey,
  };
}

export const SOURCE_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.postgresql.Source',
  fields: [
    { field: 'version', type: 'string', optional: false },
    { field: 'connector', type: 'string', optional: false },
    { field: 'name', type: 'string', optional: false },
    { field: 'ts_ms', type: 'int64', optional: false },
    { field: 'snapshot', type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1, default: 'false', parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' } },
    { field: 'db', type: 'string', optional: false },
    { field: 'sequence', type: 'string', optional: true },
    { field: 'ts_us', type: 'int64', optional: true },
    { field: 'ts_ns', type: 'int64', optional: true },
    { field: 'schema', type: 'string', optional: false },
    { field: 'table', type: 'string', optional: false },
    { field: 'txId', type: 'int64', optional: true },
    { field: 'lsn', type: 'int64', optional: true },
    { field: 'xmin', type: 'int64', optional: true },
  ],
};

export const TRANSACTION_BLOCK_SCHEMA: ConnectSchema = {
  type: 'struct',
  optional: true,
  name: 'event.block',
  version: 1,
  fields: [
    { field: 'id', type: 'string', optional: false },
    { field: 'total_order', type: 'int64', optional: false },
    { field: 'data_collection_order', type: 'int64', optional: false },
  ],
};

/** The Debezium envelope's schema around a table's row schema (`<name>.Envelope`). Pure. */
export function envelopeSchema(name: string, rowSchema: ConnectSchema): ConnectSchema {
  return {
    type: 'struct',
    optional: false,
    name: `${name}.Envelope`,
    version: 2,
    fields: [
      { ...rowSchema, field: 'before' },
      { ...rowSchema, field: 'after' },
      { ...SOURCE_SCHEMA, field: 'source' },
      { ...TRANSACTION_BLOCK_SCHEMA, field: 'transaction' },
      { field: 'op', type: 'string', optional: false },
      { field: 'ts_ms', type: 'int64', optional: true },
      { field: 'ts_us', type: 'int64', optional: true },
      { field: 'ts_ns', type: 'int64', optional: true },
    ],
  };
}
