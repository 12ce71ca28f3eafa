/**
 * The mapping of an index the sink creates (`index.mapping.derive`), derived from the row's Connect
 * schema and the Postgres column types Debezium propagates in each field's parameters
 * (`__debezium.source.column.type`, `.length`, `.scale`). Called once per index it creates; pure.
 * Fields it cannot type are left out, for OpenSearch's dynamic mapping to type.
 *
 * - smallint, integer, bigint: short, integer, long; real, double precision: float, double;
 *   boolean: boolean; bytea and bit strings: binary (base64).
 * - numeric(p,s) with p <= 15: scaled_float with scaling_factor 10^s, which stores the value as an
 *   exact long (a double holds 15 digits, and the value is parsed as one first); wider numerics and
 *   numeric without a scale: double, close enough to search and sort by. `_source` keeps the exact
 *   value either way (document-values.ts writes a string where a number would lose digits).
 * - date, timestamp, timestamptz: date, in the format document-values.ts writes
 *   (strict_date_optional_time); OpenSearch dates hold milliseconds, `_source` keeps every digit.
 *   With ignore_malformed: that format reads years 0000 to 9999 only (four digits, maybe signed),
 *   so 'infinity' (written as Debezium gives it: "infinity", or a date hundreds of thousands of
 *   years away) and other years past 9999 would fail the whole document; they stay in `_source`
 *   and are left out of the field's index (searches and sorts see no value there).
 *   time and timetz: keyword ("HH:MM:SS.ffffff" sorts as text; OpenSearch has no time-of-day type).
 * - text and varchar: text with a `keyword` subfield (ignore_above 256), as OpenSearch maps strings
 *   dynamically, so both full-text and exact queries (`field.keyword`) work, as they would without
 *   a derived mapping. char(n), uuid, enums, inet/cidr/macaddr and intervals: keyword (codes and
 *   identifiers: exact match only). xml: text.
 * - json, jsonb: object, fields mapped dynamically (a json value that is no object, such as a scalar
 *   or an array of scalars, is then rejected as a malformed document).
 * - arrays: the element's mapping (OpenSearch fields hold arrays as they are); other structs:
 *   objects with their fields mapped the same way; maps: dynamic objects.
 *
 * An index template matching the index's name wins (`underTemplate`, given the template's mappings
 * as the cluster resolves them): the derived mapping keeps only the top-level fields the template
 * does not map. A template that turns dynamic mapping off (`dynamic` false, strict, runtime or any
 * other value but true) or has `dynamic_templates` decides how the fields it does not name are
 * mapped, so then nothing is derived: adding explicit fields would get round its strictness, and
 * the sink cannot tell which fields its dynamic templates would take.
 */
import type { ConnectSchema } from '../../events.js';
import { isPlainObject, LOGICAL } from '../../transforms/connect-data.js';

export type FieldMapping = Record<string, unknown>;

export interface IndexMapping {
  properties: Record<string, FieldMapping>;
}

const TEXT_AND_KEYWORD: FieldMapping = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
const KEYWORD: FieldMapping = { type: 'keyword' };
const DATE: FieldMapping = { type: 'date', format: 'strict_date_optional_time||epoch_millis', ignore_malformed: true };
const OBJECT: FieldMapping = { type: 'object' };
const MAX_EXACT_PRECISION = 15;

const BY_NAME: Readonly<Record<string, FieldMapping>> = {
  'io.debezium.data.VariableScaleDecimal': { type: 'double' },
  'io.debezium.time.Date': DATE,
  'io.debezium.time.Timestamp': DATE,
  'io.debezium.time.MicroTimestamp': DATE,
  'io.debezium.time.ZonedTimestamp': DATE,
  [LOGICAL.date]: DATE,
  [LOGICAL.timestamp]: DATE,
  'io.debezium.time.Time': KEYWORD,
  'io.debezium.time.MicroTime': KEYWORD,
  'io.debezium.time.ZonedTime': KEYWORD,
  [LOGICAL.time]: KEYWORD,
  'io.debezium.time.MicroDuration': { type: 'long' },
  'io.debezium.time.Interval': KEYWORD,
  'io.debezium.data.Uuid': KEYWORD,
  'io.debezium.data.Enum': KEYWORD,
  'io.debezium.data.Xml': { type: 'text' },
  'io.debezium.data.Json': OBJECT,
  'io.debezium.data.Bits': { type: 'binary' },
};

const BY_TYPE: Readonly<Partial<Record<ConnectSchema['type'], FieldMapping>>> = {
  int8: { type: 'byte' },
  int16: { type: 'short' },
  int32: { type: 'integer' },
  int64: { type: 'long' },
  float: { type: 'float' },
  double: { type: 'double' },
  boolean: { type: 'boolean' },
  bytes: { type: 'binary' },
  map: OBJECT,
};

/** Postgres types (as Debezium names them) whose strings are codes rather than prose. */
const KEYWORD_COLUMN_TYPES = new Set(['BPCHAR', 'CHAR', 'INET', 'CIDR', 'MACADDR', 'MACADDR8']);

/** The mapping for a row schema; null without one (schemaless records map dynamically). */
export function deriveIndexMapping(rowSchema: ConnectSchema | null): IndexMapping | null {
  return rowSchema?.fields === undefined ? null : { properties: propertiesOf(rowSchema) };
}

/**
 * `derived` less what a matching template maps: `templateMappings` is the template's resolved
 * `mappings` (undefined when no template matches or it has none). Null when nothing is left.
 */
export function underTemplate(derived: IndexMapping, templateMappings: unknown): IndexMapping | null {
  if (!isPlainObject(templateMappings)) return derived;
  const { dynamic, dynamic_templates: dynamicTemplates, properties } = templateMappings;
  if ((dynamic !== undefined && String(dynamic) !== 'true') || (Array.isArray(dynamicTemplates) && dynamicTemplates.length > 0)) return null;
  const taken = isPlainObject(properties) ? properties : {};
  const left = Object.fromEntries(Object.entries(derived.properties).filter(([field]) => !Object.hasOwn(taken, field)));
  return Object.keys(left).length === 0 ? null : { properties: left };
}

function propertiesOf(struct: ConnectSchema): Record<string, FieldMapping> {
  const properties: Record<string, FieldMapping> = {};
  for (const field of struct.fields ?? []) {
    const mapping = fieldMapping(field, columnType(field));
    if (mapping !== undefined) properties[field.field] = mapping;
  }
  return properties;
}

function fieldMapping(schema: ConnectSchema, column: string): FieldMapping | undefined {
  if (schema.name === LOGICAL.decimal) return decimalMapping(schema);
  const named = schema.name === undefined ? undefined : BY_NAME[schema.name];
  if (named !== undefined) return named;
  switch (schema.type) {
    case 'string':
      return KEYWORD_COLUMN_TYPES.has(column) ? KEYWORD : TEXT_AND_KEYWORD;
    case 'array':
      // An array column's type is its element's with a leading underscore (_VARCHAR).
      return schema.items === undefined ? undefined : fieldMapping(schema.items, column.replace(/^_/, ''));
    case 'struct':
      return { type: 'object', properties: propertiesOf(schema) };
    default:
      return BY_TYPE[schema.type];
  }
}

function decimalMapping(schema: ConnectSchema): FieldMapping {
  const parameters = schema.parameters ?? {};
  const scale = Number(parameters['scale'] ?? 0);
  const precision = Number(parameters['connect.decimal.precision'] ?? parameters['__debezium.source.column.length'] ?? 0);
  if (precision > 0 && precision <= MAX_EXACT_PRECISION && scale >= 0) return { type: 'scaled_float', scaling_factor: 10 ** scale };
  return { type: 'double' };
}

function columnType(schema: ConnectSchema): string {
  return schema.parameters?.['__debezium.source.column.type'] ?? '';
}
