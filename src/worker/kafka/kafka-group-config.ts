/**
 * The worker-config keys of a Kafka-mode cluster's membership, by Kafka Connect's names:
 * `session.timeout.ms` (default 10000) and `heartbeat.interval.ms` (default 3000) decide how soon
 * a dead worker's connectors move (worker-membership.ts); `rest.advertised.host.name`,
 * `rest.advertised.port` and `rest.advertised.listener` are how the other workers and the status
 * topic name this worker (its worker_id is host:port), defaulting to the first REST listener's
 * host (or the machine's host name) and port.
 *
 * `groupSettings(worker)` reads them from the worker config's undeclared keys (`extra`) once at
 * start; bad values are one ConfigError naming each key and what it expects.
 */
import os from 'node:os';
import type { ConfigDefinition, ConfigKey } from '../../config/config-definition.js';
import { validateConfig } from '../../config/validate-config.js';
import { oneOf, range } from '../../config/validators.js';
import { ConfigError } from '../../errors.js';
import type { WorkerConfig } from '../worker-config.js';

export interface GroupSettings {
  groupId: string;
  /** host:port, as the status topic's worker_id. */
  workerId: string;
  /** The REST API's URL as other workers reach it. */
  url: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  topicCreationTimeoutMs: number;
}

function key(name: string, type: ConfigKey['type'], defaultValue: ConfigKey['default'], documentation: string, extra: Partial<ConfigKey> = {}): ConfigKey {
  return { name, type, default: defaultValue, importance: 'MEDIUM', group: 'Kafka mode', documentation, ...extra };
}

export const KAFKA_GROUP_CONFIG: ConfigDefinition = {
  keys: [
    key('session.timeout.ms', 'INT', 10000, 'How long a worker may send no heartbeat before the others take it for dead and run its connectors.', { validator: range({ min: 1000 }) }),
    key('heartbeat.interval.ms', 'INT', 3000, 'How often a worker writes its heartbeat; keep it well under session.timeout.ms.', { validator: range({ min: 100 }) }),
    key('rest.advertised.host.name', 'STRING', null, 'Host name other workers reach this worker\'s REST API at, and part of its worker_id. Default: the first listener\'s host, else the machine\'s host name.'),
    key('rest.advertised.port', 'INT', null, 'Port other workers reach this worker\'s REST API at. Default: the first listener\'s port.', { validator: range({ min: 1, max: 65535 }) }),
    key('sluice.topic.creation.timeout.ms', 'INT', 30000, 'How long creating an internal or data topic may take before the worker relies on the broker to auto-create it. A broker that does not support CreateTopics delays each first use of a topic by this much.', { validator: range({ min: 1 }) }),
    key('rest.advertised.listener', 'STRING', 'http', 'Protocol of the advertised REST URL.', { validator: oneOf(['http', 'https']) }),
  ],
};

export function groupSettings(worker: Pick<WorkerConfig, 'groupId' | 'listeners' | 'extra'>): GroupSettings {
  if (worker.groupId === null) throw new ConfigError('Kafka mode needs group.id: workers with the same group.id form one cluster and share its connectors.');
  const { values, problems } = validateConfig(KAFKA_GROUP_CONFIG, worker.extra);
  if (problems.length > 0) {
    const lines = problems.map(({ key: name, message }) => `- ${name}: ${message}`);
    throw new ConfigError(`The worker config's Kafka mode keys have ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${lines.join('\n')}`);
  }
  const sessionTimeoutMs = values.number('session.timeout.ms');
  const heartbeatIntervalMs = values.number('heartbeat.interval.ms');
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new ConfigError(`heartbeat.interval.ms (${heartbeatIntervalMs}) must be below session.timeout.ms (${sessionTimeoutMs}), or every worker times out between heartbeats; a third of it is usual.`);
  }
  const listener = worker.listeners[0];
  const listenerHost = listener?.host && !['0.0.0.0', '::', ''].includes(listener.host) ? listener.host : null;
  const host = values.optionalString('rest.advertised.host.name') || listenerHost || os.hostname();
  const port = values.optionalNumber('rest.advertised.port') ?? listener?.port ?? 8083;
  const protocol = values.string('rest.advertised.listener');
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    groupId: worker.groupId,
    workerId: `${host}:${port}`,
    url: `${protocol}://${hostInUrl}:${port}/`,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    topicCreationTimeoutMs: values.number('sluice.topic.creation.timeout.ms'),
  };
}
