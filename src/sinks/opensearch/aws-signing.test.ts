/**
 * SigV4 signing through the sink's real client against a local HTTP server that records every
 * request it receives. Each signature is recomputed here from the request as received, following
 * AWS's own description of Signature Version 4 (canonical request, string to sign, derived signing
 * key) with node:crypto alone, so a wrong signature, a header changed after signing or a body the
 * hash does not cover fails the test.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../errors.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer };

/** An HTTP server that records each request and answers it as a cluster would (or with `status` for all). */
async function startRecorder(status?: number) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      const code = status ?? (req.method === 'HEAD' ? 404 : 200);
      const body = code === 403 ? { message: 'The security token included in the request is invalid.' } : req.url!.endsWith('/_bulk') ? { took: 1, errors: false, items: [] } : { acknowledged: true };
      res.writeHead(code, { 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
// RFC 3986 unreserved characters stay, everything else is percent-encoded (encodeURIComponent leaves !'()* alone).
const uriEncode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Checks a received request's SigV4 signature against `secretAccessKey`, as AWS does. */
function checkSignature(request: Received, secretAccessKey: string) {
  const match = AUTHORIZATION.exec(String(request.headers.authorization));
  if (!match) throw new Error(`not a SigV4 Authorization header: ${request.headers.authorization}`);
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  const amzDate = String(request.headers['x-amz-date']);
  const signedHeaders = signedHeaderList!.split(';');
  const [rawPath, rawQuery = ''] = request.url.split(/\?(.*)/s);
  // Services other than S3 encode each path segment once more on top of the request's own encoding.
  const canonicalUri = rawPath!.split('/').map(uriEncode).join('/');
  const canonicalQuery = rawQuery === '' ? '' : rawQuery.split('&')
    .map((pair) => pair.split(/=(.*)/s).map((part) => uriEncode(decodeURIComponent(part ?? ''))))
    .sort(([ak, av], [bk, bv]) => (ak! < bk! ? -1 : ak! > bk! ? 1 : av! < bv! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = signedHeaders.map((name) => {
    const value = request.headers[name];
    if (value === undefined) throw new Error(`signed header ${name} was not sent`);
    return `${name}:${String(value).trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, sha256(request.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date!), region!), service!), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return { accessKeyId, date, region, service, amzDate, signedHeaders, valid: expected === signature };
}

function sigv4Client(url: string, keys: Record<string, string>): OpenSearchClient {
  return createOpenSearchClient(parseOpenSearchSinkConfig({ 'connector.class': 'OpenSearchSink', name: 'search', topics: 't', 'connection.url': url, ...keys }).connection);
}

/** The sink's calls: index check, template check and creation (a name that needs encoding), a bulk body, a truncate (a query string). */
async function exercise(client: OpenSearchClient): Promise<void> {
  await client.ensureIndex('orders+2024', { properties: { title: { type: 'text' } } } as never);
  await client.bulk(Buffer.from('{"index":{"_index":"orders+2024","_id":"1","version":7,"version_type":"external"}}\n{"title":"Grüße, \\"quoted\\""}\n'));
  await client.deleteAll('orders+2024', null, pino({ level: 'silent' }));
}

const BULK = /\/_bulk(\?|$)/;

describe('AWS SigV4 signing of the OpenSearch client', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    vi.unstubAllEnvs();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('recomputes the signatures of AWS\'s published SigV4 examples (get-vanilla, get-vanilla-query-order-key-case)', () => {
    const example = (url: string, signature: string): Received => ({
      method: 'GET', url, body: Buffer.alloc(0),
      headers: {
        host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      },
    });
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    expect(checkSignature(example('/', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'), secret).valid).toBe(true);
    expect(checkSignature(example('/?Param2=value2&Param1=value1', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'), secret).valid).toBe(true);
  });

  it('signs every request for Amazon OpenSearch Service (es) with aws.access_key_id and aws.secret_access_key', async () => {
    const server = await startRecorder();
    cleanups.push(server.close);
    const client = sigv4Client(server.url, { 'aws.region': 'eu-west-1', 'aws.access_key_id': 'AKIDEXAMPLE', 'aws.secret_access_key': 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    cleanups.push(() => client.close());
    await exercise(client);

    expect(server.received.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'HEAD /orders%2B2024', 'POST /_index_template/_simulate_index/orders%2B2024', 'PUT /orders%2B2024', 'POST /_bulk', 'GET /orders%2B2024/_refresh', 'POST /orders%2B2024/_delete_by_query',
    ]);
    expect(server.received.at(-1)!.url).toMatch(/\?.+&.+/);
    for (const request of server.received) {
      const check = checkSignature(request, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
      expect(check).toMatchObject({ valid: true, accessKeyId: 'AKIDEXAMPLE', region: 'eu-west-1', service: 'es' });
      expect(check.amzDate).toMatch(new RegExp(`^${check.date}T\\d{6}Z$`));
      expect(check.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256']));
      expect(request.headers['x-amz-content-sha256']).toBe(sha256(request.body));
      if (request.body.length > 0) expect(check.signedHeaders).toEqual(expect.arrayContaining(['content-type', 'content-length']));
    }
    const bulk = server.received.find((r) => BULK.test(r.url))!;
    expect(bulk.body.toString('utf8')).toContain('Grüße');
  });

  it('fails the recomputation for a wrong secret or a changed body, so the check above has teeth', async () => {
    const server = await startRecorder();
    cleanups.push(server.close);
    const client = sigv4Client(server.url, { 'aws.region': 'eu-west-1', 'aws.access_key_id': 'AKIDEXAMPLE', 'aws.secret_access_key': 'right-secret' });
    cleanups.push(() => client.close());
    await client.bulk(Buffer.from('{"delete":{"_index":"orders","_id":"1"}}\n'));
    const [request] = server.received;
    expect(checkSignature(request!, 'right-secret').valid).toBe(true);
    expect(checkSignature(request!, 'wrong-secret').valid).toBe(false);
    expect(checkSignature({ ...request!, body: Buffer.from('{"delete":{"_index":"orders","_id":"2"}}\n') }, 'right-secret').valid).toBe(false);
    expect(checkSignature({ ...request!, url: `${request!.url}?refresh=true` }, 'right-secret').valid).toBe(false);
  });

  it('signs for OpenSearch Serverless (aoss) with temporary credentials from the AWS default chain', async () => {
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIATEMPORARY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'temporary-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-token-value');
    const server = await startRecorder();
    cleanups.push(server.close);
    const client = sigv4Client(server.url, { 'aws.region': 'us-east-2', 'aws.service.signing.name': 'aoss' });
    cleanups.push(() => client.close());
    await exercise(client);

    expect(server.received).toHaveLength(6);
    for (const request of server.received) {
      const check = checkSignature(request, 'temporary-secret');
      expect(check).toMatchObject({ valid: true, accessKeyId: 'ASIATEMPORARY', region: 'us-east-2', service: 'aoss' });
      expect(request.headers['x-amz-security-token']).toBe('session-token-value');
      expect(check.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']));
      expect(request.headers['x-amz-content-sha256']).toBe(sha256(request.body));
    }
  });

  it('fails with a ConfigError naming the keys when the default chain finds no credentials, and sends nothing', async () => {
    const nowhere = path.join(os.tmpdir(), 'sluice-no-aws-config', 'missing');
    for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) vi.stubEnv(name, undefined);
    vi.stubEnv('AWS_CONFIG_FILE', nowhere);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', nowhere);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const server = await startRecorder();
    cleanups.push(server.close);
    const client = sigv4Client(server.url, { 'aws.region': 'eu-west-1' });
    cleanups.push(() => client.close());

    const failure = await client.bulk(Buffer.from('{"delete":{"_index":"orders","_id":"1"}}\n')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/set aws\.access_key_id and aws\.secret_access_key/);
    expect(server.received).toHaveLength(0);
  });

  it('reports a refused signature as an authentication failure naming the AWS keys, not as a retriable one', async () => {
    const server = await startRecorder(403);
    cleanups.push(server.close);
    const client = sigv4Client(server.url, { 'aws.region': 'eu-west-1', 'aws.access_key_id': 'AKIDEXAMPLE', 'aws.secret_access_key': 'secret' });
    cleanups.push(() => client.close());

    const failure = await client.bulk(Buffer.from('{"delete":{"_index":"orders","_id":"1"}}\n')).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'OPENSEARCH_AUTH', retriable: false });
    expect((failure as Error).message).toMatch(/security token included in the request is invalid.*aws\.access_key_id/);
  });
});
