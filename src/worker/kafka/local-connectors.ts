/**
 * The connector tasks one Kafka-mode worker runs, kept in line with the cluster's assignment
 * (connector-assignment.ts over the live workers of worker-membership.ts and the connectors of the
 * config topic with their committed task counts), and their states written to the status topic as
 * this worker's; a connector's own state by the worker of its task 0.
 *
 * Contract:
 * - `activate` starts applying: from then on every change of the live workers (`membersChanged`)
 *   or of the config topic (`configChanged`) brings the local connectors in line, one pass at a
 *   time, another pass following when changes came meanwhile. A pass stops the tasks this worker
 *   lost (UNASSIGNED; forgotten when the connector was deleted or has fewer tasks now), then starts
 *   or updates those it has; a source it gained waits first, at most `handoffTimeoutMs`, until no
 *   other live worker reports it RUNNING (the replication slot fences it anyway).
 * - `rebalancing` is true from a change of the live workers until a pass has applied it.
 * - `settled()` resolves once every change seen so far is applied and the status writes it made
 *   are acknowledged. `deactivate()` stops every local connector (sources first, each committing
 *   what it made durable) and waits for the status writes.
 * - A restart request (config topic) restarts the local tasks it names, if any.
 */
import type { Logger } from 'pino';
import { ConnectorRuntime, type RuntimeDeps } from '../connector-runtime.js';
import type { State } from '../herder.js';
import { findPlugin } from '../plugins.js';
import { assignTasks } from './connector-assignment.js';
import type { ConfigChange, KafkaConfigLog } from './kafka-config-log.js';
import type { KafkaStatusLog } from './kafka-status-log.js';
import type { WorkerMembership } from './worker-membership.js';

export interface LocalConnectorsOptions {
  workerId: string;
  configs: KafkaConfigLog;
  status: KafkaStatusLog;
  membership: WorkerMembership;
  deps: Omit<RuntimeDeps, 'onTaskStatus'>;
  logger: Logger;
  handoffTimeoutMs: number;
}

const HANDOFF_POLL_MS = 200;

const taskKey = (name: string, task: number): string => `${name}/${task}`;

export class LocalConnectors {
  rebalancing = true;
  active = false;
  /** By taskKey. */
  private readonly runtimes = new Map<string, ConnectorRuntime>();
  private readonly deps: RuntimeDeps;
  private reconciling: Promise<void> | undefined;
  private reconcileAgain = false;
  /** Status writes not yet acknowledged, in order. */
  private statusWrites: Promise<void> = Promise.resolve();

  constructor(private readonly options: LocalConnectorsOptions) {
    this.deps = {
      ...options.deps,
      onTaskStatus: (runtime) => {
        const status = runtime.taskStatus();
        // STOPPED has no task status: the connector's says so.
        if (this.runtimes.get(taskKey(runtime.name, runtime.task)) === runtime && status !== null) this.writeStatus(runtime.name, runtime.task, status.state, status.trace ?? null);
      },
    };
  }

  get(name: string, task: number): ConnectorRuntime | undefined {
    return this.runtimes.get(taskKey(name, task));
  }

  /** The connector's tasks this worker runs, by task number. */
  tasks(name: string): ConnectorRuntime[] {
    return [...this.runtimes.values()].filter((runtime) => runtime.name === name).sort((a, b) => a.task - b.task);
  }

  activate(): void {
    // A state naming this worker is stale: an earlier run of it wrote it, and nothing runs here yet.
    for (const name of this.options.configs.connectorNames()) {
      for (const { task, status } of this.options.status.taskStatuses(name)) {
        if (status.workerId === this.options.workerId && status.state !== 'UNASSIGNED') this.writeStatus(name, task, 'UNASSIGNED', null);
      }
    }
    this.active = true;
    this.schedule();
  }

  async deactivate(): Promise<void> {
    this.active = false;
    const all = [...this.runtimes.values()];
    await Promise.all(all.filter((r) => r.type === 'source').map((r) => this.release(r)));
    await Promise.all(all.filter((r) => r.type === 'sink').map((r) => this.release(r)));
    await this.reconciling;
    await this.statusWrites;
  }

  membersChanged(): void {
    this.rebalancing = true;
    this.schedule();
  }

  configChanged(change: ConfigChange): void {
    if (!this.active) return;
    if (change.kind === 'restart') {
      const { includeTasks, onlyFailed, task } = change.request;
      if (!includeTasks && task === undefined) return;
      for (const runtime of this.tasks(change.connector)) {
        if (task !== undefined && runtime.task !== task) continue;
        const status = runtime.taskStatus();
        if (status && (!onlyFailed || status.state === 'FAILED')) void runtime.restartTask();
      }
      return;
    }
    this.schedule();
  }

  async settled(): Promise<void> {
    while (this.reconciling) await this.reconciling;
    await this.statusWrites;
  }

  private schedule(): void {
    if (!this.active) return;
    if (this.reconciling) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = (async () => {
      do {
        this.reconcileAgain = false;
        const generation = this.options.membership.generation;
        try {
          await this.reconcile();
        } catch (error) {
          this.options.logger.error({ err: error }, 'applying the assignment failed');
        }
        if (generation === this.options.membership.generation && !this.reconcileAgain) this.rebalancing = false;
      } while (this.reconcileAgain && this.active);
      this.reconciling = undefined;
    })();
  }

  private async reconcile(): Promise<void> {
    const { configs, membership, workerId } = this.options;
    const assignment = assignTasks(taskCounts(configs), membership.members());
    const lost = [...this.runtimes.values()].filter((runtime) => assignment.get(runtime.name)?.[runtime.task] !== workerId);
    await Promise.all(lost.map((runtime) => this.release(runtime)));
    const mine = [...assignment].flatMap(([name, workers]) => workers.flatMap((worker, task) => (worker === workerId ? [{ name, task }] : [])));
    await Promise.all(mine.map(({ name, task }) => this.apply(name, task)));
  }

  /** Stops a task this worker no longer runs, and says why in the status topic. */
  private async release(runtime: ConnectorRuntime): Promise<void> {
    const { name, task } = runtime;
    this.runtimes.delete(taskKey(name, task));
    await runtime.shutdown();
    const { configs, status } = this.options;
    if (configs.connectorConfig(name) === null) this.queueStatusWrite(() => status.removeConnector(name));
    else if (task >= configs.taskCount(name)) this.queueStatusWrite(() => status.removeTask(name, task));
    else {
      this.writeStatus(name, task, 'UNASSIGNED', null);
      if (task === 0) this.writeStatus(name, null, 'UNASSIGNED', null);
    }
  }

  private async apply(name: string, task: number): Promise<void> {
    const { configs } = this.options;
    const config = configs.connectorConfig(name)!;
    const target = configs.targetState(name) ?? 'STARTED';
    let runtime = this.get(name, task);
    if (runtime === undefined) {
      const plugin = findPlugin(config['connector.class']);
      if (plugin.type === 'source') await this.awaitHandoff(name);
      runtime = new ConnectorRuntime(name, plugin, config, target, this.deps, task);
      this.runtimes.set(taskKey(name, task), runtime);
      if (task === 0) this.writeStatus(name, null, 'RUNNING', null);
      await runtime.applyTarget(target);
      return;
    }
    if (JSON.stringify(runtime.config) !== JSON.stringify(config)) await runtime.applyTarget(target, config);
    else if (runtime.target !== target) await runtime.applyTarget(target);
  }

  private async awaitHandoff(name: string): Promise<void> {
    const { status, membership, workerId, handoffTimeoutMs } = this.options;
    const deadline = Date.now() + handoffTimeoutMs;
    for (;;) {
      const task = status.taskStatuses(name).find((entry) => entry.task === 0)?.status;
      const heldElsewhere = task !== undefined && task.state === 'RUNNING' && task.workerId !== workerId && membership.members().includes(task.workerId);
      if (!heldElsewhere || Date.now() >= deadline || !this.active) return;
      await new Promise((resolve) => setTimeout(resolve, HANDOFF_POLL_MS));
    }
  }

  /** Writes a connector's (task null) or task's state as this worker's, after the writes before it. */
  private writeStatus(name: string, task: number | null, state: State, trace: string | null): void {
    const status = { state, trace, workerId: this.options.workerId, generation: this.options.membership.generation };
    this.queueStatusWrite(() => (task === null ? this.options.status.putConnectorStatus(name, status) : this.options.status.putTaskStatus(name, task, status)));
  }

  private queueStatusWrite(write: () => Promise<void>): void {
    this.statusWrites = this.statusWrites.then(write).catch((error: unknown) => this.options.logger.warn({ err: error }, 'writing a status to the status topic failed'));
  }
}

/** Each connector with a config, with its committed task count. */
export function taskCounts(configs: Pick<KafkaConfigLog, 'connectorNames' | 'taskCount'>): Map<string, number> {
  return new Map(configs.connectorNames().map((name) => [name, configs.taskCount(name)]));
}
