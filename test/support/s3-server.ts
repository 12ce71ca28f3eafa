/**
 * An S3-compatible server for tests: fauxqs (in memory, no credentials checked) on a free port of
 * 127.0.0.1, one per call, so test files running in parallel each have their own. Use path-style
 * addressing (`forcePathStyle` / s3.path.style.access.enabled=true) against `endpoint`.
 *
 * fauxqs keeps multipart uploads but cannot list them, so the server watches its own traffic:
 * `multipartUploads()` lists every multipart upload created, with whether it was later completed or
 * aborted (only successful answers count), and ListMultipartUploads (GET /<bucket>?uploads, with
 * prefix, max-uploads and the key and upload id markers) of an existing bucket is answered from the
 * open ones, in key order and by creation within a key, as S3 answers it. `intercept(handler)` sees each request once
 * its body is read, before fauxqs applies it, and may answer it with an S3 error instead (a fault) or
 * act on the side (a test truncating a file while its upload is under way). `hold(match)` keeps the
 * requests it matches waiting there, unanswered, until `release()`: a test sees with `held()` that an
 * upload is in progress and can kill its client meanwhile. `client` is a plain S3 client for reading
 * back what was stored. `stop()` releases held requests and closes open connections too.
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
  headers?: Record<string, string>;
}

export type S3Interceptor = (request: S3Request) => S3Fault | undefined | Promise<S3Fault | undefined>;

export interface MultipartUploadRecord {
  bucket: string;
  key: string;
  uploadId: string;
  state: 'open' | 'completed' | 'aborted';
}

/** Requests kept waiting by `hold`. */
export interface S3Hold {
  /** The requests waiting now, in arrival order. */
  held(): S3Request[];
  /** Lets every waiting request go on to fauxqs, and holds no more. */
  release(): void;
}

export interface S3TestServer {
  endpoint: string;
  client: S3Client;
  createBucket(name: string): Promise<void>;
  multipartUploads(): MultipartUploadRecord[];
  intercept(handler: S3Interceptor | null): void;
  /** Holds every request `match` accepts (after the interceptor let it through) until released. */
  hold(match: (request: S3Request) => boolean): S3Hold;
  stop(): Promise<void>;
}

/** An UploadPart request: a part of a multipart upload. */
export const isUploadPart = (request: S3Request): boolean => request.method === 'PUT' && request.query.has('uploadId') && request.query.has('partNumber');

export async function startS3Server(): Promise<S3TestServer> {
  const app = buildApp({ logger: false });
  const uploads = new Map<string, MultipartUploadRecord & { initiated: Date }>();
  const holds = new Set<{ match: (request: S3Request) => boolean; waiting: S3Request[]; released: Promise<void>; release(): void }>();
  let interceptor: S3Interceptor | null = null;

  app.addHook('preHandler', async (request, reply) => {
    const parsed = parseRequest(request.method, request.url);
    const fault = await interceptor?.(parsed);
    if (fault !== undefined) {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>${fault.message ?? fault.code}</Message></Error>`;
      return reply.code(fault.status).headers({ 'content-type': 'application/xml', ...fault.headers }).send(request.method === 'HEAD' ? undefined : xml);
    }
    const hold = [...holds].find((h) => h.match(parsed));
    if (hold !== undefined) {
      hold.waiting.push(parsed);
      await hold.released;
      hold.waiting.splice(hold.waiting.indexOf(parsed), 1);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const { method, bucket, key, query } = parseRequest(request.method, request.url);
    const uploadId = query.get('uploadId');
    // fauxqs takes the listing for one of objects: once it has found the bucket, the answer is replaced.
    if (method === 'GET' && key === '' && query.has('uploads') && reply.statusCode === 200) {
      return listMultipartUploads(bucket, query, [...uploads.values()].filter((upload) => upload.bucket === bucket && upload.state === 'open'));
    }
    if (method === 'POST' && query.has('uploads') && reply.statusCode === 200 && typeof payload === 'string') {
      const created = /<UploadId>([^<]+)<\/UploadId>/.exec(payload)?.[1];
      if (created !== undefined) uploads.set(created, { bucket, key, uploadId: created, state: 'open', initiated: new Date() });
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
    multipartUploads: () => [...uploads.values()].map(({ bucket, key, uploadId, state }) => ({ bucket, key, uploadId, state })),
    intercept(handler) {
      interceptor = handler;
    },
    hold(match) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const hold = {
        match,
        waiting: [] as S3Request[],
        released,
        release() {
          holds.delete(hold);
          release();
        },
      };
      holds.add(hold);
      return { held: () => [...hold.waiting], release: hold.release };
    },
    async stop() {
      for (const hold of holds) hold.release();
      client.destroy();
      await app.close();
    },
  };
}

/** S3's ListMultipartUploadsResult for the open uploads of a bucket (in creation order), as `query` asks for them. */
function listMultipartUploads(bucket: string, query: URLSearchParams, open: Array<{ key: string; uploadId: string; initiated: Date }>): string {
  const prefix = query.get('prefix') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const uploadIdMarker = query.get('upload-id-marker') ?? '';
  const maxUploads = Number(query.get('max-uploads') ?? 1000);
  const listed = open.filter((upload) => upload.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // After the markers: keys past key-marker, and with upload-id-marker the uploads of key-marker after that one.
  const markerIndex = uploadIdMarker === '' ? -1 : listed.findIndex((upload) => upload.key === keyMarker && upload.uploadId === uploadIdMarker);
  const rest = markerIndex >= 0 ? listed.slice(markerIndex + 1) : listed.filter((upload) => keyMarker === '' || upload.key > keyMarker);
  const page = rest.slice(0, maxUploads);
  const truncated = rest.length > page.length;
  const last = page.at(-1);
  const element = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    element('Bucket', bucket) + element('KeyMarker', keyMarker) + element('UploadIdMarker', uploadIdMarker) +
    (truncated && last ? element('NextKeyMarker', last.key) + element('NextUploadIdMarker', last.uploadId) : '') +
    element('Prefix', prefix) + element('MaxUploads', String(maxUploads)) + element('IsTruncated', String(truncated)) +
    page.map((upload) => `<Upload>${element('Key', upload.key)}${element('UploadId', upload.uploadId)}${element('Initiated', upload.initiated.toISOString())}<StorageClass>STANDARD</StorageClass></Upload>`).join('') +
    `</ListMultipartUploadsResult>`
  );
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}

function parseRequest(method: string, url: string): S3Request {
  const parsed = new URL(url, 'http://localhost');
  const [bucket = '', ...key] = parsed.pathname.slice(1).split('/');
  return { method, bucket: decodeURIComponent(bucket), key: decodeURIComponent(key.join('/')), query: parsed.searchParams };
}
