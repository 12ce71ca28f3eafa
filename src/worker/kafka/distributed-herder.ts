/**
 * Kafka mode's herder: the Herder API (../herder.ts) for one worker of a cluster whose state lives
 * in Kafka. Connector configs and target states are in the config topic, source offsets in the
 * offsets topic, connector and task states and the workers' heartbeats in the status topic, all
 * in Kafka Connect's formats; every worker of the same `group.id` reads all three, so any of them
 * answers for every connector, and a worker holds nothing another could not pick up.
 *
 * Who runs what: the live workers (worker-membership.ts) and the connectors in the config topic
 * with their task counts decide it (connector-assignment.ts), the same on every worker. A source
 * has one task; a sink `tasks.max`, members of its one consumer group, spread over the workers.
 * Each worker runs the tasks assigned to it (local-connectors.ts), each through a ConnectorRuntime
 * over the KafkaTransport: a source task produces to Kafka, a sink task consumes through its
 * connector's consumer group. When the assignment changes (a worker joins, leaves or dies; a
 * connector comes or goes) each worker stops what it lost and starts what it gained; a source
 * waits (up to a session) until its previous worker reports it stopped, and its replication slot,
 * which serves one reader, fences it anyway.
 *
 * Contract, beyond the Herder interface:
 * - Writes go to the config topic and resolve once this worker has applied them (for a connector
 *   it runs: started, paused, stopped...). Every worker applies them as it reads them.
 * - While this worker rebalances (from a change of the live workers until it has applied the new
 *   assignment), writes fail with ConflictError: REST answers 409, as Connect does.
 * - A restart of tasks that run elsewhere is a restart request in the config topic, which the
 *   workers running them carry out.
 * - `start(connectors)` joins the group and creates or updates the given connectors;
 *   `shutdown()` stops the local tasks (committing what they made durable), leaves the group, so
 *   that the others take its connectors at once, and closes the stores. Safe to call twice.
 */
import type { Logger } from 'pino';
import { buildTransformChain } from '../../transforms/transform-chain.js';
import { checkedConnectorConfig, offsetsNeedStopped, type ExistingConnector } from '../connector-catalog.js';
import { HerderBase, type StoredConnector } from '../herder-base.js';
import type { RestartPolicy, RuntimeDeps } from '../connector-runtime.js';
import type {
  ConnectorConfig,
  ConnectorInfo,
  ConnectorStatus,
  Herder,
  OffsetEntry,
  RestartRequest,
  State,
  TargetState,
  TaskStatus,
} from '../herder.js';
import { AlreadyExistsError, ConflictError, connectorNotFound, NotFoundError } from '../herder-errors.js';
import { Metrics } from '../metrics.js';
import { findPlugin, taskCount } from '../plugins.js';
import { ProgressLog } from '../progress-log.js';
import type { WorkerConfig } from '../worker-config.js';
import { assignTasks } from './connector-assignment.js';
import { internalTopics } from './internal-topics.js';
import { kafkaClientConfig, loadKafka } from './kafka-client.js';
import { KafkaConfigLog } from './kafka-config-log.js';
import { groupSettings, type GroupSettings } from './kafka-group-config.js';
import { KafkaOffsetStore } from './kafka-offset-store.js';
import { KafkaStatusLog } from './kafka-status-log.js';
import { KafkaTransport } from './kafka-transport.js';
import { LocalConnectors, taskCounts } from './local-connectors.js';
import { SinkGroupOffsets } from './sink-group-offsets.js';
import { WorkerMembership } from './worker-membership.js';

export interface DistributedHerderOptions {
  metrics?: Metrics;
  restart?: Partial<RestartPolicy>;
  resolve?: RuntimeDeps['resolve'];
  /** librdkafka properties set on every client of this worker (tests tune the mock cluster's fetches). */
  clientProperties?: Record<string, string | number | boolean>;
}

interface Stores {
  configs: KafkaConfigLog;
  status: KafkaStatusLog;
  offsets: KafkaOffsetStore;
  sinkOffsets: SinkGroupOffsets;
}

export class DistributedHerder extends HerderBase implements Herder {
  readonly metrics: Metrics;
  readonly progress: ProgressLog;
  readonly workerId: string;
  private readonly local: LocalConnectors;
  private stopping: Promise<void> | undefined;

  private constructor(
    config: WorkerConfig,
    group: GroupSettings,
    private readonly logger: Logger,
    private readonly stores: Stores,
    private readonly membership: WorkerMembership,
    transport: KafkaTransport,
    options: DistributedHerderOptions,
  ) {
    super();
    this.workerId = group.workerId;
    this.metrics = options.metrics ?? new Metrics();
    this.progress = new ProgressLog(logger, undefined, this.metrics);
    this.local = new LocalConnectors({
      workerId: group.workerId,
      configs: stores.configs,
      status: stores.status,
      membership,
      logger,
      handoffTimeoutMs: group.sessionTimeoutMs,
      deps: {
        metrics: this.metrics,
        workerId: group.workerId,
        dataDir: config.dataDir,
        logger,
        offsets: stores.offsets,
        progress: this.progress,
        commitIntervalMs: config.offsetFlushIntervalMs,
        shutdownTimeoutMs: config.taskShutdownGracefulTimeoutMs,
        restart: { ...config.taskRestart, ...options.restart },
        transport,
        resolve: options.resolve ?? (async (c) => c),
        transformOf: (connector, log) => {
          const chain = buildTransformChain(connector, { logger: log });
          return (event) => chain.apply(event);
        },
      },
    });
  }

  /** Reads the three topics (creating them when missing); then `start` joins the group. */
  static async open(config: WorkerConfig, logger: Logger, options: DistributedHerderOptions = {}): Promise<DistributedHerder> {
    const group = groupSettings(config);
    const topics = internalTopics(config);
    const kafka = await loadKafka();
    const client = { ...kafkaClientConfig(config, logger), ...options.clientProperties };
    const { topicCreationTimeoutMs } = group;
    const common = { kafka, client, logger, topicCreationTimeoutMs };
    // The stores call back into the herder as they read; it exists once they are all read.
    let herder: DistributedHerder | undefined;
    let status: KafkaStatusLog | undefined;
    const membership = new WorkerMembership({
      workerId: group.workerId,
      url: group.url,
      sessionTimeoutMs: group.sessionTimeoutMs,
      heartbeatIntervalMs: group.heartbeatIntervalMs,
      write: (heartbeat) => status!.putHeartbeat(group.workerId, heartbeat),
      onChange: (members, generation) => {
        logger.info({ members, generation }, `group ${group.groupId} has ${members.length} live worker(s): rebalancing`);
        herder?.local.membersChanged();
      },
      logger,
    });
    const opened: Array<{ close(): Promise<void> }> = [];
    try {
      const offsets = await KafkaOffsetStore.open({ ...common, topic: topics.offsets });
      opened.push(offsets);
      const configs = await KafkaConfigLog.open({ ...common, topic: topics.configs, onChange: (change) => herder?.local.configChanged(change) });
      opened.push(configs);
      status = await KafkaStatusLog.open({ ...common, topic: topics.status, onHeartbeat: (id, heartbeat) => membership.observe(id, heartbeat) });
      opened.push(status);
      const stores = { configs, status, offsets, sinkOffsets: new SinkGroupOffsets({ kafka, client, logger }) };
      const transport = new KafkaTransport({ kafka, client, workerConfig: config.extra, commitIntervalMs: config.offsetFlushIntervalMs, topicCreationTimeoutMs });
      herder = new DistributedHerder(config, group, logger, stores, membership, transport, options);
      return herder;
    } catch (error) {
      await Promise.all(opened.map((store) => store.close().catch(() => {})));
      throw error;
    }
  }

  async start(connectors: Array<{ name: string; config: ConnectorConfig }> = []): Promise<void> {
    await this.membership.join();
    this.local.activate();
    for (const { name, config } of connectors) {
      const stored = this.stores.configs.connectorConfig(name);
      const full = checkedConnectorConfig(name, config, this.existing(), this.existingOne(name));
      if (stored === null || JSON.stringify(stored) !== JSON.stringify(full)) await this.writeConfig(name, full);
    }
    await this.local.settled();
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.local.deactivate();
      await this.membership.leave().catch((error: unknown) => this.logger.warn({ err: error }, 'leaving the group failed; the others take over once the session times out'));
      await Promise.all([this.stores.configs.close(), this.stores.status.close(), this.stores.offsets.close()]);
    })();
    return this.stopping;
  }

  /** The workers of the group this one sees alive, sorted. */
  members(): string[] {
    return this.membership.members();
  }

  connectors(): string[] {
    return this.stores.configs.connectorNames();
  }

  status(name: string): ConnectorStatus {
    const { type, target } = this.stored(name);
    const owner = this.ownerOf(name) ?? this.workerId;
    const stored = this.stores.status.connectorStatus(name);
    const targetState: State = target === 'STOPPED' ? 'STOPPED' : target === 'PAUSED' ? 'PAUSED' : 'RUNNING';
    const connector = stored && stored.state !== 'DESTROYED' ? { state: stored.state as State, worker_id: stored.workerId } : { state: 'UNASSIGNED' as State, worker_id: owner };
    if (connector.state !== 'UNASSIGNED' && connector.state !== 'FAILED') connector.state = targetState;
    const tasks = target === 'STOPPED' ? [] : Array.from({ length: this.taskCount(name) }, (_, task) => this.taskStatusOf(name, task));
    return { name, connector, tasks, type };
  }

  taskStatus(name: string, task: number): TaskStatus {
    const { target } = this.stored(name);
    if (!Number.isInteger(task) || task < 0 || task >= this.taskCount(name) || target === 'STOPPED') throw new NotFoundError(`Task ${name}-${task} not found`);
    return this.taskStatusOf(name, task);
  }

  /** The topics of the connector's tasks on this worker. */
  topics(name: string): string[] {
    this.stored(name);
    return [...new Set(this.local.tasks(name).flatMap((task) => task.topicNames()))].sort();
  }

  async resetTopics(name: string): Promise<void> {
    this.stored(name);
    for (const task of this.local.tasks(name)) task.resetTopics();
  }

  async create(name: string, config: ConnectorConfig, initialState: TargetState = 'STARTED'): Promise<ConnectorInfo> {
    await this.beforeWrite();
    if (this.stores.configs.connectorConfig(name) !== null) throw new AlreadyExistsError(`Connector ${name} already exists`);
    const full = checkedConnectorConfig(name, config, this.existing());
    await this.writeConfig(name, full, initialState);
    await this.local.settled();
    return this.info(name);
  }

  async putConfig(name: string, config: ConnectorConfig): Promise<{ created: boolean; info: ConnectorInfo }> {
    await this.beforeWrite();
    const existing = this.existingOne(name);
    if (!existing) return { created: true, info: await this.create(name, config) };
    await this.writeConfig(name, checkedConnectorConfig(name, config, this.existing(), existing));
    await this.local.settled();
    return { created: false, info: this.info(name) };
  }

  async delete(name: string): Promise<void> {
    await this.beforeWrite();
    this.stored(name);
    await this.stores.configs.removeConnector(name);
    await this.local.settled();
    this.metrics.removeConnector(name);
  }

  async restart(name: string, request: RestartRequest): Promise<ConnectorStatus | null> {
    await this.beforeWrite();
    this.stored(name);
    if (!request.includeTasks && !request.onlyFailed) return null;
    const status = this.status(name);
    const restarted = new Set(request.includeTasks ? status.tasks.filter((task) => !request.onlyFailed || task.state === 'FAILED').map((task) => task.id) : []);
    if (restarted.size === 0) return status;
    const local = this.local.tasks(name).filter((runtime) => restarted.has(runtime.task));
    if (local.length === restarted.size) for (const runtime of local) void runtime.restartTask();
    else await this.stores.configs.requestRestart(name, request);
    return { ...status, tasks: status.tasks.map((task) => (restarted.has(task.id) ? { ...task, state: 'RESTARTING' } : task)) };
  }

  async restartTask(name: string, task: number): Promise<void> {
    await this.beforeWrite();
    this.taskStatus(name, task);
    const runtime = this.local.get(name, task);
    if (runtime) await runtime.restartTask();
    else await this.stores.configs.requestRestart(name, { includeTasks: true, onlyFailed: false, task });
  }

  async offsets(name: string): Promise<OffsetEntry[]> {
    const { type } = this.stored(name);
    if (type === 'sink') return this.stores.sinkOffsets.list(name);
    await this.stores.offsets.readToEnd();
    return this.stores.offsets.list(name);
  }

  async alterOffsets(name: string, offsets: OffsetEntry[]): Promise<void> {
    const { type } = this.requireStopped(name);
    if (type === 'sink') return this.stores.sinkOffsets.alter(name, this.stored(name).config, offsets);
    for (const { partition, offset } of offsets) await this.stores.offsets.set(name, partition, offset);
  }

  async resetOffsets(name: string): Promise<void> {
    const { type } = this.requireStopped(name);
    if (type === 'sink') return this.stores.sinkOffsets.reset(name, this.stored(name).config);
    await this.stores.offsets.readToEnd();
    for (const { partition } of await this.stores.offsets.list(name)) await this.stores.offsets.set(name, partition, null);
  }

  protected async setTarget(name: string, target: TargetState): Promise<void> {
    await this.beforeWrite();
    this.stored(name);
    await this.stores.configs.putTargetState(name, target);
    await this.local.settled();
  }

  private requireStopped(name: string): { type: 'source' | 'sink' } {
    const described = this.stored(name);
    if (described.target !== 'STOPPED') throw offsetsNeedStopped(name);
    return described;
  }

  /** Catches up with the other workers' writes; refuses while a rebalance is under way. */
  private async beforeWrite(): Promise<void> {
    if (this.local.rebalancing || !this.local.active) throw new ConflictError();
    await this.stores.configs.readToEnd();
  }

  /** A connector's stored config, plugin, type and target state; NotFoundError when it has none. */
  protected stored(name: string): StoredConnector & { type: 'source' | 'sink' } {
    const config = this.stores.configs.connectorConfig(name);
    if (config === null) throw connectorNotFound(name);
    const plugin = findPlugin(config['connector.class']);
    return { config, plugin, type: plugin.type, target: this.stores.configs.targetState(name) ?? 'STARTED' };
  }

  private existingOne(name: string): ExistingConnector | undefined {
    const config = this.stores.configs.connectorConfig(name);
    return config === null ? undefined : { name, config, type: findPlugin(config['connector.class']).type };
  }

  private existing(): ExistingConnector[] {
    return this.connectors().map((name) => this.existingOne(name)!);
  }

  private async writeConfig(name: string, config: ConnectorConfig, initialState?: TargetState): Promise<void> {
    await this.stores.configs.putConnectorConfig(name, config, initialState);
    // Connect's tools read a connector's tasks from the config topic: each the connector's config.
    const plugin = findPlugin(config['connector.class']);
    const task = { ...config, 'task.class': plugin.className };
    await this.stores.configs.putTaskConfigs(name, Array.from({ length: taskCount(plugin, config) }, () => task));
  }

  /** The committed task count; before the first commit (a connector being created), one. */
  protected taskCount(name: string): number {
    return this.stores.configs.taskCount(name) || 1;
  }

  /** The worker of the connector's task `task` in the current assignment. */
  private ownerOf(name: string, task = 0): string | undefined {
    return assignTasks(taskCounts(this.stores.configs), this.membership.members()).get(name)?.[task];
  }

  private taskStatusOf(name: string, id: number): TaskStatus {
    const local = this.local.get(name, id)?.taskStatus();
    if (local) return local;
    const stored = this.stores.status.taskStatuses(name).find(({ task }) => task === id)?.status;
    if (!stored || stored.state === 'DESTROYED') return { id, state: 'UNASSIGNED', worker_id: this.ownerOf(name, id) ?? this.workerId };
    return { id, state: stored.state, worker_id: stored.workerId, ...(stored.state === 'FAILED' && stored.trace ? { trace: stored.trace } : {}) };
  }
}
