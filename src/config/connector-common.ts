/**
 * The keys every connector config carries, declared once with Kafka Connect's names, defaults and
 * documentation (ConnectorConfig, SinkConnectorConfig). Each plugin's definition is
 * `combineDefinitions(SOURCE_CONNECTOR_CONFIG or SINK_CONNECTOR_CONFIG, its own keys)`.
 *
 * The keys under `transforms.`, `predicates.`, `key.converter.` and `value.converter.` belong to
 * the transforms and converters, which declare and check them; `producer.override.`,
 * `consumer.override.` and `admin.override.` are Kafka client settings (Connect's client config
 * overrides) passed to the client in Kafka mode. Here they are only known prefixes.
 */
import { combineDefinitions, type ConfigDefinition, type ConfigProblem } from './config-definition.js';
import type { ConfigValues } from './config-values.js';
import { atLeast, nonEmptyString, oneOf, regex, uniqueItems } from './validators.js';

const COMMON = 'Common';
const ERRORS = 'Error Handling';

const CONVERTER_DOC =
  'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. ' +
  'This controls the format of the %s in messages written to or read from Kafka, and since this is independent of ' +
  'connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.';

/** Keys of every connector, source or sink. */
export const CONNECTOR_COMMON_CONFIG: ConfigDefinition = {
  prefixes: ['transforms.', 'predicates.', 'key.converter.', 'value.converter.', 'producer.override.', 'consumer.override.', 'admin.override.'],
  keys: [
    { name: 'name', type: 'STRING', importance: 'HIGH', group: COMMON, width: 'MEDIUM', displayName: 'Connector name', validator: nonEmptyString(), documentation: 'Globally unique name to use for this connector.' },
    {
      name: 'connector.class', type: 'STRING', importance: 'HIGH', group: COMMON, width: 'LONG', displayName: 'Connector class',
      documentation: 'Name or alias of the class for this connector. For org.apache.kafka.connect.file.FileStreamSinkConnector you can either specify this full name, or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter.',
    },
    { name: 'tasks.max', type: 'INT', default: 1, importance: 'HIGH', group: COMMON, width: 'SHORT', displayName: 'Tasks max', validator: atLeast(1), documentation: 'Maximum number of tasks to use for this connector.' },
    { name: 'key.converter', type: 'CLASS', default: null, importance: 'LOW', group: COMMON, width: 'SHORT', displayName: 'Key converter class', documentation: CONVERTER_DOC.replace('%s', 'keys') },
    { name: 'value.converter', type: 'CLASS', default: null, importance: 'LOW', group: COMMON, width: 'SHORT', displayName: 'Value converter class', documentation: CONVERTER_DOC.replace('%s', 'values') },
    { name: 'transforms', type: 'LIST', default: [], importance: 'LOW', group: 'Transforms', width: 'LONG', displayName: 'Transforms', validator: uniqueItems('transformation'), documentation: 'Aliases for the transformations to be applied to records.' },
    { name: 'predicates', type: 'LIST', default: [], importance: 'LOW', group: 'Predicates', width: 'LONG', displayName: 'Predicates', validator: uniqueItems('predicate'), documentation: 'Aliases for the predicates used by transformations.' },
    {
      name: 'errors.retry.timeout', type: 'LONG', default: 0, importance: 'MEDIUM', group: ERRORS, width: 'MEDIUM', displayName: 'Retry Timeout for Errors',
      documentation: 'The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.',
    },
    {
      name: 'errors.retry.delay.max.ms', type: 'LONG', default: 60000, importance: 'MEDIUM', group: ERRORS, width: 'MEDIUM', displayName: 'Maximum Delay Between Retries for Errors',
      documentation: 'The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.',
    },
    {
      name: 'errors.tolerance', type: 'STRING', default: 'none', importance: 'MEDIUM', group: ERRORS, width: 'SHORT', displayName: 'Error Tolerance', validator: oneOf(['none', 'all']),
      documentation: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.",
    },
    {
      name: 'errors.log.enable', type: 'BOOLEAN', default: false, importance: 'MEDIUM', group: ERRORS, width: 'SHORT', displayName: 'Log Errors',
      documentation: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.",
    },
    {
      name: 'errors.log.include.messages', type: 'BOOLEAN', default: false, importance: 'MEDIUM', group: ERRORS, width: 'SHORT', displayName: 'Log Error Details',
      documentation: "Whether to the include in the log the Connect record that resulted in a failure. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files, although some information such as topic and partition number will still be logged.",
    },
  ],
};

export const SOURCE_CONNECTOR_CONFIG: ConfigDefinition = CONNECTOR_COMMON_CONFIG;

export const TOPICS_CONFIG = 'topics';
export const TOPICS_REGEX_CONFIG = 'topics.regex';

/** Kafka Connect's rule for sinks: exactly one of `topics` and `topics.regex`, in its words; undefined when met. */
export function topicSelectionProblem(values: ConfigValues): string | undefined {
  const hasTopics = values.isSet(TOPICS_CONFIG);
  const hasRegex = values.isSet(TOPICS_REGEX_CONFIG);
  if (hasTopics && hasRegex) return `${TOPICS_CONFIG} and ${TOPICS_REGEX_CONFIG} are mutually exclusive options, but both are set.`;
  if (!hasTopics && !hasRegex) return `Must configure one of ${TOPICS_CONFIG} or ${TOPICS_REGEX_CONFIG}`;
  return undefined;
}

function checkTopicSelection(values: ConfigValues): ConfigProblem[] {
  const message = topicSelectionProblem(values);
  return message === undefined ? [] : [TOPICS_CONFIG, TOPICS_REGEX_CONFIG].map((key) => ({ key, message }));
}

/** Keys of every sink connector: the common ones, the topics it consumes and its dead letter queue. */
export const SINK_CONNECTOR_CONFIG: ConfigDefinition = combineDefinitions(CONNECTOR_COMMON_CONFIG, {
  checks: [checkTopicSelection],
  keys: [
    { name: TOPICS_CONFIG, type: 'LIST', default: [], importance: 'HIGH', group: COMMON, width: 'LONG', displayName: 'Topics', documentation: 'List of topics to consume, separated by commas' },
    {
      name: TOPICS_REGEX_CONFIG, type: 'STRING', default: '', importance: 'HIGH', group: COMMON, width: 'LONG', displayName: 'Topics regex', validator: regex(),
      documentation: `Regular expression giving topics to consume; it must match the whole topic name. Only one of ${TOPICS_CONFIG} or ${TOPICS_REGEX_CONFIG} should be specified.`,
    },
    {
      name: 'errors.deadletterqueue.topic.name', type: 'STRING', default: '', importance: 'MEDIUM', group: ERRORS, width: 'MEDIUM', displayName: 'DLQ Topic Name',
      documentation: 'The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, transformations, or converter. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.',
    },
    {
      name: 'errors.deadletterqueue.topic.replication.factor', type: 'INT', default: 3, importance: 'MEDIUM', group: ERRORS, width: 'MEDIUM', displayName: 'Dead Letter Queue Topic Replication Factor',
      documentation: "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
    },
    {
      name: 'errors.deadletterqueue.context.headers.enable', type: 'BOOLEAN', default: false, importance: 'MEDIUM', group: ERRORS, width: 'MEDIUM', displayName: 'Enable Error Context Headers',
      documentation: 'If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys will start with `__connect.errors.`',
    },
  ],
});
