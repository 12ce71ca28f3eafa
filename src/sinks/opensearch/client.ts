/**
 * The sink's few calls to OpenSearch, through the official client with its own retries off (the
 * sink retries per item, with backoff), authenticated with HTTP basic auth or, when `aws.region` is
 * set, AWS SigV4 signing (aws-signing.ts). Every failure is classified here: connection errors, 429
 * and 5xx are RetriableError; anything else is a permanent SluiceError naming the fix (missing AWS
 * credentials arrive as the signer's ConfigError and pass through as they are).
 *
 * - `bulk(body)` sends one NDJSON body and returns the parsed response (per-item errors are the
 *   caller's to classify).
 * - `ensureIndex(name, mapping)` creates a missing index (with the derived mapping when given) and
 *   never changes an existing one; "already exists" from a concurrent creation is success.
 * - `deleteAll(index)` deletes every document of an index (a TRUNCATE); a missing index is fine.
 * - `storedDocuments(refs)` reads documents as they are now (a real-time `_mget`, which sees writes
 *   not yet refreshed): per ref, its version and source, or null when it or its index is missing.
 *   Integers beyond 2^53 in a source come back as bigints, exact.
 */
import { readFileSync } from 'node:fs';
import type * as OpenSearch from '@opensearch-project/opensearch';
import { RetriableError, SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { lazyRequire } from '../../util/lazy-require.js';
import { awsSigv4ClientOptions } from './aws-signing.js';
import type { IndexMapping } from './index-mapping.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';

const BULK_RESPONSE_FIELDS = 'errors,items.*.status,items.*.error';
const openSearch = lazyRequire<typeof OpenSearch>('@opensearch-project/opensearch');

/** A document as the cluster holds it. */
export interface StoredDocument {
  version: number;
  source: Record<string, unknown>;
}

export interface OpenSearchClient {
  bulk(body: Buffer): Promise<unknown>;
  storedDocuments(refs: ReadonlyArray<{ index: string; id: string }>): Promise<Array<StoredDocument | null>>;
  ensureIndex(name: string, mapping: IndexMapping | null): Promise<void>;
  deleteAll(index: string): Promise<void>;
  close(): Promise<void>;
}

export function createOpenSearchClient(config: OpenSearchSinkConfig['connection']): OpenSearchClient {
  const where = config.urls.join(', ');
  const client = new (openSearch().Client)({
    nodes: [...config.urls],
    ...(config.sigv4 ? awsSigv4ClientOptions(config.sigv4, where) : { auth: config.basicAuth ?? undefined }),
    maxRetries: 0,
    // The responses are only read field by field, never merged into other objects, so a
    // "__proto__" key could do no harm; the scan for one cost as much as parsing the response.
    disablePrototypePoisoningProtection: true,
    // Stored documents are written again (merged-updates.ts): their int64 values must stay exact.
    enableLongNumeralSupport: true,
    requestTimeout: config.readTimeoutMs,
    pingTimeout: config.connectTimeoutMs,
    ssl: config.tls.caFile ? { ca: readFileSync(config.tls.caFile), rejectUnauthorized: config.tls.verify } : { rejectUnauthorized: config.tls.verify },
  });
  const credentialKeys = config.sigv4
    ? 'aws.access_key_id and aws.secret_access_key (or the default chain\'s credentials), aws.region and aws.service.signing.name, and the IAM identity\'s access to the domain'
    : 'connection.username and connection.password, and the user\'s permissions on the index';
  const describe = (error: unknown, what: string) => describeFailure(error, what, where, credentialKeys);
  const call = async <T>(what: string, run: () => Promise<{ body: T }>): Promise<T> => {
    try {
      return (await run()).body;
    } catch (error) {
      throw describe(error, what);
    }
  };
  return {
    // The body is NDJSON made with our bigint-safe writer; the client sends a buffer as it is.
    // Only each item's status and error are read: the rest of a large response is not worth parsing.
    bulk: (body) => call('bulk', () => client.bulk({ body: body as unknown as object[], filter_path: BULK_RESPONSE_FIELDS })),
    async storedDocuments(refs) {
      const body = await call('document read', () => client.mget({ body: { docs: refs.map(({ index, id }) => ({ _index: index, _id: id })) } }) as Promise<{ body: unknown }>);
      const docs = isPlainObject(body) && Array.isArray(body['docs']) ? body['docs'] : null;
      if (docs === null || docs.length !== refs.length) {
        throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch at ${where} answered a read of ${refs.length} documents with something else; it will be read again.`, { stage: 'put' });
      }
      return docs.map((doc: unknown, i) => storedDocument(doc, refs[i]!, where));
    },
    async ensureIndex(name, mapping) {
      const exists = await call('index check', () => client.indices.exists({ index: name }) as Promise<{ body: boolean }>);
      if (exists) return;
      try {
        await client.indices.create({ index: name, body: mapping ? { mappings: mapping } : {} });
      } catch (error) {
        if (errorType(error) === 'resource_already_exists_exception') return;
        throw describe(error, `creating index ${name}`);
      }
    },
    async deleteAll(index) {
      try {
        // delete_by_query sees what a search sees: refresh first, so the latest writes go too.
        await client.indices.refresh({ index });
        await client.deleteByQuery({ index, body: { query: { match_all: {} } }, refresh: true, conflicts: 'proceed' });
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw describe(error, `deleting the documents of ${index}`);
      }
    },
    close: () => client.close(),
  };
}

/** One `_mget` answer: the document, null when it or its index is missing; any other error is retried. */
function storedDocument(doc: unknown, ref: { index: string; id: string }, where: string): StoredDocument | null {
  if (!isPlainObject(doc)) throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch at ${where} answered the read of ${ref.index}/${ref.id} with something that is no document; it will be read again.`, { stage: 'put' });
  const error = doc['error'];
  if (isPlainObject(error) && error['type'] === 'index_not_found_exception') return null;
  if (error !== undefined) {
    throw new RetriableError('OPENSEARCH_UNAVAILABLE', `OpenSearch at ${where} could not read ${ref.index}/${ref.id} (${isPlainObject(error) ? `${String(error['type'])}: ${String(error['reason'])}` : String(error)}); retrying.`, { stage: 'put' });
  }
  if (doc['found'] !== true) return null;
  const version = Number(doc['_version']);
  return { version, source: isPlainObject(doc['_source']) ? doc['_source'] : {} };
}

function statusOf(error: unknown): number | null | undefined {
  return (error as { meta?: { statusCode?: number | null } }).meta?.statusCode;
}

function errorType(error: unknown): string | undefined {
  return (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
}

function describeFailure(error: unknown, what: string, where: string, credentialKeys: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const status = statusOf(error);
  // AWS answers its own refusals (a bad signature, a denied identity) as {"message": "..."}, which the client does not read.
  const awsMessage = (error as { meta?: { body?: { message?: unknown } } }).meta?.body?.message;
  const message = typeof awsMessage === 'string' ? awsMessage : error instanceof Error ? error.message : String(error);
  // A connection error (reset, refused, timeout) has no status: null or absent.
  if (status == null || status === 429 || status >= 500) {
    return new RetriableError('OPENSEARCH_UNAVAILABLE', `OpenSearch at ${where} did not complete the ${what} (${status ?? 'no answer'}: ${message}); retrying.`, { stage: 'put', cause: error });
  }
  if (status === 401 || status === 403) {
    return new SluiceError('OPENSEARCH_AUTH', `OpenSearch at ${where} refused the ${what} (${status}: ${message}): check ${credentialKeys}.`, { stage: 'put', cause: error });
  }
  return new SluiceError('OPENSEARCH_ERROR', `OpenSearch at ${where} refused the ${what} (${status}): ${message}`, { stage: 'put', cause: error });
}
