/**
 * The Parquet layout of a topic's records: from a record's Connect value schema to the Parquet
 * schema of its files and, per record, the values of one row.
 *
 * Two kinds of value schema: a Debezium envelope (a struct with before/after/source/op) gives the
 * row columns of the table's Value struct (the `after` image; `before` for op d; none for op t)
 * followed by the metadata columns `<prefix>op`, `lsn`, `tx_id`, `source_ts`, `snapshot`, `table`
 * and `unavailable`; any other struct (a flat row after ExtractNewRecordState) gives its fields'
 * columns only. Value types are mapped by parquet-value-types.ts, with the options' uuid and time
 * choices; arrays are 3-level LISTs of their items (which follow the same choices), nested for
 * arrays of arrays. Row columns are OPTIONAL whatever the Connect schema says: a
 * delete's key-only `before`, a truncate's missing image and an unchanged TOAST value (written null,
 * never as the placeholder text, and named in `unavailable`) leave them null; inside a column, list
 * elements follow the items' `optional`.
 *
 * Postgres arrays do not declare their dimensions (the schema of int[] holds {{1,2},{3,4}} too), so
 * a layout's list depths can grow with the data: `fit(value, current)` returns the layout whose
 * depths hold this value and everything the current file's layout held (a deeper one means a new
 * file); a shallower non-empty array in a deeper column is wrapped ({1,2} as [[1,2]]).
 *
 * `parquetLayout` compiles once per schema object and options (cached by identity); `fit` and
 * `rowOf` run per record, never block, and throw a SluiceError naming the column for a value its
 * schema does not allow. Equal fingerprints mean equal Parquet schemas, so rows of either layout
 * may go into one file. Tombstones (null values) have no row and no schema: skip them before asking
 * for a layout.
 */
import type { SchemaElement } from 'hyparquet-writer';
import type { ConnectField, ConnectSchema, Envelope, Row } from '../../events.js';
import { ConfigError, SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { PlaceholderDetector } from '../toast.js';
import { metadataColumns, type MetadataColumns } from './parquet-metadata-columns.js';
import { parquetValueType, type LeafElement, type ParquetValueType, type ValueTypeChoices } from './parquet-value-types.js';

/** The sink's settings that shape its files; `uuidType` and `timeType` are parquet.uuid.type and parquet.time.type. */
export interface LayoutOptions extends ValueTypeChoices {
  /** metadata.field.prefix */
  metadataFieldPrefix: string;
  /** unavailable.value.placeholder */
  unavailableValuePlaceholder: string;
}

/** One top-level column, as ParquetWriter's ColumnSource names it. */
export interface ParquetColumn {
  readonly name: string;
  readonly statistics: boolean;
}

export interface ParquetLayout {
  readonly kind: 'envelope' | 'row';
  /** hyparquet-writer's schema: the root, then each column's elements depth first. */
  readonly schema: readonly SchemaElement[];
  readonly columns: readonly ParquetColumn[];
  readonly fingerprint: string;
  /** The layout of this schema that holds `value` and all `current` held (when it has the same columns). */
  fit(value: unknown, current?: ParquetLayout): ParquetLayout;
  /** The column values of one record in `columns` order; null for a tombstone. */
  rowOf(value: unknown): unknown[] | null;
}

type Convert = (value: unknown) => unknown;

/** A row column: its name and value type (for an array, its innermost items' type and list depth). */
interface RowColumn {
  readonly name: string;
  readonly type: ParquetValueType;
  /** Lists around the value: 0 for a scalar, the schema's array nesting at least. */
  readonly declaredDepth: number;
  readonly itemsOptional: boolean;
  /** Whether values may be nested deeper than declared (not when items are maps, whose JSON form is an array). */
  readonly mayDeepen: boolean;
}

const cache = new WeakMap<ConnectSchema, Map<string, ParquetLayout>>();

export function parquetLayout(valueSchema: ConnectSchema | null | undefined, options: LayoutOptions): ParquetLayout {
  if (!valueSchema) {
    throw new ConfigError(
      'A record reached the S3 Parquet sink without a value schema, and Parquet columns are typed from it. ' +
        'Keep value.converter.schemas.enable=true (JsonConverter\'s default) so that records carry their schema, and do not drop it in a transform.',
    );
  }
  const key = [options.metadataFieldPrefix, options.unavailableValuePlaceholder, options.uuidType, options.timeType].join('\u0000');
  let byOptions = cache.get(valueSchema);
  if (!byOptions) cache.set(valueSchema, (byOptions = new Map()));
  let layout = byOptions.get(key);
  if (!layout) byOptions.set(key, (layout = new LayoutFamily(valueSchema, options).base));
  return layout;
}

/** The layouts of one schema, one per combination of list depths met so far. */
class LayoutFamily {
  readonly kind: 'envelope' | 'row';
  readonly rowSchema: ConnectSchema;
  readonly rows: readonly RowColumn[];
  readonly metadata: MetadataColumns | null;
  readonly detector: PlaceholderDetector;
  /** Indexes of the row columns that may hold deeper arrays than declared. */
  readonly deepening: readonly number[];
  readonly base: Layout;
  private readonly byDepths = new Map<string, Layout>();

  constructor(valueSchema: ConnectSchema, options: LayoutOptions) {
    const after = isEnvelope(valueSchema) ? valueSchema.fields!.find((f) => f.field === 'after') : undefined;
    if (!after && valueSchema.type !== 'struct') {
      throw new ConfigError(
        `The S3 Parquet sink writes struct values (Debezium envelopes or flat rows), but a record's value schema is ${valueSchema.type}; ` +
          'remove the transform that turns values into something else, or route such topics to another sink.',
      );
    }
    this.kind = after ? 'envelope' : 'row';
    this.rowSchema = after ?? valueSchema;
    this.rows = (this.rowSchema.fields ?? []).map((field) => rowColumn(field, options));
    this.metadata = after ? metadataColumns(options.metadataFieldPrefix) : null;
    for (const name of this.metadata?.names ?? []) {
      if (this.rows.some((c) => c.name === name)) {
        throw new ConfigError(`The table has a column named "${name}", which is also a metadata column's name; set metadata.field.prefix to a prefix no column starts with.`);
      }
    }
    this.detector = new PlaceholderDetector(options.unavailableValuePlaceholder);
    this.deepening = this.rows.flatMap((c, i) => (c.mayDeepen ? [i] : []));
    this.base = this.at(this.rows.map((c) => c.declaredDepth));
  }

  at(depths: readonly number[]): Layout {
    const key = depths.join(',');
    let layout = this.byDepths.get(key);
    if (!layout) this.byDepths.set(key, (layout = new Layout(this, depths)));
    return layout;
  }

  /** The row image of an envelope or flat value, or null when it has none (truncate, message). */
  image(value: Record<string, unknown>): Row | null {
    if (this.kind === 'row') return value;
    const image = value['op'] === 'd' ? value['before'] : value['after'];
    return isPlainObject(image) ? image : null;
  }
}

class Layout implements ParquetLayout {
  readonly kind: 'envelope' | 'row';
  readonly schema: readonly SchemaElement[];
  readonly columns: readonly ParquetColumn[];
  readonly fingerprint: string;
  private readonly converters: readonly Convert[];

  constructor(
    private readonly family: LayoutFamily,
    /** List depth per row column. */
    readonly depths: readonly number[],
  ) {
    this.kind = family.kind;
    const rowElements = family.rows.map((c, i) => columnElements(c.name, 'OPTIONAL', c.type.element, c.itemsOptional, depths[i]!));
    const metadataElements = family.metadata?.elements ?? [];
    const columnCount = family.rows.length + metadataElements.length;
    this.schema = [{ name: 'root', num_children: columnCount }, ...rowElements.flat(), ...metadataElements.flat()];
    this.columns = [
      ...family.rows.map((c) => ({ name: c.name, statistics: c.type.statistics })),
      ...(family.metadata?.names ?? []).map((name) => ({ name, statistics: true })),
    ];
    this.fingerprint = JSON.stringify(this.schema);
    this.converters = family.rows.map((c, i) => columnConverter(c, depths[i]!));
  }

  fit(value: unknown, current?: ParquetLayout): ParquetLayout {
    const family = this.family;
    const floor = current instanceof Layout && current !== this && current.family.base.fingerprint === family.base.fingerprint ? current.depths : this.depths;
    let depths = floor;
    const image = isPlainObject(value) ? family.image(value) : null;
    if (image) {
      for (const i of family.deepening) {
        const v = image[family.rows[i]!.name];
        const depth = Array.isArray(v) ? arrayDepth(v) : 0;
        if (depth > depths[i]!) {
          if (depths === floor) depths = [...floor];
          (depths as number[])[i] = depth;
        }
      }
    }
    return depths === this.depths ? this : family.at(depths);
  }

  rowOf(value: unknown): unknown[] | null {
    if (value === null || value === undefined) return null;
    if (!isPlainObject(value)) throw new SluiceError('PARQUET_VALUE_INVALID', `A record's value is ${Array.isArray(value) ? 'an array' : typeof value}, where its schema describes a struct.`);
    const family = this.family;
    const image = family.image(value);
    const unavailable = image ? family.detector.unavailableFields(image, family.rowSchema, value['op']) : [];
    const row: unknown[] = new Array(this.columns.length);
    for (let i = 0; i < family.rows.length; i++) {
      const name = family.rows[i]!.name;
      const v = image?.[name];
      if (v === null || v === undefined || (unavailable.length > 0 && unavailable.includes(name))) {
        row[i] = null;
        continue;
      }
      try {
        row[i] = this.converters[i]!(v);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new SluiceError('PARQUET_VALUE_INVALID', `Column "${name}" cannot be written to Parquet: ${reason}.`, { cause: error });
      }
    }
    family.metadata?.fill(row, family.rows.length, value as unknown as Envelope, unavailable);
    return row;
  }
}

function isEnvelope(schema: ConnectSchema): boolean {
  const names = new Set(schema.fields?.map((f) => f.field));
  return schema.type === 'struct' && ['before', 'after', 'source', 'op'].every((n) => names.has(n)) && schema.fields!.find((f) => f.field === 'after')!.type === 'struct';
}

function rowColumn(field: ConnectField, choices: ValueTypeChoices): RowColumn {
  let items: ConnectSchema = field;
  let declaredDepth = 0;
  while (items.type === 'array' && items.items) {
    items = items.items;
    declaredDepth++;
  }
  return { name: field.field, type: parquetValueType(items, choices), declaredDepth, itemsOptional: items.optional, mayDeepen: declaredDepth > 0 && items.type !== 'map' };
}

/** A column's elements: the leaf, or `depth` 3-level LISTs around it (inner lists OPTIONAL, the leaf as its items say). */
function columnElements(name: string, repetition: 'OPTIONAL' | 'REQUIRED', leaf: LeafElement, leafOptional: boolean, depth: number): SchemaElement[] {
  if (depth === 0) return [{ name, repetition_type: repetition, ...leaf }];
  return [
    { name, repetition_type: repetition, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    ...columnElements('element', depth > 1 || leafOptional ? 'OPTIONAL' : 'REQUIRED', leaf, leafOptional, depth - 1),
  ];
}

function columnConverter(column: RowColumn, depth: number): Convert {
  const convert = column.type.convert;
  if (depth === 0) return convert;
  const list = listConverter(convert, depth);
  return (value) => {
    if (!Array.isArray(value)) throw new TypeError(`expected an array, got ${typeof value}`);
    if (value.length === 0) return value;
    let wrapped: unknown[] = value;
    const valueDepth = column.mayDeepen ? arrayDepth(value) : depth;
    if (valueDepth > depth) throw new Error(`a ${valueDepth}-dimensional array reached a layout of ${depth}; fit() the layout to the value first`);
    for (let d = valueDepth; d < depth; d++) wrapped = [wrapped];
    return list(wrapped);
  };
}

function listConverter(element: Convert, depth: number): (list: unknown[]) => unknown[] {
  const inner: Convert =
    depth === 1
      ? element
      : (() => {
          const nested = listConverter(element, depth - 1);
          return (v: unknown) => (Array.isArray(v) ? nested(v) : fail(`expected a nested array, got ${typeof v}`));
        })();
  return (list) => list.map((v) => (v === null || v === undefined ? null : inner(v)));
}

/** How many arrays deep a value nests, following its first non-null elements (Postgres arrays are rectangular). */
function arrayDepth(value: readonly unknown[]): number {
  let depth = 1;
  for (let level = value; ; depth++) {
    const first = level.find((v) => v !== null && v !== undefined);
    if (!Array.isArray(first)) return depth;
    level = first;
  }
}

function fail(message: string): never {
  throw new TypeError(message);
}
