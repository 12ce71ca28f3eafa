/**
 * The order a snapshot reads a table in, and a row's place as a string that sorts (by plain string
 * comparison) in that order. table-chunks.ts reads a keyed table `ORDER BY` the key columns as
 * spelled here, and a table without a key by its rows' physical places (ctid), which it hands on
 * after the columns (a partitioned one partition by partition, in the byte order of their names,
 * which follow the ctid; or through its root, where a row's partition index in the scan's order
 * follows its partition, root-chunks.ts). With the sortable string a snapshot row gets a position
 * (SourceRecord.position), so a sink that already wrote a row of an interrupted snapshot can tell
 * it from the rows a resumed snapshot reads after it, even when the resumed reading sees newer data
 * than the first. (A row of a table without a key changed meanwhile may have moved to a later place
 * and be read again; its change streams as well.)
 *
 * Only types whose btree order JavaScript can reproduce from their text exactly are encoded:
 * - smallint, integer, bigint, oid and numeric, numerically (numeric's -Infinity first, Infinity
 *   and NaN last);
 * - uuid, bytewise, which its lower-case text form sorts as;
 * - date, timestamp and timestamptz, by day, then microsecond of the day, in UTC (-infinity first,
 *   infinity last);
 * - text and varchar when the snapshot orders them by their bytes (`COLLATE "C"`,
 *   `snapshot.text.key.order=bytes` on a UTF8 database: UTF-8 bytes sort as code points). In the
 *   column's own collation (`collation`) text sorts by rules only the server knows;
 * - enums, under `bytes` too, by their labels' bytes (`ORDER BY k::text COLLATE "C"`): an enum's
 *   own order is its labels' sort order, which `ALTER TYPE ... ADD VALUE` may renumber while a
 *   snapshot is interrupted, whereas a label's bytes never change;
 * - a domain as its base type (a domain over a domain as the base of that).
 * A table keyed by any other type gets no sortable key, and its rows stay without a position.
 *
 * Each column's encoding is self-delimiting, so a composite key's parts are simply concatenated.
 * The characters used are letters, digits and '-', safe in object keys and file names.
 */
import type { CatalogTable } from '../catalog.js';
import { quoteIdent } from '../connection.js';
import { parseDate, parseTime, timestampTimeStart, utcDayAndMicros } from '../types/calendar.js';
import { PG_OID, type PgType } from '../types/type-catalog.js';

/** How text keys are ordered (`snapshot.text.key.order`): by their UTF-8 bytes, or by the column's collation. */
export const TEXT_KEY_ORDERS = ['bytes', 'collation'] as const;
export type TextKeyOrder = (typeof TEXT_KEY_ORDERS)[number];

export interface KeyOrder {
  /** The key columns as `ORDER BY` and row comparisons spell them, in key order. */
  columns: string[];
  /**
   * The sortable key of a row given as the snapshot reads it (text values in column order), or null
   * when the table's rows have none; for a table read through its root, null for a row without a place.
   */
  sortable: ((values: ReadonlyArray<string | null>) => string | null) | null;
}

type Encode = (text: string) => string;

/** Each decimal digit d as 9 - d, so that digit strings sort in reverse. */
function complemented(digits: string): string {
  let complement = '';
  for (let i = 0; i < digits.length; i++) complement += String.fromCharCode(0x69 - digits.charCodeAt(i)); // '9' - d + '0'
  return complement;
}

/** Whole numbers: 'n' for negatives before 'p' for the rest, then the digit count, then the digits. */
const wholeNumber: Encode = (text) => {
  if (text.charCodeAt(0) !== 0x2d /* - */) return `p${text.length < 10 ? '0' : ''}${text.length}${text}`;
  // Among negatives a larger magnitude comes first: fewer-digit counts and digits complemented.
  const count = 99 - (text.length - 1);
  return `n${count}${complemented(text.slice(1))}`;
};

/** Where a decimal exponent starts, so that every exponent numeric allows is six digits. */
const EXPONENT_BIAS = 100_000;

/**
 * numeric: its sign ('n' negative, 'o' zero, 'p' positive), the exponent of its first significant
 * digit (biased to six digits), its significant digits and a terminator. Negatives complement the
 * exponent and the digits, and end with 'z' rather than '-', so that a larger magnitude and a
 * longer digit string sort first.
 */
const numeric: Encode = (text) => {
  if (text === 'NaN') return 'r';
  if (text === 'Infinity') return 'q';
  if (text === '-Infinity') return 'm';
  const negative = text.charCodeAt(0) === 0x2d;
  const unsigned = negative ? text.slice(1) : text;
  const point = unsigned.indexOf('.');
  const whole = (point < 0 ? unsigned : unsigned.slice(0, point)).replace(/^0+/, '');
  const fraction = point < 0 ? '' : unsigned.slice(point + 1);
  let digits = (whole + fraction).replace(/0+$/, '');
  if (digits === '') return 'o';
  let exponent = whole.length;
  if (whole === '') {
    const significant = digits.search(/[1-9]/);
    exponent = -significant;
    digits = digits.slice(significant);
  }
  if (!negative) return `p${String(exponent + EXPONENT_BIAS).padStart(6, '0')}${digits}-`;
  return `n${999_999 - exponent - EXPONENT_BIAS}${complemented(digits)}z`;
};

/** -infinity before every finite value (whole numbers begin 'n' or 'p'), infinity after. */
const infinities = (encode: Encode): Encode => (text) => (text === '-infinity' ? 'a' : text === 'infinity' ? 'z' : encode(text));

/** A date: its day count. */
const date: Encode = infinities((text) => wholeNumber(String(parseDate(text))));

/** A day count, then the microsecond of that day at a fixed width. */
const dayAndMicros = (days: number, micros: number): string => wholeNumber(String(days)) + String(micros).padStart(11, '0');

/** A timestamp as the session prints it (DateStyle ISO). */
const timestamp: Encode = infinities((text) => dayAndMicros(parseDate(text), parseTime(text, timestampTimeStart(text))));

/** A timestamptz as the session prints it (TimeZone UTC, though any offset is taken into account). */
const timestamptz: Encode = infinities((text) => dayAndMicros(...utcDayAndMicros(text)));

/** uuid text is fixed-width lower-case hex: it already sorts as its bytes. */
const uuid: Encode = (text) => text;

/**
 * Text ordered by its bytes: the UTF-8 bytes in hex, then '-', which sorts before every hex digit,
 * so a value sorts before the longer values it begins (as the server's byte comparison has it).
 */
const utf8Bytes: Encode = (text) => `${Buffer.from(text, 'utf8').toString('hex')}-`;

const ENCODINGS = new Map<number, Encode>([
  [PG_OID.int2, wholeNumber],
  [PG_OID.int4, wholeNumber],
  [PG_OID.int8, wholeNumber],
  [PG_OID.oid, wholeNumber],
  [PG_OID.numeric, numeric],
  [PG_OID.uuid, uuid],
  [PG_OID.date, date],
  [PG_OID.timestamp, timestamp],
  [PG_OID.timestamptz, timestamptz],
]);

/** Types ordered by their bytes under `snapshot.text.key.order=bytes`. */
const TEXT_TYPES = new Set<number>([PG_OID.text, PG_OID.varchar]);

/** A ctid, `(page,line)`: page, then line pointer, both whole numbers. */
const ctid: Encode = (text) => {
  const comma = text.indexOf(',');
  return wholeNumber(text.slice(1, comma)) + wholeNumber(text.slice(comma + 1, -1));
};

/**
 * How to read `table` in key order and the sortable key of its rows (null `sortable` when it has a
 * key column of a type not encoded here). `textKeyOrder` is the snapshot's: a resumed snapshot must
 * keep the order it began with. `types`: the loaded types of the table's columns (type-catalog.ts),
 * to see through domains and recognise enums; a built-in type may be absent.
 */
export function keyOrder(
  table: Pick<CatalogTable, 'columns' | 'keyColumns' | 'partitioned' | 'leaves'>,
  textKeyOrder: TextKeyOrder,
  types: ReadonlyMap<number, PgType>,
): KeyOrder {
  if (table.keyColumns.length === 0) {
    const place = table.columns.length;
    if (!table.partitioned) return { columns: [], sortable: (values) => ctid(values[place]!) };
    // Partition by partition: the partition's name, then the place in it.
    if (table.leaves !== null) return { columns: [], sortable: (values) => utf8Bytes(values[place + 1]!) + ctid(values[place]!) };
    // Through the root: the partition's index in the scan's order, then the place in it (root-chunks.ts), when the row has one.
    return { columns: [], sortable: (values) => (values[place + 2] === null ? null : wholeNumber(values[place + 2]!) + ctid(values[place]!)) };
  }
  const parts = table.keyColumns.map((name) => {
    const index = table.columns.findIndex((column) => column.name === name);
    return { index, ...keyColumnOrder(quoteIdent(name), baseType(table.columns[index]?.typeOid ?? 0, types), textKeyOrder) };
  });
  const columns = parts.map((part) => part.column);
  if (parts.some((part) => part.index < 0 || part.encode === undefined)) return { columns, sortable: null };
  const encoders = parts as Array<{ index: number; encode: Encode }>;
  if (encoders.length === 1) {
    const { index, encode } = encoders[0]!;
    return { columns, sortable: (values) => encode(values[index]!) };
  }
  return {
    columns,
    sortable: (values) => {
      let key = '';
      for (const { index, encode } of encoders) key += encode(values[index]!);
      return key;
    },
  };
}

/** The type under any domains: its oid, and whether it is an enum. */
function baseType(oid: number, types: ReadonlyMap<number, PgType>): { oid: number; enum: boolean } {
  let type = types.get(oid);
  while (type?.kind === 'domain' && type.base !== undefined) type = type.base;
  return { oid: type?.oid ?? oid, enum: type?.kind === 'enum' };
}

/** One key column as ORDER BY spells it, and its encoding when there is one. */
function keyColumnOrder(quoted: string, type: { oid: number; enum: boolean }, textKeyOrder: TextKeyOrder): { column: string; encode: Encode | undefined } {
  if (textKeyOrder === 'bytes' && TEXT_TYPES.has(type.oid)) return { column: `${quoted} COLLATE "C"`, encode: utf8Bytes };
  if (textKeyOrder === 'bytes' && type.enum) return { column: `${quoted}::text COLLATE "C"`, encode: utf8Bytes };
  return { column: quoted, encode: ENCODINGS.get(type.oid) };
}
