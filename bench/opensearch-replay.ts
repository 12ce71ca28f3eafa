/**
 * The OpenSearch case's plumbing, run in the orchestrator so none of it counts in Sluice's CPU time
 * or peak RSS: a pass-through HTTP proxy in front of a fake OpenSearch node that keeps every request
 * body Sluice's sink sent, and the reference that replays those exact requests with a plain HTTP
 * client into a fresh fake.
 *
 * Contract: `startOpenSearchTarget` starts a fake (test/support/fake-opensearch.ts, no periodic
 * refresh) behind a proxy; the sink and the reference both talk to `url`, so both pay the same extra
 * hop. With `record`, the proxy keeps each write request (index creation and `_bulk`) in order.
 * `timeBulkReplay` sends the recorded index creations (untimed), then the `_bulk` requests one at a
 * time, as the sink does, and resolves with the seconds they took; it rejects when a request fails,
 * an item reports an error, or the fake ends up without `expectedDocs` documents.
 */
import { createServer, request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeOpenSearch, type FakeOpenSearch } from '../test/support/fake-opensearch.js';

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

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

interface Reply { status: number; headers: IncomingHttpHeaders; body: Buffer }

function send(agent: Agent, base: string, req: { method: string; path: string; contentType: string | undefined; body: Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-length': req.body.length };
    if (req.contentType) headers['content-type'] = req.contentType;
    const outgoing = httpRequest(new URL(req.path, base), { method: req.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const isBulk = (path: string) => path.split('?')[0]!.endsWith('/_bulk');
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

/** Replays `recorded` into a fresh fake; the seconds its `_bulk` requests took. */
export async function timeBulkReplay(recorded: RecordedRequest[], index: string, expectedDocs: number, signal: AbortSignal): Promise<number> {
  const target = await startOpenSearchTarget({ record: false });
  const agent = new Agent({ keepAlive: true });
  try {
    for (const creation of recorded.filter((r) => !isBulk(r.path))) await send(agent, target.url, creation);
    for (const bulk of recorded.filter((r) => isBulk(r.path))) {
      signal.throwIfAborted();
      const reply = await send(agent, target.url, bulk);
      // `"errors":false` sits at the start of the response; parsing it all would time JSON.parse too.
      if (reply.status !== 200 || !reply.body.subarray(0, 64).toString().includes('"errors":false')) {
        throw new Error(`replayed ${bulk.path} answered ${reply.status}: ${reply.body.subarray(0, 500).toString()}`);
      }
    }
    const stored = target.fake.documents(index).size;
    if (stored !== expectedDocs) throw new Error(`the replay left ${stored} documents in ${index}, not ${expectedDocs}`);
    return target.bulkSeconds();
  } finally {
    agent.destroy();
    await target.close();
  }
}
