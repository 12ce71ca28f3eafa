/**
 * One HTTP request from a test to an OpenSearch node, the fake (fake-opensearch.ts) or a real
 * cluster: a body that is not a string goes as JSON. Resolves to the status, the body (parsed when
 * the node says it is JSON, else its text; undefined when empty, as for HEAD) and the headers,
 * whatever the status; rejects only when there is no answer. Blocks on that one request.
 */

/** A parsed response body; tests read its fields one by one, as fastify's inject().json() is elsewhere. */
export type Json = any;

export interface OpenSearchAnswer {
  status: number;
  body: Json;
  headers: Headers;
}

export async function openSearchRequest(
  base: string, method: string, path: string, body?: unknown, { contentType = 'application/json', headers = {} }: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<OpenSearchAnswer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${base}${path}`, { method, body: text, headers: { ...headers, ...(text !== undefined && { 'content-type': contentType }) } });
  const raw = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, body: raw === '' ? undefined : isJson ? JSON.parse(raw) : raw, headers: response.headers };
}
