/**
 * One task of a connector: the connector's config, the state a person asked for, and the task's
 * runner, kept in line with each other. The standalone herder runs task 0 of each connector; a
 * Kafka-mode worker runs the tasks the cluster's assignment gives it.
 *
 * States of the task (Kafka Connect's names), and what moves them:
 *
 *                 start ok                       task fails, retriable
 *   UNASSIGNED ───────────► RUNNING ─────────────────────────────► RESTARTING ──(backoff)──┐
 *        ▲                   │  ▲ ▲                                    │                    │
 *        │                   │  │ └────────────── start ok ────────────┘◄───────────────────┘
 *        │      pause/stop   │  │ resume / restart                     │ start fails, retriable
 *        │                   ▼  │                                      │ (next backoff)
 *        │              PAUSED / STOPPED                               │
 *        │                                       task fails, permanent ▼
 *        └──────────── restart ─────────────────────────────────────  FAILED (trace kept)
 *
 * Beyond Kafka Connect, which never restarts a failed task: a retriable failure (connection lost,
 * server restarting, 503) restarts the task after an exponential backoff with jitter; a permanent
 * one (authentication, bad config) stays FAILED until a person restarts it.
 *
 * Calls that change state (`applyTarget`, `restartTask`, `shutdown`) are serialised per connector.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { OffsetStore } from '../contracts/offset-store.js';
import type { ChangeEvent } from '../events.js';
import { passwordValues, redactResolved } from '../config/secrets.js';
import { isRetriable } from '../errors.js';
import type { ConnectorConfig, State, TargetState, TaskStatus } from './herder.js';
import type { ConnectorPlugin } from './plugins.js';
import type { Metrics } from './metrics.js';
import { sinkTopics, type LagProbe } from './plugins.js';
import type { ProgressLog } from './progress-log.js';
import type { DeliveryChannel } from './sink-runner.js';
import { SourceRunner, type SinkTarget } from './source-runner.js';
import type { RunningSink, SourceTargets, TaskTransport } from './task-transport.js';

export interface RestartPolicy {
  enabled: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface RuntimeDeps {
  workerId: string;
  /** The worker's sluice.data.dir: tasks' work directories are under it. */
  dataDir: string;
  logger: Logger;
  offsets: OffsetStore;
  progress: ProgressLog;
  commitIntervalMs: number;
  shutdownTimeoutMs: number;
  restart: RestartPolicy;
  transport: TaskTransport;
  /** Resolves config provider placeholders just before a task starts; the result is never stored. */
  resolve(config: ConnectorConfig): Promise<ConnectorConfig>;
  /** The connector's transform chain, built from its config. */
  transformOf(config: ConnectorConfig, logger: Logger): (event: ChangeEvent) => ChangeEvent | null;
  metrics: Metrics;
  /** Called after a sink got a new runner: what the old one held must be delivered again. */
  onSinkRunnerReplaced?(sink: ConnectorRuntime): void;
  /** Called after the task's state (as `taskStatus()` reports it) may have changed. */
  onTaskStatus?(runtime: ConnectorRuntime): void;
}

export class ConnectorRuntime implements SinkTarget {
  private taskState: State = 'UNASSIGNED';
  trace: string | undefined;
  source: SourceRunner | undefined;
  sink: RunningSink | undefined;
  private sourceTargets: SourceTargets | undefined;
  /** Topics of runners stopped since creation or the last reset. */
  private readonly topics = new Set<string>();
  private selector: ((topic: string) => boolean) | undefined;
  private attempts = 0;
  private runningSince = 0;
  private lag: { probe: LagProbe; unregister: () => void } | undefined;
  /** Resolved PASSWORD values of the running task, kept out of traces and log lines. */
  private secrets: string[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    readonly plugin: ConnectorPlugin,
    public config: ConnectorConfig,
    public target: TargetState,
    private readonly deps: RuntimeDeps,
    readonly task = 0,
  ) {
    this.logger = deps.logger.child({ connector: name, task });
  }

  get type(): 'source' | 'sink' {
    return this.plugin.type;
  }

  accepts(topic: string): boolean {
    return this.plugin.type === 'sink' && (this.selector ??= sinkTopics(this.plugin, this.config))(topic);
  }

  /** Topics the task has produced to or consumed from since creation or the last reset. */
  topicNames(): string[] {
    const live = this.source?.topics ?? this.sink?.topicNames() ?? [];
    return [...new Set([...this.topics, ...live])].sort();
  }

  resetTopics(): void {
    this.topics.clear();
    this.source?.topics.clear();
  }

  running(): DeliveryChannel | undefined {
    return this.sink?.channel;
  }

  taskStatus(): TaskStatus | null {
    if (this.target === 'STOPPED') return null;
    const state: State = this.target === 'PAUSED' ? 'PAUSED' : this.taskState;
    return { id: this.task, state, worker_id: this.deps.workerId, ...(state === 'FAILED' && this.trace ? { trace: this.trace } : {}) };
  }

  /** Brings the task in line with `target` (and a new config, when given). */
  applyTarget(target: TargetState, config?: ConnectorConfig): Promise<void> {
    return this.serial(async () => {
      const restart = config !== undefined;
      if (config) {
        this.config = config;
        this.selector = undefined;
      }
      this.target = target;
      if (target !== 'STARTED') return this.stopRunner(target === 'PAUSED' ? 'PAUSED' : 'STOPPED');
      if (restart || !this.hasRunner()) {
        await this.stopRunner('UNASSIGNED');
        await this.startRunner();
      } else {
        this.enter(this.taskState);
      }
    });
  }

  /** Stops the task and starts it again; marks it RESTARTING meanwhile. */
  restartTask(): Promise<void> {
    this.enter('RESTARTING');
    return this.serial(async () => {
      await this.stopRunner('RESTARTING');
      this.attempts = 0;
      if (this.target === 'STARTED') await this.startRunner();
    });
  }

  shutdown(): Promise<void> {
    return this.serial(() => this.stopRunner('UNASSIGNED'));
  }

  private hasRunner(): boolean {
    return this.source !== undefined || this.sink !== undefined;
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Sets the task's state and reports the status that results. */
  private enter(state: State): void {
    this.taskState = state;
    this.deps.onTaskStatus?.(this);
  }

  private async startRunner(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.trace = undefined;
    this.enter('UNASSIGNED');
    try {
      const config = await this.deps.resolve(this.config);
      this.secrets = passwordValues(config, this.plugin.definition);
      if (this.plugin.type === 'sink') await this.startSink(config);
      else await this.startSource(config);
      this.runningSince = Date.now();
      this.enter('RUNNING');
      this.logger.info({ class: this.config['connector.class'] }, 'task running');
    } catch (error) {
      await this.stopRunner('UNASSIGNED');
      this.failed(error);
    }
  }

  private async startSource(config: ConnectorConfig): Promise<void> {
    if (this.plugin.type !== 'source') return;
    const task = this.plugin.createSource(config);
    const transform = this.deps.transformOf(config, this.logger);
    let runner: SourceRunner | undefined;
    const targets = await this.deps.transport.sourceTargets(this.name, config, this.logger, (error) => {
      if (runner) this.runnerFailed(runner, error);
    });
    this.sourceTargets = targets;
    runner = new SourceRunner({
      connector: this.name,
      task,
      transform,
      offsets: this.deps.offsets,
      sinks: targets.sinks,
      logger: this.logger,
      progress: this.deps.progress,
      commitIntervalMs: this.deps.commitIntervalMs,
      shutdownTimeoutMs: this.deps.shutdownTimeoutMs,
      onFailure: (error) => this.runnerFailed(runner!, error),
      metrics: this.deps.metrics.sourceTask(this.name, this.task),
    });
    this.source = runner;
    await runner.start();
    const probe = this.plugin.lagProbe?.(config);
    if (probe) this.lag = { probe, unregister: this.deps.metrics.registerSlotLag(this.name, () => probe.lagBytes()) };
  }

  private async startSink(config: ConnectorConfig): Promise<void> {
    if (this.plugin.type !== 'sink') return;
    let sink: RunningSink | undefined;
    sink = await this.deps.transport.startSink({
      connector: this.name,
      taskId: this.task,
      workDir: join(this.deps.dataDir, 'tasks', encodeURIComponent(`${this.name}-${this.task}`)),
      config,
      task: this.plugin.createSink(config),
      accepts: sinkTopics(this.plugin, config),
      logger: this.logger,
      metrics: this.deps.metrics.sinkTask(this.name, this.task),
      onFailure: (error) => this.runnerFailed(sink, error),
    });
    this.sink = sink;
    this.deps.onSinkRunnerReplaced?.(this);
  }

  private async stopRunner(state: State): Promise<void> {
    clearTimeout(this.restartTimer);
    const { source, sink, lag, sourceTargets } = this;
    this.lag = undefined;
    if (lag) {
      lag.unregister();
      await lag.probe.close();
    }
    this.source = undefined;
    this.sink = undefined;
    this.sourceTargets = undefined;
    if (source) {
      for (const topic of source.topics) this.topics.add(topic);
      await source.stop();
    }
    await sourceTargets?.close();
    if (sink) {
      for (const topic of sink.topicNames()) this.topics.add(topic);
      await sink.stop();
    }
    this.enter(state);
  }

  private runnerFailed(runner: SourceRunner | RunningSink | undefined, error: unknown): void {
    if (runner !== this.source && runner !== this.sink) return;
    void this.serial(async () => {
      if (runner !== this.source && runner !== this.sink) return;
      await this.stopRunner('UNASSIGNED');
      this.failed(error);
    });
  }

  /** Records a failure; a retriable one schedules a restart after the next backoff. */
  private failed(error: unknown): void {
    this.trace = redactResolved(error instanceof Error ? (error.stack ?? error.message) : String(error), this.secrets);
    // A task that ran a good while before failing starts its backoff over.
    if (this.runningSince > 0 && Date.now() - this.runningSince > this.deps.restart.maxDelayMs) this.attempts = 0;
    this.runningSince = 0;
    if (!this.deps.restart.enabled || !isRetriable(error) || this.target !== 'STARTED') {
      this.enter('FAILED');
      this.logger.error({ trace: this.trace }, 'task failed; restart it once the cause is fixed');
      return;
    }
    const base = Math.min(this.deps.restart.maxDelayMs, this.deps.restart.initialDelayMs * 2 ** this.attempts++);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.enter('RESTARTING');
    (this.type === 'source' ? this.deps.metrics.sourceTask(this.name, this.task) : this.deps.metrics.sinkTask(this.name, this.task)).recordRestart();
    this.logger.warn({ trace: this.trace, restartInMs: delay, attempt: this.attempts }, 'task failed with a retriable error; restarting');
    this.restartTimer = setTimeout(() => {
      void this.serial(async () => {
        if (this.target === 'STARTED' && this.taskState === 'RESTARTING') await this.startRunner();
      });
    }, delay);
    this.restartTimer.unref();
  }
}
