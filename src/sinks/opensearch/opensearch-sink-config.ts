/**
 * The OpenSearch sink's config: every key it reads, declared once (config/config-definition.ts), and
 * `parseOpenSearchSinkConfig`, which turns a connector's flat string map into the typed settings the
 * sink task uses. Pure; called when the connector starts or is validated; throws one ConfigError
 * listing every problem.
 *
 * Keys shared with the Aiven OpenSearch and Confluent Elasticsearch sinks keep their names and
 * meaning, so configs move over unchanged. Our defaults differ where change events call for it:
 * - `behavior.on.null.values=ignore` (Aiven's default; Confluent's is fail): a change stream deletes
 *   with its `d` event and the tombstone after it has nothing left to do. Set `delete` for streams
 *   whose deletes arrive only as tombstones (an unwrap transform in its default tombstone mode);
 *   such deletes carry no version, see bulk-body.ts.
 * - `behavior.on.version.conflict=ignore` (both others fail): versions come from the source, so a
 *   conflict means the index already holds newer data for that row, which is success.
 * - `read.timeout.ms=30000` (both others 3000): a bulk request that times out is sent again whole,
 *   which under load adds more work to a cluster that is already slow.
 * Our own keys: index naming (`index.name.format`, `topic.to.index.map`), index creation
 * (`index.auto.create`, `index.mapping.derive`), `truncate.behavior`, `decimal.format`,
 * `unavailable.value.placeholder`, TLS (`connection.ssl.ca.file`, `connection.ssl.verify`) and the
 * standalone dead-letter file (`errors.deadletterqueue.file`). AWS SigV4 signing uses the Aiven
 * names: it is on when `aws.region` is set.
 */
import { combineDefinitions, type ConfigDefinition, type ConfigProblem, type Validator } from '../../config/config-definition.js';
import type { ConfigValues } from '../../config/config-values.js';
import { SINK_CONNECTOR_CONFIG } from '../../config/connector-common.js';
import { parseOrThrow, type RawConfig } from '../../config/validate-config.js';
import { atLeast, oneOf } from '../../config/validators.js';
import { INDEX_NAME_VARIABLES, indexNameProblem, templateProblem } from './index-name.js';

/** Our short name, and the class names of the sinks whose configs we accept. */
export const OPENSEARCH_SINK_CLASS = 'OpenSearchSink';
export const AIVEN_OPENSEARCH_SINK_CLASS = 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector';
export const CONFLUENT_ELASTICSEARCH_SINK_CLASS = 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector';
export const OPENSEARCH_SINK_ALIASES: readonly string[] = [AIVEN_OPENSEARCH_SINK_CLASS, CONFLUENT_ELASTICSEARCH_SINK_CLASS];

export const DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

const NULL_VALUE_BEHAVIORS = ['ignore', 'delete', 'fail'] as const;
const MALFORMED_BEHAVIORS = ['fail', 'warn', 'ignore', 'report'] as const;
const CONFLICT_BEHAVIORS = ['ignore', 'warn', 'fail', 'report'] as const;
const WRITE_METHODS = ['insert', 'upsert'] as const;
const TRUNCATE_BEHAVIORS = ['delete_by_query', 'ignore'] as const;
const DECIMAL_FORMATS = ['number', 'string'] as const;
const AWS_SERVICES = ['es', 'aoss'] as const;

export type NullValueBehavior = (typeof NULL_VALUE_BEHAVIORS)[number];
export type MalformedDocumentBehavior = (typeof MALFORMED_BEHAVIORS)[number];
export type VersionConflictBehavior = (typeof CONFLICT_BEHAVIORS)[number];
export type IndexWriteMethod = (typeof WRITE_METHODS)[number];
export type TruncateBehavior = (typeof TRUNCATE_BEHAVIORS)[number];
export type DecimalFormat = (typeof DECIMAL_FORMATS)[number];
export type AwsService = (typeof AWS_SERVICES)[number];

const CONNECTION = 'Connection';
const WRITES = 'Writes';
const DOCUMENTS = 'Documents';
const INDICES = 'Indices';

const httpUrls: Validator = {
  describe: 'comma-separated http:// or https:// URLs',
  check: (value) => {
    const urls = value as readonly string[];
    if (urls.length === 0) return 'At least one URL is required';
    const bad = urls.find((url) => !/^https?:$/.test(safeUrl(url)?.protocol ?? ''));
    return bad === undefined ? undefined : `"${bad}" is not an http:// or https:// URL`;
  },
};

const indexTemplate: Validator = {
  describe: `a template using ${INDEX_NAME_VARIABLES.map((v) => '${' + v + '}').join(', ')}`,
  check: (value) => templateProblem(String(value)),
};

const topicIndexPairs: Validator = {
  describe: 'comma-separated topic:index pairs',
  check: (value) => {
    for (const entry of value as readonly string[]) {
      const colon = entry.indexOf(':');
      if (colon <= 0 || colon === entry.length - 1) return `"${entry}" is not a topic:index pair`;
      const problem = indexNameProblem(entry.slice(colon + 1));
      if (problem !== undefined) return problem;
    }
    return undefined;
  },
};

export const OPENSEARCH_SINK_KEYS: ConfigDefinition = {
  checks: [checkCredentials, checkDeadLetterQueue],
  keys: [
    {
      name: 'connection.url', type: 'LIST', importance: 'HIGH', group: CONNECTION, width: 'LONG', displayName: 'Connection URLs', validator: httpUrls,
      documentation: 'List of OpenSearch HTTP connection URLs, e.g. http://eshost1:9200,http://eshost2:9200. Requests go to each in turn. A node that cannot be connected to, or answers 502-504, is left out for a minute (longer while it stays down) and its request goes to another node: at once when no connection could be made, else when it is retried per max.retries. When no node is left, the ones left out are tried.',
    },
    { name: 'connection.username', type: 'STRING', default: null, importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'Username', documentation: 'The username for HTTP basic authentication.' },
    { name: 'connection.password', type: 'PASSWORD', default: null, importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'Password', documentation: 'The password for HTTP basic authentication.' },
    {
      name: 'connection.timeout.ms', type: 'INT', default: 1000, importance: 'LOW', group: CONNECTION, width: 'SHORT', displayName: 'Connection Timeout', validator: atLeast(0),
      documentation: 'How long to wait in milliseconds for a new connection to an OpenSearch node to be established: the TCP connection and, for https:// URLs, the TLS handshake. A connection not made in time fails like a refused one: the request goes to the next node, or is retried per max.retries. 0: no limit of its own. Waiting for answers is read.timeout.ms.',
    },
    {
      name: 'read.timeout.ms', type: 'INT', default: 30000, importance: 'LOW', group: CONNECTION, width: 'SHORT', displayName: 'Read Timeout', validator: atLeast(0),
      documentation: 'How long to wait in milliseconds for the OpenSearch server to answer a request on an established connection (time without any data from it). A request that times out is retried per max.retries, a bulk request whole (it may have been applied: the versions make the second write harmless). 0: no limit.',
    },
    {
      name: 'connection.ssl.ca.file', type: 'STRING', default: null, importance: 'MEDIUM', group: CONNECTION, width: 'LONG', displayName: 'CA certificates file',
      documentation: 'A PEM file of the certificate authorities to trust for https:// URLs, replacing the system\'s trusted CAs; use it for a cluster with a private CA or a self-signed certificate. It is read when the task starts.',
    },
    {
      name: 'connection.ssl.verify', type: 'BOOLEAN', default: true, importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'Verify server certificates',
      documentation: 'Whether to verify the server\'s certificate and host name for https:// URLs. A certificate that is not trusted (see connection.ssl.ca.file) or names another host fails the task, as retrying cannot help. Setting false accepts any server and is meant only for development; the task warns.',
    },
    {
      name: 'aws.region', type: 'STRING', default: null, importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'AWS Region',
      documentation: 'AWS region, e.g. us-east-1. Setting it signs every request with AWS Signature Version 4 for Amazon OpenSearch Service; credentials come from aws.access_key_id and aws.secret_access_key, else from the AWS default credential chain (environment variables, shared config and credentials files, web identity, container or instance role). Excludes basic authentication.',
    },
    {
      name: 'aws.service.signing.name', type: 'STRING', default: 'es', importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'AWS Service Signing Name', validator: oneOf(AWS_SERVICES),
      documentation: 'The service name requests are signed for: es for Amazon OpenSearch Service domains, aoss for OpenSearch Serverless collections.',
    },
    { name: 'aws.access_key_id', type: 'STRING', default: null, importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'Access Key Id', documentation: 'AWS access key id for SigV4 signing, together with aws.secret_access_key. Unset (the default): the AWS default credential chain.' },
    { name: 'aws.secret_access_key', type: 'PASSWORD', default: null, importance: 'MEDIUM', group: CONNECTION, width: 'SHORT', displayName: 'Secret Access Key', documentation: 'The secret access key belonging to aws.access_key_id. Unset (the default): the AWS default credential chain.' },

    { name: 'batch.size', type: 'INT', default: 2000, importance: 'MEDIUM', group: WRITES, width: 'SHORT', displayName: 'Batch Size', validator: atLeast(1), documentation: 'The most actions (documents to index or delete) in one bulk request.' },
    {
      name: 'bulk.size.bytes', type: 'LONG', default: 5 * 1024 * 1024, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Bulk Size (bytes)', validator: atLeast(1),
      documentation: 'The most bytes in one bulk request body. A single document larger than this is sent alone. Whichever of batch.size and bulk.size.bytes is reached first closes the request.',
    },
    {
      name: 'linger.ms', type: 'LONG', default: 1, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Linger (ms)', validator: atLeast(0),
      documentation: 'How long a bulk request that is not full waits for more records before it is sent. Records are also sent at once when the worker commits (as soon as its channel runs dry), so light traffic does not wait.',
    },
    {
      name: 'max.in.flight.requests', type: 'INT', default: 5, importance: 'MEDIUM', group: WRITES, width: 'SHORT', displayName: 'Max In-flight Requests', validator: atLeast(1),
      documentation: 'The most bulk requests in flight at once. Writes to one document never overlap: a record whose document is in a request in flight waits for it (and so do the later records of that document), so each document sees its changes in order.',
    },
    {
      name: 'max.buffered.records', type: 'INT', default: 20000, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Max Buffered Records', validator: atLeast(1),
      documentation: 'Accepted for compatibility. The task holds at most max.in.flight.requests requests in flight and one full batch waiting; past that, it stops taking records until a request ends, which bounds its memory.',
    },
    {
      name: 'flush.synchronously', type: 'BOOLEAN', default: false, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Flush synchronously',
      documentation: "Whether a commit waits for every bulk request in flight. false (default): a commit returns at once with the offsets of the records written so far, and records keep flowing meanwhile; what is still in flight is committed by a later commit. true: a commit sends everything waiting and waits until it is written, then commits every record taken (the sink's behaviour before this key existed, and Confluent's sink with the same key).",
    },
    {
      name: 'flush.timeout.ms', type: 'LONG', default: 180000, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Flush Timeout (ms)', validator: atLeast(1),
      documentation: 'Accepted for compatibility and not used yet: a flush lasts as long as its retries (max.retries, retry.backoff.ms).',
    },
    {
      name: 'max.retries', type: 'INT', default: 5, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Max Retries', validator: atLeast(0),
      documentation: 'How many times a failed bulk request, or the items of one that were rejected for a passing reason (429, 5xx, a lost connection), are sent again before the task fails.',
    },
    {
      name: 'retry.backoff.ms', type: 'LONG', default: 100, importance: 'LOW', group: WRITES, width: 'SHORT', displayName: 'Retry Backoff (ms)', validator: atLeast(0),
      documentation: 'How long to wait in milliseconds before the first retry; each further retry waits up to twice as long as the one before, with random jitter.',
    },

    {
      name: 'key.ignore', type: 'BOOLEAN', default: false, importance: 'HIGH', group: DOCUMENTS, width: 'SHORT', displayName: 'Ignore Key mode',
      documentation: 'Whether to ignore the record key. When true, every record becomes its own document with the id topic+partition+offset, so the index keeps a history of row images; deletes, tombstones and truncates then change nothing.',
    },
    {
      name: 'index.write.method', type: 'STRING', default: 'insert', importance: 'LOW', group: DOCUMENTS, width: 'SHORT', displayName: 'Index write method', validator: oneOf(WRITE_METHODS, { ignoreCase: true }),
      documentation: 'insert replaces the document with the row, versioned by the change\'s source position. upsert merges the row into the document (creating it when missing), for several topics writing into one document; merges carry no version, so the last write wins.',
    },
    {
      name: 'behavior.on.null.values', type: 'STRING', default: 'ignore', importance: 'LOW', group: DOCUMENTS, width: 'SHORT', displayName: 'Behavior for null-valued records', validator: oneOf(NULL_VALUE_BEHAVIORS, { ignoreCase: true }),
      documentation: 'What to do with a record with a key and a null value (a tombstone): ignore, delete, or fail. A change stream deletes with its d events, so tombstones need nothing (ignore). Use delete when deletes arrive only as tombstones (ExtractNewRecordState in its default mode, delete.tombstone.handling.mode=tombstone); those deletes carry no version. Under ignore the sink warns, once per topic, when it drops tombstones on a topic of such flat rows. Versioned deletes instead: delete.tombstone.handling.mode=rewrite and add.fields=source.lsn,source.sequence on the transform.',
    },
    {
      name: 'behavior.on.malformed.documents', type: 'STRING', default: 'fail', importance: 'LOW', group: DOCUMENTS, width: 'SHORT', displayName: 'Behavior on malformed documents', validator: oneOf(MALFORMED_BEHAVIORS, { ignoreCase: true }),
      documentation: 'What to do with a record OpenSearch rejects for the document itself (a mapping conflict, an unparsable value): fail the task, warn (log and skip it), ignore (skip it), or report it to the dead-letter queue with the reason and skip it. The rest of its batch is written either way.',
    },
    {
      name: 'behavior.on.version.conflict', type: 'STRING', default: 'ignore', importance: 'LOW', group: DOCUMENTS, width: 'SHORT', displayName: 'Behavior on version conflicts', validator: oneOf(CONFLICT_BEHAVIORS, { ignoreCase: true }),
      documentation: 'What to do when OpenSearch refuses a change because the document holds a newer version (a redelivered or replayed change): ignore it, warn, report it to the dead-letter queue, or fail the task. The newer data stays either way.',
    },
    {
      name: 'unavailable.value.placeholder', type: 'STRING', default: DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER, importance: 'LOW', group: DOCUMENTS, width: 'MEDIUM', displayName: 'Unavailable value placeholder',
      documentation: 'The value the source writes for an unchanged TOASTed column (the source\'s unavailable.value.placeholder). Fields holding it are left out, so the document keeps their stored value.',
    },
    {
      name: 'decimal.format', type: 'STRING', default: 'number', importance: 'LOW', group: DOCUMENTS, width: 'SHORT', displayName: 'Decimal format', validator: oneOf(DECIMAL_FORMATS, { ignoreCase: true }),
      documentation: 'How numeric columns are written: number writes a JSON number when a double holds the value exactly and the exact decimal string otherwise; string always writes the decimal string.',
    },

    {
      name: 'index.name.format', type: 'STRING', default: '${topic}', importance: 'MEDIUM', group: INDICES, width: 'MEDIUM', displayName: 'Index name format', validator: indexTemplate,
      documentation: 'The index of a record\'s documents, from ${topic}, ${prefix} (the source\'s topic prefix), ${schema} and ${table}, e.g. ${schema}_${table}. The result is lower-cased and made a valid index name: characters OpenSearch forbids become _, leading -, _ and + are dropped, and it is cut to 255 bytes.',
    },
    {
      name: 'topic.to.index.map', type: 'LIST', default: [], importance: 'MEDIUM', group: INDICES, width: 'LONG', displayName: 'Topic to index map', validator: topicIndexPairs,
      documentation: 'Indices for particular topics as topic:index pairs, e.g. shop.public.orders:orders,shop.public.items:items; they override index.name.format and must be valid index names.',
    },
    {
      name: 'index.auto.create', type: 'BOOLEAN', default: true, importance: 'LOW', group: INDICES, width: 'SHORT', displayName: 'Create indices',
      documentation: 'Whether the sink creates a missing index before writing to it. An index (or an index template) that already exists is never changed.',
    },
    {
      name: 'index.mapping.derive', type: 'BOOLEAN', default: true, importance: 'LOW', group: INDICES, width: 'SHORT', displayName: 'Derive mappings',
      documentation: 'Whether an index the sink creates gets a mapping derived from the Postgres column types (numbers, dates, keywords, text) for the fields an index template matching its name does not map (checked with POST _index_template/_simulate_index/<index>; a template that turns dynamic mapping off or has dynamic_templates gets no derived fields). Where the user lacks the cluster permission indices:admin/index_template/simulate_index or the cluster lacks the API, the whole derived mapping is sent and replaces the template\'s fields of the same name (logged once at info). Otherwise the template\'s mapping and OpenSearch\'s dynamic mapping type the fields.',
    },
    {
      name: 'truncate.behavior', type: 'STRING', default: 'delete_by_query', importance: 'LOW', group: INDICES, width: 'SHORT', displayName: 'Truncate behavior', validator: oneOf(TRUNCATE_BEHAVIORS, { ignoreCase: true }),
      documentation: 'What a truncate event does: delete_by_query deletes every document of the table\'s index, ignore keeps them. The documents are listed with a scroll and deleted at the truncate\'s version, so documents written after the truncate stay when it is replayed (offsets reset); a truncate without a version uses _delete_by_query. A listing cut short (a scroll lost, a shard failed) starts over; a delete refused for good (an index made read-only, no right to delete) fails the task, naming the fix. The source emits truncates only when its skipped.operations allows them.',
    },
    {
      name: 'errors.deadletterqueue.file', type: 'STRING', default: null, importance: 'MEDIUM', group: 'Error Handling', width: 'LONG', displayName: 'Dead letter queue file',
      documentation: 'Standalone mode: a file that records reported by behavior.on.malformed.documents or behavior.on.version.conflict are appended to, one JSON line each with the record and the reason. In Kafka mode they go to errors.deadletterqueue.topic.name.',
    },
  ],
};

export const OPENSEARCH_SINK_CONFIG: ConfigDefinition = combineDefinitions(SINK_CONNECTOR_CONFIG, OPENSEARCH_SINK_KEYS);

export interface OpenSearchSinkConfig {
  connection: {
    urls: readonly string[];
    basicAuth: { username: string; password: string } | null;
    connectTimeoutMs: number;
    readTimeoutMs: number;
    tls: { caFile: string | null; verify: boolean };
    /** Null unless `aws.region` is set; keys null means the AWS default credential chain. */
    sigv4: { region: string; service: AwsService; accessKeyId: string | null; secretAccessKey: string | null } | null;
  };
  writes: {
    batchSize: number;
    bulkSizeBytes: number;
    lingerMs: number;
    maxInFlightRequests: number;
    maxBufferedRecords: number;
    flushSynchronously: boolean;
    flushTimeoutMs: number;
    maxRetries: number;
    retryBackoffMs: number;
  };
  documents: {
    keyIgnore: boolean;
    writeMethod: IndexWriteMethod;
    onNullValues: NullValueBehavior;
    onMalformedDocuments: MalformedDocumentBehavior;
    onVersionConflict: VersionConflictBehavior;
    unavailableValuePlaceholder: string;
    decimalFormat: DecimalFormat;
  };
  indices: {
    nameFormat: string;
    topicToIndex: ReadonlyMap<string, string>;
    autoCreate: boolean;
    deriveMapping: boolean;
    truncate: TruncateBehavior;
  };
  deadLetterQueue: { topic: string | null; file: string | null };
  warnings: ConfigProblem[];
}

export function parseOpenSearchSinkConfig(raw: RawConfig): OpenSearchSinkConfig {
  const { values, warnings } = parseOrThrow(OPENSEARCH_SINK_CONFIG, raw);
  const username = values.optionalString('connection.username');
  const region = values.optionalString('aws.region');
  const lower = <T extends string>(name: string) => values.string(name).toLowerCase() as T;
  const urls = values.list('connection.url').map((url) => url.replace(/\/+$/, ''));
  if (!values.boolean('connection.ssl.verify') && urls.some((url) => /^https:/i.test(url))) {
    warnings.push({
      key: 'connection.ssl.verify',
      message: 'connection.ssl.verify=false: the OpenSearch nodes\' certificates and host names are not checked, so anyone between this worker and the cluster can read and change what is sent, credentials included. Use it only for development; to trust a private CA, set connection.ssl.ca.file instead.',
    });
  }
  return {
    connection: {
      urls,
      basicAuth: username ? { username, password: values.optionalString('connection.password') ?? '' } : null,
      connectTimeoutMs: values.number('connection.timeout.ms'),
      readTimeoutMs: values.number('read.timeout.ms'),
      tls: { caFile: blankToNull(values.optionalString('connection.ssl.ca.file')), verify: values.boolean('connection.ssl.verify') },
      sigv4: region
        ? {
            region,
            service: values.string('aws.service.signing.name') as AwsService,
            accessKeyId: blankToNull(values.optionalString('aws.access_key_id')),
            secretAccessKey: blankToNull(values.optionalString('aws.secret_access_key')),
          }
        : null,
    },
    writes: {
      batchSize: values.number('batch.size'),
      bulkSizeBytes: values.number('bulk.size.bytes'),
      lingerMs: values.number('linger.ms'),
      maxInFlightRequests: values.number('max.in.flight.requests'),
      maxBufferedRecords: values.number('max.buffered.records'),
      flushSynchronously: values.boolean('flush.synchronously'),
      flushTimeoutMs: values.number('flush.timeout.ms'),
      maxRetries: values.number('max.retries'),
      retryBackoffMs: values.number('retry.backoff.ms'),
    },
    documents: {
      keyIgnore: values.boolean('key.ignore'),
      writeMethod: lower('index.write.method'),
      onNullValues: lower('behavior.on.null.values'),
      onMalformedDocuments: lower('behavior.on.malformed.documents'),
      onVersionConflict: lower('behavior.on.version.conflict'),
      unavailableValuePlaceholder: values.string('unavailable.value.placeholder'),
      decimalFormat: lower('decimal.format'),
    },
    indices: {
      nameFormat: values.string('index.name.format'),
      topicToIndex: new Map(values.list('topic.to.index.map').map((entry) => [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)])),
      autoCreate: values.boolean('index.auto.create'),
      deriveMapping: values.boolean('index.mapping.derive'),
      truncate: lower('truncate.behavior'),
    },
    deadLetterQueue: {
      topic: blankToNull(values.optionalString('errors.deadletterqueue.topic.name')),
      file: blankToNull(values.optionalString('errors.deadletterqueue.file')),
    },
    warnings,
  };
}

/** Basic auth needs both halves; SigV4 keys come in pairs; basic auth and SigV4 exclude each other. */
function checkCredentials(values: ConfigValues): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (values.isSet('connection.password') && !values.isSet('connection.username')) {
    problems.push({ key: 'connection.username', message: 'connection.password is set without connection.username; set both for basic authentication.' });
  }
  if (values.isSet('aws.access_key_id') !== values.isSet('aws.secret_access_key')) {
    problems.push({ key: 'aws.access_key_id', message: 'aws.access_key_id and aws.secret_access_key must be set together.' });
  }
  if (values.isSet('aws.region') && values.isSet('connection.username')) {
    problems.push({ key: 'aws.region', message: 'aws.region (SigV4 signing) and connection.username (basic authentication) exclude each other; keep one.' });
  }
  return problems;
}

/** `report` needs somewhere to report to. */
function checkDeadLetterQueue(values: ConfigValues): ConfigProblem[] {
  const reporting = ['behavior.on.malformed.documents', 'behavior.on.version.conflict'].filter((key) => values.optionalString(key)?.toLowerCase() === 'report');
  if (reporting.length === 0 || values.isSet('errors.deadletterqueue.topic.name') || values.isSet('errors.deadletterqueue.file')) return [];
  return reporting.map((key) => ({
    key,
    message: `${key}=report needs a dead-letter queue: set errors.deadletterqueue.file (standalone mode) or errors.deadletterqueue.topic.name (Kafka mode).`,
  }));
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function blankToNull(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}
