/**
 * ReplaceField (org.apache.kafka.connect.transforms.ReplaceField$Key / $Value): keeps, drops and
 * renames the top-level fields of the key or value. `exclude` wins over `include`; an empty
 * `include` keeps every field; `renames` maps `old:new`. The older `blacklist` and `whitelist`
 * are still read, with a deprecation warning.
 *
 * With a schema the struct schema is rebuilt the Kafka way (name and parameters kept, fields in
 * schema order); without one the map is filtered. A null key or value (a tombstone) passes unchanged.
 */
import type { ConfigDefinition, Validator } from '../config/config-definition.js';
import type { Transform } from '../contracts/transform.js';
import type { ConnectSchema } from '../events.js';
import { asField, fieldsOf, requireMap, requireStruct, schemaOfField, structLike, type Struct } from './connect-data.js';
import type { RecordSide } from './record-side.js';
import { keyAndValuePlugins, type TransformPlugin } from './transform-plugin.js';

export const REPLACE_FIELD_CLASS = 'org.apache.kafka.connect.transforms.ReplaceField';
const PURPOSE = 'field replacement';
const GROUP = 'ReplaceField';

const renameMappings: Validator = {
  describe: 'list of colon-delimited pairs, e.g. foo:bar,abc:xyz',
  check: (value) => {
    const bad = (value as readonly string[]).find((mapping) => mapping.split(':').length !== 2);
    return bad === undefined ? undefined : `Invalid rename mapping: ${bad}`;
  },
};

export const REPLACE_FIELD_CONFIG: ConfigDefinition = {
  keys: [
    {
      name: 'exclude', type: 'LIST', default: [], importance: 'MEDIUM', group: GROUP, aliases: [{ name: 'blacklist', note: 'Kafka 2.7 renamed it.' }],
      documentation: 'Fields to exclude. This takes precedence over the fields to include.',
    },
    {
      name: 'include', type: 'LIST', default: [], importance: 'MEDIUM', group: GROUP, aliases: [{ name: 'whitelist', note: 'Kafka 2.7 renamed it.' }],
      documentation: 'Fields to include. If specified, only these fields will be used.',
    },
    { name: 'renames', type: 'LIST', default: [], importance: 'MEDIUM', group: GROUP, validator: renameMappings, documentation: 'Field rename mappings.' },
  ],
};

/** Which fields survive and under what names. */
export interface FieldReplacement {
  exclude: ReadonlySet<string>;
  include: ReadonlySet<string>;
  renames: ReadonlyMap<string, string>;
}

export function fieldReplacement(options: { exclude?: readonly string[]; include?: readonly string[]; renames?: readonly string[] }): FieldReplacement {
  return {
    exclude: new Set(options.exclude ?? []),
    include: new Set(options.include ?? []),
    renames: new Map((options.renames ?? []).map((mapping) => mapping.split(':') as [string, string])),
  };
}

/** The struct (or map, when `schema` is null) with the replacement applied. */
export function replaceFields(rule: FieldReplacement, schema: ConnectSchema | null, data: unknown): { schema: ConnectSchema | null; data: Struct } {
  const kept = (name: string) => !rule.exclude.has(name) && (rule.include.size === 0 || rule.include.has(name));
  const renamed = (name: string) => rule.renames.get(name) ?? name;
  if (schema === null) {
    const map = requireMap(data, PURPOSE);
    return { schema: null, data: Object.fromEntries(Object.entries(map).filter(([name]) => kept(name)).map(([name, v]) => [renamed(name), v])) };
  }
  const struct = requireStruct(schema, data, PURPOSE);
  const fields = fieldsOf(schema).filter((field) => kept(field.field));
  return {
    schema: structLike(schema, fields.map((field) => asField(renamed(field.field), schemaOfField(field)))),
    data: Object.fromEntries(fields.map((field) => [renamed(field.field), struct[field.field] ?? null])),
  };
}

export function createReplaceField(rule: FieldReplacement, side: RecordSide): Transform {
  return {
    apply(event) {
      const data = side.data(event);
      if (data === null) return event;
      const replaced = replaceFields(rule, side.schema(event), data);
      return side.with(event, replaced.schema, replaced.data);
    },
  };
}

export const REPLACE_FIELD: TransformPlugin[] = keyAndValuePlugins(REPLACE_FIELD_CLASS, REPLACE_FIELD_CONFIG, (values, side) =>
  createReplaceField(fieldReplacement({ exclude: values.list('exclude'), include: values.list('include'), renames: values.list('renames') }), side),
);
