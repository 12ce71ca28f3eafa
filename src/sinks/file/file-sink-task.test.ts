import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../errors.js';
import type { SinkRecord } from '../../events.js';
import { parseFileSinkConfig } from './file-sink-config.js';
import { FileSinkTask } from './file-sink-task.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';

const CONTEXT = sinkTaskContext({ connector: 'audit' });

function record(topic: string, offset: number, key: unknown, value: unknown, headers: Record<string, string> = {}): SinkRecord {
  return { topic, key, value, keySchema: null, valueSchema: null, headers, timestamp: 1_700_000_000_000, kafkaPartition: 0, kafkaOffset: offset, position: null };
}

describe('FileSinkTask with a file', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-sink-'));
    path = join(dir, 'events.jsonl');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function started(): Promise<FileSinkTask> {
    const task = new FileSinkTask({ file: path });
    await task.start(CONTEXT);
    await task.open([{ topic: 'shop.public.orders', partition: 0 }, { topic: 'shop.public.customers', partition: 0 }]);
    return task;
  }

  it('writes one JSON line per record once preCommit returns, then reports the offsets it was given', async () => {
    const task = await started();
    await task.put([
      record('shop.public.orders', 0, { id: 1 }, { op: 'c', after: { id: 1, total: 12.5 } }, { source: 'pg' }),
      record('shop.public.orders', 1, { id: 9007199254740993n }, { op: 'd', before: { id: 9007199254740993n } }),
      record('shop.public.orders', 2, { id: 9007199254740993n }, null),
    ]);
    expect(await readFile(path, 'utf8')).toBe('');

    const current = new Map([['shop.public.orders:0', 3]]);
    expect(await task.preCommit(current)).toEqual(new Map([['shop.public.orders:0', 3]]));
    expect(await readFile(path, 'utf8')).toBe(
      '{"topic":"shop.public.orders","key":{"id":1},"value":{"op":"c","after":{"id":1,"total":12.5}},"headers":{"source":"pg"}}\n' +
        '{"topic":"shop.public.orders","key":{"id":9007199254740993},"value":{"op":"d","before":{"id":9007199254740993}},"headers":{}}\n' +
        '{"topic":"shop.public.orders","key":{"id":9007199254740993},"value":null,"headers":{}}\n',
    );
    await task.stop();
  });

  it('appends to a file that already exists when started again', async () => {
    const first = await started();
    await first.put([record('shop.public.orders', 0, { id: 1 }, { n: 1 })]);
    await first.preCommit(new Map([['shop.public.orders:0', 1]]));
    await first.stop();

    const second = await started();
    await second.put([record('shop.public.orders', 1, { id: 2 }, { n: 2 })]);
    await second.preCommit(new Map([['shop.public.orders:0', 2]]));
    await second.stop();

    expect(await readFile(path, 'utf8')).toBe(
      '{"topic":"shop.public.orders","key":{"id":1},"value":{"n":1},"headers":{}}\n' +
        '{"topic":"shop.public.orders","key":{"id":2},"value":{"n":2},"headers":{}}\n',
    );
  });

  it('starts on a fresh line when the file ends in a line torn by a crash', async () => {
    await writeFile(path, '{"topic":"shop.public.orders","key":{"id":1},"val');
    const task = await started();
    await task.put([record('shop.public.orders', 0, { id: 2 }, { n: 2 })]);
    await task.preCommit(new Map([['shop.public.orders:0', 1]]));
    await task.stop();
    expect(await readFile(path, 'utf8')).toBe(
      '{"topic":"shop.public.orders","key":{"id":1},"val\n' + '{"topic":"shop.public.orders","key":{"id":2},"value":{"n":2},"headers":{}}\n',
    );
  });

  it('drops the buffered lines of closed partitions and keeps the others', async () => {
    const task = await started();
    await task.put([record('shop.public.orders', 0, { id: 1 }, { n: 1 }), record('shop.public.customers', 0, { id: 7 }, { n: 7 })]);
    await task.close([{ topic: 'shop.public.orders', partition: 0 }]);
    await task.preCommit(new Map([['shop.public.customers:0', 1]]));
    await task.stop();
    expect(await readFile(path, 'utf8')).toBe('{"topic":"shop.public.customers","key":{"id":7},"value":{"n":7},"headers":{}}\n');
  });

  it('writes out a large buffer during put, before any preCommit', async () => {
    const task = await started();
    const big = 'x'.repeat(1 << 20);
    await task.put([record('shop.public.orders', 0, { id: 1 }, { big })]);
    expect(await readFile(path, 'utf8')).toBe(`{"topic":"shop.public.orders","key":{"id":1},"value":{"big":"${big}"},"headers":{}}\n`);
    await task.stop();
  });

  it('fails start with the fix when the file cannot be opened', async () => {
    const task = new FileSinkTask({ file: join(dir, 'missing', 'events.jsonl') });
    const failure = await task.start(CONTEXT).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SluiceError);
    expect(failure).toMatchObject({ code: 'FILE_SINK_OPEN_FAILED', stage: 'start', retriable: false });
    expect((failure as Error).message).toContain('Check that its directory exists');
  });
});

describe('FileSinkTask write errors', () => {
  it('surface from preCommit, which then reports nothing durable', async () => {
    const task = new FileSinkTask({ file: '/dev/full' });
    await task.start(CONTEXT);
    await task.put([record('t', 0, { id: 1 }, { n: 1 })]);
    const failure = await task.preCommit(new Map([['t:0', 1]])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SluiceError);
    expect(failure).toMatchObject({ code: 'FILE_SINK_WRITE_FAILED', stage: 'commit', retriable: false });
    expect((failure as Error).message).toMatch(/^Could not write to \/dev\/full: .*ENOSPC/);
    await task.stop();
  });
});

describe('FileSinkTask without a file', () => {
  it('writes to standard output, drained by preCommit', async () => {
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const task = new FileSinkTask(parseFileSinkConfig({ name: 'audit', 'connector.class': 'FileStreamSink', topics: 't' }), stdout);
    await task.start(CONTEXT);
    await task.put([record('t', 0, 'k', 'v', { h: '1' })]);
    expect(chunks).toEqual([]);
    expect(await task.preCommit(new Map([['t:0', 1]]))).toEqual(new Map([['t:0', 1]]));
    expect(chunks.join('')).toBe('{"topic":"t","key":"k","value":"v","headers":{"h":"1"}}\n');
    await task.stop();
    expect(stdout.writable).toBe(true);
  });
});

describe('parseFileSinkConfig', () => {
  const BASE = { name: 'audit', 'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', topics: 'shop.public.orders' };

  it('reads the file, standard output when absent or empty', () => {
    expect(parseFileSinkConfig({ ...BASE, file: ' /tmp/out.jsonl ' })).toEqual({ file: '/tmp/out.jsonl', warnings: [] });
    expect(parseFileSinkConfig(BASE).file).toBeNull();
    expect(parseFileSinkConfig({ ...BASE, file: '' }).file).toBeNull();
  });

  it('requires the topics to consume', () => {
    const { topics: _, ...noTopics } = BASE;
    expect(() => parseFileSinkConfig(noTopics)).toThrow(/- topics: Must configure one of topics or topics.regex/);
  });
});
