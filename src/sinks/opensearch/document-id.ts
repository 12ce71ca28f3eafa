/**
 * Document ids. A row's document is found again by its `_id`, made from the change event's key (the
 * table's primary key, or its replica identity index) so that every change of a row, and its
 * delete, address the same document:
 * - one key field: its value as text: a string as it is, a number or bigint in exact decimal digits,
 *   a decimal column as its exact decimal text ("5094.61", never base64), dates and times as
 *   document-values.ts writes them ("2024-03-07"), a boolean as true/false;
 * - several key fields: the JSON array text of those values in key order, e.g. `[42,"EU"]`: stable,
 *   unambiguous whatever the values contain, and bigints stay exact;
 * - a key that is a plain value (after a key transform) counts as one field.
 * Keys that are null (tables without a key) and `key.ignore=true` have no such id; their documents
 * take `offsetDocumentId`, topic+partition+offset (the Confluent and Aiven sinks' id for ignored
 * keys), so a redelivered record rewrites its own document instead of adding another; such
 * documents can never be updated or deleted by a later change.
 * OpenSearch refuses ids over 512 bytes; a key that long is rejected per item like any malformed
 * document. Pure; called per record.
 */
import type { ConnectSchema } from '../../events.js';
import { toJson } from '../../json.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { DocumentConverter } from './document-values.js';

export function offsetDocumentId(topic: string, partition: number, offset: number): string {
  return `${topic}+${partition}+${offset}`;
}

export class DocumentIds {
  private readonly converter = new DocumentConverter(true);

  /** The id for a record's key, or null for a null key. */
  keyId(key: unknown, keySchema: ConnectSchema | null): string | null {
    if (key === null || key === undefined) return null;
    if (!isPlainObject(key)) return idText(this.converter.value(key, keySchema));
    const struct = keySchema?.type === 'struct' ? keySchema : null;
    // A key of one field, most tables' primary key: its value alone, without the key's document.
    const only = struct?.fields?.length === 1 ? struct.fields[0]! : null;
    if (only !== null && key[only.field] !== undefined) return idText(this.converter.value(key[only.field], only));
    const values = Object.values(this.converter.document(key, struct));
    return values.length === 1 ? idText(values[0]) : toJson(values);
  }
}

function idText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return toJson(value);
  }
}
