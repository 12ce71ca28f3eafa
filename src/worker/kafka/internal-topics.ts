/**
 * The worker's internal topics in Kafka mode, named and sized by Kafka Connect's distributed-worker
 * keys: `offset.storage.topic` (connect-offsets, 25 partitions), `config.storage.topic`
 * (connect-configs, always 1 partition: its order is the order of config changes) and
 * `status.storage.topic` (connect-status, 5 partitions), each with `<prefix>.replication.factor`
 * (default 3) and, for offsets and status, `<prefix>.partitions`. -1 leaves a count to the
 * broker's default, as in Connect. All three are compacted.
 *
 * `internalTopics(worker)` reads them from the worker config's undeclared keys (`extra`), once at
 * start; a bad value is a ConfigError naming the key and what it expects, all problems at once.
 */
import type { ConfigDefinition, ConfigKey, Validator } from '../../config/config-definition.js';
import { validateConfig } from '../../config/validate-config.js';
import { nonEmptyString } from '../../config/validators.js';
import { ConfigError } from '../../errors.js';
import type { WorkerConfig } from '../worker-config.js';

export interface InternalTopic {
  name: string;
  /** -1: the broker's default. */
  partitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
}

export interface InternalTopics {
  offsets: InternalTopic;
  configs: InternalTopic;
  status: InternalTopic;
}

const countOrBrokerDefault: Validator = {
  describe: 'a positive integer, or -1 for the broker\'s default',
  check: (value) => (typeof value === 'number' && value < 1 && value !== -1 ? 'Value must be at least 1, or -1 for the broker\'s default' : undefined),
};

function key(name: string, type: 'STRING' | 'INT', defaultValue: string | number, documentation: string): ConfigKey {
  return {
    name, type, default: defaultValue, importance: type === 'STRING' ? 'HIGH' : 'LOW', group: 'Kafka mode', documentation,
    validator: type === 'STRING' ? nonEmptyString() : countOrBrokerDefault,
  };
}

const replication = (what: string): string =>
  `Replication factor of the ${what} topic when Sluice creates it; at most the number of brokers is used. -1: the broker's default.`;

export const INTERNAL_TOPICS_CONFIG: ConfigDefinition = {
  keys: [
    key('offset.storage.topic', 'STRING', 'connect-offsets', 'Compacted topic holding the source connectors\' offsets, in Kafka Connect\'s format.'),
    key('offset.storage.partitions', 'INT', 25, 'Partitions of the offsets topic when Sluice creates it. -1: the broker\'s default.'),
    key('offset.storage.replication.factor', 'INT', 3, replication('offsets')),
    key('config.storage.topic', 'STRING', 'connect-configs', 'Compacted, single-partition topic holding connector configs, task configs and target states, in Kafka Connect\'s format.'),
    key('config.storage.replication.factor', 'INT', 3, replication('configs')),
    key('status.storage.topic', 'STRING', 'connect-status', 'Compacted topic holding connector and task states, in Kafka Connect\'s format.'),
    key('status.storage.partitions', 'INT', 5, 'Partitions of the status topic when Sluice creates it. -1: the broker\'s default.'),
    key('status.storage.replication.factor', 'INT', 3, replication('status')),
  ],
};

export function internalTopics(worker: Pick<WorkerConfig, 'extra'>): InternalTopics {
  const { values, problems } = validateConfig(INTERNAL_TOPICS_CONFIG, worker.extra);
  if (problems.length > 0) {
    const lines = problems.map(({ key: name, message }) => `- ${name}: ${message}; expected ${describe(name)}.`);
    throw new ConfigError(`The worker config's internal topics have ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${lines.join('\n')}`);
  }
  const topic = (prefix: string, partitions: number): InternalTopic => ({
    name: values.string(`${prefix}.topic`),
    partitions,
    replicationFactor: values.number(`${prefix}.replication.factor`),
  });
  return {
    offsets: topic('offset.storage', values.number('offset.storage.partitions')),
    configs: topic('config.storage', 1),
    status: topic('status.storage', values.number('status.storage.partitions')),
  };
}

function describe(name: string): string {
  return INTERNAL_TOPICS_CONFIG.keys.find((k) => k.name === name)!.validator!.describe;
}
