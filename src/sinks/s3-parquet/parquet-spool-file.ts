/**
 * One Parquet file being written to a local spool path, row group by row group, until it is
 * finished (and then uploaded whole by the sink) or discarded: the Parquet format's SpoolFile
 * (file-format.ts).
 *
 * `append` buffers a row (parquet-columns.ts rowOf) column-wise in memory and, once the buffer holds
 * `rowGroupRows` rows, encodes them as one row group and appends it to the file; the sink calls
 * `flushBuffer` earlier when its memory budget is reached. Memory stays bounded by the buffered
 * rows plus one encoded row group, which the output buffer lets go of once it is written. `finish`
 * writes the footer, fsyncs and closes; `discard` closes and deletes. Writes go through one file
 * descriptor with async writes; a caller awaits each call before the next (calls never overlap).
 * After a failed call the file is unusable: discard it.
 *
 * Size: what buffered rows will encode to is estimated from their memory estimate at the ratio of
 * encoded to estimated bytes of the row groups written so far; the two differ several times over
 * (compressed text, an int64 as 8 bytes against a BigInt's 24). A ratio learnt from rows whose
 * estimate is smaller than the buffered rows' is not trusted: `reaches` then writes the buffered
 * rows out as a row group to measure them, so that a file ends within about a row group of
 * rotate.size.bytes, not where its rows' memory estimate reached it.
 *
 * Deterministic: the same rows with the same layout and codec give the same bytes (no timestamps or
 * random ids; created_by is "sluice"). JSON columns are encoded without their JSON converted type
 * and the footer names it: hyparquet-writer would re-serialise the event's JSON text otherwise.
 */
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { FinishedFile, SpoolFile } from './file-format.js';
import type { ParquetLayout } from './parquet-columns.js';
import type { ParquetCompression } from './parquet-codecs.js';

export interface SpoolFileOptions {
  compression: ParquetCompression;
  /** parquet.row.group.rows: a row group is written once this many rows are buffered. */
  rowGroupRows: number;
}

const CREATED_BY = 'sluice';
/**
 * The output buffer of a file between row groups: it grows while a row group is encoded and goes
 * back to this once the row group is written, so that many open files (one per date partition)
 * hold little beside their buffered rows.
 */
const RESTING_OUTPUT_BYTES = 512;

export class ParquetSpoolFile implements SpoolFile<ParquetLayout, readonly unknown[]> {
  private readonly buffers: unknown[][];
  private bufferedRowCount = 0;
  private bufferedEstimate = 0;
  private flushedRows = 0;
  /** The estimates of the rows in the row groups written so far, and what those encoded to. */
  private measuredEstimate = 0;
  private measuredEncoded = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly layout: ParquetLayout,
    private readonly handle: FileHandle,
    private readonly output: FileOutput,
    private readonly writer: ParquetWriter,
    private readonly rowGroupRows: number,
  ) {
    this.buffers = layout.columns.map(() => []);
  }

  /** Creates (or truncates) the file at `path`, creating its directory if needed. */
  static async create(path: string, layout: ParquetLayout, options: SpoolFileOptions): Promise<ParquetSpoolFile> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'w');
    const output = new FileOutput(handle);
    const writer = new ParquetWriter({
      writer: output,
      schema: encodingSchema(layout.schema),
      codec: options.compression.codec,
      compressors: options.compression.compressors,
      createdBy: CREATED_BY,
    });
    return new ParquetSpoolFile(path, layout, handle, output, writer, Math.max(1, options.rowGroupRows));
  }

  /** Rows appended so far, written or buffered. */
  get rows(): number {
    return this.flushedRows + this.bufferedRowCount;
  }

  get bufferedRows(): number {
    return this.bufferedRowCount;
  }

  /** A running estimate of the memory the buffered rows hold, plus the output buffer's. */
  get bufferedBytes(): number {
    return this.bufferedEstimate + this.output.buffer.byteLength;
  }

  get restingBytes(): number {
    return RESTING_OUTPUT_BYTES;
  }

  /** Bytes written to the file so far plus what the buffered rows are expected to encode to. */
  get fileBytes(): number {
    // At most 1: a few rows encode to more than their estimate (page headers), many never do.
    const ratio = this.measuredEstimate === 0 ? 1 : Math.min(1, this.measuredEncoded / this.measuredEstimate);
    return this.output.offset + Math.round(this.bufferedEstimate * ratio);
  }

  async reaches(bytes: number): Promise<boolean> {
    if (this.fileBytes < bytes) return false;
    if (this.bufferedEstimate > this.measuredEstimate) await this.flushBuffer();
    return this.fileBytes >= bytes;
  }

  async append(row: readonly unknown[]): Promise<void> {
    this.assertOpen();
    if (row.length !== this.buffers.length) throw new Error(`a row of ${row.length} values for a layout of ${this.buffers.length} columns`);
    let estimate = 0;
    for (let i = 0; i < row.length; i++) {
      this.buffers[i]!.push(row[i]);
      estimate += estimatedBytes(row[i]);
    }
    this.bufferedEstimate += estimate;
    this.bufferedRowCount++;
    if (this.bufferedRowCount >= this.rowGroupRows) await this.flushBuffer();
  }

  /** Encodes the buffered rows as one row group and appends it to the file; nothing when none are buffered. */
  async flushBuffer(): Promise<void> {
    this.assertOpen();
    if (this.bufferedRowCount === 0) return;
    const columnData: ColumnSource[] = this.layout.columns.map((column, i) => ({ name: column.name, data: this.buffers[i]!, statistics: column.statistics }));
    const offsetBefore = this.output.offset;
    await this.writer.write({ columnData, rowGroupSize: this.bufferedRowCount });
    this.measuredEncoded += this.output.offset - offsetBefore;
    this.measuredEstimate += this.bufferedEstimate;
    this.flushedRows += this.bufferedRowCount;
    for (let i = 0; i < this.buffers.length; i++) this.buffers[i] = [];
    this.bufferedRowCount = 0;
    this.bufferedEstimate = 0;
  }

  /** Writes the remaining rows and the footer, fsyncs and closes the file. */
  async finish(): Promise<FinishedFile> {
    await this.flushBuffer();
    // The footer describes JSON columns as JSON (see the header).
    this.writer.schema = [...this.layout.schema];
    await this.writer.finish();
    this.closed = true;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    return { path: this.path, bytes: this.output.offset, rows: this.flushedRows };
  }

  /** Closes (if still open) and deletes the file. Safe to call at any time, also twice. */
  async discard(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    this.buffers.forEach((_, i) => (this.buffers[i] = []));
    this.bufferedRowCount = 0;
    this.bufferedEstimate = 0;
    await rm(this.path, { force: true });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the spool file ${this.path} is already finished or discarded`);
  }
}

/** A ByteWriter that hands each row group (and the footer) to the file, asynchronously. */
class FileOutput extends ByteWriter {
  constructor(private readonly handle: FileHandle) {
    super(RESTING_OUTPUT_BYTES);
  }

  /** Called by ParquetWriter after each row group; the writer awaits it before encoding more. */
  flush(): Promise<void> {
    const pending = new Uint8Array(this.buffer, 0, this.index);
    return this.writeAll(pending).then(() => {
      this.index = 0;
      if (this.buffer.byteLength > RESTING_OUTPUT_BYTES) {
        this.buffer = new ArrayBuffer(RESTING_OUTPUT_BYTES);
        this.view = new DataView(this.buffer);
      }
    });
  }

  override finish(): Promise<void> {
    return this.flush();
  }

  private async writeAll(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }
}

/** The schema the columns are encoded with: JSON columns without the JSON converted type. */
function encodingSchema(schema: readonly SchemaElement[]): SchemaElement[] {
  return schema.map((element) => (element.converted_type === 'JSON' ? { ...element, converted_type: undefined } : element));
}

/** A rough size in memory of a buffered value: its data plus an allowance for the JS object around it. */
function estimatedBytes(value: unknown): number {
  if (typeof value === 'string') return 16 + value.length;
  if (typeof value === 'bigint') return 24;
  if (value instanceof Uint8Array) return 96 + value.byteLength;
  if (Array.isArray(value)) {
    let bytes = 16 + 8 * value.length;
    for (const element of value) bytes += estimatedBytes(element);
    return bytes;
  }
  return 8;
}
