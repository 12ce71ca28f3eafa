import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { itOnFake, openSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { openSearchRequest } from '../../../test/support/opensearch-http.js';
import type { ErrantRecordReporter } from '../../contracts/sink-task.js';
import { BulkPlanner, type BulkAction } from './bulk-body.js';
import { BulkWriter, RetriesExhausted } from './bulk-writer.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { deadLetterReporter, DocumentRejected } from './dead-letters.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX } from './orders-sink.fixture.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';

describe('BulkWriter', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  let client: OpenSearchClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  const itInjected = itOnFake('the items are rejected by the fake node\'s faults');
  const orders = async () => search.documents(search.index(ORDERS_INDEX));
  const silent = pino({ level: 'silent' });
  const noDeadLetters: ErrantRecordReporter = { report: () => Promise.reject(new Error('nothing should be reported')) };

  function writer(
    settings: Record<string, string>,
    deadLetters = noDeadLetters,
  ): { write: (actions: BulkAction[]) => Promise<void>; plan: (...updates: Array<[number, string]>) => BulkAction[] } {
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, ...search.sinkSettings, 'retry.backoff.ms': '1', ...settings });
    const opened = createOpenSearchClient(config.connection);
    client = opened;
    const planner = new BulkPlanner(config);
    const plan = (...updates: Array<[number, string]>) =>
      updates.map(([id, status], offset) => {
        const planned = planner.plan(orderUpdate(offset, id, status));
        if (planned.kind !== 'action') throw new Error(`expected an action, got ${planned.kind}`);
        return planned.action;
      });
    const bulk = new BulkWriter(opened, config, silent, deadLetters);
    return { write: (actions) => bulk.write(actions), plan };
  }

  itInjected('sends an item after a retried one of the same document again, after it, so the retry cannot overwrite it', async () => {
    const fake = search.fake!;
    // upserts carry no version: only the order of the writes decides
    const { write, plan } = writer({ 'index.write.method': 'upsert' });
    fake.faults.rejectItems(1);
    await write(plan([1, 'placed'], [2, 'placed'], [1, 'paid']));
    expect((await orders()).get('1')!.source['status']).toBe('paid');
    expect((await orders()).get('2')!.source['status']).toBe('placed');
    expect(fake.requests.filter((r) => r.path.endsWith('/_bulk'))).toHaveLength(2);
  });

  itInjected('rejects with the actions still unwritten, in order, once max.retries is used up', async () => {
    const { write, plan } = writer({ 'max.retries': '1' });
    search.fake!.faults.rejectItems(4);
    const error: unknown = await write(plan([1, 'placed'], [2, 'placed'], [3, 'placed'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).retriable).toBe(true);
    expect((error as RetriesExhausted).unwritten.map((a) => a.id)).toEqual(['1']);
    expect([...(await orders()).keys()].sort()).toEqual(['2', '3']);
  });

  it('reports a rejected document under behavior.on.malformed.documents=report with its record, and resolves once the report is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dead-letters-'));
    const file = join(dir, 'dead-letters.jsonl');
    try {
      const fileReporter = deadLetterReporter(sinkTaskContext({ connector: 'search' }), file, silent);
      const reported: Array<{ offset: number; error: Error }> = [];
      const { write, plan } = writer({ 'behavior.on.malformed.documents': 'report', 'errors.deadletterqueue.file': file }, {
        report: async (record, error) => {
          reported.push({ offset: record.kafkaOffset, error });
          await fileReporter.report(record, error);
        },
      });
      // The index maps status as a number: order 2's status does not fit.
      const index = search.index(ORDERS_INDEX);
      expect((await openSearchRequest(search.url, 'PUT', `/${index}`, { mappings: { properties: { status: { type: 'long' } } } })).status).toBe(200);
      await write(plan([1, '1'], [2, 'placed'], [3, '3']));
      expect([...(await orders()).keys()].sort()).toEqual(['1', '3']);
      expect(reported).toHaveLength(1);
      expect(reported[0]!.offset).toBe(1);
      expect(reported[0]!.error).toBeInstanceOf(DocumentRejected);
      const rejected = `OpenSearch rejected the document (index ${index}, id 2): mapper_parsing_exception: failed to parse`;
      expect(reported[0]!.error.message.slice(0, rejected.length)).toBe(rejected);
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        { topic: ORDERS_INDEX, partition: 0, offset: 1, index, id: '2', error: { status: 400, type: 'mapper_parsing_exception', reason: expect.stringMatching(/^failed to parse/) as unknown }, reportedAt: expect.any(String) as unknown },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('deadLetterReporter', () => {
  it('is the reporter the worker gives the task, if any, rather than the dead-letter file', () => {
    const silent = pino({ level: 'silent' });
    const worker: ErrantRecordReporter = { report: async () => {} };
    expect(deadLetterReporter(sinkTaskContext({ connector: 'search', stableOffsets: true, errantRecordReporter: worker }), '/unused', silent)).toBe(worker);
  });
});
