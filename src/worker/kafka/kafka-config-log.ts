/**
 * Connector configs, task configs and target states in the config topic (`config.storage.topic`,
 * default connect-configs), in Kafka Connect's records, so that every worker of a group sees the
 * same configs in the same order and Connect's tools can read them:
 *   connector-<c>     {"properties": {...}}            null: the connector is deleted
 *   target-state-<c>  {"state": "STARTED"|"PAUSED", "state.v2": "STARTED"|"PAUSED"|"STOPPED"}
 *   task-<c>-<n>      {"properties": {...}}
 *   commit-<c>        {"tasks": N}: the task configs 0..N-1 written before it take effect together
 *   restart-connector-<c>  {"include-tasks": bool, "only-failed": bool}: a restart request, for
 *                     the workers running the connector's tasks; Sluice adds "task": n to restart
 *                     one task only (Connect forwards that request over HTTP instead)
 * Other keys (session keys) are left to whoever reads them. Values are JSON
 * without schemas; every record goes to partition 0, the one total order of changes.
 *
 * `open` reads the topic to the end, then follows it: each change applied, whoever wrote it,
 * reaches `onChange` once, in log order, from one loop (KafkaLog). Reads answer from memory; writes
 * resolve once acknowledged and applied here. `readToEnd()` catches up with other workers.
 * A record not in the format above is logged and skipped; a commit whose task configs are not all
 * there keeps the previous tasks, logged, as Connect treats an inconsistent connector.
 */
import type { Logger } from 'pino';
import type { ConnectorConfig, RestartRequest, TargetState } from '../herder.js';
import type { InternalTopic } from './internal-topics.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { KafkaLog, type KafkaLogRecord } from './kafka-log.js';

export type ConfigChange =
  | { kind: 'connector'; connector: string; removed: boolean }
  | { kind: 'target-state'; connector: string; state: TargetState }
  | { kind: 'tasks'; connector: string; count: number }
  | { kind: 'restart'; connector: string; request: RestartRequest };

export interface KafkaConfigLogOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  topic: InternalTopic;
  logger: Logger;
  onChange?(change: ConfigChange): void;
  topicCreationTimeoutMs?: number;
}

interface ConnectorEntry {
  config: ConnectorConfig | null;
  targetState: TargetState;
  tasks: ConnectorConfig[];
  /** task-<c>-<n> records not committed yet. */
  pendingTasks: Map<number, ConnectorConfig>;
}

const CONFIG_PARTITION = 0;

export class KafkaConfigLog {
  private readonly connectors = new Map<string, ConnectorEntry>();
  private log!: KafkaLog;

  private constructor(private readonly options: KafkaConfigLogOptions) {}

  static async open(options: KafkaConfigLogOptions): Promise<KafkaConfigLog> {
    const store = new KafkaConfigLog(options);
    store.log = await KafkaLog.open({ ...options, partition: CONFIG_PARTITION, onRecord: (record) => store.apply(record) });
    if (store.log.partitions.length > 1) {
      options.logger.warn(
        `The config topic ${options.topic.name} has ${store.log.partitions.length} partitions; Sluice writes only to partition 0, ` +
          'but Kafka Connect requires exactly 1: recreate it with one partition before a Connect worker joins.',
      );
    }
    return store;
  }

  /** Names of the connectors with a config, sorted. */
  connectorNames(): string[] {
    return [...this.connectors].filter(([, entry]) => entry.config !== null).map(([name]) => name).sort();
  }

  connectorConfig(name: string): ConnectorConfig | null {
    const config = this.connectors.get(name)?.config;
    return config ? { ...config } : null;
  }

  /** The target state of a connector with a config; STARTED unless set otherwise. */
  targetState(name: string): TargetState | null {
    const entry = this.connectors.get(name);
    return entry?.config ? entry.targetState : null;
  }

  /** How many task configs are committed: the connector's tasks are 0 to this, exclusive. */
  taskCount(name: string): number {
    return this.connectors.get(name)?.tasks.length ?? 0;
  }

  /** The committed task configs, in task order. */
  taskConfigs(name: string): ConnectorConfig[] {
    return (this.connectors.get(name)?.tasks ?? []).map((task) => ({ ...task }));
  }

  /** Writes the connector's config; a new connector's target state is written first when given. */
  async putConnectorConfig(name: string, config: ConnectorConfig, initialState?: TargetState): Promise<void> {
    if (initialState !== undefined && this.connectorConfig(name) === null) await this.putTargetState(name, initialState);
    await this.log.send(`connector-${name}`, JSON.stringify({ properties: config }));
  }

  async removeConnector(name: string): Promise<void> {
    await this.log.send(`connector-${name}`, null);
    await this.log.send(`target-state-${name}`, null);
  }

  async putTargetState(name: string, state: TargetState): Promise<void> {
    // Connect before 3.5 knows only STARTED and PAUSED: a stopped connector is at least paused there.
    await this.log.send(`target-state-${name}`, JSON.stringify({ state: state === 'STOPPED' ? 'PAUSED' : state, 'state.v2': state }));
  }

  /** Writes each task's config, then the commit that makes them the connector's tasks. */
  async putTaskConfigs(name: string, tasks: readonly ConnectorConfig[]): Promise<void> {
    for (const [index, task] of tasks.entries()) await this.log.send(`task-${name}-${index}`, JSON.stringify({ properties: task }));
    await this.log.send(`commit-${name}`, JSON.stringify({ tasks: tasks.length }));
  }

  /** Asks the workers running the connector's tasks to restart them, per the request. */
  async requestRestart(name: string, request: RestartRequest): Promise<void> {
    const task = request.task === undefined ? {} : { task: request.task };
    await this.log.send(`restart-connector-${name}`, JSON.stringify({ 'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed, ...task }));
  }

  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private apply(record: KafkaLogRecord): void {
    const key = record.key ?? '';
    const value = record.value === null ? null : (JSON.parse(record.value) as unknown);
    let match: RegExpExecArray | null;
    if (key.startsWith('connector-')) {
      this.applyConnector(key.slice('connector-'.length), value);
    } else if (key.startsWith('target-state-')) {
      this.applyTargetState(key.slice('target-state-'.length), value);
    } else if ((match = /^task-(.+)-(\d+)$/.exec(key)) !== null) {
      if (value !== null) {
        const task = properties(value);
        this.entry(match[1]!).pendingTasks.set(Number(match[2]), task);
      }
    } else if (key.startsWith('commit-')) {
      this.applyCommit(key.slice('commit-'.length), value);
    } else if (key.startsWith('restart-connector-') && value !== null) {
      const { 'include-tasks': includeTasks = false, 'only-failed': onlyFailed = false, task } = value as Record<string, unknown>;
      if (typeof includeTasks !== 'boolean' || typeof onlyFailed !== 'boolean' || (task !== undefined && !Number.isInteger(task))) {
        throw new Error('a restart request must be {"include-tasks": <boolean>, "only-failed": <boolean>}, with "task": <number> for one task');
      }
      const request = { includeTasks, onlyFailed, ...(task === undefined ? {} : { task: task as number }) };
      this.options.onChange?.({ kind: 'restart', connector: key.slice('restart-connector-'.length), request });
    }
  }

  private applyConnector(name: string, value: unknown): void {
    if (value === null) {
      this.connectors.delete(name);
      this.options.onChange?.({ kind: 'connector', connector: name, removed: true });
      return;
    }
    const config = properties(value);
    this.entry(name).config = config;
    this.options.onChange?.({ kind: 'connector', connector: name, removed: false });
  }

  private applyTargetState(name: string, value: unknown): void {
    if (value === null) return; // written with a connector's deletion
    const { state, 'state.v2': stateV2 } = value as { state?: unknown; 'state.v2'?: unknown };
    const targetState = stateV2 ?? state;
    if (targetState !== 'STARTED' && targetState !== 'PAUSED' && targetState !== 'STOPPED') throw new Error(`unknown target state ${String(targetState)}`);
    this.entry(name).targetState = targetState;
    this.options.onChange?.({ kind: 'target-state', connector: name, state: targetState });
  }

  private applyCommit(name: string, value: unknown): void {
    const count = (value as { tasks?: unknown } | null)?.tasks;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new Error('a commit must be {"tasks": <count>}');
    const entry = this.entry(name);
    const tasks = Array.from({ length: count }, (_, index) => entry.pendingTasks.get(index));
    if (tasks.some((task) => task === undefined)) {
      this.options.logger.warn(`The config topic commits ${count} tasks for connector ${name} without all their configs; its previous tasks stay.`);
      return;
    }
    entry.tasks = tasks as ConnectorConfig[];
    entry.pendingTasks.clear();
    this.options.onChange?.({ kind: 'tasks', connector: name, count });
  }

  private entry(name: string): ConnectorEntry {
    let entry = this.connectors.get(name);
    if (entry === undefined) {
      entry = { config: null, targetState: 'STARTED', tasks: [], pendingTasks: new Map() };
      this.connectors.set(name, entry);
    }
    return entry;
  }
}

/** The string map of a `{"properties": {...}}` record. */
function properties(value: unknown): ConnectorConfig {
  const map = (value as { properties?: unknown } | null)?.properties;
  if (typeof map !== 'object' || map === null || Array.isArray(map) || !Object.values(map).every((v) => typeof v === 'string')) {
    throw new Error('the value is not {"properties": {<string>: <string>}}');
  }
  return { ...(map as ConnectorConfig) };
}
