/**
 * Compiles, once per table schema, the functions that build its rows and keys.
 *
 * Why compiled: each function builds its object as one object literal naming the columns, so every
 * row of a table has one shape, allocated in one step with its properties inside it. Built column
 * by column under names known only at run time, a row costs about five times as much (V8 grows it
 * property by property through its generic store), on the path every captured row takes.
 *
 * Column names reach the generated code only as JSON string literals, and `__proto__` as a computed
 * key, which defines an own property rather than setting the prototype.
 */
import type { Row } from '../../events.js';
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
      `${propertyName(column.name)}: (v = values[${column.index}]) === null || v === undefined ? null : v === TOAST ? toasted(${i}, fallback) : convert[${i}](v)`,
  );
  const build = new Function('convert', 'TOAST', 'toasted', `return (values, fallback) => { let v; return { ${properties.join(', ')} }; };`);
  return build(converters, UNCHANGED_TOAST, toasted) as BuildRow;
}

/** A key builder: the `names` columns' values taken from a row. */
export function compileKeyBuilder(names: readonly string[]): (row: Row) => Record<string, unknown> {
  const properties = names.map((name) => `${propertyName(name)}: row[${JSON.stringify(name)}]`);
  return new Function(`return (row) => ({ ${properties.join(', ')} });`)() as (row: Row) => Record<string, unknown>;
}

function propertyName(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}
