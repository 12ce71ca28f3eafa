/**
 * The Postgres types of captured columns, resolved from pg_type.
 *
 * `loadTypes` is called when the source meets column type OIDs it has not resolved yet (a snapshot's
 * table, a pgoutput Relation message). It blocks on a few catalog queries over the given client and
 * returns every requested type that exists plus the types they refer to: a domain's base type
 * (recursively, with the typmod the domain applies to it), an array's element type, an enum's labels
 * in their sort order. Built-in and user-defined types are resolved alike; OIDs that do not exist are
 * absent from the result. The client may use any type parsers: every value is read as text.
 */
import type pg from 'pg';

export type PgTypeKind = 'base' | 'enum' | 'domain' | 'array' | 'composite' | 'range' | 'other';

export interface PgType {
  oid: number;
  schema: string;
  name: string;
  kind: PgTypeKind;
  /** array only: the element type */
  element?: PgType;
  /** domain only: the type the domain constrains (itself possibly a domain) */
  base?: PgType;
  /** domain only: the typmod the domain applies to its base type (pg_type.typtypmod), -1 for none */
  baseTypeMod?: number;
  /** domain only: true when the domain is NOT NULL, which makes its columns required as in Debezium */
  notNull?: boolean;
  /** enum only: the labels in sort order */
  enumLabels?: string[];
  /** the delimiter between elements of this type in an array literal; ',' when absent */
  delimiter?: string;
}

/** OIDs of the built-in types the value mapping knows (pg_type.dat; stable across releases). */
export const PG_OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  bit: 1560,
  varbit: 1562,
  numeric: 1700,
  uuid: 2950,
  tsvector: 3614,
  jsonb: 3802,
} as const;

interface TypeRow {
  oid: number;
  schema: string;
  name: string;
  typtype: string;
  input: string;
  elem: number;
  base: number;
  typmod: number;
  delim: string;
  notnull: string;
}

const TYPE_QUERY = `
  SELECT t.oid::int8::text AS oid, n.nspname::text AS schema, t.typname::text AS name,
         t.typtype::text AS typtype, t.typinput::text AS input, t.typelem::int8::text AS elem,
         t.typbasetype::int8::text AS base, t.typtypmod::text AS typmod, t.typdelim::text AS delim,
         t.typnotnull::text AS notnull
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE t.oid = ANY($1::oid[])`;

const ENUM_QUERY = `
  SELECT enumtypid::int8::text AS oid, enumlabel::text AS label
  FROM pg_catalog.pg_enum WHERE enumtypid = ANY($1::oid[])
  ORDER BY enumtypid, enumsortorder`;

export async function loadTypes(client: pg.ClientBase, oids: number[]): Promise<Map<number, PgType>> {
  const rows = new Map<number, TypeRow>();
  let pending = [...new Set(oids)];
  while (pending.length > 0) {
    const result = await client.query<Record<keyof TypeRow, string>>(TYPE_QUERY, [pending]);
    const referenced = new Set<number>();
    for (const raw of result.rows) {
      const row = toTypeRow(raw);
      rows.set(row.oid, row);
      const reference = isArrayRow(row) ? row.elem : row.typtype === 'd' ? row.base : 0;
      if (reference !== 0) referenced.add(reference);
    }
    pending = [...referenced].filter((oid) => !rows.has(oid));
  }
  const labels = await loadEnumLabels(client, [...rows.values()].filter((row) => row.typtype === 'e').map((row) => row.oid));

  const types = new Map<number, PgType>();
  const build = (oid: number): PgType | undefined => {
    const existing = types.get(oid);
    if (existing) return existing;
    const row = rows.get(oid);
    if (!row) return undefined;
    const type: PgType = { oid: row.oid, schema: row.schema, name: row.name, kind: kindOf(row) };
    if (row.delim !== ',') type.delimiter = row.delim;
    if (type.kind === 'array') type.element = build(row.elem);
    if (type.kind === 'domain') {
      type.base = build(row.base);
      type.baseTypeMod = row.typmod;
      if (row.notnull === 'true') type.notNull = true;
    }
    if (type.kind === 'enum') type.enumLabels = labels.get(oid) ?? [];
    types.set(oid, type);
    return type;
  };
  for (const oid of rows.keys()) build(oid);
  return types;
}

async function loadEnumLabels(client: pg.ClientBase, enumOids: number[]): Promise<Map<number, string[]>> {
  const labels = new Map<number, string[]>();
  if (enumOids.length === 0) return labels;
  const result = await client.query<{ oid: string; label: string }>(ENUM_QUERY, [enumOids]);
  for (const { oid, label } of result.rows) {
    const list = labels.get(Number(oid));
    if (list) list.push(label);
    else labels.set(Number(oid), [label]);
  }
  return labels;
}

function toTypeRow(raw: Record<keyof TypeRow, string>): TypeRow {
  return {
    oid: Number(raw.oid),
    schema: raw.schema,
    name: raw.name,
    typtype: raw.typtype,
    input: raw.input,
    elem: Number(raw.elem),
    base: Number(raw.base),
    typmod: Number(raw.typmod),
    delim: raw.delim,
    notnull: raw.notnull,
  };
}

// int2vector, oidvector, point and name also have a typelem; only types read by array_in print as
// array literals.
function isArrayRow(row: TypeRow): boolean {
  return row.elem !== 0 && row.input === 'array_in';
}

function kindOf(row: TypeRow): PgTypeKind {
  if (isArrayRow(row)) return 'array';
  switch (row.typtype) {
    case 'b':
      return 'base';
    case 'e':
      return 'enum';
    case 'd':
      return 'domain';
    case 'c':
      return 'composite';
    case 'r':
      return 'range';
    default:
      return 'other';
  }
}
