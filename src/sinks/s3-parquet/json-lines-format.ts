/**
 * The JSON-lines file format (format.class=json, Confluent's io.confluent.connect.s3.format.json.JsonFormat):
 * one line per record holding the record's value after the connector's transforms, as
 * JsonConverter writes it with schemas.enable=false, which is what Confluent's JsonFormat writes:
 * the Debezium envelope (or the flat row after ExtractNewRecordState), int64 values beyond 2^53 as
 * exact numbers (src/json.ts). JSON escapes line breaks inside strings, so a line is a record.
 * Files are `.json`, or `.json.gz` with s3.compression.type=gzip: the whole file is one gzip stream
 * (level s3.compression.level), which gzip, DuckDB, Athena and Spark read.
 *
 * JSON lines have no file schema: every record fits the open file (one layout for all), so a schema
 * change rotates nothing, and records need no value schema (schemas.enable=false works).
 *
 * The spool file buffers lines in memory and writes them out once they pass WRITE_CHUNK_BYTES or
 * when the sink's memory budget asks (`flushBuffer`); with gzip they pass through a zlib stream,
 * which holds about 256 KiB of its own per open file beside that buffer. `fileBytes` of a plain
 * file is exactly the bytes of the lines appended, so rotation by size depends on the records
 * alone; of a gzip file, the compressed bytes written plus the buffered lines at the ratio so far.
 * Deterministic: the same lines give the same bytes however the buffer was written out (the gzip
 * header holds no time, and the stream is never flushed before its end). Calls never overlap;
 * after a failed call the file is unusable: discard it.
 */
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { toJson } from '../../json.js';
import type { FileFormat, FileLayout, FinishedFile, SpoolFile } from './file-format.js';

export type JsonCompression = 'none' | 'gzip';

export interface JsonLinesOptions {
  /** s3.compression.type */
  compression: JsonCompression;
  /** s3.compression.level: 0-9, -1 for zlib's default. */
  level: number;
}

const JSON_LINES_LAYOUT: FileLayout = { fingerprint: 'json-lines' };
/** Buffered lines are written out once they take this much memory. */
const WRITE_CHUNK_BYTES = 256 * 1024;
/** The memory of a buffered line beside its characters. */
const LINE_OVERHEAD_BYTES = 16;

export function jsonLinesFormat(options: JsonLinesOptions): FileFormat<FileLayout, string> {
  const gzip = options.compression === 'gzip';
  return {
    extension: gzip ? 'json.gz' : 'json',
    description: gzip ? 'JSON lines (gzip)' : 'JSON lines',
    rowOf: (record) => ({ layout: JSON_LINES_LAYOUT, values: `${toJson(record.value)}\n` }),
    create: (path) => JsonLinesSpoolFile.create(path, options),
  };
}

export class JsonLinesSpoolFile implements SpoolFile<FileLayout, string> {
  readonly layout = JSON_LINES_LAYOUT;
  private lines: string[] = [];
  private bufferedUtf8 = 0;
  private bufferedEstimate = 0;
  private rowCount = 0;
  /** Bytes of lines handed to the file (before compression), and bytes in the file. */
  private fed = 0;
  private written = 0;
  /** What the gzip stream gave out and the file does not hold yet. */
  private compressed: Buffer[] = [];
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly gzip: Gzip | null,
  ) {
    gzip?.on('data', (chunk: Buffer) => this.compressed.push(chunk));
    // A zlib error reaches the call that wrote or ended the stream; unheard, the event would end the process.
    gzip?.on('error', () => undefined);
  }

  /** Creates (or truncates) the file at `path`, creating its directory if needed. */
  static async create(path: string, options: JsonLinesOptions): Promise<JsonLinesSpoolFile> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'w');
    return new JsonLinesSpoolFile(path, handle, options.compression === 'gzip' ? createGzip({ level: options.level }) : null);
  }

  /** Lines appended so far, written or buffered. */
  get rows(): number {
    return this.rowCount;
  }

  get bufferedBytes(): number {
    return this.bufferedEstimate;
  }

  get fileBytes(): number {
    const ratio = this.gzip === null || this.fed === 0 ? 1 : Math.min(1, this.written / this.fed);
    return this.written + Math.round(this.bufferedUtf8 * ratio);
  }

  /** Appends one line (with its newline). */
  async append(line: string): Promise<void> {
    this.assertOpen();
    this.lines.push(line);
    this.bufferedUtf8 += Buffer.byteLength(line);
    this.bufferedEstimate += LINE_OVERHEAD_BYTES + line.length;
    this.rowCount++;
    if (this.bufferedEstimate >= WRITE_CHUNK_BYTES) await this.flushBuffer();
  }

  async flushBuffer(): Promise<void> {
    this.assertOpen();
    if (this.lines.length === 0) return;
    const text = Buffer.from(this.lines.join(''), 'utf8');
    this.lines = [];
    this.bufferedUtf8 = this.bufferedEstimate = 0;
    this.fed += text.length;
    if (this.gzip === null) return this.write(text);
    const gzip = this.gzip;
    await new Promise<void>((resolve, reject) => gzip.write(text, (error) => (error ? reject(error) : resolve())));
    await this.writeCompressed();
  }

  async finish(): Promise<FinishedFile> {
    await this.flushBuffer();
    if (this.gzip !== null) {
      this.gzip.end();
      await finished(this.gzip);
      await this.writeCompressed();
    }
    this.closed = true;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    return { path: this.path, bytes: this.written, rows: this.rowCount };
  }

  async discard(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.gzip?.destroy();
      await this.handle.close().catch(() => undefined);
    }
    this.lines = [];
    this.bufferedUtf8 = this.bufferedEstimate = 0;
    await rm(this.path, { force: true });
  }

  private async writeCompressed(): Promise<void> {
    if (this.compressed.length === 0) return;
    const bytes = Buffer.concat(this.compressed);
    this.compressed = [];
    await this.write(bytes);
  }

  private async write(bytes: Buffer): Promise<void> {
    // writeFile writes the whole buffer at the current position (write() may stop short).
    await this.handle.writeFile(bytes);
    this.written += bytes.length;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the spool file ${this.path} is already finished or discarded`);
  }
}
