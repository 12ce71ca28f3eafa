/**
 * The open files of one topic partition: one per encoded partition (date directory), rotated
 * together, as Confluent's TopicPartitionWriter does, in whichever file format the task writes
 * (file-format.ts): rotation, keys and uploads are the same for every format. Rotating them
 * together is what keeps the committed offset simple and exact: after a rotation every record
 * written so far is in an uploaded object, so the committed offset is the one after the last
 * record; before it, none of the open files' records is committed.
 *
 * Contract (the sink task calls one method at a time):
 * - `write(record, partition, row, time)` appends a row (FileFormat.rowOf) to the encoded
 *   partition's file, opening it with the row's layout. Before it, the caller rotates when
 *   `changesSchema(partition, layout)` (Parquet: a column added, dropped or retyped: nothing is
 *   coerced into the old schema) or `intervalPassed(partition, time)` says so. `skip(record)`
 *   counts a record that writes no row (a tombstone) so that it is committed too; with no file
 *   open it is committed at once and counts toward no file.
 * - rotate.interval.ms, as Confluent's sink has it: `time` is the record's timestamp.extractor
 *   time (null when the partitioner is not time-based, where the interval does not apply), and a
 *   record whose time is rotate.interval.ms or more past the first written record's, or that goes
 *   to another encoded partition than the record written before it, rotates the files before it
 *   is written and begins the next ones. It depends only on the records, so records delivered
 *   again are cut where they were cut before (with Record or RecordField times).
 * - `rotationDue()` tells, after a write, whether flush.size records or a file of rotate.size.bytes
 *   call for a rotation; `scheduledRotationDue(now)` whether a rotate.schedule.interval.ms boundary
 *   of the wall clock passed. Records delivered again after a crash are cut exactly where the run
 *   before cut them (`replayCuts`), by no policy; `cutBefore(record)` names a cut that a record
 *   lies past (a snapshot row read again: the row at the cut may be gone), where the caller
 *   rotates before writing it.
 * - `rotate(end)` finishes every file, uploads each under its key and deletes the local copy; it
 *   throws (RetriableError from the store) with the files left in place, and a later call uploads
 *   them again under the same keys. `end` is the position the files end at (the cut noted), by
 *   default the last record's; the next rotation's files are named after it (object-key.ts).
 * - `committedOffset()`: the next offset after the last record in an uploaded object, or null.
 * - `discard()` drops the open files (partition closed, task stopped): their records were never
 *   committed, so they are delivered again.
 */
import { join } from 'node:path';
import type { SinkRecord } from '../../events.js';
import { objectKey, type ObjectKeyContext } from './object-key.js';
import type { FileFormat, FileLayout, FinishedFile, FormatRow, SpoolFile } from './file-format.js';
import type { ObjectStore } from './object-store.js';

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
  format: FileFormat;
  /** A directory of this task's own, for the open files. */
  stagingDir: string;
  store: ObjectStore;
  /** Unique local file names across all partitions of the task. */
  nextLocalName(): string;
  /** The position cuts are noted at (the record's source position standalone, its offset in Kafka mode: file-cuts.ts). */
  positionOf(record: SinkRecord): string | null;
}

interface OpenFile {
  key: string;
  spool: SpoolFile;
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
  /** The last record written or counted. */
  private lastRecord: SinkRecord | null = null;
  private committed: number | null = null;
  /** The time of the first record written since the last rotation (rotate.interval.ms counts from it). */
  private firstTime: number | null = null;
  /** The encoded partition of the last record written since the last rotation. */
  private lastEncodedPartition: string | null = null;
  private scheduledAt: number | null = null;
  private oversized = false;
  /** The position the current rotation's files begin after (object-key.ts names them by it). */
  private rotationAfter: string | null;

  /**
   * `replayCuts`: where files were cut before a crash and not yet committed (file-cuts.ts). Until
   * the records pass the last of them, files end exactly there and nowhere else. `durable`: the
   * position of the last record reported durable (standalone: SinkCuts.durable), where this task's
   * files begin.
   */
  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly options: TopicPartitionFilesOptions,
    private replayCuts: string[] = [],
    durable: string | null = null,
  ) {
    this.rotationAfter = durable;
  }

  get openFiles(): ReadonlyArray<SpoolFile> {
    return [...this.files.values()].map((file) => file.spool);
  }

  changesSchema(encodedPartition: string, layout: FileLayout): boolean {
    const open = this.files.get(encodedPartition)?.spool.layout;
    return open !== undefined && open !== layout && open.fingerprint !== layout.fingerprint;
  }

  /**
   * Whether rotate.interval.ms rotates the files before a record of `time` for `encodedPartition` is
   * written: its time is the interval or more past the first written record's, or it goes to
   * another directory than the record before it. Never while records delivered again are still
   * before the last cut of the run before (those cuts decide).
   */
  intervalPassed(encodedPartition: string, time: number | null): boolean {
    const interval = this.options.policy.rotateIntervalMs;
    if (interval === null || time === null || this.firstTime === null || this.replaying()) return false;
    return time - this.firstTime >= interval || encodedPartition !== this.lastEncodedPartition;
  }

  /** `time`: the record's timestamp.extractor time when rotate.interval.ms applies, else null. */
  async write(record: SinkRecord, encodedPartition: string, row: FormatRow, time: number | null, now: number): Promise<void> {
    const { format } = this.options;
    let file = this.files.get(encodedPartition);
    if (!file) {
      const spool = await format.create(join(this.options.stagingDir, this.options.nextLocalName()), row.layout);
      file = { key: objectKey(this.options.keys, record, this.rotationAfter, encodedPartition, format.extension), spool };
      this.files.set(encodedPartition, file);
    }
    await file.spool.append(row.values);
    this.oversized ||= await file.spool.reaches(this.options.policy.rotateSizeBytes);
    this.firstTime ??= time;
    this.lastEncodedPartition = encodedPartition;
    this.counted(record, now);
  }

  /** The position of the last record counted (positionOf), when records have one; made when asked, not per record. */
  get lastPosition(): string | null {
    return this.lastRecord === null ? null : this.options.positionOf(this.lastRecord);
  }

  private get lastOffset(): number | null {
    return this.lastRecord?.kafkaOffset ?? null;
  }

  /** Whether records were written or counted since the last rotation. */
  get holdsRecords(): boolean {
    return this.records > 0;
  }

  /** Whether `record` was already written or counted (a put offered again after it threw). */
  holds(record: SinkRecord): boolean {
    return this.lastOffset !== null && record.kafkaOffset <= this.lastOffset;
  }

  skip(record: SinkRecord, now: number): void {
    // With no file open it is committed at once, and a crash may resume just past it: counted, it
    // would cut the next files a record away from where records delivered again are cut.
    if (this.files.size === 0) {
      this.lastRecord = record;
      return;
    }
    this.counted(record, now);
  }

  /** The layout of the file open for `encodedPartition`, if any. */
  layoutOf(encodedPartition: string): FileLayout | undefined {
    return this.files.get(encodedPartition)?.spool.layout;
  }

  /**
   * Whether the records written call for a rotation: flush.size or rotate.size.bytes; while
   * replaying, the next cut of the run before.
   */
  rotationDue(): boolean {
    if (this.records === 0) return false;
    if (this.replaying()) return this.lastPosition! >= this.replayCuts[0]!;
    const { flushSize } = this.options.policy;
    return this.oversized || (flushSize > 0 && this.records >= flushSize);
  }

  /** Whether the wall clock has passed this rotation's rotate.schedule.interval.ms boundary. */
  scheduledRotationDue(now: number): boolean {
    return this.records > 0 && !this.replaying() && this.scheduledAt !== null && now >= this.scheduledAt;
  }

  /** While replaying, the cut of the run before that `record` lies past, or null. */
  cutBefore(record: SinkRecord): string | null {
    const cut = this.replayCuts[0];
    if (cut === undefined) return null;
    const position = this.options.positionOf(record);
    return position !== null && position > cut ? cut : null;
  }

  /** Whether records delivered again are still before the last cut of the run before the crash. */
  private replaying(): boolean {
    return this.replayCuts.length > 0 && this.lastPosition !== null;
  }

  async rotate(end: string | null = this.lastPosition): Promise<RotationSummary> {
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
    if (end !== null) {
      this.replayCuts = this.replayCuts.filter((cut) => cut > end);
      this.rotationAfter = end;
    }
    this.records = 0;
    this.firstTime = this.scheduledAt = null;
    this.lastEncodedPartition = null;
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
    this.lastRecord = record;
    this.records++;
    const schedule = this.options.policy.rotateScheduleIntervalMs;
    if (schedule !== null && this.scheduledAt === null) this.scheduledAt = (Math.floor(now / schedule) + 1) * schedule;
  }
}
