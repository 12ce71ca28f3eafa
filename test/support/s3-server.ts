/**
 * An S3-compatible server for tests: fauxqs (in memory, no credentials checked) on a free port of
 * 127.0.0.1, one per call, so test files running in parallel each have their own. Use path-style
 * addressing (`forcePathStyle` / s3.path.style.access.enabled=true) against `endpoint`.
 *
 * fauxqs has no ListMultipartUploads, so the server watches its own traffic instead:
 * `multipartUploads()` lists every multipart upload created, with whether it was later completed or
 * aborted (only successful answers count). `intercept(handler)` sees each request once its body is
 * read, before fauxqs applies it, and may answer it with an S3 error instead (a fault) or act on the
 * side (a test truncating a file while its upload is under way). `client` is a plain S3 client for
 * reading back what was stored. `stop()` closes open connections too.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

export interface S3Request {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
}

/** An S3 error answer: fauxqs is not called. */
export interface S3Fault {
  status: number;
  code: string;
  message?: string;
}

export type S3Interceptor = (request: S3Request) => S3Fault | undefined | Promise<S3Fault | undefined>;

export interface MultipartUploadRecord {
  bucket: string;
  key: string;
  uploadId: string;
  state: 'open' | 'completed' | 'aborted';
}

export interface S3TestServer {
  endpoint: string;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  multipartUploads(): MultipartUploadRecord[];
  intercept(handler: S3Interceptor | null): void;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3TestServer> {
  const app = buildApp({ logger: false });
  const uploads = new Map<string, MultipartUploadRecord>();
  let interceptor: S3Interceptor | null = null;

  app.addHook('preHandler', async (request, reply) => {
    if (interceptor === null) return;
    const fault = await interceptor(parseRequest(request.method, request.url));
    if (fault === undefined) return;
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>${fault.message ?? fault.code}</Message></Error>`;
    return reply.code(fault.status).header('content-type', 'application/xml').send(request.method === 'HEAD' ? undefined : xml);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const { method, bucket, key, query } = parseRequest(request.method, request.url);
    const uploadId = query.get('uploadId');
    if (method === 'POST' && query.has('uploads') && reply.statusCode === 200 && typeof payload === 'string') {
      const created = /<UploadId>([^<]+)<\/UploadId>/.exec(payload)?.[1];
      if (created !== undefined) uploads.set(created, { bucket, key, uploadId: created, state: 'open' });
    } else if (uploadId !== null && uploads.has(uploadId)) {
      const record = uploads.get(uploadId)!;
      if (method === 'POST' && reply.statusCode === 200) record.state = 'completed';
      if (method === 'DELETE' && reply.statusCode === 204) record.state = 'aborted';
    }
    return payload;
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fauxqs did not listen on a TCP port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    multipartUploads: () => [...uploads.values()].map((record) => ({ ...record })),
    intercept(handler) {
      interceptor = handler;
    },
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

function parseRequest(method: string, url: string): S3Request {
  const parsed = new URL(url, 'http://localhost');
  const [bucket = '', ...key] = parsed.pathname.slice(1).split('/');
  return { method, bucket: decodeURIComponent(bucket), key: decodeURIComponent(key.join('/')), query: parsed.searchParams };
}
