/**
 * A Herder kept in memory, for testing the REST API without running connectors. It follows the
 * Herder contract (src/worker/herder.ts) as the standalone herder does: configs are validated
 * against the real plugin definitions (src/worker/plugins.ts) before anything changes, target
 * states are tracked, and the herder errors are thrown with Connect's messages.
 *
 * States follow the target at once: STARTED is RUNNING with one task (id 0), PAUSED is PAUSED
 * with its task, STOPPED is STOPPED with no tasks. `fail*`, `recordTopic` set up what a running
 * connector would otherwise produce. Every answer is a copy; nothing here blocks.
 */
import { configInfos, configKeyInfos, type ConfigInfos, type ConfigKeyInfo } from '../../src/config/config-infos.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { ConfigError } from '../../src/errors.js';
import type {
  ConnectorConfig,
  ConnectorInfo,
  ConnectorStatus,
  Herder,
  OffsetEntry,
  PluginInfo,
  RestartRequest,
  State,
  TargetState,
  TaskConfig,
  TaskStatus,
} from '../../src/worker/herder.js';
import { AlreadyExistsError, BadRequestError, connectorNotFound, NotFoundError } from '../../src/worker/herder-errors.js';
import { findPlugin, PLUGINS, type ConnectorPlugin } from '../../src/worker/plugins.js';

interface Connector {
  plugin: ConnectorPlugin;
  config: ConnectorConfig;
  target: TargetState;
  connectorTrace: string | undefined;
  taskTrace: string | undefined;
  topics: Set<string>;
  offsets: Map<string, OffsetEntry>;
}

const RUNNING_STATE: Record<TargetState, State> = { STARTED: 'RUNNING', PAUSED: 'PAUSED', STOPPED: 'STOPPED' };

export class MemoryHerder implements Herder {
  readonly workerId = 'memory-herder:8083';
  readonly version = '0.0.0-memory';
  private readonly entries = new Map<string, Connector>();

  connectors(): string[] {
    return [...this.entries.keys()];
  }

  info(name: string): ConnectorInfo {
    const entry = this.get(name);
    return { name, config: { ...entry.config }, tasks: this.taskNumbers(entry).map((task) => ({ connector: name, task })), type: entry.plugin.type };
  }

  config(name: string): ConnectorConfig {
    return { ...this.get(name).config };
  }

  status(name: string): ConnectorStatus {
    const entry = this.get(name);
    const connector = entry.connectorTrace === undefined
      ? { state: RUNNING_STATE[entry.target], worker_id: this.workerId }
      : { state: 'FAILED' as const, worker_id: this.workerId, trace: entry.connectorTrace };
    return { name, connector, tasks: this.taskNumbers(entry).map((id) => this.taskState(entry, id)), type: entry.plugin.type };
  }

  taskConfigs(name: string): TaskConfig[] {
    const entry = this.get(name);
    return this.taskNumbers(entry).map((task) => ({ id: { connector: name, task }, config: { ...entry.config } }));
  }

  taskStatus(name: string, task: number): TaskStatus {
    const entry = this.get(name);
    if (!this.taskNumbers(entry).includes(task)) throw new NotFoundError(`No status found for task ${name}-${task}`);
    return this.taskState(entry, task);
  }

  topics(name: string): string[] {
    return [...this.get(name).topics].sort();
  }

  async resetTopics(name: string): Promise<void> {
    this.get(name).topics.clear();
  }

  async create(name: string, config: ConnectorConfig, initialState: TargetState = 'STARTED'): Promise<ConnectorInfo> {
    if (this.entries.has(name)) throw new AlreadyExistsError(`Connector ${name} already exists`);
    const plugin = this.checked(name, config);
    this.entries.set(name, { plugin, config: { ...config, name }, target: initialState, connectorTrace: undefined, taskTrace: undefined, topics: new Set(), offsets: new Map() });
    return this.info(name);
  }

  async putConfig(name: string, config: ConnectorConfig): Promise<{ created: boolean; info: ConnectorInfo }> {
    const entry = this.entries.get(name);
    if (entry === undefined) return { created: true, info: await this.create(name, config) };
    entry.plugin = this.checked(name, config);
    entry.config = { ...config, name };
    return { created: false, info: this.info(name) };
  }

  async patchConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const merged = this.config(name);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return (await this.putConfig(name, merged)).info;
  }

  async delete(name: string): Promise<void> {
    this.get(name);
    this.entries.delete(name);
  }

  async pause(name: string): Promise<void> {
    this.get(name).target = 'PAUSED';
  }

  async resume(name: string): Promise<void> {
    this.get(name).target = 'STARTED';
  }

  async stop(name: string): Promise<void> {
    this.get(name).target = 'STOPPED';
  }

  async restart(name: string, request: RestartRequest): Promise<ConnectorStatus | null> {
    const entry = this.get(name);
    const restartConnector = !request.onlyFailed || entry.connectorTrace !== undefined;
    const restartTasks = request.includeTasks && (!request.onlyFailed || entry.taskTrace !== undefined);
    if (restartConnector) entry.connectorTrace = undefined;
    if (restartTasks) entry.taskTrace = undefined;
    if (!request.includeTasks && !request.onlyFailed) return null;
    const status = this.status(name);
    return {
      ...status,
      connector: restartConnector ? { ...status.connector, state: 'RESTARTING' } : status.connector,
      tasks: status.tasks.map((task) => (restartTasks ? { ...task, state: 'RESTARTING' } : task)),
    };
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.taskStatus(name, task);
    this.get(name).taskTrace = undefined;
  }

  async offsets(name: string): Promise<OffsetEntry[]> {
    return [...this.get(name).offsets.values()].map((entry) => structuredClone(entry));
  }

  async alterOffsets(name: string, offsets: OffsetEntry[]): Promise<void> {
    const entry = this.stopped(name);
    for (const { partition, offset } of offsets) {
      const key = JSON.stringify(partition);
      if (offset === null) entry.offsets.delete(key);
      else entry.offsets.set(key, structuredClone({ partition, offset }));
    }
  }

  async resetOffsets(name: string): Promise<void> {
    this.stopped(name).offsets.clear();
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    const connectors: PluginInfo[] = PLUGINS.map((plugin) => ({ class: plugin.className, type: plugin.type, version: this.version }));
    return connectorsOnly ? connectors : [...connectors, { class: 'org.apache.kafka.connect.transforms.RegexRouter', type: 'transformation', version: this.version }];
  }

  pluginConfig(pluginClass: string): ConfigKeyInfo[] {
    return configKeyInfos(this.plugin(pluginClass, NotFoundError).definition);
  }

  validate(pluginClass: string, config: ConnectorConfig): ConfigInfos {
    const plugin = this.plugin(pluginClass, NotFoundError);
    return configInfos(plugin.className, plugin.definition, config);
  }

  /** The connector's next status shows it FAILED with this trace, until it is restarted. */
  failConnector(name: string, trace: string): void {
    this.get(name).connectorTrace = trace;
  }

  /** The task's next status shows it FAILED with this trace, until it is restarted. */
  failTask(name: string, trace: string): void {
    this.get(name).taskTrace = trace;
  }

  recordTopic(name: string, topic: string): void {
    this.get(name).topics.add(topic);
  }

  private get(name: string): Connector {
    const entry = this.entries.get(name);
    if (entry === undefined) throw connectorNotFound(name);
    return entry;
  }

  private stopped(name: string): Connector {
    const entry = this.get(name);
    if (entry.target !== 'STOPPED') {
      throw new BadRequestError(
        `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
      );
    }
    return entry;
  }

  private taskNumbers(entry: Connector): number[] {
    return entry.target === 'STOPPED' ? [] : [0];
  }

  private taskState(entry: Connector, id: number): TaskStatus {
    return entry.taskTrace === undefined
      ? { id, state: RUNNING_STATE[entry.target], worker_id: this.workerId }
      : { id, state: 'FAILED', worker_id: this.workerId, trace: entry.taskTrace };
  }

  private plugin(pluginClass: string | undefined, refusal: new (message: string) => Error): ConnectorPlugin {
    try {
      return findPlugin(pluginClass);
    } catch (error) {
      throw new refusal((error as ConfigError).message);
    }
  }

  /** The config's plugin, once the config (with its name) is valid for it. */
  private checked(name: string, config: ConnectorConfig): ConnectorPlugin {
    const full: ConnectorConfig = { ...config, name };
    const plugin = this.plugin(full['connector.class'], BadRequestError);
    const { problems } = validateConfig(plugin.definition, full);
    if (problems.length > 0) {
      throw new BadRequestError(
        `Connector configuration is invalid and contains the following ${problems.length} error(s):\n${problems.map((p) => p.message).join('\n')}\n` +
          'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
      );
    }
    return plugin;
  }
}
