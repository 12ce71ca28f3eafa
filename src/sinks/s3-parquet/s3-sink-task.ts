/**
 * The S3 sink task: change events in, one Parquet row or one JSON line each (format.class), in
 * date-partitioned files that are uploaded whole when they rotate; offsets durable only once the
 * objects holding their records are uploaded.
 *
 * Stages per record: the topic partition's files (topic-partition-files.ts) -> the encoded
 * partition (partitioner.ts) -> the record's row in the file format (file-format.ts: Parquet's
 * layout and row, parquet-format.ts, or a JSON line, json-lines-format.ts) -> appended to that
 * directory's open file (the files rotated first when rotate.interval.ms or a schema change says
 * so), spooled on local disk -> on rotation, uploaded under a key named after the file's first
 * record (object-key.ts) to the object store (object-store.ts). A tombstone (a null value) writes
 * nothing in either format (behavior.on.null.values=ignore) and is committed with the records
 * around it.
 *
 * Contract (SinkTask):
 * - `start` checks the store (bucket or directory reachable and writable) and empties this task's
 *   staging directory: files left there by a crash were never committed and are written again.
 * - `put` may block on uploads (a rotation) and on local disk writes. It is safe to call again
 *   with the same records after it threw: records already written are passed over, a rotation that
 *   failed half-way uploads the rest under the same keys.
 * - Memory: all open files together hold at most about `buffer.memory.bytes` (their buffered rows,
 *   output buffers and gzip members), checked every BUDGET_CHECK_RECORDS records; past that the
 *   largest buffer is written out early (a Parquet row group; the file stays open), and then the
 *   gzip files holding the most end their members. No file is closed for memory: a cut there
 *   would fall at other records when they are delivered again.
 * - `flush` rotates every topic partition's files now (a clean stop uploads what it holds).
 * - `preCommit` rotates the files whose rotate.schedule.interval.ms boundary has passed and returns,
 *   per topic partition, the offset after the last record in an uploaded object. Records still in
 *   open files are not committed, so after a crash they are delivered again and rewritten under
 *   the same keys (see object-key.ts for the one exception, snapshot rows).
 * - Exactly once: every rotation notes where it cuts before it uploads (file-cuts.ts: standalone in
 *   the worker's offsets, in Kafka mode in the store), and records delivered again after a crash
 *   are cut at exactly those records, so the same objects are rewritten with the same rows and none
 *   overlaps another, whatever decided the cut (a file's compressed size, for one, depends on when
 *   the memory budget wrote its rows out).
 */
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { SinkTask, SinkTaskContext, TopicPartition } from '../../contracts/sink-task.js';
import { topicPartitionKey, type SinkRecord, type TopicPartitionOffsets } from '../../events.js';
import { KafkaCutLog, offsetPosition, standaloneCuts, type FileCuts } from './file-cuts.js';
import type { FileFormat, SpoolFile } from './file-format.js';
import { jsonLinesFormat } from './json-lines-format.js';
import { newRunId, type ObjectKeyContext } from './object-key.js';
import { openObjectStore, type ObjectStore, type ObjectStoreSettings } from './object-store.js';
import { parquetFormat } from './parquet-format.js';
import { createPartitioner, type Partitioner } from './partitioner.js';
import type { S3SinkConfig } from './s3-sink-config.js';
import type { TimestampExtractor } from './timestamp-extractor.js';
import { TopicPartitionFiles, type TopicPartitionFilesOptions } from './topic-partition-files.js';

/** The memory budget is checked this often within a put (and at its end): a put may hold thousands of records. */
const BUDGET_CHECK_RECORDS = 64;

export type OpenStore = (settings: ObjectStoreSettings, logger: Logger) => ObjectStore;

export class S3ParquetSinkTask implements SinkTask {
  private logger!: Logger;
  private cuts: FileCuts | undefined;
  private store!: ObjectStore;
  private partitioner!: Partitioner;
  /** The time rotate.interval.ms measures (the partitioner's timestamp.extractor); null when it does not apply. */
  private rotationTimeOf: TimestampExtractor | null = null;
  private format!: FileFormat;
  private filesOptions!: Omit<TopicPartitionFilesOptions, 'keys'> & { keys: ObjectKeyContext };
  private readonly partitions = new Map<string, TopicPartitionFiles>();
  private localNames = 0;

  constructor(
    private readonly config: S3SinkConfig,
    private readonly openStore: OpenStore = openObjectStore,
  ) {}

  async start(context: SinkTaskContext): Promise<void> {
    this.logger = context.logger;
    for (const warning of this.config.warnings) this.logger.warn({ key: warning.key }, warning.message);
    this.store = this.openStore(this.config.store, this.logger);
    await this.store.check();
    const { files, parquet, rows, json } = this.config;
    if (context.cuts) this.cuts = standaloneCuts(context.cuts);
    else if (context.stableOffsets) this.cuts = new KafkaCutLog({ store: this.store, topicsDir: files.topicsDir, connector: context.connector, resumeOffset: context.resumeOffset });
    const configured = this.config.files.stagingDir;
    const stagingDir = configured === null ? context.workDir : join(configured, basename(context.workDir));
    await rm(stagingDir, { recursive: true, force: true });
    await mkdir(stagingDir, { recursive: true });
    this.partitioner = createPartitioner(this.config.partitioning);
    this.rotationTimeOf = this.config.files.rotateIntervalMs === null ? null : this.partitioner.timestampOf;
    const format = (this.format = files.format === 'json' ? jsonLinesFormat(json) : await parquetFormat(parquet, rows));
    this.filesOptions = {
      keys: { topicsDir: files.topicsDir, stableOffsets: context.stableOffsets, runId: newRunId() },
      policy: files,
      format,
      stagingDir,
      store: this.store,
      nextLocalName: () => `${++this.localNames}.${format.extension}`,
      positionOf: context.stableOffsets ? (record) => offsetPosition(record.kafkaOffset) : (record) => record.position,
    };
    this.logger.info({ store: this.store.describe(), stagingDir }, `S3 sink writing ${format.description} files`);
  }

  /** The bytes all open files hold in memory (what buffer.memory.bytes bounds). */
  get bufferedBytes(): number {
    let bytes = 0;
    for (const files of this.partitions.values()) for (const file of files.openFiles) bytes += file.bufferedBytes;
    return bytes;
  }

  async open(_partitions: TopicPartition[]): Promise<void> {}

  async put(records: SinkRecord[]): Promise<void> {
    const now = Date.now();
    let files: TopicPartitionFiles | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (files?.topic !== record.topic || files.partition !== record.kafkaPartition) files = await this.filesOf(record);
      for (let cut = files.cutBefore(record); cut !== null; cut = files.cutBefore(record)) await this.rotate(files, cut);
      if (!files.holds(record)) await this.write(record, files, now);
      // Also for a record written before: its rotation may be what failed.
      if (files.rotationDue()) await this.rotate(files);
      if ((i + 1) % BUDGET_CHECK_RECORDS === 0) await this.keepWithinMemoryBudget();
    }
    await this.keepWithinMemoryBudget();
  }

  async preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets> {
    const now = Date.now();
    const durable: TopicPartitionOffsets = new Map();
    for (const [key, files] of this.partitions) {
      if (files.rotationDue() || files.scheduledRotationDue(now)) await this.rotate(files);
      const committed = files.committedOffset();
      if (committed !== null && current.has(key)) durable.set(key, committed);
    }
    return durable;
  }

  /** Uploads every open file, whatever the rotation policies say (a clean stop, too many unacknowledged records). */
  async flush(): Promise<void> {
    for (const files of this.partitions.values()) if (files.holdsRecords) await this.rotate(files);
  }

  async close(partitions: TopicPartition[]): Promise<void> {
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition);
      await this.partitions.get(key)?.discard();
      this.partitions.delete(key);
    }
  }

  async stop(): Promise<void> {
    for (const files of this.partitions.values()) await files.discard();
    this.partitions.clear();
    this.store?.close();
  }

  private async filesOf(record: SinkRecord): Promise<TopicPartitionFiles> {
    const key = topicPartitionKey(record.topic, record.kafkaPartition);
    let files = this.partitions.get(key);
    if (!files) {
      const { cuts, durable } = (await this.cuts?.load(record)) ?? { cuts: [], durable: null };
      files = new TopicPartitionFiles(record.topic, record.kafkaPartition, this.filesOptions, cuts, durable);
      this.partitions.set(key, files);
    }
    return files;
  }

  /**
   * Appends the record's row to its directory's file, rotating first when rotate.interval.ms says so
   * or the file's layout cannot take it.
   */
  private async write(record: SinkRecord, files: TopicPartitionFiles, now: number): Promise<void> {
    // A tombstone writes nothing (behavior.on.null.values=ignore); counting it commits it.
    if (record.value === null) return files.skip(record, now);
    const encodedPartition = this.partitioner.encodedPartition(record);
    const time = this.rotationTimeOf?.(record) ?? null;
    if (files.intervalPassed(encodedPartition, time)) await this.rotate(files);
    const row = this.format.rowOf(record, files.layoutOf(encodedPartition));
    if (row === null) return files.skip(record, now);
    if (files.changesSchema(encodedPartition, row.layout)) await this.rotate(files);
    await files.write(record, encodedPartition, row, time, now);
  }

  /**
   * Where the files end is noted first (file-cuts.ts), so that if the worker dies before these
   * records are committed, their second delivery ends its files at the same record and rewrites
   * the same objects, whatever decided the cut (count, size, clock, a flush, a stop).
   */
  private async rotate(files: TopicPartitionFiles, end = files.lastPosition): Promise<void> {
    if (end !== null && this.cuts) await this.cuts.note(files.topic, files.partition, end);
    const summary = await files.rotate(end);
    if (summary.files > 0) this.logger.info({ topic: files.topic, partition: files.partition, ...summary }, `uploaded ${summary.files} file(s): ${summary.rows} rows, ${summary.bytes} bytes`);
  }

  /**
   * While the open files hold more than buffer.memory.bytes: first the largest buffers are written
   * out, files staying as they are (a Parquet row group; lines into a gzip file's open member);
   * then the files holding the most release all of it (a gzip file ends its member, whose deflate
   * state nothing else frees, and a file with no member open writes its lines as a member ended
   * at once). Files are never closed for memory (see the contract above).
   */
  private async keepWithinMemoryBudget(): Promise<void> {
    const budget = this.config.files.bufferMemoryBytes;
    const freeable = (file: SpoolFile) => file.bufferedBytes - file.restingBytes;
    while (this.bufferedBytes > budget) {
      const open = [...this.partitions.values()].flatMap((files) => files.openFiles);
      const largest = open.reduce((a, b) => (freeable(b) > freeable(a) ? b : a));
      if (freeable(largest) > 0) {
        await largest.flushBuffer();
        continue;
      }
      const releasable = open.filter((file) => file.release !== undefined && file.bufferedBytes > 0);
      // What is left (a Parquet file's resting output buffer) only finishing the file frees.
      if (releasable.length === 0) return;
      await releasable.reduce((a, b) => (b.bufferedBytes > a.bufferedBytes ? b : a)).release!();
    }
  }
}
