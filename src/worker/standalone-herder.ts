/**
 * The standalone herder: the Herder API (./herder.ts) for one process without Kafka. Connector
 * configs and target states live in the data directory (connectors.json), source offsets in the
 * offset file; sources feed sinks through bounded in-process channels.
 *
 * Contract, beyond the Herder interface:
 * - `start(connectors)` stores the given connector configs (they win over stored ones of the same
 *   name) and starts every stored connector per its target state: sinks first, so that no event
 *   is produced before its consumers run.
 * - `shutdown()` stops the sources (each drains in flight events into the sinks and commits the
 *   offsets they made durable), then the sinks, then closes the stores. Safe to call twice.
 * - A sink connector created after a source has run sees the events produced from then on: without
 *   Kafka there is no log to read from the start. Reset the source's offsets to deliver it all.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { OffsetStore } from '../contracts/offset-store.js';
import { buildTransformChain } from '../transforms/transform-chain.js';
import { ConnectorConfigStore, connectorConfigPath } from './config-store.js';
import { checkedConnectorConfig, offsetsNeedStopped } from './connector-catalog.js';
import { HerderBase, type StoredConnector } from './herder-base.js';
import { ConnectorRuntime, type RestartPolicy, type RuntimeDeps } from './connector-runtime.js';
import type {
  ConnectorConfig,
  ConnectorInfo,
  ConnectorStatus,
  Herder,
  OffsetEntry,
  RestartRequest,
  TargetState,
  TaskStatus,
} from './herder.js';
import { AlreadyExistsError, connectorNotFound, NotFoundError } from './herder-errors.js';
import { Metrics } from './metrics.js';
import { InProcessTransport } from './in-process-transport.js';
import { FileOffsetStore } from './offsets/file-offset-store.js';
import { findPlugin, taskCount } from './plugins.js';
import { ProgressLog } from './progress-log.js';
import type { WorkerConfig } from './worker-config.js';

/** Deliveries waiting for a sink runner; small for the reason the source's queue is (postgres-source-task.ts). */
const SINK_CHANNEL_CAPACITY = 128;

export interface StandaloneHerderOptions {
  workerId?: string;
  metrics?: Metrics;
  restart?: Partial<RestartPolicy>;
  resolve?: RuntimeDeps['resolve'];
}

export class StandaloneHerder extends HerderBase implements Herder {
  readonly progress: ProgressLog;
  readonly metrics: Metrics;
  private readonly runtimes = new Map<string, ConnectorRuntime>();
  private readonly deps: RuntimeDeps;
  private stopping: Promise<void> | undefined;
  /** The sink runtimes, rebuilt after connectors come or go (sources cache topic routing per list). */
  private sinkList: ConnectorRuntime[] | undefined;

  private constructor(
    readonly workerId: string,
    private readonly logger: Logger,
    private readonly configs: ConnectorConfigStore,
    readonly offsetStore: OffsetStore,
    config: WorkerConfig,
    options: StandaloneHerderOptions,
  ) {
    super();
    this.metrics = options.metrics ?? new Metrics();
    this.progress = new ProgressLog(logger, undefined, this.metrics);
    this.deps = {
      metrics: this.metrics,
      workerId,
      dataDir: config.dataDir,
      logger,
      offsets: offsetStore,
      progress: this.progress,
      commitIntervalMs: config.offsetFlushIntervalMs,
      shutdownTimeoutMs: config.taskShutdownGracefulTimeoutMs,
      restart: { ...config.taskRestart, ...options.restart },
      transport: new InProcessTransport({
        offsets: offsetStore,
        commitIntervalMs: config.offsetFlushIntervalMs,
        channelCapacity: SINK_CHANNEL_CAPACITY,
        sinks: () => (this.sinkList ??= [...this.runtimes.values()].filter((r) => r.type === 'sink')),
      }),
      resolve: options.resolve ?? (async (c) => c),
      transformOf: (connector, logger) => {
        const chain = buildTransformChain(connector, { logger });
        return (event) => chain.apply(event);
      },
      onSinkRunnerReplaced: (sink) => this.redeliverTo(sink),
    };
  }

  static async open(config: WorkerConfig, logger: Logger, options: StandaloneHerderOptions = {}): Promise<StandaloneHerder> {
    await mkdir(config.dataDir, { recursive: true });
    await mkdir(path.dirname(config.offsetStorageFile), { recursive: true });
    const configs = await ConnectorConfigStore.open(connectorConfigPath(config.dataDir));
    const offsets = await FileOffsetStore.open(config.offsetStorageFile);
    const listener = config.listeners[0];
    const workerId = options.workerId ?? `${listener?.host ?? os.hostname()}:${listener?.port ?? 8083}`;
    return new StandaloneHerder(workerId, logger, configs, offsets, config, options);
  }

  async start(connectors: Array<{ name: string; config: ConnectorConfig }> = []): Promise<void> {
    // Every given connector is checked (against the stored ones and each other) before any is stored.
    const added: string[] = [];
    try {
      for (const { name, config } of connectors) {
        const full = checkedConnectorConfig(name, config, this.runtimes.values());
        this.runtimes.set(name, this.runtime(name, full, (await this.configs.targetState(name)) ?? 'STARTED'));
        this.sinkList = undefined;
        added.push(name);
      }
    } catch (error) {
      for (const name of added) this.runtimes.delete(name);
      this.sinkList = undefined;
      throw error;
    }
    for (const name of added) await this.configs.put(name, this.runtimes.get(name)!.config);
    for (const name of await this.configs.list()) {
      if (this.runtimes.has(name)) continue;
      const config = (await this.configs.get(name))!;
      try {
        this.runtimes.set(name, this.runtime(name, config, (await this.configs.targetState(name)) ?? 'STARTED'));
        this.sinkList = undefined;
      } catch (error) {
        this.logger.error({ err: error, connector: name }, `stored connector ${name} cannot run: ${(error as Error).message}`);
      }
    }
    const all = [...this.runtimes.values()];
    await Promise.all(all.filter((r) => r.type === 'sink').map((r) => r.applyTarget(r.target)));
    await Promise.all(all.filter((r) => r.type === 'source').map((r) => r.applyTarget(r.target)));
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      const all = [...this.runtimes.values()];
      await Promise.all(all.filter((r) => r.type === 'source').map((r) => r.shutdown()));
      await Promise.all(all.filter((r) => r.type === 'sink').map((r) => r.shutdown()));
      await this.offsetStore.close();
      await this.configs.close();
    })();
    return this.stopping;
  }

  /** Connectors whose task failed for good, with the error: for command-line tools. */
  failures(): Array<{ name: string; trace: string }> {
    return this.connectors().flatMap((name) => {
      const task = this.get(name).taskStatus();
      return task?.state === 'FAILED' ? [{ name, trace: task.trace ?? '' }] : [];
    });
  }

  /** The source runner of a connector, for progress and counts (demo, benchmark). */
  sourceRunner(name: string) {
    return this.runtimes.get(name)?.source;
  }

  connectors(): string[] {
    return [...this.runtimes.keys()].sort();
  }

  status(name: string): ConnectorStatus {
    const runtime = this.get(name);
    const state = runtime.target === 'STOPPED' ? 'STOPPED' : runtime.target === 'PAUSED' ? 'PAUSED' : 'RUNNING';
    const task = runtime.taskStatus();
    return { name, connector: { state, worker_id: this.workerId }, tasks: task ? [task] : [], type: runtime.type };
  }

  taskStatus(name: string, task: number): TaskStatus {
    const status = this.get(name).taskStatus();
    if (task !== 0 || !status) throw new NotFoundError(`Task ${name}-${task} not found`);
    return status;
  }

  topics(name: string): string[] {
    return this.get(name).topicNames();
  }

  async resetTopics(name: string): Promise<void> {
    this.get(name).resetTopics();
  }

  async create(name: string, config: ConnectorConfig, initialState: TargetState = 'STARTED'): Promise<ConnectorInfo> {
    if (this.runtimes.has(name)) throw new AlreadyExistsError(`Connector ${name} already exists`);
    const full = checkedConnectorConfig(name, config, this.runtimes.values());
    await this.configs.put(name, full, initialState);
    const runtime = this.runtime(name, full, initialState);
    this.runtimes.set(name, runtime);
    this.sinkList = undefined;
    await runtime.applyTarget(initialState);
    return this.info(name);
  }

  async putConfig(name: string, config: ConnectorConfig): Promise<{ created: boolean; info: ConnectorInfo }> {
    const existing = this.runtimes.get(name);
    if (!existing) return { created: true, info: await this.create(name, config) };
    const full = checkedConnectorConfig(name, config, this.runtimes.values(), existing);
    await this.configs.put(name, full);
    await existing.applyTarget(existing.target, full);
    this.sinkList = undefined; // a sink's topics may have changed: sources route afresh
    return { created: false, info: this.info(name) };
  }

  async delete(name: string): Promise<void> {
    const runtime = this.get(name);
    this.runtimes.delete(name);
    this.sinkList = undefined;
    await runtime.shutdown();
    await this.configs.delete(name);
    this.metrics.removeConnector(name);
  }

  async restart(name: string, request: RestartRequest): Promise<ConnectorStatus | null> {
    const runtime = this.get(name);
    if (!request.includeTasks && !request.onlyFailed) return null;
    const task = runtime.taskStatus();
    const restartTask = request.includeTasks && task !== null && (!request.onlyFailed || task.state === 'FAILED');
    if (restartTask) void runtime.restartTask();
    const status = this.status(name);
    return restartTask ? { ...status, tasks: status.tasks.map((t) => ({ ...t, state: 'RESTARTING' })) } : status;
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.taskStatus(name, task);
    await this.get(name).restartTask();
  }

  async offsets(name: string): Promise<OffsetEntry[]> {
    const runtime = this.get(name);
    if (runtime.type === 'sink') return [];
    return this.offsetStore.list(name);
  }

  async alterOffsets(name: string, offsets: OffsetEntry[]): Promise<void> {
    this.requireStopped(name);
    for (const { partition, offset } of offsets) await this.offsetStore.set(name, partition, offset);
  }

  async resetOffsets(name: string): Promise<void> {
    this.requireStopped(name);
    for (const { partition } of await this.offsetStore.list(name)) await this.offsetStore.set(name, partition, null);
  }

  protected stored(name: string): StoredConnector {
    return this.get(name);
  }

  /** One: a sink here is fed in order by its sources in this process, not through a consumer group. */
  protected taskCount(): number {
    return 1;
  }

  protected async setTarget(name: string, target: TargetState): Promise<void> {
    const runtime = this.get(name);
    await this.configs.setTargetState(name, target);
    await runtime.applyTarget(target);
  }

  private requireStopped(name: string): void {
    if (this.get(name).target !== 'STOPPED') throw offsetsNeedStopped(name);
  }

  private get(name: string): ConnectorRuntime {
    const runtime = this.runtimes.get(name);
    if (!runtime) throw connectorNotFound(name);
    return runtime;
  }

  private runtime(name: string, config: ConnectorConfig, target: TargetState): ConnectorRuntime {
    const plugin = findPlugin(config['connector.class']);
    const tasks = taskCount(plugin, config);
    if (tasks > 1) this.logger.warn({ connector: name }, `tasks.max=${tasks}: a standalone worker runs one task per connector; run in Kafka mode to share a sink's work among tasks.`);
    return new ConnectorRuntime(name, plugin, config, target, this.deps);
  }

  /**
   * A sink got a new runner: what its old runner held is gone, so the sources that fed it start
   * again from their committed offsets and deliver it again (at-least-once).
   */
  private redeliverTo(sink: ConnectorRuntime): void {
    for (const source of this.runtimes.values()) {
      if (source.type !== 'source' || !source.source) continue;
      if ([...source.source.topics].some((topic) => sink.accepts(topic))) void source.restartTask();
    }
  }
}
