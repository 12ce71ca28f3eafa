/**
 * The OpenSearch case's reference: a plain HTTP client that sends the requests Sluice's sink sent,
 * in the order the proxy received them, one at a time over one keep-alive connection. It runs as a
 * process of its own, compiled with the capture process (build-capture.ts), so that it can run on
 * the client's cores beside the node as the worker does (cpu-affinity.ts).
 *
 * Usage: `node replay-client.js <url> <requests file>` (recorded-requests.ts `saveRequests`).
 * Exits 0 once every request is answered: `_bulk` with 200 and `"errors":false`, the others (index
 * creation) with a 2xx status. Otherwise prints why on standard error and exits 1. The time is taken
 * by the proxy, not here.
 */
import { Agent } from 'node:http';
import { isBulk, loadRequests, send } from './recorded-requests.js';

async function replay(url: string, file: string): Promise<void> {
  const requests = await loadRequests(file);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const request of requests) {
      const reply = await send(agent, url, request);
      // `"errors":false` sits at the start of a bulk answer; parsing it all would time JSON.parse too.
      const answered = isBulk(request.path) ? reply.status === 200 && reply.body.subarray(0, 64).toString().includes('"errors":false') : reply.status < 300;
      if (!answered) throw new Error(`replayed ${request.method} ${request.path} answered ${reply.status}: ${reply.body.subarray(0, 500).toString()}`);
    }
  } finally {
    agent.destroy();
  }
}

const [url, file] = process.argv.slice(2);
if (url === undefined || file === undefined) {
  process.stderr.write('usage: replay-client.js <url> <requests file>\n');
  process.exit(1);
}
replay(url, file).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
