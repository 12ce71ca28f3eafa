/**
 * The object store for an S3 bucket: AWS S3 (no store.url) or an S3-compatible server (store.url
 * http(s)://host:port, usually with s3.path.style.access.enabled=true). Static credentials when
 * aws.access.key.id / aws.secret.access.key are set, the AWS default credential chain otherwise.
 *
 * `upload` streams the local file from disk through @aws-sdk/lib-storage: one PutObject when the
 * file fits in s3.part.size, a multipart upload otherwise (up to 4 parts in flight, so memory stays
 * under about 5 x s3.part.size per upload). S3 shows an object only once PutObject or
 * CompleteMultipartUpload succeeds, so it is never seen partial. The file is read with its length
 * checked against `bytes`: a file that shrinks or grows while read fails the upload before it
 * completes. On any failure lib-storage aborts the multipart upload (leavePartsOnError is false).
 * A process killed during an upload (kill -9, a lost machine) cannot abort it, and its parts stay
 * stored, and billed, until aborted. Keys are deterministic, so the restarted task uploads the same
 * key again: before each upload, the open multipart uploads of exactly that key are listed
 * (ListMultipartUploads with the key as prefix) and aborted. Uploads of other keys are never
 * touched, as other tasks may be writing them. What stays behind after all (a key never written
 * again, an abort that could not be sent) is for a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload) to remove. A server that does not implement
 * ListMultipartUploads (501 NotImplemented) is warned about at start and not asked again.
 *
 * Failures come out classified after the client's own retries (3 attempts): network, 5xx,
 * throttling -> RetriableError; missing bucket, wrong region, refused credentials or permissions ->
 * a permanent ConfigError / SluiceError naming the setting to fix. Every method blocks on the network.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import type { Logger } from 'pino';
import { ConfigError, RetriableError, SluiceError } from '../../errors.js';
import { lazyRequire } from '../../util/lazy-require.js';
import { sourceChanged, type ObjectStore, type ObjectStoreSettings } from './object-store.js';

const clientS3 = lazyRequire<typeof ClientS3>('@aws-sdk/client-s3');
const libStorage = lazyRequire<typeof LibStorage>('@aws-sdk/lib-storage');

const READ_CHUNK_BYTES = 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
// Throttling, timeouts, and a multipart upload that vanished (a lifecycle rule): a fresh attempt may succeed.
const TRANSIENT = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException', 'RequestTimeout', 'NoSuchUpload']);
const REFUSED_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired']);
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);

export class S3ObjectStore implements ObjectStore {
  private readonly client: ClientS3.S3Client;
  private readonly bucket: string;
  private readonly where: string;
  private canListUploads = true;

  constructor(
    private readonly settings: ObjectStoreSettings & { bucket: string },
    private readonly logger: Logger,
  ) {
    this.bucket = settings.bucket;
    this.where = settings.url ?? `AWS S3 (region ${settings.region})`;
    this.client = new (clientS3().S3Client)({
      region: settings.region,
      ...(settings.url === null ? {} : { endpoint: settings.url }),
      forcePathStyle: settings.pathStyle,
      ...(settings.accessKeyId !== null && settings.secretAccessKey !== null
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
      // Without these a silent server would hang an upload for ever; the socket limit is idle time, not total.
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    });
  }

  describe(): string {
    return `s3://${this.bucket} at ${this.where}`;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new (clientS3().HeadBucketCommand)({ Bucket: this.bucket }));
      // Also proves, before the first upload needs it, that this identity may list multipart uploads.
      await this.listOpenUploads('', 1);
    } catch (error) {
      throw this.classify(error, 'checking the bucket', 'start');
    }
    this.logger.info({ store: this.describe() }, 'object store ready');
  }

  async upload(key: string, localPath: string, bytes: number): Promise<void> {
    try {
      await this.abortLeftUploads(key);
    } catch (error) {
      throw this.classify(error, `aborting the multipart uploads of ${key} left by an earlier run`);
    }
    const body = Readable.from(readExactly(localPath, bytes), { objectMode: false });
    const upload = new (libStorage().Upload)({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentLength: bytes },
      partSize: this.settings.partSize,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw this.classify(error, `uploading ${key}`);
    } finally {
      body.destroy();
    }
    this.logger.debug({ key, bytes }, 'file stored');
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    try {
      for await (const page of clientS3().paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      }
    } catch (error) {
      throw this.classify(error, `listing ${prefix}`);
    }
    return keys.sort();
  }

  async put(key: string, text: string): Promise<void> {
    try {
      await this.client.send(new (clientS3().PutObjectCommand)({ Bucket: this.bucket, Key: key, Body: text, ContentType: 'application/json' }));
    } catch (error) {
      throw this.classify(error, `writing ${key}`);
    }
  }

  async get(key: string): Promise<string | null> {
    try {
      const object = await this.client.send(new (clientS3().GetObjectCommand)({ Bucket: this.bucket, Key: key }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw this.classify(error, `reading ${key}`);
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** Aborts the open multipart uploads of exactly `key`: a run before this one was killed while it uploaded the key. */
  private async abortLeftUploads(key: string): Promise<void> {
    const left = (await this.listOpenUploads(key)).filter((upload) => upload.Key === key);
    for (const { UploadId } of left) {
      try {
        await this.client.send(new (clientS3().AbortMultipartUploadCommand)({ Bucket: this.bucket, Key: key, UploadId }));
      } catch (error) {
        // Aborted or completed meanwhile (by the task that left it, still finishing): gone either way.
        if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
      }
    }
    if (left.length > 0) this.logger.info({ key, uploads: left.length }, 'aborted multipart uploads of this key left by an earlier run');
  }

  /**
   * The open multipart uploads of keys under `prefix`, every page (the first `max` only, when given);
   * none when the server cannot list them (checked once, at start).
   */
  private async listOpenUploads(prefix: string, max?: number): Promise<ClientS3.MultipartUpload[]> {
    if (!this.canListUploads) return [];
    const uploads: ClientS3.MultipartUpload[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      let page: ClientS3.ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(new (clientS3().ListMultipartUploadsCommand)({ Bucket: this.bucket, Prefix: prefix, MaxUploads: max, ...markers }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'NotImplemented') throw error;
        this.canListUploads = false;
        this.logger.warn({ store: this.describe() }, 'the server cannot list multipart uploads: those of a killed run are not aborted here; add a bucket lifecycle rule that aborts incomplete multipart uploads');
        return [];
      }
      uploads.push(...(page.Uploads ?? []));
      if (max !== undefined || !page.IsTruncated || page.NextKeyMarker === undefined) return uploads;
      markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }

  private classify(error: unknown, what: string, stage?: 'start'): SluiceError {
    if (error instanceof SluiceError) return error;
    const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
    const name = failure.name ?? 'Error';
    const status = failure.$metadata?.httpStatusCode;
    const detail = `${status === undefined ? '' : `${status} `}${name}: ${failure.message ?? String(error)}`;
    const options = { cause: error, ...(stage === undefined ? {} : { stage }) };
    if (name === 'CredentialsProviderError') {
      return new ConfigError(`No AWS credentials for ${this.describe()} (${failure.message}): set aws.access.key.id and aws.secret.access.key, or provide credentials through the AWS default chain (environment, profile, instance role).`, options);
    }
    if (status === undefined) {
      const code = networkCode(error);
      if (code === 'ENOTFOUND') {
        return new ConfigError(`The host of ${this.where} was not found (${detail}): check store.url (or s3.region for AWS S3).`, options);
      }
      if (code === undefined) {
        // Not an answer from S3 and not a network failure: the client itself refused (a bug, not weather).
        return new SluiceError('S3_CLIENT_ERROR', `The S3 client failed while ${what} for ${this.describe()}: ${detail}`, options);
      }
      const target = this.settings.url === null ? this.where : `store.url ${this.settings.url}`;
      return new RetriableError('S3_UNREACHABLE', `Cannot reach S3 at ${target} while ${what} (${code}): check store.url and that the server is running; retrying.`, options);
    }
    if (status >= 500 || status === 429 || TRANSIENT.has(name)) {
      return new RetriableError('S3_UNAVAILABLE', `S3 at ${this.where} did not complete ${what} (${detail}); retrying.`, options);
    }
    if (name === 'NoSuchBucket' || (status === 404 && stage === 'start')) {
      return new ConfigError(`s3.bucket.name "${this.bucket}" does not exist at ${this.where}: create it or set s3.bucket.name.`, options);
    }
    const region = failure.$response?.headers?.['x-amz-bucket-region'];
    // A HEAD answer has no body to name its error: AWS answers HeadBucket in the wrong region with a bare 400 and the bucket's region.
    if (status === 301 || WRONG_REGION.has(name) || (status === 400 && region !== undefined && region !== this.settings.region)) {
      return new ConfigError(`The bucket "${this.bucket}" is not in s3.region ${this.settings.region}${region ? ` but in ${region}` : ''} (${detail}): set s3.region to the bucket's region.`, options);
    }
    if (REFUSED_CREDENTIALS.has(name)) {
      return new SluiceError('S3_CREDENTIALS_REFUSED', `S3 at ${this.where} refused the credentials while ${what} (${detail}): check aws.access.key.id and aws.secret.access.key (or the default credential chain).`, options);
    }
    if (status === 401 || status === 403) {
      return new SluiceError('S3_ACCESS_DENIED', `S3 at ${this.where} denied access to bucket "${this.bucket}" while ${what} (${detail}): check aws.access.key.id and aws.secret.access.key, and that this identity may list the bucket and its multipart uploads and put and get objects in it (s3:ListBucket, s3:ListBucketMultipartUploads, s3:PutObject, s3:GetObject, s3:AbortMultipartUpload).`, options);
    }
    return new SluiceError('S3_REQUEST_REFUSED', `S3 at ${this.where} refused ${what} (${detail}).`, options);
  }
}

/** The file's bytes in order; fails (so the upload never completes) unless there are exactly `bytes` of them. */
async function* readExactly(localPath: string, bytes: number): AsyncGenerator<Buffer> {
  let file;
  try {
    file = await open(localPath, 'r');
  } catch (error) {
    throw sourceChanged(localPath, bytes, 'could not be opened', error);
  }
  try {
    let position = 0;
    for (;;) {
      // A fresh buffer each time: the uploader keeps the chunks until their part is sent.
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      const { bytesRead } = await file.read(buffer, 0, READ_CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position > bytes) throw sourceChanged(localPath, bytes, `has more than ${bytes} bytes`);
      yield buffer.subarray(0, bytesRead);
    }
    if (position !== bytes) throw sourceChanged(localPath, bytes, `ended after ${position} bytes`);
  } finally {
    await file.close();
  }
}

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (e.name === 'TimeoutError') return 'timeout';
  }
  return undefined;
}
