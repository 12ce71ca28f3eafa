/**
 * What the fake node's own tests (fake-opensearch*.test.ts) send it, through opensearch-http.ts:
 * `call` any REST request to the node (its `url` read at each call, so a restarted node is
 * reached), `bulk` NDJSON lines; `ndjson` joins lines into a bulk body and `item` reads a bulk
 * answer's i-th item. Blocks on the one request each makes.
 */
import { openSearchRequest, type Json, type OpenSearchAnswer } from './opensearch-http.js';

export const ndjson = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

export const item = (response: { body: Json }, i: number) => Object.values(response.body.items[i])[0] as Json;

export function requestsTo(node: { readonly url: string }) {
  const call = (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<OpenSearchAnswer> => openSearchRequest(node.url, method, path, body, { contentType });
  const bulk = (lines: unknown[], path = '/_bulk') => call('POST', path, ndjson(lines), 'application/x-ndjson');
  return { call, bulk };
}
