import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import type { ChangeEvent } from '../../events.js';
import { EventBuilder } from '../../sources/postgres/event-builder.js';
import type { TupleValue } from '../../sources/postgres/replication/pgoutput-decoder.js';
import { ARTICLES, articleKey, OLD_KEY, origin, RETITLED, sinkRecord, WRITTEN } from './articles.fixture.js';
import { BulkPlanner, type BulkAction } from './bulk-body.js';
import { BulkWriter } from './bulk-writer.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { requestSegments } from './merged-updates.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';

const INDEX = 'shop.public.articles';
const ID = '["eu",9007199254740993]';
const builder = new EventBuilder('shop', 'app');
const RETITLED_AGAIN: TupleValue[] = RETITLED.map((value, i) => (i === 2 ? 'Hello third' : value));
/**
 * One transaction whose changes were logged before another transaction's commit at LSN 500: every
 * change carries version 500 (version.ts), the two retitles without their TOASTed body, tags and cover.
 */
const created = (lsn: number, lastCommit: number | null) => builder.change(ARTICLES, 'c', articleKey(WRITTEN), null, ARTICLES.row(WRITTEN), origin(lsn, lastCommit));
const retitled = (values: TupleValue[], lsn: number, lastCommit: number | null) => builder.change(ARTICLES, 'u', articleKey(values), null, ARTICLES.row(values), origin(lsn, lastCommit));
const deleted = (lsn: number, lastCommit: number | null) => builder.change(ARTICLES, 'd', articleKey(OLD_KEY), ARTICLES.row(OLD_KEY), null, origin(lsn, lastCommit));

/** A client that records its requests in order: `bulk`, or `read` for a read of stored documents (`_mget`). */
function recordingClient(inner: OpenSearchClient, calls: string[]): OpenSearchClient {
  return {
    ...inner,
    bulk: (body) => (calls.push('bulk'), inner.bulk(body)),
    storedDocuments: (refs) => (calls.push('read'), inner.storedDocuments(refs)),
  };
}

describe('TOAST partial updates completed from the stored document', () => {
  const search = openSearchForEachTest({ refreshIntervalMs: null });
  let client: OpenSearchClient;
  let calls: string[];
  let warnings: string[];
  let write: (events: ChangeEvent[]) => Promise<void>;
  let plan: (events: ChangeEvent[]) => BulkAction[];

  beforeEach(() => {
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: INDEX, ...search.sinkSettings, 'retry.backoff.ms': '1' });
    client = createOpenSearchClient(config.connection);
    calls = [];
    warnings = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
    const planner = new BulkPlanner(config);
    let offset = 0;
    plan = (events) => events.map((event) => {
      const planned = planner.plan(sinkRecord(event, offset++));
      if (planned.kind !== 'action') throw new Error(`expected an action, got ${planned.kind}`);
      return planned.action;
    });
    const writer = new BulkWriter(recordingClient(client, calls), config, logger, { report: () => Promise.reject(new Error('nothing should be reported')) });
    write = (events) => writer.write(plan(events));
  });
  afterEach(async () => {
    await client.close();
  });

  const stored = async () => (await search.documents(search.index(INDEX))).get(ID);

  it('apply every change of a transaction whose changes share one version, one request each', async () => {
    for (const event of [created(100, 500), retitled(RETITLED, 110, 500), retitled(RETITLED_AGAIN, 120, 500)]) await write([event]);
    expect(await stored()).toMatchObject({ version: 500, source: { title: 'Hello third', body: 'A long body', tags: ['search', 'cdc'], cover: 'AQL/' } });
    // An update keeps the version the change's (no update API call raises it), so the delete of the same transaction applies.
    await write([deleted(130, 500)]);
    expect(await stored()).toBeUndefined();
    // Every write was a bulk request, each merge read first.
    expect(calls).toEqual(['bulk', 'read', 'bulk', 'read', 'bulk', 'bulk']);
  });

  it('apply them in one request too, sent in parts so each merge reads what came before it', async () => {
    await write([created(100, 500), retitled(RETITLED, 110, 500), retitled(RETITLED_AGAIN, 120, 500)]);
    expect(await stored()).toMatchObject({ version: 500, source: { title: 'Hello third', body: 'A long body', tags: ['search', 'cdc'] } });
    expect(calls).toEqual(['bulk', 'read', 'bulk', 'read', 'bulk']);
  });

  it('write nothing for a change older than the stored document, nor for a document that is missing, which is logged', async () => {
    await write([retitled(RETITLED, 110, null)]);
    expect(await stored()).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('found no document to complete')]);
    await write([created(7_000, null)]);
    await write([retitled(RETITLED, 6_100, 6_050)]);
    expect(await stored()).toMatchObject({ version: 7_000, source: { title: 'Hello' } });
    expect(calls).toEqual(['read', 'bulk', 'read']);
  });

  it('cut a request before a merge whose document has an action earlier in the same part, and nowhere else', () => {
    const [c, u1, u2] = plan([created(100, 500), retitled(RETITLED, 110, 500), retitled(RETITLED_AGAIN, 120, 500)]);
    expect(requestSegments([c!])).toEqual([[c]]);
    expect(requestSegments([u1!])).toEqual([[u1]]);
    expect(requestSegments([c!, u1!, u2!])).toEqual([[c], [u1], [u2]]);
  });
});

describe('OpenSearchClient.storedDocuments', () => {
  it('reads integers beyond 2^53 exactly (bigints), numbers written with an exponent as numbers, and a missing document or index as null', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        '{"docs":[{"_index":"a","_id":"1","_version":3,"found":true,"_source":{"n":9007199254740993,"m":[1,2],"neg":-9007199254740993,"e":2.5E-3}},'
          + '{"_index":"a","_id":"2","found":false},'
          + '{"_index":"b","_id":"1","error":{"type":"index_not_found_exception","reason":"no such index [b]"}}]}',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = parseOpenSearchSinkConfig({ name: 's', 'connector.class': 'OpenSearchSink', topics: 'a', 'connection.url': `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const client = createOpenSearchClient(config.connection);
    try {
      const docs = await client.storedDocuments([{ index: 'a', id: '1' }, { index: 'a', id: '2' }, { index: 'b', id: '1' }]);
      expect(docs).toEqual([{ version: 3, source: { n: 9007199254740993n, m: [1, 2], neg: -9007199254740993n, e: 0.0025 } }, null, null]);
    } finally {
      await client.close();
      server.close();
    }
  });
});
