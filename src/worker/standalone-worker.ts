/**
 * The standalone worker: runs connectors in one process, no Kafka. Sources feed sinks through
 * bounded in-process channels; offsets and connector configs live in the data directory.
 *
 * Contract:
 * - `start(connectors)` stores the given connector configs (they win over stored ones of the same
 *   name) and starts every stored connector whose target state is STARTED: sinks first, so that
 *   no event is produced before its consumers run.
 * - `stop()` stops the sources (each drains in-flight events into the sinks and commits the
 *   offsets they made durable), then the sinks. Safe to call more than once.
 * - A connector that fails to start is reported FAILED with its error; the others keep running.
 */
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { OffsetStore } from '../contracts/offset-store.js';
import { ConnectorConfigStore, connectorConfigPath } from './config-store.js';
import { FileOffsetStore } from './offsets/file-offset-store.js';
import { findPlugin } from './plugins.js';
import { ProgressLog } from './progress-log.js';
import { SinkRunner, type RunnerState } from './sink-runner.js';
import { SourceRunner } from './source-runner.js';
import type { WorkerConfig } from './worker-config.js';

const SINK_CHANNEL_CAPACITY = 2048;

export interface ConnectorStatus {
  name: string;
  type: 'source' | 'sink';
  state: RunnerState;
  error?: string;
}

export class StandaloneWorker {
  readonly progress: ProgressLog;
  private readonly sources = new Map<string, SourceRunner>();
  private readonly sinks = new Map<string, SinkRunner>();
  private readonly failed = new Map<string, { type: 'source' | 'sink'; error: unknown }>();
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly config: WorkerConfig,
    private readonly logger: Logger,
    private readonly configs: ConnectorConfigStore,
    readonly offsets: OffsetStore,
  ) {
    this.progress = new ProgressLog(logger);
  }

  static async open(config: WorkerConfig, logger: Logger): Promise<StandaloneWorker> {
    await mkdir(config.dataDir, { recursive: true });
    await mkdir(path.dirname(config.offsetStorageFile), { recursive: true });
    const configs = await ConnectorConfigStore.open(connectorConfigPath(config.dataDir));
    const offsets = await FileOffsetStore.open(config.offsetStorageFile);
    return new StandaloneWorker(config, logger, configs, offsets);
  }

  async start(connectors: Array<{ name: string; config: Record<string, string> }>): Promise<void> {
    for (const { name, config } of connectors) {
      findPlugin(config['connector.class']); // refuse an unknown class before storing anything
      await this.configs.put(name, { ...config, name });
    }
    const entries: Array<{ name: string; config: Record<string, string> }> = [];
    for (const name of await this.configs.list()) {
      if ((await this.configs.targetState(name)) !== 'STARTED') continue;
      entries.push({ name, config: (await this.configs.get(name))! });
    }
    const typed = entries.map((e) => ({ ...e, plugin: findPlugin(e.config['connector.class']) }));
    for (const e of typed.filter((t) => t.plugin.type === 'sink')) await this.startConnector(e.name, e.config);
    for (const e of typed.filter((t) => t.plugin.type === 'source')) await this.startConnector(e.name, e.config);
  }

  status(): ConnectorStatus[] {
    const out: ConnectorStatus[] = [];
    for (const [name, r] of this.sources) out.push({ name, type: 'source', state: r.state, ...errorOf(r.failure) });
    for (const [name, r] of this.sinks) out.push({ name, type: 'sink', state: r.state, ...errorOf(r.failure) });
    for (const [name, f] of this.failed) out.push({ name, type: f.type, state: 'FAILED', ...errorOf(f.error) });
    return out;
  }

  sourceRunner(name: string): SourceRunner | undefined {
    return this.sources.get(name);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.sources.values()].map((r) => r.stop()));
      await Promise.all([...this.sinks.values()].map((r) => r.stop()));
      await this.offsets.close();
    })();
    return this.stopping;
  }

  private async startConnector(name: string, config: Record<string, string>): Promise<void> {
    const plugin = findPlugin(config['connector.class']);
    const logger = this.logger.child({ connector: name, task: 0 });
    try {
      if (plugin.type === 'sink') {
        const { task, accepts } = plugin.createSink(config);
        const runner = new SinkRunner({ connector: name, task, logger, commitIntervalMs: this.config.offsetFlushIntervalMs, channelCapacity: SINK_CHANNEL_CAPACITY, accepts });
        await runner.start();
        this.sinks.set(name, runner);
      } else {
        const runner = new SourceRunner({
          connector: name,
          task: plugin.createSource(config),
          transforms: [],
          offsets: this.offsets,
          sinks: () => [...this.sinks.values()],
          logger,
          progress: this.progress,
          commitIntervalMs: this.config.offsetFlushIntervalMs,
          shutdownTimeoutMs: this.config.taskShutdownGracefulTimeoutMs,
        });
        await runner.start();
        this.sources.set(name, runner);
      }
      logger.info({ class: config['connector.class'] }, 'connector started');
    } catch (error) {
      logger.error({ err: error }, `connector ${name} failed to start`);
      this.failed.set(name, { type: plugin.type, error });
    }
  }
}

function errorOf(error: unknown): { error?: string } {
  return error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) };
}
