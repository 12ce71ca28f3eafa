/**
 * The keys of Aiven's S3 sink (io.aiven.kafka.connect.s3.AivenKafkaConnectS3SinkConnector) that
 * have no Confluent equivalent, so that an Aiven config moves over: its format and compression
 * keys are read here; its renamed keys (aws.s3.bucket.name, aws.s3.region, aws.s3.endpoint,
 * aws.s3.prefix, file.max.records) are aliases of ours in s3-sink-config.ts; its naming and field
 * selection keys are recognised and reported as not read, since our files always hold the change
 * rows and are named Confluent's way. Pure.
 *
 * `format.output.type`: parquet, or jsonl for JSON lines (our `format.class`; set one of them).
 * Aiven's other formats are refused with what to use: json (one JSON array per file), csv and avro.
 * Unset, the format is format.class's (parquet by default, where Aiven's default is csv).
 * `file.compression.type`: for Parquet the page codec (none, gzip, snappy, zstd; our
 * `parquet.codec`), for JSON lines the file's compression (none or gzip; our `s3.compression.type`).
 * Unset, those keys decide (Aiven's default is gzip).
 */
import type { ConfigDefinition, ConfigProblem, Validator } from '../../config/config-definition.js';
import type { ConfigValues } from '../../config/config-values.js';

export const AIVEN = "Aiven's S3 sink";

const OUTPUT_TYPES: Readonly<Record<string, 'parquet' | 'json'>> = { parquet: 'parquet', jsonl: 'json' };
const REFUSED_OUTPUT_TYPES: Readonly<Record<string, string>> = {
  json: 'json writes a JSON array per file, which Sluice does not: use jsonl (one JSON object per line) or parquet',
  csv: 'csv cannot hold the typed rows of change events: use parquet or jsonl',
  avro: 'avro is not written: use parquet (typed columns) or jsonl',
};
const COMPRESSIONS = ['none', 'gzip', 'snappy', 'zstd'] as const;
export type AivenCompression = (typeof COMPRESSIONS)[number];

/** Keys of Aiven's sink that shape what its files hold or how they are named, which ours fix. */
const NOT_READ: Readonly<Record<string, string>> = {
  'format.output.fields': 'files hold each change\'s row columns and metadata columns (format.class=json: the record\'s value)',
  'format.output.fields.value.encoding': 'values are written typed (Parquet) or as JSON',
  'format.output.envelope': 'files hold each change\'s row columns and metadata columns (format.class=json: the record\'s value)',
  'file.name.template': 'files are named <topics.dir>/<topic>/<partition directories>/<topic>+<partition>+<start>; set path.format for time directories',
  'file.name.timestamp.timezone': 'set timezone for the time directories of path.format',
  'file.name.timestamp.source': 'set timestamp.extractor for the time directories of path.format',
};

const outputType: Validator = {
  describe: 'parquet or jsonl',
  recommended: Object.keys(OUTPUT_TYPES),
  check: (value) => {
    const type = String(value).toLowerCase();
    return OUTPUT_TYPES[type] !== undefined ? undefined : (REFUSED_OUTPUT_TYPES[type] ?? `"${String(value)}" is not a format: use parquet or jsonl`);
  },
};

const compression: Validator = {
  describe: COMPRESSIONS.join(', '),
  recommended: COMPRESSIONS,
  check: (value) => (COMPRESSIONS.includes(String(value).toLowerCase() as AivenCompression) ? undefined : `"${String(value)}" is not a compression: use ${COMPRESSIONS.join(', ')}`),
};

export const AIVEN_S3_KEYS: ConfigDefinition = {
  checks: [checkAivenKeys],
  keys: [
    {
      name: 'format.output.type', type: 'STRING', default: null, importance: 'LOW', group: 'Files', width: 'SHORT', displayName: 'Output format (Aiven)', validator: outputType,
      documentation: `${AIVEN}'s name for the file format: parquet, or jsonl for JSON lines (format.class json). Its json (an array per file), csv and avro are refused. Unset (the default): format.class decides. Set this or format.class, not both.`,
    },
    {
      name: 'file.compression.type', type: 'STRING', default: null, importance: 'LOW', group: 'Files', width: 'SHORT', displayName: 'File compression (Aiven)', validator: compression,
      documentation: `${AIVEN}'s compression key: for Parquet the page codec (none, gzip, snappy, zstd, as parquet.codec), for JSON lines the file compression (none or gzip, as s3.compression.type). Unset (the default): those keys decide.`,
    },
    ...Object.entries(NOT_READ).map(([name, instead]) => ({
      name, type: 'STRING' as const, default: null, importance: 'LOW' as const, group: 'Files', width: 'SHORT' as const,
      documentation: `${AIVEN}'s key, recognised but not read: ${instead}.`,
    })),
  ],
};

/** The format Aiven's key asks for, or null when it is unset. */
export function aivenOutputFormat(values: ConfigValues): 'parquet' | 'json' | null {
  const type = values.optionalString('format.output.type');
  return type === null || type.trim() === '' ? null : OUTPUT_TYPES[type.toLowerCase()]!;
}

/** Aiven's compression, or null when it is unset. */
export function aivenCompression(values: ConfigValues): AivenCompression | null {
  const value = values.optionalString('file.compression.type');
  return value === null || value.trim() === '' ? null : (value.toLowerCase() as AivenCompression);
}

/** Warnings for the Aiven keys that are recognised but not read. */
export function aivenKeysNotRead(values: ConfigValues): ConfigProblem[] {
  return Object.entries(NOT_READ)
    .filter(([name]) => values.isSet(name))
    .map(([name, instead]) => ({ key: name, message: `${name} (${AIVEN}'s key) is not read: ${instead}.` }));
}

/** One format key, and a compression that the format can write. */
function checkAivenKeys(values: ConfigValues): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (values.isSet('format.output.type') && values.isSet('format.class')) {
    problems.push({ key: 'format.output.type', message: 'format.output.type and format.class both name the file format: set one of them.' });
  }
  const type = values.optionalString('format.output.type')?.toLowerCase();
  const formatClass = values.optionalString('format.class');
  const writesJson = type === 'jsonl' || (type === undefined && formatClass !== null && /json/i.test(formatClass));
  const codec = values.optionalString('file.compression.type')?.toLowerCase();
  if (writesJson && (codec === 'snappy' || codec === 'zstd')) {
    problems.push({ key: 'file.compression.type', message: `JSON-lines files are compressed with gzip or not at all: set file.compression.type to gzip or none, not ${codec}.` });
  }
  return problems;
}
