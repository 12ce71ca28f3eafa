/**
 * The file sink's config: Kafka Connect's FileStreamSink, whose one own key is `file` (standard
 * output when absent or empty), plus the keys of every sink connector. Parsing is pure and throws
 * one ConfigError listing every problem.
 */
import { combineDefinitions, type ConfigDefinition, type ConfigProblem } from '../../config/config-definition.js';
import { SINK_CONNECTOR_CONFIG } from '../../config/connector-common.js';
import { parseOrThrow, type RawConfig } from '../../config/validate-config.js';

export const FILE_SINK_CLASS = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
/** The short names Kafka Connect also accepts for the class. */
export const FILE_SINK_ALIASES: readonly string[] = ['FileStreamSink', 'FileStreamSinkConnector'];

export const FILE_SINK_KEYS: ConfigDefinition = {
  keys: [
    {
      name: 'file', type: 'STRING', default: null, importance: 'HIGH', group: 'File', width: 'LONG', displayName: 'File',
      documentation: 'Destination filename, appended to as JSON lines: one {"topic", "key", "value", "headers"} object per record, value null for a tombstone. If not specified, the standard output will be used.',
    },
  ],
};

export const FILE_SINK_CONFIG: ConfigDefinition = combineDefinitions(SINK_CONNECTOR_CONFIG, FILE_SINK_KEYS);

export interface FileSinkConfig {
  /** The file to append to, or null for standard output. */
  file: string | null;
  warnings: ConfigProblem[];
}

export function parseFileSinkConfig(raw: RawConfig): FileSinkConfig {
  const { values, warnings } = parseOrThrow(FILE_SINK_CONFIG, raw);
  const file = values.optionalString('file');
  return { file: file === '' ? null : file, warnings };
}
