/**
 * The length and scale Debezium attaches to a column, and the type its value is mapped from.
 *
 * Debezium sizes a column the way the PostgreSQL JDBC driver reports it (TypeInfoCache
 * getPrecision/getScale/getDisplaySize over the column's typmod; an array is sized by its element
 * type), and sizes a domain column from the domain's own typmod, walking up to the first base type
 * that has one (PostgresType.getDefaultLength/getDefaultScale). Those two numbers then steer the
 * mapping: numeric precision and scale, time precision, bit length. They are also what
 * `__debezium.source.column.length` / `.scale` carry. Pure functions, called once per column.
 */
import { PG_OID, type PgType } from './type-catalog.js';

/** What the JDBC driver reports for types of unknown length (its `unknownLength` default). */
export const UNKNOWN_LENGTH = 2147483647;

/** The length NUMERIC without a typmod reports: Debezium reads it as "variable scale". */
export const VARIABLE_SCALE_NUMERIC_LENGTH = 131089;

export interface SourceColumn {
  /** the column's type with domains resolved to the type they are built on */
  root: PgType;
  length: number;
  scale: number;
}

export function sourceColumn(type: PgType, typeMod: number): SourceColumn {
  const root = rootType(type);
  if (type.kind === 'domain') return { root, length: defaultLength(type), scale: defaultScale(type) };
  return { root, length: columnSize(type, typeMod), scale: scaleOf(type, typeMod) };
}

/** A type with every domain layer removed. */
export function rootType(type: PgType): PgType {
  let current = type;
  while (current.kind === 'domain' && current.base) current = current.base;
  return current;
}

function defaultLength(type: PgType): number {
  if (type.kind === 'domain' && type.base) {
    const typeMod = type.baseTypeMod ?? -1;
    if (typeMod === -1) return defaultLength(type.base);
    const size = columnSize(type.base, typeMod);
    return size !== 0 ? size : UNKNOWN_LENGTH;
  }
  return columnSize(type, -1);
}

function defaultScale(type: PgType): number {
  if (type.kind === 'domain' && type.base) {
    const typeMod = type.baseTypeMod ?? -1;
    return typeMod === -1 ? defaultScale(type.base) : scaleOf(type.base, typeMod);
  }
  return scaleOf(type, -1);
}

// The driver sizes an array by its element type; a domain it does not know.
function driverOid(type: PgType): number {
  const sized = type.kind === 'array' && type.element ? type.element : type;
  return sized.kind === 'domain' ? 0 : sized.oid;
}

function columnSize(type: PgType, typeMod: number): number {
  const oid = driverOid(type);
  const precision = precisionOf(oid, typeMod);
  return precision === 0 ? displaySize(oid, typeMod) : precision;
}

function precisionOf(oid: number, typeMod: number): number {
  switch (oid) {
    case PG_OID.int2:
      return 5;
    case PG_OID.oid:
    case PG_OID.int4:
      return 10;
    case PG_OID.int8:
      return 19;
    case PG_OID.float4:
      return 8;
    case PG_OID.float8:
      return 17;
    case PG_OID.numeric:
      return typeMod === -1 ? 0 : ((typeMod - 4) & 0xffff0000) >> 16;
    case PG_OID.char:
    case PG_OID.bool:
      return 1;
    case PG_OID.bpchar:
    case PG_OID.varchar:
      return typeMod === -1 ? UNKNOWN_LENGTH : typeMod - 4;
    case PG_OID.date:
    case PG_OID.time:
    case PG_OID.timetz:
    case PG_OID.interval:
    case PG_OID.timestamp:
    case PG_OID.timestamptz:
      return displaySize(oid, typeMod);
    case PG_OID.bit:
      return typeMod;
    case PG_OID.varbit:
      return typeMod === -1 ? UNKNOWN_LENGTH : typeMod;
    default:
      return UNKNOWN_LENGTH;
  }
}

function scaleOf(type: PgType, typeMod: number): number {
  switch (driverOid(type)) {
    case PG_OID.float4:
      return 8;
    case PG_OID.float8:
      return 17;
    case PG_OID.numeric:
      return typeMod === -1 ? 0 : (typeMod - 4) & 0xffff;
    case PG_OID.time:
    case PG_OID.timetz:
    case PG_OID.timestamp:
    case PG_OID.timestamptz:
      return typeMod === -1 ? 6 : typeMod;
    case PG_OID.interval:
      return typeMod === -1 ? 6 : typeMod & 0xffff;
    default:
      return 0;
  }
}

function displaySize(oid: number, typeMod: number): number {
  switch (oid) {
    case PG_OID.date:
      return 13;
    case PG_OID.time:
    case PG_OID.timetz:
    case PG_OID.timestamp:
    case PG_OID.timestamptz: {
      const seconds = typeMod === -1 ? 7 : typeMod === 0 ? 0 : typeMod === 1 ? 3 : typeMod + 1;
      if (oid === PG_OID.time) return 8 + seconds;
      if (oid === PG_OID.timetz) return 8 + seconds + 6;
      if (oid === PG_OID.timestamp) return 22 + seconds;
      return 28 + seconds;
    }
    case PG_OID.interval:
      return 49;
    case PG_OID.numeric: {
      if (typeMod === -1) return VARIABLE_SCALE_NUMERIC_LENGTH;
      const precision = ((typeMod - 4) >> 16) & 0xffff;
      const scale = (typeMod - 4) & 0xffff;
      return 1 + precision + (scale !== 0 ? 1 : 0);
    }
    default:
      return UNKNOWN_LENGTH;
  }
}
