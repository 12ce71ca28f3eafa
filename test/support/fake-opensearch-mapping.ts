/**
 * An index's mappings in the fake OpenSearch node: checked when an index or a template is created
 * (`checkMappings`), laid over a template's (`mergeMappings`), and applied to every document written
 * (`mapDocument`), which refuses a value that does not fit its field as OpenSearch does and adds the
 * fields it has not seen by dynamic mapping. Pure: a mappings object is never changed; a document
 * that adds fields gets a new one. Every refusal is the OpenSearchError a node answers with.
 *
 * As OpenSearch 2.x does (DocumentParser, ObjectMapper, MetadataCreateIndexService):
 * - a value that does not fit its field's type (fake-opensearch-values.ts says which do) fails the
 *   document with 400 mapper_parsing_exception "failed to parse field [path] of type [type] in
 *   document with id 'id'. Preview of field's value: '...'"; a multi-field (`fields`) is checked too;
 * - a scalar where an object is mapped fails with "object mapping for [path] tried to parse field
 *   [name] as object, but found a concrete value"; null fits anything; arrays are checked element
 *   by element; an object with `enabled: false` is not looked into;
 * - a new field is added with the type dynamic mapping detects from its first non-null value (so a
 *   later value that does not fit it fails like any other), unless `dynamic` (inherited by inner
 *   objects) is false (the field is kept in `_source`, not mapped) or strict (400
 *   strict_dynamic_mapping_exception). The mapping is updated before the write's version check, so a
 *   write refused as a version conflict still adds its fields;
 * - mappings are checked when given: a field type OpenSearch does not have is refused ("No handler
 *   for type"), scaled_float needs `scaling_factor`; field definitions of a create request replace the
 *   template's of the same name, objects are merged; `dynamic` is answered as text,
 *   "false" for false.
 * Not modelled (refused when a mapping asks for them, naming the limit): field types other than
 * fake-opensearch-values.ts's, date formats fake-opensearch-dates.ts does not read, dynamic templates.
 * Field names with dots are taken as they are, not as object paths; unknown mapping parameters are
 * not refused.
 */
import { FIELD_TYPES, detectedMapping, preview, valueProblem } from './fake-opensearch-values.js';
import { dateFormatProblem } from './fake-opensearch-dates.js';
import { isObject, OpenSearchError, type FieldMapping, type Mappings, type Source } from './fake-opensearch-protocol.js';

type Dynamic = 'true' | 'false' | 'strict';
type Parse = { id: string; root: Mappings; grow: boolean };

const ROOT_PARAMETERS = new Set(['properties', 'dynamic', 'date_detection', 'numeric_detection', 'dynamic_date_formats', '_source', '_routing', '_meta']);
const DYNAMIC_VALUES = new Set(['true', 'false', 'strict']);
// Thrown when a document needs fields its index does not map yet: it is parsed again into a copy.
const NEW_FIELDS = Symbol('new fields');

const mapperParsing = (reason: string, causedBy?: Source) => new OpenSearchError(400, 'mapper_parsing_exception', reason, {}, causedBy);
const fakeLimit = (what: string) => mapperParsing(`[fake-opensearch] ${what}`);
const isObjectMapping = (field: FieldMapping) => field.type === undefined || field.type === 'object' || field.type === 'nested';
const pathOf = (parent: string, name: string) => (parent === '' ? name : `${parent}.${name}`);

/** The mappings an index has once `source` is written to it: `mappings` itself when nothing was added. */
export function mapDocument(mappings: Mappings, id: string, source: Source): Mappings {
  try {
    parseObject(mappings, '', source, { id, root: mappings, grow: false }, 'true');
    return mappings;
  } catch (e) {
    if (e !== NEW_FIELDS) throw e;
  }
  const grown = structuredClone(mappings);
  parseObject(grown, '', source, { id, root: grown, grow: true }, 'true');
  return grown;
}

function parseObject(object: FieldMapping, path: string, value: Source, parse: Parse, inherited: Dynamic): void {
  if (object.enabled === false) return;
  const dynamic = object.dynamic === undefined ? inherited : (String(object.dynamic) as Dynamic);
  for (const [name, field] of Object.entries(value)) parseValue(object, path, name, field, parse, dynamic);
}

function parseValue(parent: FieldMapping, parentPath: string, name: string, value: unknown, parse: Parse, dynamic: Dynamic): void {
  if (Array.isArray(value)) {
    for (const element of value) parseValue(parent, parentPath, name, element, parse, dynamic);
    return;
  }
  const path = pathOf(parentPath, name);
  let field = parent.properties?.[name];
  if (field === undefined) {
    if (dynamic === 'strict') {
      throw new OpenSearchError(400, 'strict_dynamic_mapping_exception', `mapping set to strict, dynamic introduction of [${name}] within [${parentPath || '_doc'}] is not allowed`);
    }
    if (value === null || dynamic === 'false') return;
    if (!parse.grow) throw NEW_FIELDS;
    field = detectedMapping(value, parse.root);
    (parent.properties ??= {})[name] = field;
  }
  if (value === null) return;
  if (isObjectMapping(field)) {
    if (!isObject(value)) throw mapperParsing(`object mapping for [${path}] tried to parse field [${name}] as object, but found a concrete value`);
    parseObject(field, path, value, parse, dynamic);
    return;
  }
  checkValue(field, path, value, parse.id);
  for (const [subName, sub] of Object.entries(field.fields ?? {})) checkValue(sub, `${path}.${subName}`, value, parse.id);
}

function checkValue(field: FieldMapping, path: string, value: unknown, id: string): void {
  const cause = valueProblem(field, value);
  if (cause === undefined) return;
  throw mapperParsing(`failed to parse field [${path}] of type [${field.type}] in document with id '${id}'. Preview of field's value: '${preview(value)}'`, cause);
}

/** `mappings` as given to a create-index or template request, checked; an absent one is `{}`. */
export function checkMappings(mappings: unknown): Mappings {
  if (mappings === undefined) return {};
  try {
    if (!isObject(mappings)) throw mapperParsing('Expected map for property [mappings]');
    const unknown = Object.keys(mappings).find((key) => !ROOT_PARAMETERS.has(key));
    if (unknown === 'dynamic_templates') throw fakeLimit('dynamic_templates are not modelled');
    if (unknown !== undefined) throw mapperParsing(`Root mapping definition has unsupported parameters:  [${unknown} : ${JSON.stringify(mappings[unknown])}]`);
    for (const format of Array.isArray(mappings.dynamic_date_formats) ? mappings.dynamic_date_formats : []) {
      const problem = dateFormatProblem(String(format));
      if (problem !== undefined) throw fakeLimit(problem);
    }
    checkObject('', mappings);
    return structuredClone(mappings) as Mappings;
  } catch (e) {
    if (!(e instanceof OpenSearchError) || e.message.startsWith('[fake-opensearch]')) throw e;
    throw mapperParsing(`Failed to parse mapping [_doc]: ${e.message}`, e.detail());
  }
}

function checkObject(path: string, object: Source): void {
  if (object.dynamic !== undefined && !DYNAMIC_VALUES.has(String(object.dynamic))) {
    throw mapperParsing(`Could not convert [dynamic] to boolean: [${String(object.dynamic)}] of [${path || '_doc'}]`);
  }
  if (object.properties === undefined) return;
  if (!isObject(object.properties)) throw mapperParsing(`Expected map for property [properties] on field [${path || '_doc'}]`);
  for (const [name, field] of Object.entries(object.properties)) checkField(pathOf(path, name), field, false);
}

function checkField(path: string, field: unknown, multiField: boolean): void {
  if (!isObject(field)) throw mapperParsing(`Expected map for property [fields] on field [${path}] but got a ${typeof field}`);
  const type = field.type ?? 'object';
  if (typeof type !== 'string' || !FIELD_TYPES.has(type)) {
    if (typeof type === 'string' && OTHER_OPENSEARCH_TYPES.has(type)) throw fakeLimit(`field type [${type}] of [${path}] is not modelled`);
    throw mapperParsing(`No handler for type [${String(type)}] declared on field [${path}]`);
  }
  if (type === 'object' || type === 'nested') {
    if (multiField) throw mapperParsing(`Type [${type}] cannot be used in multi field`);
    checkObject(path, field);
    return;
  }
  if (field.properties !== undefined) throw mapperParsing(`Mapping definition for [${path}] has unsupported parameters:  [properties : ${JSON.stringify(field.properties)}]`);
  if (type === 'scaled_float' && typeof field.scaling_factor !== 'number') throw mapperParsing('Field [scaling_factor] is required');
  if (type === 'date' && field.format !== undefined) {
    const problem = dateFormatProblem(String(field.format));
    if (problem !== undefined) throw fakeLimit(problem);
  }
  if (field.fields === undefined) return;
  if (!isObject(field.fields)) throw mapperParsing(`Expected map for property [fields] on field [${path}]`);
  for (const [name, sub] of Object.entries(field.fields)) checkField(`${path}.${name}`, sub, true);
}

/** Field types OpenSearch has that the fake does not check values of. */
const OTHER_OPENSEARCH_TYPES = new Set([
  'ip', 'date_nanos', 'unsigned_long', 'geo_point', 'geo_shape', 'flat_object', 'match_only_text', 'wildcard', 'constant_keyword', 'token_count', 'completion',
  'search_as_you_type', 'knn_vector', 'alias', 'join', 'percolator', 'rank_feature', 'rank_features', 'integer_range', 'long_range', 'float_range',
  'double_range', 'date_range', 'ip_range', 'derived', 'star_tree',
]);

/**
 * Mappings as a node answers them (`GET <index>/_mapping`, `_simulate_index`), as OpenSearch's
 * ObjectMapper renders objects: an object field says `type: object` only while it maps no field,
 * and `properties` only once it maps some, sorted by name; a nested field keeps its type; the root
 * has neither, so an index that maps nothing answers `{}`; `dynamic` is text (true, false or
 * strict), however it was given.
 */
export function renderedMappings(mappings: Mappings): Mappings {
  return renderedObject(mappings, true);
}

function renderedObject(object: FieldMapping, root: boolean): FieldMapping {
  const { type, properties, ...parameters } = object;
  const fields = Object.entries(properties ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const rendered: FieldMapping = !root && (type === 'nested' || fields.length === 0) ? { type: type ?? 'object' } : {};
  Object.assign(rendered, structuredClone(parameters));
  if (rendered.dynamic !== undefined) rendered.dynamic = String(rendered.dynamic);
  if (fields.length > 0) rendered.properties = Object.fromEntries(fields.map(([name, field]) => [name, isObjectMapping(field) ? renderedObject(field, false) : structuredClone(field)]));
  return rendered;
}

/** `override`'s mappings laid over `base`'s (a template's): its fields replace `base`'s of the same name, objects are merged. */
export function mergeMappings(base: Mappings, override: Mappings): Mappings {
  const merged: Mappings = { ...base, ...override };
  if (base.properties !== undefined && override.properties !== undefined) {
    const properties = { ...base.properties };
    for (const [name, field] of Object.entries(override.properties)) {
      const was = properties[name];
      properties[name] = was !== undefined && isObjectMapping(was) && isObjectMapping(field) ? mergeMappings(was, field) : field;
    }
    merged.properties = properties;
  }
  return structuredClone(merged);
}
