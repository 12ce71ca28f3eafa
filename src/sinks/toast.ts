/**
 * Unchanged TOASTed columns. Postgres does not log a large value that an UPDATE left unchanged
 * (unless the table has REPLICA IDENTITY FULL), so the source writes a placeholder in its place
 * (`unavailable.value.placeholder`, by default `__debezium_unavailable_value`). Writing that text as
 * data would stand in for the real value; `unavailableFields` names the fields holding it so a sink
 * can leave them out (OpenSearch keeps what is stored) or write them as null and list them (S3 Parquet).
 * Only streamed changes are looked at: a snapshot read (`op` r) holds every value, so its text is
 * data even where it reads like the placeholder.
 *
 * The placeholder is recognised in each form a source gives it: the string itself (our source, for
 * every column type), its UTF-8 bytes as base64 (Debezium, for bytea columns) and a one-element
 * array of it (Debezium, for array columns). Pure; called per row, before any value is converted
 * (a placeholder in a numeric column is not a decimal).
 */
import type { ConnectSchema, Row } from '../events.js';

const NONE: readonly string[] = Object.freeze([]);

export class PlaceholderDetector {
  private readonly base64: string;

  constructor(private readonly placeholder: string) {
    this.base64 = Buffer.from(placeholder).toString('base64');
  }

  /** Names of the row's fields that hold the placeholder, in schema order; usually none, and none for `op` r. */
  unavailableFields(row: Row, schema: ConnectSchema | null, op: unknown): readonly string[] {
    if (op === 'r') return NONE;
    let found: string[] | undefined;
    if (schema?.fields) {
      for (const { field } of schema.fields) if (this.isPlaceholder(row[field])) (found ??= []).push(field);
    } else {
      for (const name of Object.keys(row)) if (this.isPlaceholder(row[name])) (found ??= []).push(name);
    }
    return found ?? NONE;
  }

  private isPlaceholder(value: unknown): boolean {
    if (typeof value === 'string') return value === this.placeholder || value === this.base64;
    return Array.isArray(value) && value.length === 1 && value[0] === this.placeholder;
  }
}
