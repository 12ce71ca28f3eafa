/**
 * The open files of one topic partition: one per encoded partition (date directory), rotated
 * together, as Confluent's TopicPartitionWriter does. Rotating them together is what keeps the
 * committed offset simple and exact: after a rotation every record written so far is in an uploaded
 * object, so the committed offset is the one after the last record; before it, none of the open
 * files' records is committed.
 *
 * Contract (the sink task calls one method at a time):
 * - `write(record, partition, layout, row)` appends a row to the encoded partition's file, opening it
 *   with the record's layout. A record whose layout differs from its file's (a column added, dropped
 *   or retyped) first rotates every file: nothing is coerced into the old schema.
 *   `skip(record)` counts a record that writes no row (a tombstone) so that it is committed too.
 * - `rotationDue()` tells whether a rotation policy of the records fired (flush.size records, a
 *   file past rotate.size.bytes, rotate.interval.ms of event time); `scheduledRotationDue(now)`
 *   whether a rotate.schedule.interval.ms boundary of the wall clock passed. `rotate()` finishes every file, uploads each under its key and deletes the
 *   local copy; it throws (RetriableError from the store) with the files left in place, and a later
 *   call uploads them again under the same keys.
 * - `committedOffset()`: the next offset after the last record in an uploaded object, or null.
 * - `discard()` drops the open files (partition closed, task stopped): their records were never
 *   committed, so they are delivered again.
 */
import { join } from 'node:path';
import type { SinkRecord } from '../../events.js';
import { objectKey, type ObjectKeyContext } from './object-key.js';
import type { ObjectStore } from './object-store.js';
import type { ParquetLayout } from './parquet-columns.js';
import { ParquetSpoolFile, type FinishedFile, type SpoolFileOptions } from './parquet-spool-file.js';

export interface RotationPolicy {
  /** 0: no record limit. */
  flushSize: number;
  rotateSizeBytes: number;
  rotateIntervalMs: number | null;
  rotateScheduleIntervalMs: number | null;
}

export interface TopicPartitionFilesOptions {
  keys: ObjectKeyContext;
  policy: RotationPolicy;
  spool: SpoolFileOptions;
  /** A directory of this task's own, for the open files. */
  stagingDir: string;
  store: ObjectStore;
  /** Unique local file names across all partitions of the task. */
  nextLocalName(): string;
}

interface OpenFile {
  key: string;
  spool: ParquetSpoolFile;
  /** Set once the file is complete on disk, so that a failed upload is retried without rewriting it. */
  finished?: FinishedFile;
}

export interface RotationSummary {
  files: number;
  rows: number;
  bytes: number;
}

export class TopicPartitionFiles {
  private readonly files = new Map<string, OpenFile>();
  private records = 0;
  private lastOffset: number | null = null;
  private committed: number | null = null;
  private firstEventTime: number | null = null;
  private lastEventTime: number | null = null;
  private scheduledAt: number | null = null;
  private oversized = false;

  constructor(private readonly options: TopicPartitionFilesOptions) {}

  get openFiles(): ReadonlyArray<ParquetSpoolFile> {
    return [...this.files.values()].map((file) => file.spool);
  }

  async write(record: SinkRecord, encodedPartition: string, layout: ParquetLayout, row: unknown[], now: number): Promise<RotationSummary | null> {
    let rotated: RotationSummary | null = null;
    const open = this.files.get(encodedPartition);
    if (open && open.spool.layout !== layout && open.spool.layout.fingerprint !== layout.fingerprint) rotated = await this.rotate();
    let file = this.files.get(encodedPartition);
    if (!file) {
      const spool = await ParquetSpoolFile.create(join(this.options.stagingDir, this.options.nextLocalName()), layout, this.options.spool);
      file = { key: objectKey(this.options.keys, record, encodedPartition), spool };
      this.files.set(encodedPartition, file);
    }
    await file.spool.append(row);
    if (file.spool.fileBytes >= this.options.policy.rotateSizeBytes) this.oversized = true;
    this.counted(record, now);
    return rotated;
  }

  /** Whether `record` was already written or counted (a put offered again after it threw). */
  holds(record: SinkRecord): boolean {
    return this.lastOffset !== null && record.kafkaOffset <= this.lastOffset;
  }

  skip(record: SinkRecord, now: number): void {
    this.counted(record, now);
  }

  /** The layout of the file open for `encodedPartition`, if any. */
  layoutOf(encodedPartition: string): ParquetLayout | undefined {
    return this.files.get(encodedPartition)?.spool.layout;
  }

  /**
   * Whether the records written call for a rotation: flush.size, rotate.size.bytes, or
   * rotate.interval.ms of event time. These depend only on the records, so the same records
   * delivered again after a crash end their files at the same places.
   */
  rotationDue(): boolean {
    if (this.records === 0) return false;
    const { flushSize, rotateIntervalMs } = this.options.policy;
    if (this.oversized || (flushSize > 0 && this.records >= flushSize)) return true;
    return rotateIntervalMs !== null && this.lastEventTime! - this.firstEventTime! >= rotateIntervalMs;
  }

  /** Whether the wall clock has passed this rotation's rotate.schedule.interval.ms boundary. */
  scheduledRotationDue(now: number): boolean {
    return this.records > 0 && this.scheduledAt !== null && now >= this.scheduledAt;
  }

  async rotate(): Promise<RotationSummary> {
    const summary: RotationSummary = { files: 0, rows: 0, bytes: 0 };
    for (const [encodedPartition, file] of this.files) {
      const finished = (file.finished ??= await file.spool.finish());
      await this.options.store.upload(file.key, finished.path, finished.bytes);
      await file.spool.discard();
      this.files.delete(encodedPartition);
      summary.files++;
      summary.rows += finished.rows;
      summary.bytes += finished.bytes;
    }
    if (this.lastOffset !== null) this.committed = this.lastOffset + 1;
    this.records = 0;
    this.firstEventTime = this.lastEventTime = this.scheduledAt = null;
    this.oversized = false;
    return summary;
  }

  committedOffset(): number | null {
    // Records that wrote no row are committed once no file holds back an earlier one.
    if (this.files.size === 0 && this.lastOffset !== null) return this.lastOffset + 1;
    return this.committed;
  }

  async discard(): Promise<void> {
    for (const file of this.files.values()) await file.spool.discard();
    this.files.clear();
  }

  private counted(record: SinkRecord, now: number): void {
    this.lastOffset = record.kafkaOffset;
    this.records++;
    this.firstEventTime ??= record.timestamp;
    this.lastEventTime = record.timestamp;
    const schedule = this.options.policy.rotateScheduleIntervalMs;
    if (schedule !== null && this.scheduledAt === null) this.scheduledAt = (Math.floor(now / schedule) + 1) * schedule;
  }
}
