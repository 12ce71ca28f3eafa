/**
 * ExtractNewRecordState (io.debezium.transforms.ExtractNewRecordState): turns a Debezium change
 * event into the plain row it leaves behind, for sinks that want rows rather than envelopes.
 *
 * - Creates, updates and snapshot reads become the `after` row; the value schema becomes the row
 *   struct `<prefix>.<schema>.<table>.Value` (required, like Debezium's) plus any added fields.
 * - Deletes and tombstones follow `delete.tombstone.handling.mode`: `drop` drops both; `tombstone`
 *   (the default) turns the delete into a null value and drops the tombstone; `rewrite` emits the
 *   `before` row with `__deleted=true` (and `__deleted=false` on every other row) and drops the
 *   tombstone; `rewrite-with-tombstone` does so and keeps the tombstone; `delete-to-tombstone` turns
 *   the delete into a true tombstone (null value and value schema) and drops the original one.
 *   The deprecated `drop.tombstones` / `delete.handling.mode` still work, mapped onto that key.
 * - Truncates, and deletes without an old row, are dropped; records that are not envelopes
 *   (heartbeats, transaction metadata, logical messages) pass unchanged.
 * - `add.fields` / `add.headers` copy envelope fields (envelope-fields.ts) into the row / headers
 *   (a header holds the value's text; a null value adds no header; a tombstone gets `op`=`d` only);
 *   `route.by.field` takes the topic from a row column; `drop.fields.header.name` names a header
 *   listing fields (a JSON array or comma-separated) to remove from the value (and the key with
 *   `drop.fields.from.key`), only optional ones while `drop.fields.keep.schema.compatible` holds.
 */
import type { ConfigDefinition, Validator } from '../config/config-definition.js';
import type { ConfigValues } from '../config/config-values.js';
import { oneOf } from '../config/validators.js';
import type { Transform } from '../contracts/transform.js';
import type { ChangeEvent, ConnectSchema } from '../events.js';
import { toJson } from '../json.js';
import { appendFields, findField, isPlainObject, type Struct } from './connect-data.js';
import { parseFieldReferences, referencedSchema, referencedValue, type EnvelopeFieldReference } from './envelope-fields.js';
import { createExtractField } from './extract-field.js';
import { KEY_SIDE, VALUE_SIDE, type RecordSide } from './record-side.js';
import { fieldReplacement, replaceFields } from './replace-field.js';
import type { TransformPlugin, Warn } from './transform-plugin.js';

export const EXTRACT_NEW_RECORD_STATE_CLASS = 'io.debezium.transforms.ExtractNewRecordState';
const GROUP = 'ExtractNewRecordState';
const DELETED_FIELD = '__deleted';
const DELETED_SCHEMA: ConnectSchema = { type: 'string', optional: true };

const MODES = ['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone', 'delete-to-tombstone'] as const;
export type DeleteTombstoneMode = (typeof MODES)[number];
const LEGACY_MODES = ['none', 'drop', 'rewrite'] as const;
type LegacyDeleteHandling = (typeof LEGACY_MODES)[number];

/**
 * The mode equivalent to the deprecated pair, keyed by delete.handling.mode then drop.tombstones.
 * `drop` without dropping tombstones used to pass the tombstone and drop the delete; `none` turned
 * the delete into a null value. Either way one tombstone per delete remains: `tombstone` mode.
 */
const LEGACY_EQUIVALENT: Readonly<Record<LegacyDeleteHandling, Record<'true' | 'false', DeleteTombstoneMode>>> = {
  drop: { true: 'drop', false: 'tombstone' },
  none: { true: 'tombstone', false: 'tombstone' },
  rewrite: { true: 'rewrite', false: 'rewrite-with-tombstone' },
};

const fieldReferences: Validator = {
  describe: 'comma-separated list of fields, each optionally renamed as field:newName',
  check: (value) => {
    try {
      parseFieldReferences('', value as readonly string[]);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  },
};

export const EXTRACT_NEW_RECORD_STATE_CONFIG: ConfigDefinition = {
  keys: [
    {
      name: 'delete.tombstone.handling.mode', type: 'STRING', default: null, importance: 'MEDIUM', group: GROUP, width: 'MEDIUM', displayName: 'Handle delete and tombstone records',
      validator: oneOf(MODES, { ignoreCase: true }),
      documentation: 'How to handle delete records. Options are: drop - Remove the delete event and tombstone from the stream. tombstone (default) - For each delete event, leave only a tombstone in the stream. rewrite - Remove tombstone from the record, and add a `__deleted` field with the value `true`. rewrite-with-tombstone - Retain tombstone in record and add a `__deleted` field with the value `true`. delete-to-tombstone - Convert delete events to tombstone events and drop tombstone events.',
    },
    {
      name: 'drop.tombstones', type: 'BOOLEAN', default: true, importance: 'LOW', group: GROUP, width: 'SHORT', displayName: 'Drop tombstones',
      documentation: 'Deprecated: use "delete.tombstone.handling.mode". Whether to drop the tombstone that follows a delete.',
    },
    {
      name: 'delete.handling.mode', type: 'STRING', default: 'drop', importance: 'MEDIUM', group: GROUP, width: 'MEDIUM', displayName: 'Handle delete records',
      validator: oneOf(LEGACY_MODES, { ignoreCase: true }),
      documentation: 'Deprecated: use "delete.tombstone.handling.mode". How to handle delete records: none - records are passed, drop - records are removed (the default), rewrite - __deleted field is added to records.',
    },
    {
      name: 'route.by.field', type: 'STRING', default: '', importance: 'LOW', group: GROUP, width: 'LONG', displayName: 'Route by field name',
      documentation: 'The column which determines how the events will be routed, the value will replace the topic name.',
    },
    { name: 'add.fields.prefix', type: 'STRING', default: '__', importance: 'LOW', group: GROUP, width: 'SHORT', documentation: 'Adds this prefix to each field listed.' },
    {
      name: 'add.fields', type: 'LIST', default: [], importance: 'LOW', group: GROUP, width: 'LONG', validator: fieldReferences,
      documentation: "Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP. Please note that the new field name is case-sensitive.",
    },
    { name: 'add.headers.prefix', type: 'STRING', default: '__', importance: 'LOW', group: GROUP, width: 'SHORT', documentation: 'Adds this prefix listed to each header.' },
    {
      name: 'add.headers', type: 'LIST', default: [], importance: 'LOW', group: GROUP, width: 'LONG', validator: fieldReferences,
      documentation: "Adds each field listed to the header, __ (or __<struct>_ if the struct is specified). Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP. Please note that the new field name is case-sensitive.",
    },
    {
      name: 'drop.fields.header.name', type: 'STRING', default: null, importance: 'LOW', group: GROUP, width: 'SHORT',
      documentation: 'Specifies the name of a header that contains a list of fields to be removed from the event value.',
    },
    {
      name: 'drop.fields.from.key', type: 'BOOLEAN', default: false, importance: 'LOW', group: GROUP, width: 'SHORT',
      documentation: 'Specifies whether to apply the drop fields behavior to the event key as well as the value. Default behavior is to only remove fields from the event value, not the key.',
    },
    {
      name: 'drop.fields.keep.schema.compatible', type: 'BOOLEAN', default: true, importance: 'LOW', group: GROUP, width: 'SHORT',
      documentation: "Controls the output event's schema compatibility when using the drop fields feature. `true`: dropped fields are removed if the schema indicates its optional leaving the schemas unchanged, `false`: dropped fields are removed from the key/value schemas, regardless of optionality.",
    },
  ],
};

/** The mode a config asks for, mapping the deprecated pair onto it with a warning. */
function deleteTombstoneMode(values: ConfigValues, warn: Warn): DeleteTombstoneMode {
  const legacy = ['drop.tombstones', 'delete.handling.mode'].filter((key) => values.isSet(key));
  const explicit = values.optionalString('delete.tombstone.handling.mode');
  if (explicit !== null) {
    if (legacy.length > 0) warn(`The deprecated ${legacy.map((k) => `"${k}"`).join(' and ')} are ignored because "delete.tombstone.handling.mode" is set; remove them.`);
    return explicit.toLowerCase() as DeleteTombstoneMode;
  }
  if (legacy.length === 0) return 'tombstone';
  const handling = values.string('delete.handling.mode').toLowerCase() as LegacyDeleteHandling;
  const mode = LEGACY_EQUIVALENT[handling][values.boolean('drop.tombstones') ? 'true' : 'false'];
  warn(`The deleted record handling configs "drop.tombstones" and "delete.handling.mode" have been deprecated, please use "delete.tombstone.handling.mode" instead; this configuration means delete.tombstone.handling.mode=${mode}.`);
  return mode;
}

export interface ExtractNewRecordStateOptions {
  mode: DeleteTombstoneMode;
  addFields: readonly EnvelopeFieldReference[];
  addHeaders: readonly EnvelopeFieldReference[];
  routeByField: string | null;
  dropFields: { headerName: string; fromKey: boolean; keepSchemaCompatible: boolean } | null;
}

const extractAfter = createExtractField('after', VALUE_SIDE);
const extractBefore = createExtractField('before', VALUE_SIDE);

function isEnvelope(event: ChangeEvent): boolean {
  return event.valueSchema?.name?.endsWith('.Envelope') === true && isPlainObject(event.value);
}

/** A header's text for a field value: strings as they are, other values as JSON; null adds none. */
function headerText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : toJson(value);
}

function withHeaders(event: ChangeEvent, refs: readonly EnvelopeFieldReference[]): ChangeEvent {
  if (refs.length === 0) return event;
  const added: Record<string, string> = {};
  for (const ref of refs) {
    if (event.value === null) {
      if (ref.field === 'op' && ref.struct === null) added[ref.newName] = 'd';
      continue;
    }
    if (referencedSchema(ref, event.valueSchema!) === undefined) continue;
    const text = headerText(referencedValue(ref, event.valueSchema!, event.value as Struct));
    if (text !== undefined) added[ref.newName] = text;
  }
  return { ...event, headers: { ...event.headers, ...added } };
}

function withDeletedFlag(event: ChangeEvent, deleted: boolean): ChangeEvent {
  const updated = appendFields(event.valueSchema, event.value as Struct, [{ name: DELETED_FIELD, schema: DELETED_SCHEMA, value: String(deleted) }]);
  return { ...event, valueSchema: updated.schema, value: updated.value };
}

function withAddedFields(event: ChangeEvent, refs: readonly EnvelopeFieldReference[], envelopeSchema: ConnectSchema, envelope: Struct): ChangeEvent {
  const additions = refs.flatMap((ref) => {
    const schema = referencedSchema(ref, envelopeSchema);
    return schema === undefined ? [] : [{ name: ref.newName, schema, value: referencedValue(ref, envelopeSchema, envelope) }];
  });
  const updated = appendFields(event.valueSchema, event.value as Struct, additions);
  return { ...event, valueSchema: updated.schema, value: updated.value };
}

function routed(event: ChangeEvent, field: string, row: unknown, rowSchema: ConnectSchema | null, image: 'before' | 'after'): ChangeEvent {
  if (rowSchema !== null && findField(rowSchema, field) === undefined) throw new Error(`route.by.field: "${field}" is not a field of the ${image} row`);
  const topic = isPlainObject(row) ? row[field] : null;
  if (topic !== null && topic !== undefined && typeof topic !== 'string') throw new Error(`route.by.field: field "${field}" holds a ${typeof topic}, not a topic name`);
  return typeof topic === 'string' && topic.trim() !== '' ? { ...event, topic } : event;
}

/** The names listed in a header: a JSON array of strings, or a comma-separated list. */
function listedNames(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  }
  return trimmed === '' ? [] : trimmed.split(',').map((name) => name.trim());
}

function withoutListedFields(event: ChangeEvent, drop: NonNullable<ExtractNewRecordStateOptions['dropFields']>): ChangeEvent {
  const header = event.headers[drop.headerName];
  const names = header === undefined ? [] : listedNames(header);
  if (names.length === 0) return event;
  const dropFrom = (side: RecordSide, current: ChangeEvent): ChangeEvent => {
    const schema = side.schema(current);
    const data = side.data(current);
    const dropped = drop.keepSchemaCompatible ? names.filter((name) => schema !== null && findField(schema, name)?.optional === true) : names;
    if (data === null || dropped.length === 0) return current;
    const replaced = replaceFields(fieldReplacement({ exclude: dropped }), schema, data);
    return side.with(current, replaced.schema, replaced.data);
  };
  return dropFrom(VALUE_SIDE, drop.fromKey ? dropFrom(KEY_SIDE, event) : event);
}

export function createExtractNewRecordState(options: ExtractNewRecordStateOptions): Transform {
  const { mode, routeByField, dropFields } = options;
  const rewrite = mode === 'rewrite' || mode === 'rewrite-with-tombstone';

  const deleted = (event: ChangeEvent): ChangeEvent | null => {
    switch (mode) {
      case 'drop':
        return null;
      case 'tombstone':
        return extractAfter.apply(event);
      case 'delete-to-tombstone':
        return { ...event, value: null, valueSchema: null };
      default:
        return withDeletedFlag(extractBefore.apply(event)!, true);
    }
  };

  return {
    apply(input) {
      const tombstone = input.value === null;
      if (!tombstone && !isEnvelope(input)) return input;
      const event = withHeaders(input, options.addHeaders);
      if (tombstone) return mode === 'rewrite-with-tombstone' ? event : null;

      const envelopeSchema = event.valueSchema!;
      const envelope = event.value as Struct;
      const after = envelope['after'] ?? null;
      const before = envelope['before'] ?? null;
      if (after === null && before === null) return null;

      if (after === null) {
        let row = deleted(event);
        if (row === null) return null;
        if (routeByField !== null) row = routed(row, routeByField, before, findField(envelopeSchema, 'before') ?? null, 'before');
        if (dropFields !== null) row = withoutListedFields(row, dropFields);
        return row.value === null ? row : withAddedFields(row, options.addFields, envelopeSchema, envelope);
      }

      let row = extractAfter.apply(event)!;
      if (rewrite) row = withDeletedFlag(row, false);
      if (routeByField !== null) row = routed(row, routeByField, row.value, row.valueSchema, 'after');
      row = withAddedFields(row, options.addFields, envelopeSchema, envelope);
      return dropFields === null ? row : withoutListedFields(row, dropFields);
    },
  };
}

function create(values: ConfigValues, warn: Warn): Transform {
  const headerName = values.optionalString('drop.fields.header.name');
  return createExtractNewRecordState({
    mode: deleteTombstoneMode(values, warn),
    addFields: parseFieldReferences(values.string('add.fields.prefix'), values.list('add.fields')),
    addHeaders: parseFieldReferences(values.string('add.headers.prefix'), values.list('add.headers')),
    routeByField: values.string('route.by.field') === '' ? null : values.string('route.by.field'),
    dropFields: headerName === null || headerName === '' ? null : { headerName, fromKey: values.boolean('drop.fields.from.key'), keepSchemaCompatible: values.boolean('drop.fields.keep.schema.compatible') },
  });
}

export const EXTRACT_NEW_RECORD_STATE: TransformPlugin = {
  className: EXTRACT_NEW_RECORD_STATE_CLASS,
  // Debezium's name for it until 0.10.
  aliases: ['io.debezium.transforms.UnwrapFromEnvelope'],
  definition: EXTRACT_NEW_RECORD_STATE_CONFIG,
  create,
};
