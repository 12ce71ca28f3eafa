/**
 * The S3 Parquet sink's config: every key it reads, declared once (config/config-definition.ts), and
 * `parseS3SinkConfig`, which turns a connector's flat string map into the typed settings the sink
 * task, its object store and its partitioner use. Pure; called when the connector starts or is
 * validated; throws one ConfigError listing every problem.
 *
 * Keys shared with Confluent's S3 sink keep their names and meaning (s3.bucket.name, s3.region,
 * s3.part.size, topics.dir, flush.size, rotate.*, partitioner.class, path.format,
 * partition.duration.ms, timezone, locale, timestamp.*, partition.field.name, format.class,
 * s3.compression.type, s3.compression.level, parquet.codec, behavior.on.null.values), so configs
 * move over. Where we differ:
 * - `flush.size` defaults to 0, no record limit (Confluent requires it): files rotate by size
 *   (`rotate.size.bytes`, our key) and time, which bounds them better than a record count.
 * - `timezone` defaults to UTC and `path.format` / `partition.duration.ms` to daily partitions
 *   (Confluent has no defaults and refuses a TimeBasedPartitioner without them).
 * - `timestamp.field` has no default (Confluent's is "timestamp"): RecordField needs it named.
 * - `behavior.on.null.values` is always ignore (Confluent's default is fail): tombstones are passed
 *   over in every format, and fail or write are refused rather than silently not honoured.
 * Aiven's S3 sink's keys are read too (aiven-s3-keys.ts): its names of ours as aliases, its
 * format and compression keys beside ours.
 * Our own keys: `store.url` (S3-compatible servers and local directories), `rotate.size.bytes`,
 * `buffer.memory.bytes`, `staging.dir`, `parquet.row.group.rows`, `parquet.uuid.type`,
 * `parquet.time.type`, `metadata.field.prefix`, `unavailable.value.placeholder`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combineDefinitions, type ConfigDefinition, type ConfigProblem, type Validator } from '../../config/config-definition.js';
import type { ConfigValues } from '../../config/config-values.js';
import { SINK_CONNECTOR_CONFIG } from '../../config/connector-common.js';
import { parseOrThrow, type RawConfig } from '../../config/validate-config.js';
import { atLeast, oneOf, range } from '../../config/validators.js';
import { DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER } from '../opensearch/opensearch-sink-config.js';
import { AIVEN, AIVEN_S3_KEYS, aivenCompression, aivenKeysNotRead, aivenOutputFormat } from './aiven-s3-keys.js';
import type { JsonCompression } from './json-lines-format.js';
import type { ObjectStoreSettings } from './object-store.js';
import type { LayoutOptions } from './parquet-columns.js';
import { TIME_TYPES, UUID_TYPES, type TimeType, type UuidType } from './parquet-value-types.js';
import { DAILY_PATH_FORMAT } from './partitioner.js';
import { pathFormatError } from './path-format.js';
import { TIMESTAMP_EXTRACTORS, type TimestampExtractorKind } from './timestamp-extractor.js';

/** Our short name, and the class names of the sinks whose configs we accept. */
export const S3_PARQUET_SINK_CLASS = 'S3ParquetSink';
export const CONFLUENT_S3_SINK_CLASS = 'io.confluent.connect.s3.S3SinkConnector';
export const AIVEN_S3_SINK_CLASS = 'io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector';
export const S3_PARQUET_SINK_ALIASES: readonly string[] = [CONFLUENT_S3_SINK_CLASS, AIVEN_S3_SINK_CLASS];

const MIN_PART_SIZE = 5 * 1024 * 1024;

export const PARTITIONERS = ['TimeBasedPartitioner', 'DailyPartitioner', 'HourlyPartitioner', 'FieldPartitioner', 'DefaultPartitioner'] as const;
/** The partitioners with a timestamp.extractor, which rotate.interval.ms measures by. */
const TIME_BASED: ReadonlySet<PartitionerClass> = new Set(['TimeBasedPartitioner', 'DailyPartitioner', 'HourlyPartitioner']);
const CONFLUENT_PARTITIONER_PACKAGE = 'io.confluent.connect.storage.partitioner.';
const FORMAT_CLASSES: Readonly<Record<string, OutputFormat>> = {
  parquet: 'parquet',
  json: 'json',
  'io.confluent.connect.s3.format.parquet.ParquetFormat': 'parquet',
  'io.confluent.connect.s3.format.json.JsonFormat': 'json',
};
const PARQUET_CODECS = ['snappy', 'zstd', 'gzip', 'none'] as const;
const JSON_COMPRESSIONS: readonly JsonCompression[] = ['none', 'gzip'];
/** The keys only one format reads, warned about when set for the other. */
const FORMAT_KEYS: Readonly<Record<OutputFormat, readonly string[]>> = {
  parquet: ['parquet.codec', 'parquet.row.group.rows', 'parquet.uuid.type', 'parquet.time.type', 'metadata.field.prefix', 'unavailable.value.placeholder'],
  json: ['s3.compression.type', 's3.compression.level'],
};

const fileFormat: Validator = {
  describe: `one of ${Object.keys(FORMAT_CLASSES).join(', ')}`,
  recommended: Object.keys(FORMAT_CLASSES),
  check: (value) => (FORMAT_CLASSES[String(value)] === undefined ? `"${String(value)}" is not a format: use parquet or json` : undefined),
};

const ignoreNulls: Validator = {
  describe: 'ignore',
  recommended: ['ignore'],
  check: (value) => (String(value).toLowerCase() === 'ignore' ? undefined : 'Tombstones (null values) are always passed over and committed: use ignore'),
};

export type PartitionerClass = (typeof PARTITIONERS)[number];
export type OutputFormat = 'parquet' | 'json';
export type ParquetCodec = (typeof PARQUET_CODECS)[number];

const STORE = 'Object Store';
const FILES = 'Files';
const PARTITIONING = 'Partitioning';
const ROWS = 'Rows';

const storeUrl: Validator = {
  describe: 'http(s)://host:port or file:///directory',
  check: (value) => storeUrlProblem(String(value)),
};

const bucketName: Validator = {
  describe: 'a bucket name',
  check: (value) => (/[/\s]/.test(String(value)) ? 'A bucket name has no slashes or spaces: write my-bucket, not s3://my-bucket/ (put key prefixes in topics.dir)' : undefined),
};

const keyPrefix: Validator = {
  describe: 'a key prefix such as topics or data/cdc',
  check: (value) => {
    const prefix = trimSlashes(String(value));
    return prefix !== '' && prefix.split('/').some((segment) => segment === '' || segment === '.' || segment === '..') ? 'Path segments may not be empty, . or ..' : undefined;
  },
};

const offOrPositive: Validator = {
  describe: '-1 (off) or [1,...]',
  check: (value) => (value === -1 || (typeof value === 'number' && value >= 1) ? undefined : 'Value must be -1 (off) or at least 1'),
};

const jodaPattern: Validator = {
  describe: "a Joda-Time pattern such as 'year'=YYYY/'month'=MM",
  check: (value) => pathFormatError(String(value)),
};

const timeZone: Validator = {
  describe: 'an IANA time zone',
  check: (value) => (canonicalTimeZone(String(value)) === undefined ? `Unknown time zone "${String(value)}": use an IANA name such as UTC, Europe/Berlin or America/New_York` : undefined),
};

const locale: Validator = {
  describe: 'a locale such as en-US',
  check: (value) => (canonicalLocale(String(value)) === undefined ? `"${String(value)}" is not a locale this runtime has data for: use a language tag such as en-US, de-DE or fr-FR` : undefined),
};

export const S3_SINK_KEYS: ConfigDefinition = {
  checks: [checkStore, checkPartitioning],
  keys: [
    {
      name: 's3.bucket.name', type: 'STRING', default: null, importance: 'HIGH', group: STORE, width: 'LONG', displayName: 'S3 Bucket', validator: bucketName, aliases: [{ name: 'aws.s3.bucket.name', origin: AIVEN }],
      documentation: 'The bucket the files are written to. Required, except when store.url is a file:/// directory.',
    },
    {
      name: 's3.region', type: 'STRING', default: 'us-west-2', importance: 'MEDIUM', group: STORE, width: 'MEDIUM', displayName: 'AWS region', aliases: [{ name: 'aws.s3.region', origin: AIVEN }],
      documentation: 'The AWS region of the bucket, which requests are sent to and signed for: AWS refuses a bucket of another region, and the sink then says which region the bucket is in. S3-compatible servers usually accept any. Default us-west-2, as in Confluent\'s and Aiven\'s S3 sinks.',
    },
    {
      name: 'store.url', type: 'STRING', default: null, importance: 'HIGH', group: STORE, width: 'LONG', displayName: 'Store URL', validator: storeUrl, aliases: [{ name: 'aws.s3.endpoint', origin: AIVEN }],
      documentation: 'Where the objects go. Unset (the default): AWS S3. http(s)://host:port: an S3-compatible server such as MinIO (usually with s3.path.style.access.enabled=true). file:///absolute/directory: a local directory, the bucket then unused.',
    },
    {
      name: 's3.path.style.access.enabled', type: 'BOOLEAN', default: false, importance: 'LOW', group: STORE, width: 'SHORT', displayName: 'Path-style access',
      documentation: 'Whether requests address the bucket in the path (http://host/bucket/key) rather than the host name (http://bucket.host/key). Default false, as AWS wants; MinIO and most S3-compatible servers want true.',
    },
    {
      name: 'aws.access.key.id', type: 'STRING', default: null, importance: 'HIGH', group: STORE, width: 'MEDIUM', displayName: 'AWS access key id',
      documentation: 'The access key id to sign requests with, together with aws.secret.access.key. Unset (the default): the AWS default credential chain (environment, shared config files, instance or container role).',
    },
    {
      name: 'aws.secret.access.key', type: 'PASSWORD', default: null, importance: 'HIGH', group: STORE, width: 'MEDIUM', displayName: 'AWS secret access key',
      documentation: 'The secret access key belonging to aws.access.key.id. Unset (the default): the AWS default credential chain.',
    },
    {
      name: 's3.part.size', type: 'INT', default: 26214400, importance: 'LOW', group: STORE, width: 'SHORT', displayName: 'Part size', validator: atLeast(MIN_PART_SIZE),
      documentation: 'The part size in bytes of a multipart upload: files larger than this are uploaded in parts of this size. At least 5242880 (S3\'s minimum); default 26214400 (25 MiB).',
    },

    {
      name: 'topics.dir', type: 'STRING', default: 'topics', importance: 'HIGH', group: FILES, width: 'MEDIUM', displayName: 'Topics directory', validator: keyPrefix,
      aliases: [{ name: 'aws.s3.prefix', origin: AIVEN, note: 'Its {{...}} templates are not expanded: set path.format for date directories.' }],
      documentation: 'The key prefix of every object: <topics.dir>/<topic>/<encoded partition>/<file>. Default topics; leading and trailing slashes are dropped, and an empty value puts topics at the top of the bucket. In Kafka mode the sink also keeps where it cut its files, not yet committed, under <topics.dir>/_sluice/<connector>/<topic>+<partition>.cuts, so that a replay after a crash cuts them again at the same records.',
    },
    {
      name: 'format.class', type: 'STRING', default: 'parquet', importance: 'HIGH', group: FILES, width: 'LONG', displayName: 'Format class', validator: fileFormat,
      documentation: 'The file format. parquet (the default; Confluent\'s io.confluent.connect.s3.format.parquet.ParquetFormat means the same): one Parquet row per change event, typed columns, files named .parquet. json (Confluent\'s io.confluent.connect.s3.format.json.JsonFormat): one line per change event holding the record\'s value as JsonConverter writes it without schemas, files named .json (.json.gz with s3.compression.type=gzip).',
    },
    {
      name: 's3.compression.type', type: 'STRING', default: 'none', importance: 'LOW', group: FILES, width: 'SHORT', displayName: 'Compression type', validator: oneOf(JSON_COMPRESSIONS),
      documentation: 'The compression of JSON-lines files: none (the default) or gzip, which names them .json.gz. Parquet files ignore it, as in Confluent\'s sink: their pages are compressed by parquet.codec.',
    },
    {
      name: 's3.compression.level', type: 'INT', default: -1, importance: 'LOW', group: FILES, width: 'SHORT', displayName: 'Compression level', validator: range({ min: -1, max: 9 }),
      documentation: 'The gzip level of s3.compression.type=gzip, from 0 (stored) to 9 (smallest, slowest). Default -1: zlib\'s default, 6.',
    },
    {
      name: 'behavior.on.null.values', type: 'STRING', default: 'ignore', importance: 'LOW', group: FILES, width: 'SHORT', displayName: 'Behavior for null-valued records', validator: ignoreNulls,
      documentation: 'What a tombstone (a record with a null value, which the source sends after each delete unless tombstones.on.delete=false) writes: nothing, in either format, and its offset is committed with the records around it. The only value is ignore, the default (Confluent\'s default is fail; fail and write are refused). The delete itself is the change event before the tombstone.',
    },
    {
      name: 'flush.size', type: 'INT', default: 0, importance: 'HIGH', group: FILES, width: 'SHORT', displayName: 'Flush size', validator: atLeast(0), aliases: [{ name: 'file.max.records', origin: AIVEN }],
      documentation: 'The most records in one file; a file that reaches it is closed and uploaded. Default 0: no record limit, files rotate by rotate.size.bytes and the rotate intervals.',
    },
    {
      name: 'rotate.size.bytes', type: 'LONG', default: 134217728, importance: 'MEDIUM', group: FILES, width: 'SHORT', displayName: 'Rotate size (bytes)', validator: atLeast(1),
      documentation: 'The target size of a file: once it holds about this many bytes it is closed and uploaded. A Parquet file ends within about a row group of it (its buffered rows are written out as a row group to be measured when the estimate first says it is full); a gzip file within about one deflate block compressed (zlib gives out its output some 100 to 200 KB of text at a time). Default 134217728 (128 MiB).',
    },
    {
      name: 'rotate.interval.ms', type: 'LONG', default: -1, importance: 'MEDIUM', group: FILES, width: 'SHORT', displayName: 'Rotate interval (ms)', validator: offOrPositive,
      documentation: 'Rotation by the records\' time, as in Confluent\'s sink: with a time-based partitioner, a record whose timestamp.extractor time is this many milliseconds or more past the first record\'s in the open files, or that goes to another directory than the record before it, closes and uploads the open files before it is written, and begins the next ones (so records whose times go back and forth between directories make small files). Only a record arriving closes them: a quiet table\'s files are closed by rotate.schedule.interval.ms. Other partitioners ignore it (with a warning), as Confluent\'s sink does. Default -1: off.',
    },
    {
      name: 'rotate.schedule.interval.ms', type: 'LONG', default: 600000, importance: 'MEDIUM', group: FILES, width: 'SHORT', displayName: 'Scheduled rotate interval (ms)', validator: offOrPositive,
      documentation: 'Closes every open file at least this often by the wall clock, even when no more records arrive, so data reaches the store within this time and the source can confirm its position (a quiet table otherwise holds the replication slot\'s WAL until its file fills). Its cuts are recorded like every other (standalone in the offsets, in Kafka mode see topics.dir), so a replay after a crash rewrites the same objects, where Confluent\'s wall-clock rotation can duplicate records. Default 600000 (10 minutes), where Confluent\'s is -1 (off, also allowed).',
    },
    {
      name: 'buffer.memory.bytes', type: 'LONG', default: 67108864, importance: 'MEDIUM', group: FILES, width: 'SHORT', displayName: 'Buffer memory (bytes)', validator: atLeast(1),
      documentation: 'The memory all open files may take: their buffered rows, output buffers and gzip members (280 KiB, zlib\'s deflate state, for each .json.gz file from when it writes lines to disk until its member ends), checked every 64 records. When it is reached, the largest buffers are written to their spool files (Parquet row groups), and then the .json.gz files holding the most end their gzip member, freeing its deflate state (the file goes on in a new member: a file of several members, which gzip readers read whole, compresses a little less). No file is closed for memory. Default 67108864 (64 MiB).',
    },
    {
      name: 'staging.dir', type: 'STRING', default: null, importance: 'LOW', group: FILES, width: 'LONG', displayName: 'Staging directory',
      documentation: 'The local directory where open files are written until they are uploaded, in a subdirectory per task (<connector>-<task>). Default: the task\'s own directory in the worker\'s data directory (sluice.data.dir/tasks/<connector>-<task>).',
    },

    {
      name: 'partitioner.class', type: 'STRING', default: 'TimeBasedPartitioner', importance: 'HIGH', group: PARTITIONING, width: 'LONG', displayName: 'Partitioner class',
      validator: oneOf([...PARTITIONERS, ...PARTITIONERS.map((name) => CONFLUENT_PARTITIONER_PACKAGE + name)]),
      documentation: 'How records are sorted into directories: TimeBasedPartitioner (the default: path.format of the record\'s time, floored to partition.duration.ms), DailyPartitioner (\'year\'=YYYY/\'month\'=MM/\'day\'=dd), HourlyPartitioner (the same plus /\'hour\'=HH), FieldPartitioner (name=value of the partition.field.name fields) or DefaultPartitioner (partition=<Kafka partition>). Confluent\'s io.confluent.connect.storage.partitioner.* class names are accepted too.',
    },
    {
      name: 'path.format', type: 'STRING', default: DAILY_PATH_FORMAT, importance: 'MEDIUM', group: PARTITIONING, width: 'LONG', displayName: 'Path format', validator: jodaPattern,
      documentation: 'TimeBasedPartitioner: the directories of a time bucket, a Joda-Time pattern with quoted literals, e.g. \'year\'=YYYY/\'month\'=MM/\'day\'=dd/\'hour\'=HH (letters Y y M d D H k K h m s S E e a; MMM is the month\'s short name in locale). Default \'year\'=YYYY/\'month\'=MM/\'day\'=dd.',
    },
    {
      name: 'partition.duration.ms', type: 'LONG', default: 86400000, importance: 'MEDIUM', group: PARTITIONING, width: 'SHORT', displayName: 'Partition duration (ms)', validator: atLeast(1),
      documentation: 'TimeBasedPartitioner: the length of a time bucket in milliseconds, counted in timezone\'s wall-clock time (a day bucket is a calendar day, 23 or 25 hours across a DST change). Default 86400000 (one day).',
    },
    {
      name: 'timezone', type: 'STRING', default: 'UTC', importance: 'MEDIUM', group: PARTITIONING, width: 'SHORT', displayName: 'Time zone', validator: timeZone,
      documentation: 'The IANA time zone whose wall clock names time buckets, e.g. Europe/Berlin. Default UTC.',
    },
    {
      name: 'locale', type: 'STRING', default: 'en-US', importance: 'LOW', group: PARTITIONING, width: 'SHORT', displayName: 'Locale', validator: locale,
      documentation: 'The locale of month and day names in path.format (MMM, EEE), e.g. de-DE; Java\'s de_DE form is accepted. Default en-US.',
    },
    {
      name: 'timestamp.extractor', type: 'STRING', default: 'Record', importance: 'MEDIUM', group: PARTITIONING, width: 'SHORT', displayName: 'Timestamp extractor', validator: oneOf(TIMESTAMP_EXTRACTORS),
      documentation: 'The time of a record for time-based partitioning and rotate.interval.ms: Record (the default: the change\'s commit time in the database; for snapshot rows, the time the snapshot started), RecordField (the timestamp.field of the row) or Wallclock (the time the sink handles it).',
    },
    {
      name: 'timestamp.field', type: 'STRING', default: null, importance: 'MEDIUM', group: PARTITIONING, width: 'MEDIUM', displayName: 'Timestamp field',
      documentation: 'RecordField: the column holding the record\'s time, read from the after row (the before row of a delete) or the unwrapped row; dots reach into structs. Timestamps, dates, timestamptz text and int64 milliseconds are understood. No default.',
    },
    {
      name: 'partition.field.name', type: 'LIST', default: [], importance: 'MEDIUM', group: PARTITIONING, width: 'LONG', displayName: 'Partition fields',
      documentation: 'FieldPartitioner: the columns whose values name the directories, in order (region,status gives region=eu/status=paid). Values are escaped as Hive does; null becomes __HIVE_DEFAULT_PARTITION__. No default.',
    },

    {
      name: 'parquet.codec', type: 'STRING', default: 'snappy', importance: 'LOW', group: ROWS, width: 'SHORT', displayName: 'Parquet codec', validator: oneOf(PARQUET_CODECS, { ignoreCase: true }),
      documentation: 'The compression of Parquet pages: snappy (the default), zstd, gzip or none.',
    },
    {
      name: 'parquet.uuid.type', type: 'STRING', default: 'uuid', importance: 'LOW', group: ROWS, width: 'SHORT', displayName: 'Parquet UUID type', validator: oneOf(UUID_TYPES, { ignoreCase: true }),
      documentation: 'How uuid columns (Debezium\'s io.debezium.data.Uuid), and arrays of them, are written. uuid (the default: Parquet\'s own type for UUIDs): FIXED_LEN_BYTE_ARRAY(16) with the UUID logical type, which DuckDB reads as UUID; Spark 3.x and 4.0 refuse any file holding such a column ("Illegal Parquet type: FIXED_LEN_BYTE_ARRAY (UUID)", apache/spark#55684). string: the canonical lower-case text as Postgres prints it (a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11), a UTF8 STRING that every Parquet reader reads, Spark included, and what Confluent\'s S3 sink writes for Debezium\'s uuids; 36 bytes a value before compression instead of 16.',
    },
    {
      name: 'parquet.time.type', type: 'STRING', default: 'time', importance: 'LOW', group: ROWS, width: 'SHORT', displayName: 'Parquet time type', validator: oneOf(TIME_TYPES, { ignoreCase: true }),
      documentation: 'How time and timetz columns, and arrays of them, are written. time (the default: Parquet\'s own type for times of day): the TIME logical type in the value\'s unit, which DuckDB reads as TIME (TIME WITH TIME ZONE for timetz); Spark before 4.1 refuses any file holding such a column, and Spark 4.1\'s TIME does not take TIME adjusted to UTC, which timetz columns are (SPARK-53368). integer: the same number without a logical type, a plain integer to every Parquet reader, as Confluent\'s S3 sink writes Debezium\'s MicroTime: INT32 milliseconds since midnight for io.debezium.time.Time and Connect\'s Time, INT64 microseconds for io.debezium.time.MicroTime, INT64 microseconds since midnight UTC for io.debezium.time.ZonedTime (timetz), INT64 nanoseconds for io.debezium.time.NanoTime; which of these a time column is follows the source\'s time.precision.mode.',
    },
    {
      name: 'parquet.row.group.rows', type: 'INT', default: 10000, importance: 'LOW', group: ROWS, width: 'SHORT', displayName: 'Parquet row group rows', validator: atLeast(1),
      documentation: 'The most rows in one Parquet row group; a row group is also written early when buffer.memory.bytes is reached. Default 10000 (hyparquet-writer defaults to 100000): the rows buffered per open file stay few, and each column of a row group fits in an array below the JavaScript engine\'s large-object size (128 KiB), which would be allocated in the old generation and collected only by full collections; measured, 20000 took more CPU per row and about 25 MB more peak memory. Readers skip row groups by their statistics.',
    },
    {
      name: 'metadata.field.prefix', type: 'STRING', default: '__', importance: 'LOW', group: ROWS, width: 'SHORT', displayName: 'Metadata field prefix',
      documentation: 'The prefix of the metadata columns written beside the row\'s columns (__op, __lsn, __tx_id, __source_ts, __snapshot, __table, __unavailable). Default __.',
    },
    {
      name: 'unavailable.value.placeholder', type: 'STRING', default: DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER, importance: 'LOW', group: ROWS, width: 'MEDIUM', displayName: 'Unavailable value placeholder',
      documentation: 'The value the source writes for an unchanged TOASTed column (the source\'s unavailable.value.placeholder). Such a column is written as null and named in the unavailable metadata column; the placeholder never lands in the data. Default __debezium_unavailable_value.',
    },
  ],
};

export const S3_SINK_CONFIG: ConfigDefinition = combineDefinitions(SINK_CONNECTOR_CONFIG, S3_SINK_KEYS, AIVEN_S3_KEYS);

/** How records are sorted into directories (see partitioner.ts). */
export interface PartitioningSettings {
  partitioner: PartitionerClass;
  /** path.format and partition.duration.ms as given; Daily and Hourly use their own. */
  pathFormat: string;
  partitionDurationMs: number;
  /** Canonical IANA name. */
  timeZone: string;
  /** Canonical BCP 47 tag. */
  locale: string;
  timestampExtractor: TimestampExtractorKind;
  timestampField: string | null;
  partitionFields: readonly string[];
}

export interface S3SinkConfig {
  store: ObjectStoreSettings;
  files: {
    /** Without leading or trailing slashes; '' for none. */
    topicsDir: string;
    format: OutputFormat;
    /** 0: no record limit. */
    flushSize: number;
    rotateSizeBytes: number;
    /** null: off. */
    rotateIntervalMs: number | null;
    rotateScheduleIntervalMs: number | null;
    bufferMemoryBytes: number;
    /** Absolute; null: each task's SinkTaskContext.workDir. */
    stagingDir: string | null;
  };
  partitioning: PartitioningSettings;
  rows: LayoutOptions;
  parquet: { codec: ParquetCodec; rowGroupRows: number };
  json: { compression: JsonCompression; level: number };
  warnings: ConfigProblem[];
}

export function parseS3SinkConfig(raw: RawConfig): S3SinkConfig {
  const { values, warnings } = parseOrThrow(S3_SINK_CONFIG, raw);
  const partitioner = partitionerOf(values);
  const offIfNegative = (name: string) => (values.number(name) < 0 ? null : values.number(name));
  const stagingDir = blankToNull(values.optionalString('staging.dir'));
  if (partitioner !== 'TimeBasedPartitioner') {
    for (const key of ['path.format', 'partition.duration.ms'].filter((name) => values.isSet(name))) {
      const uses = partitioner === 'DailyPartitioner' || partitioner === 'HourlyPartitioner' ? 'its own' : 'none';
      warnings.push({ key, message: `${key} is ignored: partitioner.class=${partitioner} uses ${uses}.` });
    }
  }
  if (!TIME_BASED.has(partitioner) && offIfNegative('rotate.interval.ms') !== null) {
    warnings.push({ key: 'rotate.interval.ms', message: `rotate.interval.ms is ignored: partitioner.class=${partitioner} reads no time from records (as in Confluent's sink); use a time-based partitioner, or rotate.schedule.interval.ms to close files by the wall clock.` });
  }
  const format = aivenOutputFormat(values) ?? FORMAT_CLASSES[values.string('format.class')]!;
  const otherFormat: OutputFormat = format === 'json' ? 'parquet' : 'json';
  for (const key of FORMAT_KEYS[otherFormat].filter((name) => values.isSet(name))) {
    warnings.push({ key, message: `${key} is ignored: the files are ${format === 'json' ? 'JSON lines' : 'Parquet files'}.` });
  }
  warnings.push(...aivenKeysNotRead(values));
  const compression = aivenCompression(values);
  return {
    store: {
      url: blankToNull(values.optionalString('store.url')),
      bucket: blankToNull(values.optionalString('s3.bucket.name')),
      region: values.string('s3.region'),
      pathStyle: values.boolean('s3.path.style.access.enabled'),
      accessKeyId: blankToNull(values.optionalString('aws.access.key.id')),
      secretAccessKey: blankToNull(values.optionalString('aws.secret.access.key')),
      partSize: values.number('s3.part.size'),
    },
    files: {
      topicsDir: trimSlashes(values.string('topics.dir')),
      format,
      flushSize: values.number('flush.size'),
      rotateSizeBytes: values.number('rotate.size.bytes'),
      rotateIntervalMs: offIfNegative('rotate.interval.ms'),
      rotateScheduleIntervalMs: offIfNegative('rotate.schedule.interval.ms'),
      bufferMemoryBytes: values.number('buffer.memory.bytes'),
      stagingDir: stagingDir === null ? null : resolve(stagingDir),
    },
    partitioning: {
      partitioner,
      pathFormat: values.string('path.format'),
      partitionDurationMs: values.number('partition.duration.ms'),
      timeZone: canonicalTimeZone(values.string('timezone'))!,
      locale: canonicalLocale(values.string('locale'))!,
      timestampExtractor: values.string('timestamp.extractor') as TimestampExtractorKind,
      timestampField: blankToNull(values.optionalString('timestamp.field')),
      partitionFields: values.list('partition.field.name'),
    },
    rows: {
      metadataFieldPrefix: values.string('metadata.field.prefix'),
      unavailableValuePlaceholder: values.string('unavailable.value.placeholder'),
      uuidType: values.string('parquet.uuid.type').toLowerCase() as UuidType,
      timeType: values.string('parquet.time.type').toLowerCase() as TimeType,
    },
    parquet: { codec: compression ?? (values.string('parquet.codec').toLowerCase() as ParquetCodec), rowGroupRows: values.number('parquet.row.group.rows') },
    json: { compression: (compression as JsonCompression | null) ?? (values.string('s3.compression.type') as JsonCompression), level: values.number('s3.compression.level') },
    warnings,
  };
}

/** A bucket unless the store is a directory; access keys in pairs. */
function checkStore(values: ConfigValues): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const isDirectory = values.optionalString('store.url')?.toLowerCase().startsWith('file:') === true;
  if (!isDirectory && !values.isSet('s3.bucket.name')) {
    problems.push({ key: 's3.bucket.name', message: 's3.bucket.name is required: set the bucket to write to (or set store.url to a file:/// directory).' });
  }
  if (values.isSet('aws.access.key.id') !== values.isSet('aws.secret.access.key')) {
    problems.push({ key: 'aws.access.key.id', message: 'aws.access.key.id and aws.secret.access.key go together: set both, or neither to use the AWS default credential chain.' });
  }
  return problems;
}

/** What each partitioner and extractor needs. */
function checkPartitioning(values: ConfigValues): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const partitioner = values.optionalString('partitioner.class');
  if (values.optionalString('timestamp.extractor') === 'RecordField' && !values.isSet('timestamp.field')) {
    problems.push({ key: 'timestamp.field', message: 'timestamp.extractor=RecordField needs timestamp.field: set it to the column holding each record\'s time.' });
  }
  if (partitioner?.endsWith('FieldPartitioner') === true && (values.optionalList('partition.field.name') ?? []).every((name) => name.trim() === '')) {
    problems.push({ key: 'partition.field.name', message: 'partitioner.class=FieldPartitioner needs partition.field.name: set it to the columns to partition by, e.g. region or region,status.' });
  }
  if (partitioner?.endsWith('TimeBasedPartitioner') === true && values.optionalString('path.format')?.trim() === '') {
    problems.push({ key: 'path.format', message: 'partitioner.class=TimeBasedPartitioner needs path.format, e.g. \'year\'=YYYY/\'month\'=MM/\'day\'=dd.' });
  }
  return problems;
}

function partitionerOf(values: ConfigValues): PartitionerClass {
  const name = values.string('partitioner.class');
  return (name.startsWith(CONFLUENT_PARTITIONER_PACKAGE) ? name.slice(CONFLUENT_PARTITIONER_PACKAGE.length) : name) as PartitionerClass;
}

function storeUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL: write http(s)://host:port for an S3-compatible server or file:///absolute/directory`;
  }
  if (url.protocol === 'file:') {
    try {
      fileURLToPath(url);
      return undefined;
    } catch {
      return `"${text}" is not a local directory: write file:///absolute/directory`;
    }
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return undefined;
  return `"${text}" is neither an http(s):// S3 endpoint nor a file:/// directory`;
}

/** Intl's name for a zone (Europe/Berlin for europe/berlin), or undefined when it knows none. */
function canonicalTimeZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The BCP 47 tag of a locale (en-US for Java's en_US), or undefined when Intl has no data for it. */
function canonicalLocale(name: string): string | undefined {
  try {
    const [tag] = Intl.getCanonicalLocales(name.replaceAll('_', '-'));
    return tag !== undefined && Intl.DateTimeFormat.supportedLocalesOf(tag).length > 0 ? tag : undefined;
  } catch {
    return undefined;
  }
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

function blankToNull(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}
