/**
 * The source and sink runners together, with tasks of our own making: backpressure bounds what is
 * in flight, offsets are committed only for what sinks made durable, and a failed sink stops the
 * source instead of letting positions pass it.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { SinkTask } from '../contracts/sink-task.js';
import type { SourceTask } from '../contracts/source-task.js';
import type { SinkRecord, SourceRecord, TopicPartitionOffsets } from '../events.js';
import { MemoryOffsetStore } from './offsets/memory-offset-store.js';
import { ProgressLog } from './progress-log.js';
import { SinkPositions } from './sink-positions.js';
import { SinkRunner } from './sink-runner.js';
import { SourceRunner } from './source-runner.js';
import { taskWorkDir } from '../../test/support/sink-context.js';

const logger = pino({ level: 'silent' });
const partition = { server: 'fake' };

/** Emits numbered records forever, 100 per poll; remembers what was committed. */
function countingSource(): SourceTask & { polled: number; committed: number[] } {
  return {
    polled: 0,
    committed: [],
    async start() {},
    async poll(): Promise<SourceRecord[]> {
      await new Promise((r) => setImmediate(r));
      return Array.from({ length: 100 }, () => {
        const n = ++this.polled;
        return { partition, offset: { n }, event: { topic: 'fake.t', key: { n }, value: { n }, keySchema: null, valueSchema: null, headers: {}, timestamp: 0 } };
      });
    },
    async commit(offset) {
      this.committed.push(offset.n as number);
    },
    async stop() {},
  };
}

/**
 * Emits records 1, 2, ... after `from` in transactions of ten, as a replication stream does: a
 * record's offset is the end of the last whole transaction before it, so a restart at that offset
 * reads the transaction again; each record has an exact position.
 */
function transactionalSource(from: number): SourceTask & { polled: number } {
  return {
    polled: from,
    async start() {},
    async poll(): Promise<SourceRecord[]> {
      await new Promise((r) => setImmediate(r));
      return Array.from({ length: 10 }, () => {
        const n = ++this.polled;
        const event = { topic: 'fake.t', key: { n }, value: { n }, keySchema: null, valueSchema: null, headers: {}, timestamp: 0 };
        return { partition, offset: { n: n % 10 === 0 ? n : n - (n % 10) }, event, position: String(n).padStart(8, '0') };
      });
    },
    async commit() {},
    async stop() {},
  };
}

/** A sink whose durability the test controls: `durableUpTo` is the next offset it reports durable. */
function controlledSink(): SinkTask & { received: SinkRecord[]; durableUpTo: number; block: Promise<void> | null; fail: boolean } {
  return {
    received: [],
    durableUpTo: 0,
    block: null,
    fail: false,
    async start() {},
    async open() {},
    async put(records) {
      if (this.fail) throw new Error('sink broke');
      if (this.block) await this.block;
      this.received.push(...records);
    },
    async preCommit(current: TopicPartitionOffsets) {
      return new Map([...current].map(([tp, next]) => [tp, Math.min(next, this.durableUpTo)]));
    },
    async close() {},
    async stop() {},
  };
}

async function run(source: SourceTask, sinkTask: SinkTask, offsets = new MemoryOffsetStore()) {
  const positions = await SinkPositions.load(offsets, 'sink');
  const sink = new SinkRunner({ connector: 'sink', task: sinkTask, workDir: taskWorkDir(), logger, commitIntervalMs: 20, channelCapacity: 500, accepts: () => true, positions });
  await sink.start();
  const runner = new SourceRunner({
    connector: 'src',
    task: source,
    transform: (event) => event,
    offsets,
    sinks: () => [{ accepts: () => true, running: () => sink }],
    logger,
    progress: new ProgressLog(logger),
    commitIntervalMs: 20,
    shutdownTimeoutMs: 200,
  });
  await runner.start();
  return { offsets, sink, runner };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('source and sink runners', () => {
  it('stop reading when the sink does not keep up', async () => {
    const source = countingSource();
    const sinkTask = controlledSink();
    let release!: () => void;
    sinkTask.block = new Promise((r) => (release = r));
    const { sink, runner } = await run(source, sinkTask);
    await sleep(300);
    // One batch in put, a full channel and one batch waiting for room: nothing more is read.
    expect(source.polled).toBeLessThanOrEqual(100 + 500 + 100 + 100);
    const polledWhileBlocked = source.polled;
    await sleep(200);
    expect(source.polled).toBe(polledWhileBlocked);
    release();
    sinkTask.durableUpTo = Number.MAX_SAFE_INTEGER;
    await sleep(100);
    expect(source.polled).toBeGreaterThan(polledWhileBlocked);
    await runner.stop();
    await sink.stop();
  });

  it('commits only offsets whose events the sink made durable', async () => {
    const source = countingSource();
    const sinkTask = controlledSink();
    sinkTask.durableUpTo = 250;
    const { offsets, sink, runner } = await run(source, sinkTask);
    await sleep(300);
    expect(await offsets.get('src', partition)).toEqual({ n: 250 });
    expect(source.committed.at(-1)).toBe(250);
    await runner.stop();
    await sink.stop();
    expect(Math.max(...source.committed)).toBe(250);
  });

  it('stops reading and commits nothing further once the sink fails', async () => {
    const source = countingSource();
    const sinkTask = controlledSink();
    sinkTask.durableUpTo = Number.MAX_SAFE_INTEGER;
    const { offsets, sink, runner } = await run(source, sinkTask);
    await sleep(100);
    sinkTask.fail = true;
    await sleep(200);
    expect(sink.state).toBe('FAILED');
    const committed = (await offsets.get('src', partition))!.n as number;
    const polled = source.polled;
    await sleep(300);
    expect(source.polled).toBe(polled);
    expect((await offsets.get('src', partition))!.n).toBe(committed);
    expect(committed).toBeLessThanOrEqual(sinkTask.received.length);
    await runner.stop();
    await sink.stop();
  });

  it('closes and stops the sink task even when its last flush fails, so the task releases what it holds', async () => {
    const source = countingSource();
    const lifecycle = { failFlush: false, closed: 0, stopped: false };
    const sinkTask: SinkTask = {
      ...controlledSink(),
      async flush() {
        if (lifecycle.failFlush) throw new Error('the store is away');
      },
      async close() {
        lifecycle.closed++;
      },
      async stop() {
        lifecycle.stopped = true;
      },
    };
    const { sink, runner } = await run(source, sinkTask);
    await sleep(100);
    await runner.stop();
    lifecycle.failFlush = true;
    await sink.stop();
    expect(lifecycle).toEqual({ failFlush: true, closed: 1, stopped: true });
  });

  it('skips, after a restart, the records the sink made durable beyond the offset the source resumes at', async () => {
    const offsets = new MemoryOffsetStore();
    const first = controlledSink();
    first.durableUpTo = 255;
    const before = await run(transactionalSource(0), first, offsets);
    await sleep(300);
    await before.runner.stop();
    await before.sink.stop();
    // The source resumes at the end of the last whole transaction the sink holds: 250.
    const resumeAt = (await offsets.get('src', partition))!.n as number;
    expect(resumeAt).toBe(250);
    expect(await offsets.list('sink')).toEqual([{ partition: { kafka_topic: 'fake.t', kafka_partition: 0 }, offset: { position: '00000255' } }]);
    const second = controlledSink();
    second.durableUpTo = Number.MAX_SAFE_INTEGER;
    const after = await run(transactionalSource(resumeAt), second, offsets);
    await sleep(200);
    await after.runner.stop();
    await after.sink.stop();
    // 251..255 are acknowledged without reaching the task; everything after arrives once, in order.
    const received = second.received.map((r) => (r.key as { n: number }).n);
    expect(received[0]).toBe(256);
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => 256 + i));
    expect(second.received[0]!.position).toBe('00000256');
  });
});
