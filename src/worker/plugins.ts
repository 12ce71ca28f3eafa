/**
 * The connector plugins this worker knows, by `connector.class`: our short names and the class
 * names users already write in Debezium and Kafka Connect configs. One entry per plugin holds its
 * config declaration (for validation and the REST API) and how to make its task.
 */
import type { ConfigDefinition } from '../config/config-definition.js';
import { parseOrThrow, type RawConfig } from '../config/validate-config.js';
import type { SinkTask } from '../contracts/sink-task.js';
import type { SourceTask } from '../contracts/source-task.js';
import { ConfigError } from '../errors.js';
import { FILE_SINK_ALIASES, FILE_SINK_CLASS, FILE_SINK_CONFIG, parseFileSinkConfig } from '../sinks/file/file-sink-config.js';
import { FileSinkTask } from '../sinks/file/file-sink-task.js';
import {
  OPENSEARCH_SINK_ALIASES,
  OPENSEARCH_SINK_CLASS,
  OPENSEARCH_SINK_CONFIG,
  parseOpenSearchSinkConfig,
} from '../sinks/opensearch/opensearch-sink-config.js';
import { OpenSearchSinkTask } from '../sinks/opensearch/sink-task.js';
import { parseS3SinkConfig, S3_PARQUET_SINK_ALIASES, S3_PARQUET_SINK_CLASS, S3_SINK_CONFIG } from '../sinks/s3-parquet/s3-sink-config.js';
import { S3ParquetSinkTask } from '../sinks/s3-parquet/s3-sink-task.js';
import { NULL_SINK_CLASS, NULL_SINK_CONFIG, NullSinkTask } from '../sinks/null/null-sink.js';
import { createTopicSelector, type TopicSelector } from '../sinks/topic-selector.js';
import { parsePostgresSourceConfig, POSTGRES_SOURCE_CLASS, POSTGRES_SOURCE_CONFIG } from '../sources/postgres/postgres-source-config.js';
import { SlotLagProbe } from '../sources/postgres/slot-lag.js';
import { connectionSettings } from '../sources/postgres/task-settings.js';
import { PostgresSourceTask } from '../sources/postgres/postgres-source-task.js';

interface PluginBase {
  className: string;
  aliases: readonly string[];
  definition: ConfigDefinition;
}

export interface SourcePlugin extends PluginBase {
  type: 'source';
  createSource(config: RawConfig): SourceTask;
  /** How far the source's position trails its server, in bytes, for metrics (resolved config). */
  lagProbe?(config: RawConfig): LagProbe;
}

export interface LagProbe {
  lagBytes(): Promise<number | null>;
  close(): Promise<void>;
}

export interface SinkPlugin extends PluginBase {
  type: 'sink';
  createSink(config: RawConfig): SinkTask;
}

export type ConnectorPlugin = SourcePlugin | SinkPlugin;

/**
 * How many tasks a connector runs where tasks can run apart (Kafka mode): a sink its `tasks.max`,
 * members of one consumer group sharing the partitions; a source one, as Debezium's PostgreSQL
 * connector (one replication slot, one reader). The config is a checked one.
 */
export function taskCount(plugin: ConnectorPlugin, config: RawConfig): number {
  return plugin.type === 'sink' ? parseOrThrow(plugin.definition, config).values.number('tasks.max') : 1;
}

/** The topics a sink connector takes (Connect's `topics` / `topics.regex`), from its config. */
export function sinkTopics(plugin: SinkPlugin, config: RawConfig): TopicSelector {
  return createTopicSelector(parseOrThrow(plugin.definition, config).values);
}

export const PLUGINS: readonly ConnectorPlugin[] = [
  {
    type: 'source',
    className: POSTGRES_SOURCE_CLASS,
    aliases: ['postgres', 'PostgresConnector', 'PostgresSource'],
    definition: POSTGRES_SOURCE_CONFIG,
    createSource: (config) => new PostgresSourceTask({ ...config }),
    lagProbe: (config) => {
      const parsed = parsePostgresSourceConfig(config);
      return new SlotLagProbe(connectionSettings(parsed), parsed.slotName);
    },
  },
  {
    type: 'sink',
    className: FILE_SINK_CLASS,
    aliases: FILE_SINK_ALIASES,
    definition: FILE_SINK_CONFIG,
    createSink: (config) => new FileSinkTask(parseFileSinkConfig(config)),
  },
  {
    type: 'sink',
    className: OPENSEARCH_SINK_CLASS,
    aliases: OPENSEARCH_SINK_ALIASES,
    definition: OPENSEARCH_SINK_CONFIG,
    createSink: (config) => new OpenSearchSinkTask(parseOpenSearchSinkConfig(config)),
  },
  {
    type: 'sink',
    className: S3_PARQUET_SINK_CLASS,
    aliases: S3_PARQUET_SINK_ALIASES,
    definition: S3_SINK_CONFIG,
    createSink: (config) => new S3ParquetSinkTask(parseS3SinkConfig(config)),
  },
  {
    type: 'sink',
    className: NULL_SINK_CLASS,
    aliases: ['null'],
    definition: NULL_SINK_CONFIG,
    createSink: () => new NullSinkTask(),
  },
];

/** The plugin for a `connector.class`; an unknown or missing class is a ConfigError listing the known ones. */
export function findPlugin(connectorClass: string | undefined): ConnectorPlugin {
  if (!connectorClass) throw new ConfigError('Missing required configuration "connector.class" which has no default value.');
  const plugin = PLUGINS.find((p) => p.className === connectorClass || p.aliases.includes(connectorClass));
  if (!plugin) {
    const known = PLUGINS.flatMap((p) => [p.className, ...p.aliases]).join(', ');
    throw new ConfigError(`Failed to find any class that implements Connector and which name matches ${connectorClass}. Known connector classes: ${known}.`);
  }
  return plugin;
}
