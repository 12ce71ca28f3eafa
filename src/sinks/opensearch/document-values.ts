/**
 * A row as OpenSearch should store it, converted field by field by the row's Connect schema. Works
 * on a change event's `after` image and on a flat row after ExtractNewRecordState alike (both are
 * the table's `Value` struct, the latter maybe with added `__` fields).
 *
 * - Decimal / VariableScaleDecimal: a JSON number when that is exact, else the exact decimal string
 *   (always the string with decimal.format=string); see decimal.ts.
 * - io.debezium.time.Date and Connect Date (days): "YYYY-MM-DD".
 * - Timestamp / Connect Timestamp (ms) and MicroTimestamp (µs): "YYYY-MM-DDTHH:MM:SS.fff" and
 *   ".ffffff", every digit of the type's precision and no zone (the column has none; OpenSearch
 *   reads a zoneless date-time as UTC, which is how Debezium counts it). ZonedTimestamp strings
 *   stay as they are.
 * - Time / Connect Time (ms) and MicroTime (µs): "HH:MM:SS.fff" and "HH:MM:SS.ffffff".
 * - Json: the parsed value (integers beyond 2^53 inside it lose precision: JSON.parse has no other
 *   choice on Node 20).
 * - float/double NaN and infinities (strings in the event): null, since OpenSearch rejects them.
 * - bytes: the base64 text the event already holds. int64 beyond 2^53: the bigint the event holds,
 *   which src/json.ts writes exactly.
 * - arrays element by element (nested arrays of multi-dimensional columns too), maps value by value,
 *   other structs field by field; anything else unchanged.
 * Without a schema (schemaless JSON) the row is taken as it is. Conversions are compiled once per
 * schema object and never throw for a value of an unexpected shape: it passes through unchanged.
 * `documentJson` gives the same document as JSON text, written straight from a whole row (the
 * sink's commonest case) without the object.
 */
import type { ConnectSchema, Row } from '../../events.js';
import { formatIsoDate, formatTime, MICROS_PER_DAY } from '../../sources/postgres/types/calendar.js';
import { LOGICAL, isPlainObject } from '../../transforms/connect-data.js';
import { jsonValue, toJson } from '../../json.js';
import { compile, literalKey } from '../../util/object-literal.js';
import { decimalValue, unscaledValue } from '../decimal.js';

export type Document = Record<string, unknown>;

type Convert = (value: unknown) => unknown;

const MICROS_PER_DAY_BIG = BigInt(MICROS_PER_DAY);
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** A struct schema's document builder (`build`) and writer of its JSON text (`write`): undefined when the row lacks one of the fields. */
interface RowFunctions {
  build: (row: Row) => Document | undefined;
  write: (row: Row) => string | undefined;
}

const NOTHING_OMITTED: readonly string[] = [];

export class DocumentConverter {
  private readonly compiled = new WeakMap<ConnectSchema, Convert | null>();
  private readonly rows = new WeakMap<ConnectSchema, RowFunctions>();

  /** `decimalsAsText`: decimals always as their exact text (decimal.format=string, and document ids). */
  constructor(private readonly decimalsAsText: boolean) {}

  /** The document for a row, leaving out the fields named in `omit` (unavailable TOAST values). */
  document(row: Row, schema: ConnectSchema | null, omit: readonly string[] = NOTHING_OMITTED): Document {
    const built = this.wholeRow(schema, omit)?.build(row);
    if (built !== undefined) return built;
    // Fields left out: each one looked at in turn.
    const document: Document = {};
    if (schema === null || schema.fields === undefined) {
      for (const name of Object.keys(row)) if (!omit.includes(name)) document[name] = row[name];
      return document;
    }
    for (const field of schema.fields) {
      const name = field.field;
      const value = row[name];
      if (value === undefined || omit.includes(name)) continue;
      const convert = this.converter(field);
      document[name] = convert === null || value === null ? value : convert(value);
    }
    return document;
  }

  /**
   * The document's JSON text, as `toJson(document(row, schema, omit))` gives it, except that fields
   * come in the schema's order (an object puts names that read as integers first). A whole row with
   * a schema, the sink's commonest case, is written straight from the row, without the object.
   */
  documentJson(row: Row, schema: ConnectSchema | null, omit: readonly string[] = NOTHING_OMITTED): string {
    const written = this.wholeRow(schema, omit)?.write(row);
    if (written !== undefined) return written;
    return toJson(this.document(row, schema, omit));
  }

  /** One value converted by its schema. */
  value(value: unknown, schema: ConnectSchema | null): unknown {
    const convert = schema === null ? null : this.converter(schema);
    return convert === null || value === null ? value : convert(value);
  }

  /** The compiled functions for a whole row (nothing omitted) of a schema with fields; undefined otherwise. */
  private wholeRow(schema: ConnectSchema | null, omit: readonly string[]): RowFunctions | undefined {
    return schema !== null && schema.fields !== undefined && omit.length === 0 ? this.rowFunctions(schema) : undefined;
  }

  /**
   * The document builder and writer of a struct schema with fields, compiled once: an object
   * literal (util/object-literal.ts says why), and the same fields joined as JSON text.
   */
  private rowFunctions(schema: ConnectSchema): RowFunctions {
    let compiled = this.rows.get(schema);
    if (compiled === undefined) {
      compiled = {
        build: this.compileRow<Document>(schema, (fields, values) => `{ ${fields.map((field, i) => `${literalKey(field.field)}: ${values[i]}`).join(', ')} }`),
        write: this.compileRow<string>(schema, (fields, values) => {
          const members = fields.map((field, i) => `${JSON.stringify(`${i === 0 ? '{' : ','}${JSON.stringify(field.field)}:`)} + jsonValue(${values[i]})`);
          return fields.length === 0 ? "'{}'" : `${members.join(' + ')} + '}'`;
        }),
      };
      this.rows.set(schema, compiled);
    }
    return compiled;
  }

  /**
   * A function of a row with the struct schema's fields: undefined when the row lacks one, else
   * `result`, an expression of the fields' converted values (`values`, expressions themselves).
   */
  private compileRow<T>(schema: ConnectSchema, result: (fields: NonNullable<ConnectSchema['fields']>, values: string[]) => string): (row: Row) => T | undefined {
    const fields = schema.fields!;
    const convert = fields.map((field) => this.converter(field));
    const reads = fields.map((field, i) => `v${i} = row[${JSON.stringify(field.field)}]`);
    const values = fields.map((_, i) => (convert[i] === null ? `v${i}` : `v${i} === null ? null : convert[${i}](v${i})`));
    const missing = fields.map((_, i) => `v${i} === undefined`).join(' || ') || 'false';
    const declarations = reads.length === 0 ? '' : `const ${reads.join(', ')}; `;
    return compile({ convert, jsonValue }, `(row) => { ${declarations}return ${missing} ? undefined : ${result(fields, values)}; }`);
  }

  /** The conversion a schema needs, or null when values pass unchanged. */
  private converter(schema: ConnectSchema): Convert | null {
    let convert = this.compiled.get(schema);
    if (convert === undefined) {
      convert = this.compile(schema);
      this.compiled.set(schema, convert);
    }
    return convert;
  }

  private compile(schema: ConnectSchema): Convert | null {
    const asText = this.decimalsAsText;
    switch (schema.name) {
      case LOGICAL.decimal: {
        const scale = Number(schema.parameters?.['scale'] ?? 0);
        return (v) => (typeof v === 'string' ? decimalValue(unscaledValue(v), scale, asText) : v);
      }
      case 'io.debezium.data.VariableScaleDecimal':
        return (v) => (isPlainObject(v) && typeof v['value'] === 'string' ? decimalValue(unscaledValue(v['value']), Number(v['scale'] ?? 0), asText) : v);
      case 'io.debezium.time.Date':
      case LOGICAL.date:
        return (v) => (typeof v === 'number' ? formatIsoDate(v) : v);
      case 'io.debezium.time.Timestamp':
      case LOGICAL.timestamp:
        return (v) => (typeof v === 'number' || typeof v === 'bigint' ? localDateTime(v, 1000, 3) : v);
      case 'io.debezium.time.MicroTimestamp':
        return (v) => (typeof v === 'number' || typeof v === 'bigint' ? localDateTime(v, 1, 6) : v);
      case 'io.debezium.time.Time':
      case LOGICAL.time:
        return (v) => (typeof v === 'number' ? formatTime(v * 1000, 3) : v);
      case 'io.debezium.time.MicroTime':
        return (v) => (typeof v === 'number' ? formatTime(v, 6) : v);
      case 'io.debezium.data.Json':
        return parseJson;
    }
    switch (schema.type) {
      case 'float':
      case 'double':
        return (v) => (typeof v === 'string' && NON_FINITE.has(v) ? null : v);
      case 'array':
        return schema.items ? this.arrayConverter(this.converter(schema.items)) : null;
      case 'map':
        return schema.values ? this.mapConverter(this.converter(schema.values)) : null;
      case 'struct':
        return (v) => (isPlainObject(v) ? this.document(v, schema) : v);
      default:
        return null;
    }
  }

  private arrayConverter(element: Convert | null): Convert | null {
    if (element === null) return null;
    const each = (v: unknown): unknown => (v === null ? null : Array.isArray(v) ? v.map(each) : element(v));
    return (v) => (Array.isArray(v) ? v.map(each) : v);
  }

  private mapConverter(entry: Convert | null): Convert | null {
    if (entry === null) return null;
    return (v) => {
      if (!isPlainObject(v)) return v;
      const converted: Document = {};
      for (const [key, value] of Object.entries(v)) converted[key] = value === null ? null : entry(value);
      return converted;
    };
  }
}

/** An epoch count in `unitMicros` units as a zoneless ISO date-time with `digits` fraction digits. */
function localDateTime(count: number | bigint, unitMicros: number, digits: number): string {
  if (typeof count === 'number' && Number.isSafeInteger(count * unitMicros)) {
    const micros = count * unitMicros;
    const days = Math.floor(micros / MICROS_PER_DAY);
    return `${formatIsoDate(days)}T${formatTime(micros - days * MICROS_PER_DAY, digits)}`;
  }
  const micros = BigInt(count) * BigInt(unitMicros);
  const remainder = ((micros % MICROS_PER_DAY_BIG) + MICROS_PER_DAY_BIG) % MICROS_PER_DAY_BIG;
  return `${formatIsoDate(Number((micros - remainder) / MICROS_PER_DAY_BIG))}T${formatTime(Number(remainder), digits)}`;
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
