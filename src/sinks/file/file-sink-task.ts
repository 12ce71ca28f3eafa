/**
 * The JSON-lines inspection sink (Kafka Connect's FileStreamSink, one JSON object per line instead
 * of the bare value): `{"topic", "key", "value", "headers"}`, `value` null for a tombstone, written
 * with toJson so int64 values beyond 2^53 stay exact.
 *
 * Follows the SinkTask contract (contracts/sink-task.ts):
 * - `start` opens the file for appending (standard output when `file` is null).
 * - `put` only formats and buffers; once the buffer passes FLUSH_CHARS it writes it out (without
 *   fsync), waiting for the write, which pushes back on the worker.
 * - `preCommit` writes the buffer, fsyncs the file (standard output: waits until it drained), and
 *   only then returns the offsets it was given: everything put before is durable.
 * - `close` drops the buffered lines of the partitions taken away; they will be delivered again.
 * - `stop` closes the file. Write and fsync errors reject the call that hit them (SluiceError).
 */
import type { Writable } from 'node:stream';
import type { SinkTask, SinkTaskContext, TopicPartition } from '../../contracts/sink-task.js';
import { SluiceError, type ErrorStage } from '../../errors.js';
import { topicPartitionKey, type SinkRecord, type TopicPartitionOffsets } from '../../events.js';
import { toJson } from '../../json.js';
import type { FileSinkConfig } from './file-sink-config.js';
import { openFileOutput, streamOutput, type LineOutput } from './line-output.js';

const FLUSH_CHARS = 1 << 20;

interface BufferedLine {
  partition: string;
  line: string;
}

export class FileSinkTask implements SinkTask {
  private output: LineOutput | null = null;
  private buffer: BufferedLine[] = [];
  private bufferedChars = 0;

  /** `stdout` is where lines go when no file is configured: process.stdout unless a test says otherwise. */
  constructor(
    private readonly config: Pick<FileSinkConfig, 'file'>,
    private readonly stdout: Writable = process.stdout,
  ) {}

  async start(context: SinkTaskContext): Promise<void> {
    const file = this.config.file;
    if (file === null) {
      this.output = streamOutput(this.stdout, 'standard output');
    } else {
      this.output = await openFileOutput(file).catch((error: unknown) => {
        const fix = 'Check that its directory exists and that the worker may write there, or change "file".';
        throw new SluiceError('FILE_SINK_OPEN_FAILED', `Could not open ${file} for appending: ${messageOf(error)}. ${fix}`, { stage: 'start', cause: error });
      });
    }
    context.logger.info({ output: this.output.description }, 'file sink writing JSON lines');
  }

  async open(_partitions: TopicPartition[]): Promise<void> {}

  async put(records: SinkRecord[]): Promise<void> {
    for (const record of records) {
      const line = toJson({ topic: record.topic, key: record.key, value: record.value, headers: record.headers }) + '\n';
      this.buffer.push({ partition: topicPartitionKey(record.topic, record.kafkaPartition), line });
      this.bufferedChars += line.length;
    }
    if (this.bufferedChars >= FLUSH_CHARS) await this.writeBuffer('put');
  }

  async preCommit(current: TopicPartitionOffsets): Promise<TopicPartitionOffsets> {
    await this.writeBuffer('commit');
    const output = this.started();
    await output.sync().catch((error: unknown) => {
      throw writeFailed(output, 'commit', error);
    });
    return new Map(current);
  }

  async close(partitions: TopicPartition[]): Promise<void> {
    const closed = new Set(partitions.map((tp) => topicPartitionKey(tp.topic, tp.partition)));
    this.buffer = this.buffer.filter((entry) => !closed.has(entry.partition));
    this.bufferedChars = this.buffer.reduce((sum, entry) => sum + entry.line.length, 0);
  }

  async stop(): Promise<void> {
    const output = this.output;
    this.output = null;
    this.buffer = [];
    this.bufferedChars = 0;
    await output?.close();
  }

  private async writeBuffer(stage: ErrorStage): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.map((entry) => entry.line).join('');
    const output = this.started();
    await output.write(chunk).catch((error: unknown) => {
      throw writeFailed(output, stage, error);
    });
    this.buffer = [];
    this.bufferedChars = 0;
  }

  private started(): LineOutput {
    if (this.output === null) throw new Error('file sink used before start()');
    return this.output;
  }
}

function writeFailed(output: LineOutput, stage: ErrorStage, error: unknown): SluiceError {
  return new SluiceError('FILE_SINK_WRITE_FAILED', `Could not write to ${output.description}: ${messageOf(error)}`, { stage, cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
