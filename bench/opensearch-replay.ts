/**
 * The OpenSearch case's processes, seen from the orchestrator: the node (opensearch-node.ts: the
 * fake behind its recording proxy) and the reference, a plain HTTP client (replay-client.ts) that
 * sends the requests Sluice's sink sent into a fresh node. Each runs on the CPUs it is given (all
 * when undefined), so none of their work counts in Sluice's CPU time or peak RSS.
 *
 * Contract: `startOpenSearchNode` resolves once the node listens; its calls go to the node process
 * and reject when it fails or exits. `close` ends it. `timeBulkReplay` starts a fresh node, has the
 * replay client send the requests saved in `requestsFile`, and resolves with the seconds its
 * `_bulk` requests took at the proxy; it rejects when the client fails (a request failed, or an
 * item reports an error) or the node ends up without `expectedDocs` documents. `signal` ends the
 * processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CaptureBuild } from './build-capture.js';
import { pinnedSpawnArgs, type CoreSplit } from './cpu-affinity.js';
import type { NodeCall, NodeMessage, NodeRequest } from './opensearch-node.js';

export interface OpenSearchNode {
  /** The proxy's URL, for the client under test. */
  url: string;
  /** recording-proxy.ts `bulkSeconds`: the window of the `_bulk` requests, first arrival to last answer. */
  bulkSeconds(): Promise<number>;
  /** Writes the requests the node recorded to `file` (recorded-requests.ts). */
  saveRecorded(file: string): Promise<void>;
  documentCount(index: string): Promise<number>;
  close(): Promise<void>;
}

export function startOpenSearchNode(build: CaptureBuild, record: boolean, cpus: string | undefined, signal: AbortSignal): Promise<OpenSearchNode> {
  const [command, args] = pinnedSpawnArgs(cpus, process.execPath, [build.openSearchNode, record ? 'record' : 'plain']);
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], signal });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let ended: Error | null = null;
  let nextId = 0;
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      ended ??= error;
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    };
    child.on('error', fail);
    child.on('exit', (code, exitSignal) => fail(new Error(`the OpenSearch node process exited with ${exitSignal ?? `code ${code}`}`)));
    child.on('message', (message: NodeMessage) => {
      if ('url' in message) {
        resolve(nodeHandle(message.url, child, call));
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`the OpenSearch node: ${message.error}`));
      else waiter?.resolve(message.value);
    });
    function call(name: NodeCall, arg?: string): Promise<unknown> {
      if (ended) return Promise.reject(ended);
      const request: NodeRequest = { id: nextId++, call: name, arg };
      return new Promise((resolveCall, rejectCall) => {
        pending.set(request.id, { resolve: resolveCall, reject: rejectCall });
        child.send(request);
      });
    }
  });
}

function nodeHandle(url: string, child: ChildProcess, call: (name: NodeCall, arg?: string) => Promise<unknown>): OpenSearchNode {
  return {
    url,
    bulkSeconds: async () => (await call('bulkSeconds')) as number,
    saveRecorded: async (file) => void (await call('saveRecorded', file)),
    documentCount: async (index) => (await call('documentCount', index)) as number,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call('close').catch(() => child.kill());
      await exited;
    },
  };
}

/** Replays the requests in `requestsFile` into a fresh node; the seconds its `_bulk` requests took. `split` null: every process on every CPU. */
export async function timeBulkReplay(build: CaptureBuild, requestsFile: string, index: string, expectedDocs: number, split: CoreSplit | null, signal: AbortSignal): Promise<number> {
  const node = await startOpenSearchNode(build, false, split?.node, signal);
  try {
    await runClient(build.replayClient, split?.client, node.url, requestsFile, signal);
    const stored = await node.documentCount(index);
    if (stored !== expectedDocs) throw new Error(`the replay left ${stored} documents in ${index}, not ${expectedDocs}`);
    return await node.bulkSeconds();
  } finally {
    await node.close();
  }
}

function runClient(entry: string, cpus: string | undefined, url: string, file: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const [command, args] = pinnedSpawnArgs(cpus, process.execPath, [entry, url, file]);
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
