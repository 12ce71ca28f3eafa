/**
 * A captured column's Connect schema field and value converter, as Debezium's PostgreSQL connector
 * (PostgresValueConverter) would produce them.
 *
 * `mapColumn` is called once per column when a table's shape becomes known (snapshot start, a
 * pgoutput Relation message); it is pure and does not block. The returned `convert` takes the text
 * Postgres prints for a non-null value under the session settings of ../session.ts (the same on the
 * snapshot and the replication path) and returns the JSON value Debezium puts in its envelope through
 * JsonConverter (bigint where an int64 exceeds 2^53). It runs per value and does no per-value setup.
 *
 * The field carries Debezium's propagated source metadata in its parameters
 * (`__debezium.source.column.type|length|scale|name`, as with column.propagate.source.type), so sinks
 * can derive typed columns. Domains map as the type they are built on, sized by the domain's typmod;
 * enums are io.debezium.data.Enum strings; types Debezium has no mapping for (inet, ranges,
 * composites, extension types such as citext...) are plain strings of their text.
 */
import type { ConnectField } from '../../../events.js';
import { arrayMapping } from './array.js';
import { bitsMapping, byteaMapping, type BinaryHandlingMode } from './binary.js';
import { connectField, plain, semantic, type ValueMapping } from './connect-schemas.js';
import { intervalMapping, type IntervalHandlingMode } from './interval.js';
import { floatValue, moneyMapping, numericMapping, parseInt64, type DecimalHandlingMode } from './numeric.js';
import { rootType, sourceColumn, type SourceColumn } from './source-column.js';
import { dateMapping, timeMapping, timestampMapping, timestamptzMapping, timetzMapping, type TimePrecisionMode } from './temporal.js';
import { PG_OID, type PgType } from './type-catalog.js';

export type { BinaryHandlingMode, DecimalHandlingMode, IntervalHandlingMode, TimePrecisionMode };

export interface TypeMappingOptions {
  decimalHandlingMode: DecimalHandlingMode;
  timePrecisionMode: TimePrecisionMode;
  binaryHandlingMode: BinaryHandlingMode;
  intervalHandlingMode: IntervalHandlingMode;
  moneyFractionDigits: number;
}

/** Debezium's defaults for the options of the same names. */
export const DEFAULT_TYPE_MAPPING: Readonly<TypeMappingOptions> = Object.freeze({
  decimalHandlingMode: 'precise',
  timePrecisionMode: 'adaptive',
  binaryHandlingMode: 'bytes',
  intervalHandlingMode: 'numeric',
  moneyFractionDigits: 2,
});

export interface ColumnDescription {
  name: string;
  type: PgType;
  /** pg_attribute.atttypmod (or the Relation message's), -1 for none */
  typeMod: number;
  optional: boolean;
}

export interface ColumnMapping {
  field: ConnectField;
  /** For a non-null value's text; returns a JSON value (or bigint). */
  convert(text: string): unknown;
}

export function mapColumn(column: ColumnDescription, options: Readonly<TypeMappingOptions> = DEFAULT_TYPE_MAPPING): ColumnMapping {
  const source = sourceColumn(column.type, column.typeMod);
  const mapping = mapSourceType(column.name, source, options);
  const field = connectField(column.name, mapping.schema, column.optional, {
    '__debezium.source.column.type': column.type.name.toUpperCase(),
    '__debezium.source.column.length': String(source.length),
    '__debezium.source.column.scale': String(source.scale),
    '__debezium.source.column.name': column.name,
  });
  return { field, convert: mapping.convert };
}

const TEXT: ValueMapping = { schema: plain('string'), convert: (text) => text };

function mapSourceType(column: string, source: SourceColumn, options: Readonly<TypeMappingOptions>): ValueMapping {
  const { root } = source;
  switch (root.kind) {
    case 'base':
      return mapBaseType(column, source, options);
    case 'enum':
      return { schema: semantic('string', 'io.debezium.data.Enum', { allowed: (root.enumLabels ?? []).join(',') }), convert: TEXT.convert };
    case 'array': {
      const element = root.element;
      if (!element || (element.delimiter ?? ',') !== ',') return TEXT;
      // Elements are sized like their array, except domains, which carry their own typmod.
      const elementSource = element.kind === 'domain' ? sourceColumn(element, -1) : { ...source, root: rootType(element) };
      return arrayMapping(mapSourceType(column, elementSource, options), elementSource.root.kind !== 'enum');
    }
    default:
      return TEXT;
  }
}

function mapBaseType(column: string, { root, length, scale }: SourceColumn, options: Readonly<TypeMappingOptions>): ValueMapping {
  switch (root.oid) {
    case PG_OID.bool:
      return { schema: plain('boolean'), convert: (text) => text === 't' };
    case PG_OID.int2:
      return { schema: plain('int16'), convert: Number };
    case PG_OID.int4:
      return { schema: plain('int32'), convert: Number };
    case PG_OID.int8:
      return { schema: plain('int64'), convert: parseInt64 };
    case PG_OID.oid:
      return { schema: plain('int64'), convert: Number };
    case PG_OID.float4:
      return { schema: plain('float'), convert: floatValue };
    case PG_OID.float8:
      return { schema: plain('double'), convert: floatValue };
    case PG_OID.numeric:
      return numericMapping(column, length, scale, options.decimalHandlingMode);
    case PG_OID.money:
      return moneyMapping(options.moneyFractionDigits, options.decimalHandlingMode);
    case PG_OID.bytea:
      return byteaMapping(options.binaryHandlingMode);
    case PG_OID.bit:
    case PG_OID.varbit:
      return bitsMapping(length);
    case PG_OID.uuid:
      return { schema: semantic('string', 'io.debezium.data.Uuid'), convert: TEXT.convert };
    case PG_OID.json:
    case PG_OID.jsonb:
      return { schema: semantic('string', 'io.debezium.data.Json'), convert: TEXT.convert };
    case PG_OID.xml:
      return { schema: semantic('string', 'io.debezium.data.Xml'), convert: TEXT.convert };
    case PG_OID.tsvector:
      return { schema: semantic('string', 'io.debezium.data.Tsvector'), convert: TEXT.convert };
    case PG_OID.date:
      return dateMapping(options.timePrecisionMode);
    case PG_OID.time:
      return timeMapping(options.timePrecisionMode, scale);
    case PG_OID.timetz:
      return timetzMapping();
    case PG_OID.timestamp:
      return timestampMapping(options.timePrecisionMode, scale);
    case PG_OID.timestamptz:
      return timestamptzMapping(scale);
    case PG_OID.interval:
      return intervalMapping(options.intervalHandlingMode);
    default:
      return TEXT;
  }
}
