/**
 * Postgres arrays: an array literal ("{1,NULL,\"a b\"}", "{{1,2},{3,4}}", "[0:1]={1,2}") to a JSON
 * array whose elements are converted by the element type's converter.
 *
 * The literal is split by the installed `postgres-array` parser, which unquotes and unescapes
 * elements and turns unquoted NULL into null (never passed to the element converter). Only the
 * comma delimiter is understood: callers map arrays of types with another delimiter (box) otherwise.
 * A multi-dimensional array becomes nested JSON arrays; its Connect schema, like Postgres' type,
 * does not record the dimensions (Debezium itself yields nulls for such elements). Called per value.
 */
import { parse } from 'postgres-array';
import { arraySchema, type ValueMapping } from './connect-schemas.js';

/**
 * `itemsOptional` is false only where Debezium declares required items (enum arrays); every other
 * array has optional items.
 */
export function arrayMapping(element: ValueMapping, itemsOptional: boolean): ValueMapping {
  const convertElement = element.convert;
  return { schema: arraySchema(element.schema, itemsOptional), convert: (text) => parse(text, convertElement) };
}
