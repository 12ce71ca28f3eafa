import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../config/config-reference.js';
import { validateConfig } from '../../config/validate-config.js';
import { ConfigError } from '../../errors.js';
import {
  AIVEN_S3_SINK_CLASS,
  CONFLUENT_S3_SINK_CLASS,
  parseS3SinkConfig,
  S3_PARQUET_SINK_ALIASES,
  S3_PARQUET_SINK_CLASS,
  S3_SINK_CONFIG,
  S3_SINK_KEYS,
} from './s3-sink-config.js';

const BASE = { name: 'lake', 'connector.class': S3_PARQUET_SINK_CLASS, topics: 'shop.public.orders', 's3.bucket.name': 'cdc-lake' };

function problems(raw: Record<string, string>) {
  return validateConfig(S3_SINK_CONFIG, raw).problems;
}

describe('the S3 Parquet sink config', () => {
  it('has defaults for daily Parquet files in AWS S3, in Confluent\'s default region', () => {
    expect(parseS3SinkConfig(BASE)).toEqual({
      store: { url: null, bucket: 'cdc-lake', region: 'us-west-2', pathStyle: false, accessKeyId: null, secretAccessKey: null, partSize: 26214400 },
      files: {
        topicsDir: 'topics',
        format: 'parquet',
        flushSize: 0,
        rotateSizeBytes: 134217728,
        rotateIntervalMs: null,
        rotateScheduleIntervalMs: 600_000,
        bufferMemoryBytes: 67108864,
        stagingDir: null,
      },
      partitioning: {
        partitioner: 'TimeBasedPartitioner',
        pathFormat: "'year'=YYYY/'month'=MM/'day'=dd",
        partitionDurationMs: 86400000,
        timeZone: 'UTC',
        locale: 'en-US',
        timestampExtractor: 'Record',
        timestampField: null,
        partitionFields: [],
      },
      rows: { metadataFieldPrefix: '__', unavailableValuePlaceholder: '__debezium_unavailable_value', uuidType: 'uuid', timeType: 'time' },
      parquet: { codec: 'snappy', rowGroupRows: 10000 },
      json: { compression: 'none', level: -1 },
      warnings: [],
    });
  });

  it('reads every key, taking Confluent\'s class names and Java\'s locale form', () => {
    const config = parseS3SinkConfig({
      ...BASE,
      'connector.class': CONFLUENT_S3_SINK_CLASS,
      's3.region': 'eu-central-1',
      'store.url': 'http://localhost:9000',
      's3.path.style.access.enabled': 'true',
      'aws.access.key.id': 'AKIA1',
      'aws.secret.access.key': ' shh ',
      's3.part.size': '5242880',
      'topics.dir': '/data/cdc/',
      'format.class': 'io.confluent.connect.s3.format.parquet.ParquetFormat',
      'flush.size': '1000',
      'rotate.size.bytes': '1048576',
      'rotate.interval.ms': '600000',
      'rotate.schedule.interval.ms': '3600000',
      'buffer.memory.bytes': '1000000',
      'staging.dir': 'spool',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
      'path.format': "'dt'=yyyy-MM-dd/'hr'=HH",
      'partition.duration.ms': '3600000',
      timezone: 'europe/berlin',
      locale: 'de_DE',
      'timestamp.extractor': 'RecordField',
      'timestamp.field': 'placed_at',
      'partition.field.name': 'region, status',
      'parquet.codec': 'ZSTD',
      'parquet.row.group.rows': '5000',
      'parquet.uuid.type': 'string',
      'parquet.time.type': 'Integer',
      'metadata.field.prefix': '_cdc_',
      'unavailable.value.placeholder': '<toasted>',
    });
    expect(config.store).toEqual({ url: 'http://localhost:9000', bucket: 'cdc-lake', region: 'eu-central-1', pathStyle: true, accessKeyId: 'AKIA1', secretAccessKey: ' shh ', partSize: 5242880 });
    expect(config.files).toEqual({
      topicsDir: 'data/cdc',
      format: 'parquet',
      flushSize: 1000,
      rotateSizeBytes: 1048576,
      rotateIntervalMs: 600000,
      rotateScheduleIntervalMs: 3600000,
      bufferMemoryBytes: 1000000,
      stagingDir: resolve('spool'),
    });
    expect(config.partitioning).toEqual({
      partitioner: 'TimeBasedPartitioner',
      pathFormat: "'dt'=yyyy-MM-dd/'hr'=HH",
      partitionDurationMs: 3600000,
      timeZone: 'Europe/Berlin',
      locale: 'de-DE',
      timestampExtractor: 'RecordField',
      timestampField: 'placed_at',
      partitionFields: ['region', 'status'],
    });
    expect(config.rows).toEqual({ metadataFieldPrefix: '_cdc_', unavailableValuePlaceholder: '<toasted>', uuidType: 'string', timeType: 'integer' });
    expect(config.parquet).toEqual({ codec: 'zstd', rowGroupRows: 5000 });
    expect(config.warnings).toEqual([]);
    expect(parseS3SinkConfig({ ...BASE, 'format.class': 'parquet' }).files.format).toBe('parquet');
  });

  it('reads the JSON-lines keys, and warns about the keys of the format not written', () => {
    const json = parseS3SinkConfig({
      ...BASE,
      'format.class': 'io.confluent.connect.s3.format.json.JsonFormat',
      's3.compression.type': 'gzip',
      's3.compression.level': '9',
      'behavior.on.null.values': 'ignore',
      'parquet.codec': 'zstd',
    });
    expect(json.files.format).toBe('json');
    expect(json.json).toEqual({ compression: 'gzip', level: 9 });
    expect(json.warnings).toEqual([{ key: 'parquet.codec', message: 'parquet.codec is ignored: the files are JSON lines.' }]);
    expect(parseS3SinkConfig({ ...BASE, 'format.class': 'json' }).files.format).toBe('json');
    expect(parseS3SinkConfig({ ...BASE, 's3.compression.type': 'gzip' }).warnings).toEqual([
      { key: 's3.compression.type', message: 's3.compression.type is ignored: the files are Parquet files.' },
    ]);
  });

  it("reads an Aiven S3 sink config: its names of our keys, its format and compression keys", () => {
    const aiven = {
      name: 'lake',
      'connector.class': AIVEN_S3_SINK_CLASS,
      topics: 'shop.public.orders',
      'aws.s3.bucket.name': 'cdc-lake',
      'aws.s3.region': 'eu-central-1',
      'aws.s3.endpoint': 'http://minio:9000',
      'aws.s3.prefix': 'cdc/',
      'aws.access.key.id': 'AKIA',
      'aws.secret.access.key': 'secret',
      'file.max.records': '5000',
      'format.output.type': 'jsonl',
      'file.compression.type': 'gzip',
    };
    const config = parseS3SinkConfig(aiven);
    expect(config.store).toMatchObject({ bucket: 'cdc-lake', region: 'eu-central-1', url: 'http://minio:9000', accessKeyId: 'AKIA' });
    expect(config.files).toMatchObject({ topicsDir: 'cdc', flushSize: 5000, format: 'json' });
    expect(config.json.compression).toBe('gzip');
    expect(config.warnings).toContainEqual({ key: 'aws.s3.bucket.name', message: 'Configuration "aws.s3.bucket.name" (Aiven\'s S3 sink\'s name) is read as "s3.bucket.name".' });
    expect(config.warnings.filter((w) => w.message.includes('deprecated'))).toEqual([]);

    const parquet = parseS3SinkConfig({ ...aiven, 'format.output.type': 'parquet', 'file.compression.type': 'zstd' });
    expect(parquet.files.format).toBe('parquet');
    expect(parquet.parquet.codec).toBe('zstd');
    // Our own name wins over Aiven's, with a warning.
    expect(parseS3SinkConfig({ ...aiven, 's3.bucket.name': 'ours' }).store.bucket).toBe('ours');
    expect(parseS3SinkConfig({ ...aiven, 's3.bucket.name': 'ours' }).warnings).toContainEqual({
      key: 'aws.s3.bucket.name',
      message: 'Configuration "aws.s3.bucket.name" (Aiven\'s S3 sink\'s name) is ignored because "s3.bucket.name" is set.',
    });
    // Naming and field keys are recognised, and said not to be read.
    expect(parseS3SinkConfig({ ...aiven, 'file.name.template': '{{topic}}-{{partition}}-{{start_offset}}' }).warnings).toContainEqual({
      key: 'file.name.template',
      message: "file.name.template (Aiven's S3 sink's key) is not read: files are named <topics.dir>/<topic>/<partition directories>/<topic>+<partition>+<start>; set path.format for time directories.",
    });
  });

  it('refuses the Aiven formats it does not write, a compression the format cannot take, and two format keys', () => {
    expect(problems({ ...BASE, 'format.output.type': 'json' })).toEqual([
      { key: 'format.output.type', message: 'Invalid value json for configuration format.output.type: json writes a JSON array per file, which Sluice does not: use jsonl (one JSON object per line) or parquet' },
    ]);
    expect(problems({ ...BASE, 'format.output.type': 'csv' })[0]!.message).toContain('use parquet or jsonl');
    expect(problems({ ...BASE, 'format.output.type': 'avro' })[0]!.message).toContain('use parquet (typed columns) or jsonl');
    expect(problems({ ...BASE, 'format.output.type': 'jsonl', 'file.compression.type': 'snappy' })).toEqual([
      { key: 'file.compression.type', message: 'JSON-lines files are compressed with gzip or not at all: set file.compression.type to gzip or none, not snappy.' },
    ]);
    expect(problems({ ...BASE, 'format.class': 'json', 'file.compression.type': 'zstd' }).map((p) => p.key)).toEqual(['file.compression.type']);
    expect(problems({ ...BASE, 'file.compression.type': 'lz4' })[0]!.message).toContain('"lz4" is not a compression');
    expect(problems({ ...BASE, 'format.output.type': 'parquet', 'format.class': 'parquet' })).toEqual([
      { key: 'format.output.type', message: 'format.output.type and format.class both name the file format: set one of them.' },
    ]);
  });

  it('is selected by our short name and by the Confluent and Aiven class names', () => {
    expect(S3_PARQUET_SINK_CLASS).toBe('S3ParquetSink');
    expect(S3_PARQUET_SINK_ALIASES).toEqual(['io.confluent.connect.s3.S3SinkConnector', 'io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector']);
    expect(S3_PARQUET_SINK_ALIASES).toEqual([CONFLUENT_S3_SINK_CLASS, AIVEN_S3_SINK_CLASS]);
  });

  it('needs a bucket unless the store is a local directory, and access keys in pairs', () => {
    const { 's3.bucket.name': _bucket, ...withoutBucket } = BASE;
    expect(problems(withoutBucket)).toEqual([{ key: 's3.bucket.name', message: 's3.bucket.name is required: set the bucket to write to (or set store.url to a file:/// directory).' }]);
    expect(problems({ ...withoutBucket, 'store.url': 'http://localhost:9000' }).map((p) => p.key)).toEqual(['s3.bucket.name']);
    expect(parseS3SinkConfig({ ...withoutBucket, 'store.url': 'file:///var/lib/lake' }).store).toEqual({
      url: 'file:///var/lib/lake',
      bucket: null,
      region: 'us-west-2',
      pathStyle: false,
      accessKeyId: null,
      secretAccessKey: null,
      partSize: 26214400,
    });
    expect(problems({ ...BASE, 'aws.secret.access.key': 'shh' })).toEqual([
      { key: 'aws.access.key.id', message: 'aws.access.key.id and aws.secret.access.key go together: set both, or neither to use the AWS default credential chain.' },
    ]);
  });

  it('says what is wrong with each store key', () => {
    expect(problems({ ...BASE, 's3.bucket.name': 's3://cdc-lake/' })).toEqual([
      { key: 's3.bucket.name', message: 'Invalid value s3://cdc-lake/ for configuration s3.bucket.name: A bucket name has no slashes or spaces: write my-bucket, not s3://my-bucket/ (put key prefixes in topics.dir)' },
    ]);
    expect(problems({ ...BASE, 'store.url': 'localhost:9000' })).toEqual([
      { key: 'store.url', message: 'Invalid value localhost:9000 for configuration store.url: "localhost:9000" is neither an http(s):// S3 endpoint nor a file:/// directory' },
    ]);
    expect(problems({ ...BASE, 'store.url': 'minio' })).toEqual([
      { key: 'store.url', message: 'Invalid value minio for configuration store.url: "minio" is not a URL: write http(s)://host:port for an S3-compatible server or file:///absolute/directory' },
    ]);
    expect(problems({ ...BASE, 'store.url': 'file://data/lake' })).toEqual([
      { key: 'store.url', message: 'Invalid value file://data/lake for configuration store.url: "file://data/lake" is not a local directory: write file:///absolute/directory' },
    ]);
    expect(problems({ ...BASE, 's3.part.size': '5242879' })).toEqual([{ key: 's3.part.size', message: 'Invalid value 5242879 for configuration s3.part.size: Value must be at least 5242880' }]);
    expect(problems({ ...BASE, 'topics.dir': 'data/../x' })).toEqual([{ key: 'topics.dir', message: 'Invalid value data/../x for configuration topics.dir: Path segments may not be empty, . or ..' }]);
    expect(parseS3SinkConfig({ ...BASE, 'topics.dir': '/' }).files.topicsDir).toBe('');
  });

  it('says what is wrong with each file key', () => {
    expect(problems({ ...BASE, 'flush.size': '-1' })).toEqual([{ key: 'flush.size', message: 'Invalid value -1 for configuration flush.size: Value must be at least 0' }]);
    expect(problems({ ...BASE, 'rotate.interval.ms': '0', 'rotate.schedule.interval.ms': '-5' })).toEqual([
      { key: 'rotate.interval.ms', message: 'Invalid value 0 for configuration rotate.interval.ms: Value must be -1 (off) or at least 1' },
      { key: 'rotate.schedule.interval.ms', message: 'Invalid value -5 for configuration rotate.schedule.interval.ms: Value must be -1 (off) or at least 1' },
    ]);
    expect(problems({ ...BASE, 'rotate.size.bytes': '0', 'buffer.memory.bytes': '0' }).map((p) => p.message)).toEqual([
      'Invalid value 0 for configuration rotate.size.bytes: Value must be at least 1',
      'Invalid value 0 for configuration buffer.memory.bytes: Value must be at least 1',
    ]);
    expect(problems({ ...BASE, 'format.class': 'avro' })).toEqual([
      {
        key: 'format.class',
        message: 'Invalid value avro for configuration format.class: "avro" is not a format: use parquet or json',
      },
    ]);
    expect(problems({ ...BASE, 's3.compression.type': 'snappy', 's3.compression.level': '10', 'behavior.on.null.values': 'fail' }).map((p) => p.message)).toEqual([
      'Invalid value snappy for configuration s3.compression.type: String must be one of: none, gzip',
      'Invalid value 10 for configuration s3.compression.level: Value must be no more than 9',
      'Invalid value fail for configuration behavior.on.null.values: Tombstones (null values) are always passed over and committed: use ignore',
    ]);
    expect(problems({ ...BASE, 'parquet.codec': 'lz4', 'parquet.row.group.rows': '0' })).toEqual([
      { key: 'parquet.codec', message: 'Invalid value lz4 for configuration parquet.codec: String must be one of (case insensitive): snappy, zstd, gzip, none' },
      { key: 'parquet.row.group.rows', message: 'Invalid value 0 for configuration parquet.row.group.rows: Value must be at least 1' },
    ]);
  });

  it('refuses a Parquet uuid or time type it does not write, naming the ones it does', () => {
    expect(problems({ ...BASE, 'parquet.uuid.type': 'binary', 'parquet.time.type': 'string' })).toEqual([
      { key: 'parquet.uuid.type', message: 'Invalid value binary for configuration parquet.uuid.type: String must be one of (case insensitive): uuid, string' },
      { key: 'parquet.time.type', message: 'Invalid value string for configuration parquet.time.type: String must be one of (case insensitive): time, integer' },
    ]);
    expect(() => parseS3SinkConfig({ ...BASE, 'parquet.uuid.type': 'text' })).toThrow(/parquet\.uuid\.type: Invalid value text for configuration parquet\.uuid\.type: String must be one of \(case insensitive\): uuid, string/);
    expect(parseS3SinkConfig({ ...BASE, 'format.class': 'json', 'parquet.uuid.type': 'string' }).warnings).toEqual([
      { key: 'parquet.uuid.type', message: 'parquet.uuid.type is ignored: the files are JSON lines.' },
    ]);
  });

  it('says what is wrong with each partitioning key', () => {
    expect(problems({ ...BASE, 'partitioner.class': 'io.confluent.connect.storage.partitioner.WeeklyPartitioner' })[0]!.message).toBe(
      'Invalid value io.confluent.connect.storage.partitioner.WeeklyPartitioner for configuration partitioner.class: String must be one of: TimeBasedPartitioner, DailyPartitioner, HourlyPartitioner, FieldPartitioner, DefaultPartitioner, io.confluent.connect.storage.partitioner.TimeBasedPartitioner, io.confluent.connect.storage.partitioner.DailyPartitioner, io.confluent.connect.storage.partitioner.HourlyPartitioner, io.confluent.connect.storage.partitioner.FieldPartitioner, io.confluent.connect.storage.partitioner.DefaultPartitioner',
    );
    expect(problems({ ...BASE, 'path.format': "'year'=YYYY/'week'=ww" })).toEqual([
      {
        key: 'path.format',
        message: "Invalid value 'year'=YYYY/'week'=ww for configuration path.format: Pattern letter 'w' (era, century, week-based or zone fields) is not supported in paths; use letters of Y y M d D H k K h m s S E e a",
      },
    ]);
    expect(problems({ ...BASE, 'path.format': ' ' })).toEqual([{ key: 'path.format', message: "partitioner.class=TimeBasedPartitioner needs path.format, e.g. 'year'=YYYY/'month'=MM/'day'=dd." }]);
    expect(problems({ ...BASE, 'partition.duration.ms': '0' })).toEqual([{ key: 'partition.duration.ms', message: 'Invalid value 0 for configuration partition.duration.ms: Value must be at least 1' }]);
    expect(problems({ ...BASE, timezone: 'Europe/Atlantis' })).toEqual([
      { key: 'timezone', message: 'Invalid value Europe/Atlantis for configuration timezone: Unknown time zone "Europe/Atlantis": use an IANA name such as UTC, Europe/Berlin or America/New_York' },
    ]);
    expect(problems({ ...BASE, locale: 'english' })).toEqual([
      { key: 'locale', message: 'Invalid value english for configuration locale: "english" is not a locale this runtime has data for: use a language tag such as en-US, de-DE or fr-FR' },
    ]);
    expect(problems({ ...BASE, 'timestamp.extractor': 'recordfield' })[0]!.message).toBe('Invalid value recordfield for configuration timestamp.extractor: String must be one of: Record, RecordField, Wallclock');
    expect(problems({ ...BASE, 'timestamp.extractor': 'RecordField' })).toEqual([
      { key: 'timestamp.field', message: 'timestamp.extractor=RecordField needs timestamp.field: set it to the column holding each record\'s time.' },
    ]);
    expect(problems({ ...BASE, 'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner' })).toEqual([
      { key: 'partition.field.name', message: 'partitioner.class=FieldPartitioner needs partition.field.name: set it to the columns to partition by, e.g. region or region,status.' },
    ]);
    expect(problems({ ...BASE, 'partitioner.class': 'FieldPartitioner', 'partition.field.name': 'region', 'path.format': '' })).toEqual([]);
  });

  it('warns that Field and Default partitioners ignore rotate.interval.ms, as Confluent\'s sink does: they read no time from records', () => {
    for (const partitioner of ['FieldPartitioner', 'io.confluent.connect.storage.partitioner.DefaultPartitioner']) {
      const config = parseS3SinkConfig({ ...BASE, 'partitioner.class': partitioner, 'partition.field.name': 'region', 'rotate.interval.ms': '3600000' });
      expect(config.warnings).toEqual([
        {
          key: 'rotate.interval.ms',
          message: `rotate.interval.ms is ignored: partitioner.class=${partitioner.split('.').pop()} reads no time from records (as in Confluent's sink); use a time-based partitioner, or rotate.schedule.interval.ms to close files by the wall clock.`,
        },
      ]);
    }
    for (const partitioner of ['TimeBasedPartitioner', 'DailyPartitioner', 'HourlyPartitioner']) {
      expect(parseS3SinkConfig({ ...BASE, 'partitioner.class': partitioner, 'rotate.interval.ms': '3600000' }).warnings).toEqual([]);
    }
    expect(parseS3SinkConfig({ ...BASE, 'partitioner.class': 'DefaultPartitioner', 'rotate.interval.ms': '-1' }).warnings).toEqual([]);
  });

  it('warns that Daily, Hourly, Field and Default partitioners ignore path.format and partition.duration.ms', () => {
    expect(parseS3SinkConfig({ ...BASE, 'partitioner.class': 'DailyPartitioner', 'path.format': "'dt'=yyyy-MM-dd", 'partition.duration.ms': '60000' }).warnings).toEqual([
      { key: 'path.format', message: 'path.format is ignored: partitioner.class=DailyPartitioner uses its own.' },
      { key: 'partition.duration.ms', message: 'partition.duration.ms is ignored: partitioner.class=DailyPartitioner uses its own.' },
    ]);
    expect(parseS3SinkConfig({ ...BASE, 'partitioner.class': 'DefaultPartitioner', 'path.format': "'dt'=yyyy" }).warnings).toEqual([
      { key: 'path.format', message: 'path.format is ignored: partitioner.class=DefaultPartitioner uses none.' },
    ]);
  });

  it('throws one ConfigError listing every problem', () => {
    const { 's3.bucket.name': _bucket, ...withoutBucket } = BASE;
    const bad = { ...withoutBucket, 's3.part.size': '1024', timezone: 'Mars/Olympus', 'timestamp.extractor': 'RecordField' };
    expect(() => parseS3SinkConfig(bad)).toThrow(ConfigError);
    expect(() => parseS3SinkConfig(bad)).toThrow(
      /connector "lake" has 4 problems[\s\S]*- s3\.part\.size: Invalid value 1024[\s\S]*- timezone: Invalid value Mars\/Olympus[\s\S]*- s3\.bucket\.name: s3\.bucket\.name is required[\s\S]*- timestamp\.field: timestamp\.extractor=RecordField needs timestamp\.field/,
    );
  });

  it('documents every key with what it does and its default, for the generated reference', () => {
    for (const key of S3_SINK_KEYS.keys) expect({ key: key.name, documented: /default|required/i.test(key.documentation) }).toEqual({ key: key.name, documented: true });
    const reference = renderConfigReference(S3_SINK_CONFIG);
    expect(reference).toContain('### Partitioning');
    expect(reference).toContain("| `path.format` | STRING | `'year'=YYYY/'month'=MM/'day'=dd` |");
    expect(reference).not.toContain(tmpdir());
  });
});
