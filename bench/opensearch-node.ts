/**
 * The OpenSearch case's node: a process of its own holding the fake node behind its proxy
 * (recording-proxy.ts), so that how fast it answers owes nothing to what the bench's process did
 * before, and so that it can run on CPUs of its own (cpu-affinity.ts). Compiled with the capture
 * process (build-capture.ts) and started by opensearch-replay.ts with an IPC channel.
 *
 * Usage: `node opensearch-node.js record|plain`. Once listening it sends `{ url }`, then answers
 * each call `{ id, call, arg }` with `{ id, value }` or `{ id, error }`: `bulkSeconds` (the proxy's
 * `_bulk` window), `saveRecorded` (the recorded requests, to the file `arg`: recorded-requests.ts),
 * `documentCount` (the documents of index `arg`) and `close`, after which it exits. It exits too
 * when the channel closes.
 */
import { saveRequests } from './recorded-requests.js';
import { startOpenSearchTarget, type OpenSearchTarget } from './recording-proxy.js';

export type NodeCall = 'bulkSeconds' | 'saveRecorded' | 'documentCount' | 'close';

export interface NodeRequest {
  id: number;
  call: NodeCall;
  arg?: string;
}

export type NodeMessage = { url: string } | { id: number; value?: unknown; error?: string };

async function answer(target: OpenSearchTarget, request: NodeRequest): Promise<unknown> {
  switch (request.call) {
    case 'bulkSeconds':
      return target.bulkSeconds();
    case 'saveRecorded':
      return saveRequests(request.arg!, target.recorded);
    case 'documentCount':
      return target.fake.documents(request.arg!).size;
    case 'close':
      return target.close();
  }
}

async function main(): Promise<void> {
  const target = await startOpenSearchTarget({ record: process.argv[2] === 'record' });
  const reply = (message: NodeMessage) => new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));
  process.on('message', (request: NodeRequest) => {
    answer(target, request).then(
      async (value) => {
        await reply({ id: request.id, value });
        if (request.call === 'close') process.exit(0);
      },
      (error: unknown) => reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  await reply({ url: target.url });
}

if (process.send === undefined) {
  process.stderr.write('opensearch-node.js runs under the bench, with an IPC channel\n');
  process.exit(1);
}
main().catch((error: unknown) => {
  process.stderr.write(`the OpenSearch node failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
