/**
 * Compiles, once per table schema, the functions that build its rows and keys: each builds its
 * object as one object literal naming the columns (util/object-literal.ts says why).
 */
import type { Row } from '../../events.js';
import { compile, literalKey } from '../../util/object-literal.js';
import { UNCHANGED_TOAST, type TupleValue } from './replication/pgoutput-decoder.js';

export interface RowColumn {
  name: string;
  /** The column's place in a tuple. */
  index: number;
  convert: (text: string) => unknown;
}

/** Builds a row from values in tuple order; `fallback` supplies unchanged TOAST values (REPLICA IDENTITY FULL). */
export type BuildRow = (values: readonly TupleValue[], fallback?: readonly TupleValue[] | null) => Row;

/**
 * A row builder for `columns`: null for a null or missing value, an unchanged TOAST value from
 * `fallback` when it holds the value, else `placeholder`; every other value through its converter.
 */
export function compileRowBuilder(columns: readonly RowColumn[], placeholder: string): BuildRow {
  const toasted = (column: number, fallback: readonly TupleValue[] | null | undefined): unknown => {
    const value = fallback?.[columns[column]!.index];
    return typeof value === 'string' ? columns[column]!.convert(value) : placeholder;
  };
  const converters = columns.map((column) => column.convert);
  const properties = columns.map(
    (column, i) =>
      `${literalKey(column.name)}: (v = values[${column.index}]) === null || v === undefined ? null : v === TOAST ? toasted(${i}, fallback) : convert[${i}](v)`,
  );
  return compile<BuildRow>({ convert: converters, TOAST: UNCHANGED_TOAST, toasted }, `(values, fallback) => { let v; return { ${properties.join(', ')} }; }`);
}

/** A key builder: the `names` columns' values taken from a row. */
export function compileKeyBuilder(names: readonly string[]): (row: Row) => Record<string, unknown> {
  const properties = names.map((name) => `${literalKey(name)}: row[${JSON.stringify(name)}]`);
  return compile({}, `(row) => ({ ${properties.join(', ')} })`);
}
