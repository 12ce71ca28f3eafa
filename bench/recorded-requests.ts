/**
 * The write requests the OpenSearch case's proxy recorded from Sluice's sink, as the orchestrator
 * hands them to the replay client (replay-client.ts) and as either sends one over HTTP.
 *
 * Contract: `saveRequests` writes requests to a file that `loadRequests` reads back byte for byte
 * (node:v8's serializer keeps Buffers). `send` makes one request over `agent` and resolves with the
 * whole answer; it rejects only when the request cannot be made or its answer breaks off.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { deserialize, serialize } from 'node:v8';

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const isBulk = (path: string) => path.split('?')[0]!.endsWith('/_bulk');

export function send(agent: Agent, base: string, req: RecordedRequest): Promise<Reply> {
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

export async function saveRequests(file: string, requests: readonly RecordedRequest[]): Promise<void> {
  await writeFile(file, serialize(requests));
}

export async function loadRequests(file: string): Promise<RecordedRequest[]> {
  return deserialize(await readFile(file)) as RecordedRequest[];
}
