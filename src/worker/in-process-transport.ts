/**
 * The standalone worker's TaskTransport (task-transport.ts): a source task hands its events to the
 * sink connectors of this process, each through its SinkRunner's bounded channel; a sink task's
 * durable positions and cuts live in the offset store (sink-positions.ts).
 */
import type { OffsetStore } from '../contracts/offset-store.js';
import type { ConnectorConfig } from './herder.js';
import { SinkPositions } from './sink-positions.js';
import { SinkRunner } from './sink-runner.js';
import type { SinkTarget } from './source-runner.js';
import type { RunningSink, SinkStart, SourceTargets, TaskTransport } from './task-transport.js';

export interface InProcessTransportOptions {
  offsets: OffsetStore;
  commitIntervalMs: number;
  channelCapacity: number;
  /** The sink connectors of this process. */
  sinks(): SinkTarget[];
}

export class InProcessTransport implements TaskTransport {
  constructor(private readonly options: InProcessTransportOptions) {}

  async sourceTargets(_connector: string, _config: ConnectorConfig): Promise<SourceTargets> {
    return { sinks: this.options.sinks, close: async () => {} };
  }

  async startSink(start: SinkStart): Promise<RunningSink> {
    const { options } = this;
    const runner: SinkRunner = new SinkRunner({
      connector: start.connector,
      workDir: start.workDir,
      task: start.task,
      logger: start.logger,
      commitIntervalMs: options.commitIntervalMs,
      channelCapacity: options.channelCapacity,
      accepts: start.accepts,
      positions: await SinkPositions.load(options.offsets, start.connector),
      onFailure: start.onFailure,
      metrics: start.metrics,
    });
    await runner.start();
    return { channel: runner, topicNames: () => runner.topicNames(), stop: () => runner.stop() };
  }
}
