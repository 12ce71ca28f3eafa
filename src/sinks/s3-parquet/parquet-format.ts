/**
 * The Parquet file format (format.class=parquet): one row per change event, its columns typed from
 * the record's value schema (parquet-columns.ts), written by parquet-spool-file.ts. A record's
 * layout is fitted to the open file's, so a file changes only when the columns do (a column added,
 * dropped or retyped, or arrays nesting deeper). Called once when the task starts; it may wait for
 * the zstd compressor to load (parquet-codecs.ts).
 */
import type { ConnectSchema } from '../../events.js';
import type { FileFormat } from './file-format.js';
import { parquetCompression } from './parquet-codecs.js';
import { parquetLayout, type LayoutOptions, type ParquetLayout } from './parquet-columns.js';
import { ParquetSpoolFile } from './parquet-spool-file.js';
import type { ParquetCodec } from './s3-sink-config.js';

export async function parquetFormat(parquet: { codec: ParquetCodec; rowGroupRows: number }, rows: LayoutOptions): Promise<FileFormat<ParquetLayout, unknown[]>> {
  const spool = { compression: await parquetCompression(parquet.codec), rowGroupRows: parquet.rowGroupRows };
  // The last schema's layout: records of one topic come in runs with one schema object.
  let lastSchema: ConnectSchema | null = null;
  let lastLayout: ParquetLayout | null = null;
  return {
    extension: 'parquet',
    description: `Parquet (${parquet.codec})`,
    rowOf(record, open) {
      if (record.valueSchema !== lastSchema || lastLayout === null) {
        lastLayout = parquetLayout(record.valueSchema, rows);
        lastSchema = record.valueSchema ?? null;
      }
      const layout = lastLayout.fit(record.value, open);
      const values = layout.rowOf(record.value);
      return values === null ? null : { layout, values };
    },
    create: (path, layout) => ParquetSpoolFile.create(path, layout, spool),
  };
}
