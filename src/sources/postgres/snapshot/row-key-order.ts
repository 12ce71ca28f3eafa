/**
 * A snapshot row's key as a string that sorts (by plain string comparison) in the order the
 * snapshot reads rows: `ORDER BY` the key columns, as table-chunks.ts pages through a table. With
 * it a snapshot row gets a position (SourceRecord.position), so a sink that already wrote a row of
 * an interrupted snapshot can tell it from the rows a resumed snapshot reads after it, even when
 * the resumed reading sees newer data than the first.
 *
 * Only types whose btree order JavaScript can reproduce from their text exactly are encoded:
 * smallint, integer, bigint and oid (numerically) and uuid (bytewise, which its lower-case text
 * form sorts as). Text keys sort by collation, which only the server knows; `rowKeyOrder` answers
 * null for a table keyed by any other type, and such rows stay without a position.
 *
 * Each column's encoding is self-delimiting, so a composite key's parts are simply concatenated.
 * The characters used are letters, digits and '-', safe in object keys and file names.
 */
import type { CatalogTable } from '../catalog.js';
import { PG_OID } from '../types/type-catalog.js';

type Encode = (text: string) => string;

/** Whole numbers: 'n' for negatives before 'p' for the rest, then the digit count, then the digits. */
const wholeNumber: Encode = (text) => {
  if (text.charCodeAt(0) !== 0x2d /* - */) return `p${text.length < 10 ? '0' : ''}${text.length}${text}`;
  // Among negatives a larger magnitude comes first: fewer-digit counts and digits complemented.
  let complement = '';
  for (let i = 1; i < text.length; i++) complement += String.fromCharCode(0x69 - text.charCodeAt(i)); // '9' - d + '0'
  const count = 99 - (text.length - 1);
  return `n${count}${complement}`;
};

/** uuid text is fixed-width lower-case hex: it already sorts as its bytes. */
const uuid: Encode = (text) => text;

const ENCODINGS = new Map<number, Encode>([
  [PG_OID.int2, wholeNumber],
  [PG_OID.int4, wholeNumber],
  [PG_OID.int8, wholeNumber],
  [PG_OID.oid, wholeNumber],
  [PG_OID.uuid, uuid],
]);

/**
 * The sortable key of a row given as the snapshot reads it (text values in column order), or null
 * when the table has no key or a key column of a type not encoded here.
 */
export function rowKeyOrder(table: Pick<CatalogTable, 'columns' | 'keyColumns'>): ((values: ReadonlyArray<string | null>) => string) | null {
  if (table.keyColumns.length === 0) return null;
  const parts: Array<{ index: number; encode: Encode }> = [];
  for (const name of table.keyColumns) {
    const index = table.columns.findIndex((column) => column.name === name);
    const encode = index < 0 ? undefined : ENCODINGS.get(table.columns[index]!.typeOid);
    if (!encode) return null;
    parts.push({ index, encode });
  }
  if (parts.length === 1) {
    const { index, encode } = parts[0]!;
    return (values) => encode(values[index]!);
  }
  return (values) => {
    let key = '';
    for (const { index, encode } of parts) key += encode(values[index]!);
    return key;
  };
}
