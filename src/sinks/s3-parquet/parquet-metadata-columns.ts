/**
 * The metadata columns an envelope's row carries after the table's columns, named with
 * metadata.field.prefix (default "__"):
 * - `op` STRING: the envelope's op (c, r, u, d, t);
 * - `lsn` INT64, null when the source has none; `tx_id` INT64, null outside a transaction;
 * - `source_ts` TIMESTAMP(MICROS, UTC): the commit time, source.ts_us (source.ts_ms when absent);
 * - `snapshot` BOOLEAN: whether a snapshot read it (source.snapshot is not "false");
 * - `table` STRING: "schema.table";
 * - `unavailable` LIST of STRING: the columns whose values were unchanged TOAST (written null), or null.
 * Built once per layout; `fill` runs per row, never blocks, and throws a SluiceError when the value
 * is not an envelope with a source block.
 */
import type { SchemaElement } from 'hyparquet-writer';
import type { Envelope } from '../../events.js';
import { SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';

export interface MetadataColumns {
  readonly names: readonly string[];
  /** Each column's elements, in `names` order. */
  readonly elements: readonly SchemaElement[][];
  /** Writes the metadata values of `envelope` into `row` from index `at`. */
  fill(row: unknown[], at: number, envelope: Envelope, unavailable: readonly string[]): void;
}

const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } } as const;

export function metadataColumns(prefix: string): MetadataColumns {
  const name = (suffix: string) => `${prefix}${suffix}`;
  const elements: SchemaElement[][] = [
    [{ name: name('op'), repetition_type: 'REQUIRED', ...STRING }],
    [{ name: name('lsn'), repetition_type: 'OPTIONAL', type: 'INT64' }],
    [{ name: name('tx_id'), repetition_type: 'OPTIONAL', type: 'INT64' }],
    [{ name: name('source_ts'), repetition_type: 'REQUIRED', type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } }],
    [{ name: name('snapshot'), repetition_type: 'REQUIRED', type: 'BOOLEAN' }],
    [{ name: name('table'), repetition_type: 'REQUIRED', ...STRING }],
    [
      { name: name('unavailable'), repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'REQUIRED', ...STRING },
    ],
  ];
  // The table's name, made again only when the next row's is another (a new string per row would be encoded, compared and kept per row).
  let tableSchema: string | undefined;
  let tableName: string | undefined;
  let qualifiedTable = '';
  // Rows of one snapshot chunk or transaction share these values: one BigInt each, not one per row.
  const lsn = new LastInt64();
  const txId = new LastInt64();
  const sourceMicros = new LastInt64();
  return {
    names: elements.map((column) => column[0]!.name),
    elements,
    fill(row, at, envelope, unavailable) {
      const source = envelope.source;
      if (typeof envelope.op !== 'string' || !isPlainObject(source)) {
        throw new SluiceError('PARQUET_VALUE_INVALID', 'A record whose schema is a Debezium envelope has no op or source block in its value.');
      }
      row[at] = envelope.op;
      row[at + 1] = lsn.of(source.lsn);
      row[at + 2] = txId.of(source.txId);
      row[at + 3] = sourceMicros.of(source.ts_us ?? source.ts_ms * 1000);
      row[at + 4] = source.snapshot !== undefined && source.snapshot !== null && source.snapshot !== 'false';
      if (source.schema !== tableSchema || source.table !== tableName) {
        tableSchema = source.schema;
        tableName = source.table;
        qualifiedTable = `${tableSchema}.${tableName}`;
      }
      row[at + 5] = qualifiedTable;
      row[at + 6] = unavailable.length > 0 ? [...unavailable] : null;
    },
  };
}

/** An integer as a BigInt (null for none), the last one's again when the value repeats. */
class LastInt64 {
  private value: number | bigint | null | undefined = null;
  private converted: bigint | null = null;

  of(value: number | bigint | null | undefined): bigint | null {
    if (value !== this.value) {
      this.value = value;
      this.converted = value === null || value === undefined ? null : BigInt(value);
    }
    return this.converted;
  }
}
