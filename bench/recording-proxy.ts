/**
 * The fake OpenSearch node of the OpenSearch case behind a pass-through HTTP proxy, run in the node
 * process (opensearch-node.ts): the proxy times the `_bulk` requests that pass it and, when
 * recording, keeps every write request Sluice's sink sent, for the replay to send again.
 *
 * Contract: `startOpenSearchTarget` starts a fake (test/support/fake-opensearch.ts, no periodic
 * refresh) behind a proxy; the sink and the reference both talk to `url`, so both pay the same extra
 * hop. With `record`, the proxy keeps each write request (index creation and `_bulk`) in order.
 */
import { createServer, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeOpenSearch, type FakeOpenSearch } from '../test/support/fake-opensearch.js';
import { isBulk, send, type RecordedRequest } from './recorded-requests.js';

export interface OpenSearchTarget {
  /** The proxy's URL, for the client under test. */
  url: string;
  fake: FakeOpenSearch;
  /** Write requests in the order the proxy received them (empty unless recording). */
  recorded: RecordedRequest[];
  /**
   * The seconds from the arrival of the first `_bulk` request at the proxy to the end of its answer
   * to the last: the window documents flowed into the node, measured the same way for Sluice and
   * the replay. Throws when no `_bulk` request came.
   */
  bulkSeconds(): number;
  close(): Promise<void>;
}

const isWrite = (method: string, path: string) => isBulk(path) || (method === 'PUT' && /^\/[^_/][^/]*\/?(\?.*)?$/.test(path));

export async function startOpenSearchTarget(options: { record: boolean }): Promise<OpenSearchTarget> {
  const fake = await startFakeOpenSearch({ refreshIntervalMs: null });
  const agent = new Agent({ keepAlive: true });
  const recorded: RecordedRequest[] = [];
  let firstBulk: bigint | null = null;
  let lastBulkAnswered: bigint | null = null;
  const server = createServer((req, res) => {
    const bulk = isBulk(req.url ?? '/');
    if (bulk) firstBulk ??= process.hrtime.bigint();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forwarded = { method: req.method ?? 'GET', path: req.url ?? '/', contentType: req.headers['content-type'], body: Buffer.concat(chunks) };
      if (options.record && isWrite(forwarded.method, forwarded.path)) recorded.push(forwarded);
      send(agent, fake.url, forwarded).then(
        (reply) => {
          const headers = { ...reply.headers, 'content-length': reply.body.length };
          delete headers['transfer-encoding'];
          res.writeHead(reply.status, headers).end(reply.body);
          if (bulk) lastBulkAnswered = process.hrtime.bigint();
        },
        (error: unknown) => res.writeHead(502).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fake,
    recorded,
    bulkSeconds() {
      if (firstBulk === null || lastBulkAnswered === null) throw new Error('no _bulk request reached the fake OpenSearch node');
      return Number(lastBulkAnswered - firstBulk) / 1e9;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      await fake.close();
    },
  };
}
