/**
 * The OpenSearch case's plumbing, run in the orchestrator so none of it counts in Sluice's CPU time
 * or peak RSS: a pass-through HTTP proxy in front of a fake OpenSearch node that keeps every request
 * body Sluice's sink sent, and the reference that replays those exact requests with a plain HTTP
 * client (replay-client.ts) into a fresh fake.
 *
 * Contract: `startOpenSearchTarget` starts a fake (test/support/fake-opensearch.ts, no periodic
 * refresh) behind a proxy; the sink and the reference both talk to `url`, so both pay the same extra
 * hop. With `record`, the proxy keeps each write request (index creation and `_bulk`) in order.
 * `timeBulkReplay` has the replay client, a process of its own started on `client.cpus` (all when
 * undefined), send the recorded requests to a fresh target, and resolves with the seconds its
 * `_bulk` requests took; it rejects when the client fails (a request failed, or an item reports an
 * error) or the fake ends up without `expectedDocs` documents. `signal` ends the client.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startFakeOpenSearch, type FakeOpenSearch } from '../test/support/fake-opensearch.js';
import { pinnedSpawnArgs } from './cpu-affinity.js';
import { isBulk, saveRequests, send, type RecordedRequest } from './recorded-requests.js';

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

/** The compiled replay client (build-capture.ts) and the CPUs it runs on. */
export interface ReplayClient {
  entry: string;
  cpus: string | undefined;
}

/** Replays `recorded` into a fresh fake; the seconds its `_bulk` requests took. */
export async function timeBulkReplay(recorded: RecordedRequest[], index: string, expectedDocs: number, client: ReplayClient, signal: AbortSignal): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-replay-'));
  const target = await startOpenSearchTarget({ record: false });
  try {
    const file = path.join(dir, 'requests');
    await saveRequests(file, recorded);
    await runClient(client, target.url, file, signal);
    const stored = target.fake.documents(index).size;
    if (stored !== expectedDocs) throw new Error(`the replay left ${stored} documents in ${index}, not ${expectedDocs}`);
    return target.bulkSeconds();
  } finally {
    await target.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function runClient(client: ReplayClient, url: string, file: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const [command, args] = pinnedSpawnArgs(client.cpus, process.execPath, [client.entry, url, file]);
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, exitSignal) => {
      if (code === 0) resolve();
      else reject(new Error(`the replay client exited with ${exitSignal ?? `code ${code}`}: ${stderr.trim()}`));
    });
  });
}
