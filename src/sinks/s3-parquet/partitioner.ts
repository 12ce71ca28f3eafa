/**
 * The encoded partition of a record: the directories between `<topics.dir>/<topic>/` and a file's
 * name, as Confluent's partitioners (partitioner.class) name them:
 * - TimeBasedPartitioner: path.format of the record's time (timestamp.extractor) floored to
 *   partition.duration.ms in timezone's wall clock (path-format.ts);
 * - DailyPartitioner: 'year'=YYYY/'month'=MM/'day'=dd of one-day buckets;
 * - HourlyPartitioner: 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH of one-hour buckets;
 * - FieldPartitioner: `name=value` per partition.field.name field of the row image, joined by '/';
 * - DefaultPartitioner: `partition=<Kafka partition>`.
 * Field names and values are escaped as Hive escapes partition paths (`/` becomes %2F, `=` %3D, ...),
 * which Hive, Spark and DuckDB undo when they read the path back; a null or empty value is Hive's
 * __HIVE_DEFAULT_PARTITION__. So no value can add a directory or climb out of one.
 *
 * `createPartitioner` runs once per task; `encodedPartition` runs per record, never blocks, and
 * throws a SluiceError naming the record and the fix when the record has no time or field to use.
 * A time-based partitioner also gives its timestamp extractor (`timestampOf`), by which
 * rotate.interval.ms measures a file's time, as Confluent's TopicPartitionWriter takes it from
 * the partitioner; the others have none, and rotate.interval.ms does not apply to them.
 */
import type { SinkRecord } from '../../events.js';
import { SluiceError } from '../../errors.js';
import { describeValue } from '../../transforms/connect-data.js';
import { createTimeBucketFormat } from './path-format.js';
import type { PartitioningSettings } from './s3-sink-config.js';
import { createTimestampExtractor, recordRef, rowField, rowImageOf, type TimestampExtractor } from './timestamp-extractor.js';

export interface Partitioner {
  /** The record's directories, without leading or trailing '/'. */
  encodedPartition(record: SinkRecord): string;
  /** The time-based partitioners' timestamp.extractor; null for the others. */
  readonly timestampOf: TimestampExtractor | null;
}

export const DAILY_PATH_FORMAT = "'year'=YYYY/'month'=MM/'day'=dd";
export const HOURLY_PATH_FORMAT = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH";
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** `clock` is Wallclock's time source. */
export function createPartitioner(settings: PartitioningSettings, clock: () => number = Date.now): Partitioner {
  switch (settings.partitioner) {
    case 'TimeBasedPartitioner':
      return timeBased(settings, settings.pathFormat, settings.partitionDurationMs, clock);
    case 'DailyPartitioner':
      return timeBased(settings, DAILY_PATH_FORMAT, DAY_MS, clock);
    case 'HourlyPartitioner':
      return timeBased(settings, HOURLY_PATH_FORMAT, HOUR_MS, clock);
    case 'FieldPartitioner':
      return fieldPartitioner(settings.partitionFields);
    case 'DefaultPartitioner':
      return { encodedPartition: (record) => `partition=${record.kafkaPartition}`, timestampOf: null };
  }
}

function timeBased(settings: PartitioningSettings, pattern: string, durationMs: number, clock: () => number): Partitioner {
  const timestampOf = createTimestampExtractor(settings.timestampExtractor, settings.timestampField, clock);
  const buckets = createTimeBucketFormat({ pattern, durationMs, timeZone: settings.timeZone, locale: settings.locale });
  return { encodedPartition: (record) => buckets.pathOf(timestampOf(record)), timestampOf };
}

function fieldPartitioner(fields: readonly string[]): Partitioner {
  const names = fields.map((field) => ({ field, segment: `${escapePathName(field)}=` }));
  return {
    timestampOf: null,
    encodedPartition(record) {
      const image = rowImageOf(record);
      if ('missing' in image) {
        throw new SluiceError('S3_PARTITION_FIELD', `Record ${recordRef(record)} ${image.missing}, so FieldPartitioner finds no partition.field.name fields in it; keep such records from this sink, or choose another partitioner.class.`, { stage: 'put' });
      }
      return names.map(({ field, segment }) => segment + partitionValue(record, field, rowField(record, image, field, 'partition.field.name'))).join('/');
    },
  };
}

/** An integer, string or boolean as path text; nothing else names a partition well. */
function partitionValue(record: SinkRecord, field: string, { value, schema }: ReturnType<typeof rowField>): string {
  if (value === null || value === undefined) return HIVE_DEFAULT_PARTITION;
  const type = schema?.type;
  const usable = type === undefined
    ? typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint' || Number.isInteger(value)
    : ['int8', 'int16', 'int32', 'int64', 'string', 'boolean'].includes(type) && schema?.name !== 'io.debezium.data.Json';
  if (!usable) {
    const kind = schema === null ? describeValue(value) : `${type}${schema.name === undefined ? '' : ` (${schema.name})`}`;
    throw new SluiceError(
      'S3_PARTITION_FIELD',
      `partition.field.name "${field}" of record ${recordRef(record)} is a ${kind}, which cannot name a directory: partition by integer, text or boolean columns.`,
      { stage: 'put' },
    );
  }
  return escapePathName(String(value));
}

/** Hive's FileUtils.escapePathName: characters that mean something in paths or URIs become %XX. */
export function escapePathName(text: string): string {
  if (text === '') return HIVE_DEFAULT_PARTITION;
  let escaped = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    escaped += code < 0x20 || code === 0x7f || HIVE_ESCAPED.has(c) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return escaped;
}

const HIVE_ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^']);
