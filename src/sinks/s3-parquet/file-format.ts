/**
 * The seam between what a file holds and how files are rotated, named and uploaded: the topic
 * partition files (topic-partition-files.ts) write every format through these interfaces and know
 * nothing of any one. Two formats: Parquet (parquet-format.ts) and JSON lines (json-lines-format.ts);
 * a task uses one, chosen by format.class.
 *
 * - `FileFormat.rowOf(record, open)` turns a record (never a tombstone: the task passes those over
 *   before asking) into what its file appends, and the layout that file must have, fitted to the
 *   layout of the file already open for its directory. Files whose layouts have different
 *   fingerprints cannot take each other's rows: the open file is rotated first. Pure; throws for a
 *   value the format cannot write.
 * - `FileFormat.create(path, layout)` opens a spool file on local disk; `append` adds a row (it may
 *   block on a disk write), `flushBuffer` writes out what the file buffers in memory (the sink's
 *   memory budget asks), `release` (gzip JSON lines) also frees what the file keeps between writes,
 *   `reaches(bytes)` tells whether the file has grown to rotate.size.bytes, `finish` completes,
 *   fsyncs and closes it, `discard` closes and deletes it. Calls never overlap; after a failed call
 *   the file is unusable: discard it.
 */
import type { SinkRecord } from '../../events.js';

/** The shape of a file's contents: rows of layouts with equal fingerprints may go into one file. */
export interface FileLayout {
  readonly fingerprint: string;
}

export interface FormatRow<Layout extends FileLayout = FileLayout, Row = unknown> {
  layout: Layout;
  values: Row;
}

export interface FileFormat<Layout extends FileLayout = FileLayout, Row = unknown> {
  /** The object name's extension, without the leading dot: parquet, json, json.gz. */
  readonly extension: string;
  /** For logs: "Parquet (snappy)", "JSON lines (gzip)". */
  readonly description: string;
  /** What `record` appends, or null when it writes nothing. */
  rowOf(record: SinkRecord, open: Layout | undefined): FormatRow<Layout, Row> | null;
  /** Creates (or truncates) the file at `path`, creating its directory if needed. */
  create(path: string, layout: Layout): Promise<SpoolFile<Layout, Row>>;
}

export interface SpoolFile<Layout extends FileLayout = FileLayout, Row = unknown> {
  readonly layout: Layout;
  /** A running estimate of the memory this open file holds: its buffered rows and what it keeps besides. */
  readonly bufferedBytes: number;
  /** What `bufferedBytes` would be with nothing buffered: what `flushBuffer` cannot free. */
  readonly restingBytes: number;
  append(row: Row): Promise<void>;
  /** Writes the buffered rows to the file; nothing when none are buffered. */
  flushBuffer(): Promise<void>;
  /**
   * Formats that keep memory between writes and can let go of it mid-file: writes the buffered
   * rows out and frees all the file holds (a gzip file ends its member). The file's rows stay the
   * same; its bytes may not.
   */
  release?(): Promise<void>;
  /**
   * Whether the file, finished now, would hold about `bytes` or more: the bytes written so far plus
   * what the buffered rows are expected to add. It may write the buffered rows out to measure them.
   */
  reaches(bytes: number): Promise<boolean>;
  /** Writes the rest, fsyncs and closes the file. */
  finish(): Promise<FinishedFile>;
  /** Closes (if still open) and deletes the file. Safe to call at any time, also twice. */
  discard(): Promise<void>;
}

export interface FinishedFile {
  path: string;
  bytes: number;
  rows: number;
}
