/**
 * References to fields of a Debezium envelope, as ExtractNewRecordState's `add.fields` and
 * `add.headers` name them: `op`, `ts_ms`, `ts_us`, `ts_ns` are the envelope's own; `id`,
 * `total_order`, `data_collection_order` are the transaction block's; any other plain name is a
 * field of `source` (`table`, `lsn`, `txId`, ...); `struct.field` names one explicitly
 * (`source.ts_ms`). The new name is the prefix plus the plain name or `struct_field`, unless the
 * item says `field:newName`. Pure functions; a reference to a field the envelope lacks yields nothing.
 */
import type { ConnectSchema } from '../events.js';
import { findField, isPlainObject, schemaOfField, type Struct } from './connect-data.js';

export interface EnvelopeFieldReference {
  /** The struct holding the field (`source`, `transaction`), or null for the envelope's own fields. */
  struct: string | null;
  field: string;
  /** The name of the added field or header, prefix included. */
  newName: string;
}

const ENVELOPE_FIELDS = new Set(['op', 'ts_ms', 'ts_us', 'ts_ns']);
const TRANSACTION_FIELDS = new Set(['id', 'total_order', 'data_collection_order']);

function structOf(field: string): string | null {
  if (ENVELOPE_FIELDS.has(field)) return null;
  return TRANSACTION_FIELDS.has(field) ? 'transaction' : 'source';
}

/** Parses `add.fields` / `add.headers` items; throws for an item with more than one `:`. */
export function parseFieldReferences(prefix: string, items: readonly string[]): EnvelopeFieldReference[] {
  return items.map((item) => {
    const parts = item.split(':');
    if (parts.length > 2) throw new Error(`Unexpected field name: ${item}`);
    const path = parts[0]!.split('.');
    const qualified = path.length > 1;
    const field = qualified ? path[1]! : path[0]!;
    const struct = qualified ? path[0]! : structOf(field);
    const newName = prefix + (parts[1] ?? (qualified ? `${struct}_${field}` : field));
    return { struct, field, newName };
  });
}

/** The schema the reference adds (the field's schema made optional), or undefined when the envelope lacks it. */
export function referencedSchema(ref: EnvelopeFieldReference, envelope: ConnectSchema): ConnectSchema | undefined {
  const parent = ref.struct === null ? envelope : findField(envelope, ref.struct);
  const field = (parent === undefined ? undefined : findField(parent, ref.field)) ?? findField(envelope, ref.field);
  if (field === undefined) return undefined;
  const { version: _version, default: _default, ...schema } = schemaOfField(field);
  return { ...schema, optional: true };
}

/** The referenced value: null when its struct is null (a snapshot row has no transaction block). */
export function referencedValue(ref: EnvelopeFieldReference, envelopeSchema: ConnectSchema, envelope: Struct): unknown {
  const parent = ref.struct === null ? envelope : envelope[ref.struct];
  if (!isPlainObject(parent)) return null;
  const parentSchema = ref.struct === null ? envelopeSchema : findField(envelopeSchema, ref.struct);
  const inParent = parentSchema !== undefined && findField(parentSchema, ref.field) !== undefined;
  return (inParent ? parent[ref.field] : envelope[ref.field]) ?? null;
}
