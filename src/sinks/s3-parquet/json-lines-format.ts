/**
 * The JSON-lines file format (format.class=json, Confluent's io.confluent.connect.s3.format.json.JsonFormat):
 * one line per record holding the record's value after the connector's transforms, as
 * JsonConverter writes it with schemas.enable=false, which is what Confluent's JsonFormat writes:
 * the Debezium envelope (or the flat row after ExtractNewRecordState), int64 values beyond 2^53 as
 * exact numbers (src/json.ts). JSON escapes line breaks inside strings, so a line is a record.
 * Files are `.json`, or `.json.gz` with s3.compression.type=gzip (level s3.compression.level): one
 * gzip member, or several one after another when the sink's memory budget ended members early,
 * which is a gzip file all the same (RFC 1952 section 2.2) and decodes to the same lines: gzip,
 * DuckDB, Python's gzip, Hadoop's codec (Spark, Hive) and Trino read every member.
 *
 * JSON lines have no file schema: every record fits the open file (one layout for all), so a schema
 * change rotates nothing, and records need no value schema (schemas.enable=false works).
 *
 * The spool file buffers lines in memory and writes them out once they pass WRITE_CHUNK_BYTES or
 * when the sink's memory budget asks (`flushBuffer`); with gzip they go into the file's current
 * gzip member, a zlib stream begun when lines are written out and none is open, which holds
 * GZIP_STREAM_BYTES of its own until it ends (counted in `bufferedBytes` and `restingBytes`). It
 * ends when the file is finished, or earlier when the memory budget asks (`release`): its deflate
 * state is freed, and the next lines written out begin another member. Members end after whole
 * lines, and the member boundaries change the file's bytes, never its lines. `fileBytes` of a plain
 * file is exactly the bytes of the lines appended, so rotation by size depends on the records
 * alone; of a gzip file, the compressed bytes written plus the lines zlib and the buffer hold at
 * the ratio so far. zlib gives out a deflate block at a time (each of some 100 to 200 KB of JSON
 * text at level 6), and before its first block the text counts as nothing, so a gzip file can end
 * up to about one block and one write chunk's compressed size past rotate.size.bytes. That
 * estimate depends on when lines were written out and members ended, that is on memory, not on
 * the lines alone: a gzip file's rotation by size is not exactly reproducible.
 * Deterministic: the same lines give the same bytes however the buffer was written out, as long as
 * no member was ended early (the gzip header holds no time, and a member is never flushed before
 * its end). Calls never overlap; after a failed call the file is unusable: discard it.
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
/**
 * What an open gzip stream holds: zlib's deflate state at its default windowBits 15 and memLevel 8
 * (window, hash chains and pending buffer, 2^17 + 2^17 bytes by zlib's own formula, and about
 * 6 KiB of state around them) and the stream's 16 KiB output chunk. The deflate state is native
 * memory that Node reports only as part of the process's resident size.
 */
export const GZIP_STREAM_BYTES = 280 * 1024;

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
  /** What the gzip member gave out and the file does not hold yet. */
  private compressed: Buffer[] = [];
  /** The gzip member lines are written into, holding GZIP_STREAM_BYTES until it ends; null between members. */
  private member: Gzip | null = null;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** The gzip level; null for a plain file. */
    private readonly gzipLevel: number | null,
  ) {}

  /** Creates (or truncates) the file at `path`, creating its directory if needed. */
  static async create(path: string, options: JsonLinesOptions): Promise<JsonLinesSpoolFile> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'w');
    return new JsonLinesSpoolFile(path, handle, options.compression === 'gzip' ? options.level : null);
  }

  /** Lines appended so far, written or buffered. */
  get rows(): number {
    return this.rowCount;
  }

  get bufferedBytes(): number {
    return this.bufferedEstimate + (this.member === null ? 0 : GZIP_STREAM_BYTES);
  }

  /** A gzip file's member: writing lines out keeps one open (and begins one when none is). */
  get restingBytes(): number {
    return this.gzipLevel === null ? 0 : GZIP_STREAM_BYTES;
  }

  get fileBytes(): number {
    if (this.gzipLevel === null) return this.written + this.bufferedUtf8;
    const ratio = this.fed === 0 ? 0 : Math.min(1, this.written / this.fed);
    return this.written + Math.round(this.bufferedUtf8 * ratio);
  }

  async reaches(bytes: number): Promise<boolean> {
    return this.fileBytes >= bytes;
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
    if (this.gzipLevel === null) return this.write(text);
    const member = this.openMember(this.gzipLevel);
    await new Promise<void>((resolve, reject) => member.write(text, (error) => (error ? reject(error) : resolve())));
    await this.writeCompressed();
  }

  /**
   * Writes the buffered lines out and ends the gzip member, freeing its deflate state: the file then
   * holds nothing in memory, and the next lines written out begin another member. The file's lines
   * stay the same; its bytes do not (each member compresses on its own).
   */
  async release(): Promise<void> {
    await this.flushBuffer();
    if (this.member !== null) await this.endMember(this.member);
  }

  async finish(): Promise<FinishedFile> {
    await this.flushBuffer();
    // A file with no line written still gets a member: an empty file is no gzip file.
    if (this.gzipLevel !== null && (this.member !== null || this.written === 0)) await this.endMember(this.openMember(this.gzipLevel));
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
      this.member?.destroy();
      await this.handle.close().catch(() => undefined);
    }
    this.lines = [];
    this.bufferedUtf8 = this.bufferedEstimate = 0;
    await rm(this.path, { force: true });
  }

  /** The open member, or a new one. */
  private openMember(level: number): Gzip {
    if (this.member !== null) return this.member;
    const member = (this.member = createGzip({ level }));
    member.on('data', (chunk: Buffer) => this.compressed.push(chunk));
    // A zlib error reaches the call that wrote or ended the stream; unheard, the event would end the process.
    member.on('error', () => undefined);
    return member;
  }

  private async endMember(member: Gzip): Promise<void> {
    member.end();
    await finished(member);
    this.member = null;
    await this.writeCompressed();
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
