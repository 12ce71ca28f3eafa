import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { startS3Server, type S3TestServer } from '../../../test/support/s3-server.js';
import { openObjectStore, type ObjectStore, type ObjectStoreSettings } from './object-store.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { freePort } from '../../embedded/postgres-server.js';
import { capturingLogger, WARN } from '../../../test/support/source-task-harness.js';

const MiB = 1024 * 1024;
const BUCKET = 'sink';
const logger = pino({ level: 'silent' });

let server: S3TestServer;
let files: string;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket(BUCKET);
  files = await mkdtemp(join(tmpdir(), 's3-object-store-'));
});

afterAll(async () => {
  await server.stop();
  await rm(files, { recursive: true, force: true });
});

function settings(overrides: Partial<ObjectStoreSettings> = {}): ObjectStoreSettings {
  return { url: server.endpoint, bucket: BUCKET, region: 'us-east-1', pathStyle: true, accessKeyId: 'test', secretAccessKey: 'test', partSize: 5 * MiB, ...overrides };
}

async function withStore<T>(run: (store: ObjectStore) => Promise<T>, overrides: Partial<ObjectStoreSettings> = {}, log = logger): Promise<T> {
  const store = openObjectStore(settings(overrides), log);
  try {
    return await run(store);
  } finally {
    store.close();
  }
}

async function localFile(name: string, bytes: number): Promise<{ path: string; content: Buffer }> {
  const content = randomBytes(bytes);
  const path = join(files, name);
  await writeFile(path, content);
  return { path, content };
}

async function readBack(key: string): Promise<Buffer> {
  const object = await server.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function objectExists(key: string): Promise<boolean> {
  return server.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(() => true, (error: { name?: string }) => {
    if (error.name === 'NotFound') return false;
    throw error;
  });
}

/** The multipart uploads of a key by state, after also asking fauxqs that the ended ones are really gone. */
async function multipartStates(key: string): Promise<string[]> {
  const records = server.multipartUploads().filter((record) => record.key === key);
  for (const record of records.filter((r) => r.state !== 'open')) {
    const probe = server.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: record.uploadId }));
    await expect(probe).rejects.toMatchObject({ name: 'NoSuchUpload' });
  }
  return records.map((record) => record.state);
}

/** What a run killed during an upload of `key` leaves: a multipart upload with a part and no end. Returns its id. */
async function leaveOpenUpload(key: string): Promise<string> {
  const { UploadId } = await server.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  await server.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
  return UploadId!;
}

/** Whether fauxqs still holds the multipart upload: aborting it succeeds (and ends it). */
async function abortedNow(key: string, uploadId: string): Promise<boolean> {
  return server.client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })).then(() => true, (error: { name?: string }) => {
    if (error.name === 'NoSuchUpload') return false;
    throw error;
  });
}

describe('S3ObjectStore against fauxqs', () => {
  it('checks an existing bucket and names it in describe()', async () => {
    await withStore(async (store) => {
      await store.check();
      expect(store.describe()).toBe(`s3://${BUCKET} at ${server.endpoint}`);
    });
  });

  it('uploads a small file with one PUT and reads it back byte for byte', async () => {
    const { path, content } = await localFile('small.bin', 1000);
    await withStore((store) => store.upload('topics/t/small.parquet', path, content.length));
    expect((await readBack('topics/t/small.parquet')).equals(content)).toBe(true);
    expect(server.multipartUploads().filter((r) => r.key === 'topics/t/small.parquet')).toEqual([]);
  });

  it('uploads a file larger than three parts as a multipart upload and reads it back byte for byte', async () => {
    const { path, content } = await localFile('large.bin', 15 * MiB + 4321);
    const parts = new Set<string>();
    server.intercept((request) => {
      if (request.key === 'topics/t/large.parquet' && request.query.has('partNumber')) parts.add(request.query.get('partNumber')!);
      return undefined;
    });
    try {
      await withStore((store) => store.upload('topics/t/large.parquet', path, content.length));
    } finally {
      server.intercept(null);
    }
    expect([...parts].sort()).toEqual(['1', '2', '3', '4']);
    expect((await readBack('topics/t/large.parquet')).equals(content)).toBe(true);
    expect(await multipartStates('topics/t/large.parquet')).toEqual(['completed']);
  });

  it('replaces the object when the same key is uploaded again', async () => {
    const first = await localFile('first.bin', 6 * MiB);
    const second = await localFile('second.bin', 2000);
    await withStore(async (store) => {
      await store.upload('topics/t/again.parquet', first.path, first.content.length);
      await store.upload('topics/t/again.parquet', second.path, second.content.length);
      expect(await store.list('topics/t/again')).toEqual(['topics/t/again.parquet']);
    });
    expect((await readBack('topics/t/again.parquet')).equals(second.content)).toBe(true);
  });

  it('aborts the multipart upload a killed run left of a key when the key is written again, and leaves other keys\' uploads open', async () => {
    const key = 'topics/t/left.json';
    const left = await leaveOpenUpload(key);
    // Other keys: one the key is a prefix of, one beside it.
    const longer = await leaveOpenUpload(`${key}.gz`);
    const beside = await leaveOpenUpload('topics/t/lefz.json');
    const { path, content } = await localFile('left.bin', 7 * MiB);
    await withStore((store) => store.upload(key, path, content.length));
    expect((await readBack(key)).equals(content)).toBe(true);
    // The upload left is gone from fauxqs (multipartStates asks); this upload completed.
    expect(server.multipartUploads().find((record) => record.uploadId === left)?.state).toBe('aborted');
    expect(await multipartStates(key)).toEqual(['aborted', 'completed']);
    expect(await abortedNow(`${key}.gz`, longer)).toBe(true);
    expect(await abortedNow('topics/t/lefz.json', beside)).toBe(true);
  });

  it('aborts every upload left of the key when they fill more than one page of the listing', async () => {
    const key = 'topics/t/many-left.parquet';
    const left: string[] = [];
    for (let i = 0; i < 1005; i += 100) {
      left.push(...(await Promise.all(Array.from({ length: Math.min(100, 1005 - i) }, async () => (await server.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))).UploadId!))));
    }
    const firstPage = await server.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }));
    expect(firstPage.IsTruncated).toBe(true);
    expect(firstPage.Uploads).toHaveLength(1000);
    const { path, content } = await localFile('many-left.bin', 100);
    await withStore((store) => store.upload(key, path, content.length));
    expect((await readBack(key)).equals(content)).toBe(true);
    expect(await multipartStates(key)).toEqual(Array(1005).fill('aborted'));
    expect((await server.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }))).Uploads ?? []).toEqual([]);
  });

  it('uploads without aborting anything, warning at check, when the server cannot list multipart uploads', async () => {
    const key = 'topics/t/unlisted.parquet';
    const left = await leaveOpenUpload(key);
    const { path, content } = await localFile('unlisted.bin', 100);
    const listings: string[] = [];
    server.intercept((request) => {
      if (request.method !== 'GET' || !request.query.has('uploads')) return undefined;
      listings.push(request.query.get('prefix') ?? '');
      return { status: 501, code: 'NotImplemented', message: 'A header you provided implies functionality that is not implemented' };
    });
    const { logger: log, lines } = capturingLogger();
    try {
      await withStore(async (store) => {
        await store.check();
        await store.upload(key, path, content.length);
      }, {}, log);
    } finally {
      server.intercept(null);
    }
    expect((await readBack(key)).equals(content)).toBe(true);
    expect(listings).toEqual(['']);
    expect(lines.filter((line) => line.level === WARN).map((line) => line.msg)).toEqual([expect.stringContaining('add a bucket lifecycle rule that aborts incomplete multipart uploads')]);
    expect(await abortedNow(key, left)).toBe(true);
  });

  it('leaves no object and no open multipart upload when the server keeps failing a part', async () => {
    const { path, content } = await localFile('fails.bin', 12 * MiB);
    server.intercept((request) => (request.key === 'topics/t/fails.parquet' && request.query.get('partNumber') === '2' ? { status: 500, code: 'InternalError' } : undefined));
    let error;
    try {
      error = await rejectionOf(withStore((store) => store.upload('topics/t/fails.parquet', path, content.length)));
    } finally {
      server.intercept(null);
    }
    expect(error.retriable).toBe(true);
    expect(error.code).toBe('S3_UNAVAILABLE');
    expect(error.message).toContain('500 InternalError');
    expect(await objectExists('topics/t/fails.parquet')).toBe(false);
    expect(await multipartStates('topics/t/fails.parquet')).toEqual(['aborted']);
  });

  it('leaves no object and no open multipart upload when the file is truncated during its upload', async () => {
    const { path, content } = await localFile('shrinks.bin', 40 * MiB);
    // Once a part has reached the server at most 4 parts (of 8) have been read: the rest is cut off.
    let truncated = false;
    server.intercept(async (request) => {
      if (request.key === 'topics/t/shrinks.parquet' && request.query.has('partNumber') && !truncated) {
        truncated = true;
        await truncate(path, 7 * MiB);
      }
      return undefined;
    });
    let error;
    try {
      error = await rejectionOf(withStore((store) => store.upload('topics/t/shrinks.parquet', path, content.length)));
    } finally {
      server.intercept(null);
    }
    expect(truncated).toBe(true);
    expect(error.code).toBe('STORE_SOURCE_CHANGED');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain(`expected ${40 * MiB} bytes`);
    expect(await objectExists('topics/t/shrinks.parquet')).toBe(false);
    expect(await multipartStates('topics/t/shrinks.parquet')).toEqual(['aborted']);
  });

  it('publishes nothing when the local file is shorter than announced or missing', async () => {
    const { path, content } = await localFile('short.bin', 3000);
    await withStore(async (store) => {
      const short = await rejectionOf(store.upload('topics/t/short.parquet', path, content.length + 1));
      expect(short.code).toBe('STORE_SOURCE_CHANGED');
      expect(short.message).toContain('ended after 3000 bytes');
      const missing = await rejectionOf(store.upload('topics/t/missing.parquet', join(files, 'no-such-file'), 10));
      expect(missing.code).toBe('STORE_SOURCE_CHANGED');
      expect(missing.message).toContain('could not be opened');
    });
    expect(await objectExists('topics/t/short.parquet')).toBe(false);
    expect(await objectExists('topics/t/missing.parquet')).toBe(false);
  });

  it('names s3.bucket.name when the bucket does not exist, at check and at upload', async () => {
    const { path, content } = await localFile('nobucket.bin', 100);
    const expected = `s3.bucket.name "no-such-bucket" does not exist at ${server.endpoint}: create it or set s3.bucket.name.`;
    await withStore(async (store) => {
      const atCheck = await rejectionOf(store.check());
      expect(atCheck).toBeInstanceOf(ConfigError);
      expect(atCheck.message).toBe(expected);
      const atUpload = await rejectionOf(store.upload('k', path, content.length));
      expect(atUpload).toBeInstanceOf(ConfigError);
      expect(atUpload.message).toBe(expected);
    }, { bucket: 'no-such-bucket' });
  });

  it('says which store.url cannot be reached, as a retriable error', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { path, content } = await localFile('unreachable.bin', 100);
    await withStore(async (store) => {
      for (const attempt of [() => store.check(), () => store.upload('k', path, content.length)]) {
        const error = await rejectionOf(attempt());
        expect(error.retriable).toBe(true);
        expect(error.code).toBe('S3_UNREACHABLE');
        expect(error.message).toContain(`Cannot reach S3 at store.url ${url}`);
        expect(error.message).toContain('ECONNREFUSED');
      }
    }, { url });
  });

  it('classifies refusals: credentials and permissions are permanent and name the keys, throttling is retriable', async () => {
    const { path, content } = await localFile('refused.bin', 100);
    const cases = [
      { method: 'PUT', fault: { status: 403, code: 'InvalidAccessKeyId' }, code: 'S3_CREDENTIALS_REFUSED', retriable: false, mentions: 'aws.access.key.id' },
      { method: 'HEAD', fault: { status: 403, code: 'AccessDenied' }, code: 'S3_ACCESS_DENIED', retriable: false, mentions: 's3:PutObject' },
      // Listing multipart uploads, which check() tries too, needs a permission of its own.
      { method: 'GET', fault: { status: 403, code: 'AccessDenied' }, code: 'S3_ACCESS_DENIED', retriable: false, mentions: 's3:ListBucketMultipartUploads' },
      { method: 'PUT', fault: { status: 503, code: 'SlowDown' }, code: 'S3_UNAVAILABLE', retriable: true, mentions: 'retrying' },
      { method: 'HEAD', fault: { status: 301, code: 'PermanentRedirect' }, code: 'CONFIG_INVALID', retriable: false, mentions: 'set s3.region' },
      // AWS's answer to HeadBucket in another region than the bucket's: no body, the region in a header.
      { method: 'HEAD', fault: { status: 400, code: 'AuthorizationHeaderMalformed', headers: { 'x-amz-bucket-region': 'eu-central-1' } }, code: 'CONFIG_INVALID', retriable: false, mentions: 'is not in s3.region us-east-1 but in eu-central-1' },
    ];
    for (const { method, fault, code, retriable, mentions } of cases) {
      server.intercept((request) => (request.method === method ? fault : undefined));
      try {
        const error = await rejectionOf(withStore((store) => (method === 'PUT' ? store.upload('refused.parquet', path, content.length) : store.check())));
        expect({ code: error.code, retriable: error.retriable }).toEqual({ code, retriable });
        expect(error.message).toContain(mentions);
      } finally {
        server.intercept(null);
      }
    }
  });

  it('puts a small text object whole, reads it back and replaces it, and reads null for a key never written', async () => {
    await withStore(async (store) => {
      expect(await store.get('topics/_sluice/c/t+0.cuts')).toBeNull();
      await store.put('topics/_sluice/c/t+0.cuts', '{"cuts":[1]}');
      await store.put('topics/_sluice/c/t+0.cuts', '{"cuts":[1,2]} é');
      expect(await store.get('topics/_sluice/c/t+0.cuts')).toBe('{"cuts":[1,2]} é');
    });
    expect((await readBack('topics/_sluice/c/t+0.cuts')).toString('utf8')).toBe('{"cuts":[1,2]} é');
  });

  it('names s3.bucket.name when a small object cannot be read or written for a missing bucket', async () => {
    await withStore(async (store) => {
      expect((await rejectionOf(store.get('k'))).message).toContain('s3.bucket.name "absent" does not exist');
      expect((await rejectionOf(store.put('k', 'x'))).message).toContain('s3.bucket.name "absent" does not exist');
    }, { bucket: 'absent' });
  });

  it('lists every key under a prefix across pages', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(5, '0')}.parquet`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((key) => server.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }))));
    }
    await server.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'manyother/x.parquet', Body: 'x' }));
    const firstPage = await server.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'many/' }));
    expect(firstPage.IsTruncated).toBe(true);
    expect(firstPage.Contents).toHaveLength(1000);
    await withStore(async (store) => {
      expect(await store.list('many/')).toEqual(keys);
      expect(await store.list('many')).toEqual([...keys, 'manyother/x.parquet']);
      expect(await store.list('nothing/')).toEqual([]);
    });
  });
});
