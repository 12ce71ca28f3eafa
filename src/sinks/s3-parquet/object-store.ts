/**
 * Where the S3 Parquet sink puts its finished files: an S3 bucket (AWS or an S3-compatible server)
 * or a local directory, chosen by `store.url`. The sink calls `check()` once at start and then
 * `upload()` for each file it rotates; nothing here buffers or retries beyond the S3 client's own
 * attempts, and every method may block on the network or the disk.
 *
 * Guarantees of every store:
 * - `upload(key, localPath, bytes)` makes the local file visible under `key` only complete: a reader
 *   sees the previous object (or none) until the new one is whole. Uploading a key again replaces
 *   it, so a retry after a crash rewrites the same key, and first removes what an upload of that
 *   key killed midway left behind (open multipart uploads, temporary files); never what uploads of
 *   other keys, maybe under way in other workers, have. The local file must still hold exactly
 *   `bytes` bytes while it is read; if it does not, nothing is published and a RetriableError
 *   (STORE_SOURCE_CHANGED) says so. The local file is left in place: it is the caller's to delete.
 * - Failures are classified: RetriableError for what may pass (network, 5xx, throttling, a full
 *   disk) and a permanent SluiceError / ConfigError naming the key to fix otherwise.
 * - `list(prefix)` returns every key under the prefix (all pages), sorted.
 * - `put(key, text)` stores a small object whole (a reader sees the old or the new text, and it is
 *   durable when the call returns); `get(key)` reads one back, null when there is none. For the
 *   sink's own small records (kafka-cut-log.ts), not for files.
 * - `describe()` names the store for logs and error messages.
 */
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ConfigError, RetriableError } from '../../errors.js';
import { LocalDirectoryStore } from './local-directory-store.js';
import { S3ObjectStore } from './s3-object-store.js';

export interface ObjectStore {
  upload(key: string, localPath: string, bytes: number): Promise<void>;
  check(): Promise<void>;
  list(prefix: string): Promise<string[]>;
  put(key: string, text: string): Promise<void>;
  get(key: string): Promise<string | null>;
  describe(): string;
  /** Releases connections; the store is not used afterwards. */
  close(): void;
}

/** The store settings from the sink config (see s3-sink-config.ts for the keys). */
export interface ObjectStoreSettings {
  /** store.url: null for AWS S3, http(s)://host:port for an S3-compatible server, file:///dir for a directory. */
  url: string | null;
  /** s3.bucket.name; unused (may be null) for a file:// store. */
  bucket: string | null;
  /** s3.region */
  region: string;
  /** s3.path.style.access.enabled */
  pathStyle: boolean;
  /** aws.access.key.id; null (with the secret null) means the AWS default credential chain. */
  accessKeyId: string | null;
  /** aws.secret.access.key */
  secretAccessKey: string | null;
  /** s3.part.size: multipart part size in bytes, at least 5 MiB. */
  partSize: number;
}

export function openObjectStore(settings: ObjectStoreSettings, logger: Logger): ObjectStore {
  const url = settings.url;
  if (url !== null && url.startsWith('file:')) {
    let directory: string;
    try {
      directory = fileURLToPath(url);
    } catch (error) {
      throw new ConfigError(`store.url "${url}" is not a usable file URL: write a local directory as file:///absolute/path.`, { cause: error });
    }
    return new LocalDirectoryStore(directory, url, logger);
  }
  if (url !== null && !/^https?:\/\/[^/]/i.test(url)) {
    throw new ConfigError(`store.url "${url}" is neither an http(s):// S3 endpoint nor a file:/// directory: fix store.url, or remove it to use AWS S3.`);
  }
  if (settings.bucket === null || settings.bucket === '') {
    throw new ConfigError('s3.bucket.name is required for an S3 store: set s3.bucket.name (or set store.url to a file:/// directory).');
  }
  if ((settings.accessKeyId === null) !== (settings.secretAccessKey === null)) {
    throw new ConfigError('aws.access.key.id and aws.secret.access.key go together: set both, or neither to use the AWS default credential chain.');
  }
  return new S3ObjectStore({ ...settings, bucket: settings.bucket }, logger);
}

/** The local file no longer holds what the caller said it does: nothing is published; the task's restart writes it again. */
export function sourceChanged(localPath: string, expectedBytes: number, found: string, cause?: unknown): RetriableError {
  return new RetriableError(
    'STORE_SOURCE_CHANGED',
    `The local file ${localPath} ${found}, expected ${expectedBytes} bytes: it changed or vanished before its upload finished (does something else write to or clean staging.dir?). Nothing was published; the file is written again after the restart.`,
    { cause },
  );
}
