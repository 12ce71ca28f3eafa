/**
 * The sink's few calls to OpenSearch, through the official client with its own retries off (the
 * sink retries per item, with backoff), authenticated with HTTP basic auth or, when `aws.region` is
 * set, AWS SigV4 signing (aws-signing.ts), over the agents of node-agents.ts (connect timeout,
 * TLS). Every failure is classified here: connection errors, 429 and 5xx are RetriableError;
 * anything else is a permanent SluiceError naming the fix: a whole request refused for a block an
 * administrator set (403 cluster_block_exception: cluster.blocks.read_only, an index's write block)
 * names the block to lift (bulk-response.ts, as for items), a node's certificate that is not trusted
 * too (it names the TLS keys), or one for other host names than the URL's (it names
 * connection.url); missing AWS credentials arrive as the signer's ConfigError and pass through as
 * they are.
 *
 * Several `connection.url`s: the client sends each request to the next live node in turn, and
 * counts a node as dead after a connection error (refused, reset, timed out) or a 502-504 answer,
 * trying it again after a minute, twice as long each time it is still dead. A call whose connection
 * could not even be established goes at once to the next node, up to every node once; other
 * failures go to the caller, whose retry then finds the next live node.
 *
 * - `bulk(body)` sends one NDJSON body and returns the parsed response (per-item errors are the
 *   caller's to classify); where no item failed, `items` holds only as many empty slots as the
 *   response has items (countedBulkItems).
 * - `ensureIndex(name, mapping)` creates a missing index and never changes an existing one;
 *   "already exists" from a concurrent creation is success. With a derived mapping it first asks
 *   which index template the new index would get (`_index_template/_simulate_index`) and sends only
 *   the derived fields the template leaves to it (index-mapping.ts `underTemplate`). Where that is
 *   refused (no permission, or no such API) it sends the whole derived mapping and resolves to a
 *   message for the log naming the permission; any other failure is classified as above.
 * - `deleteAll(index, version, logger)` deletes every document of an index (a TRUNCATE) that a
 *   refresh makes searchable: at the truncate's version, leaving documents newer than it, and
 *   listing the ids again when the listing is cut short (versioned-truncate.ts; logged at warn), or,
 *   without a version, all of them with delete_by_query. A missing index is fine.
 * - `storedDocuments(refs)` reads documents as they are now (a real-time `_mget`, which sees writes
 *   not yet refreshed): per ref, its version and source, or null when it or its index is missing.
 *   Integers beyond 2^53 in a source come back as bigints, exact.
 */
import type * as OpenSearch from '@opensearch-project/opensearch';
import type { Logger } from 'pino';
import { RetriableError, SluiceError } from '../../errors.js';
import { isPlainObject } from '../../transforms/connect-data.js';
import { lazyRequire } from '../../util/lazy-require.js';
import { awsSigv4ClientOptions } from './aws-signing.js';
import { isRetriableItem, itemError, refusalFix, type ItemError } from './bulk-response.js';
import { underTemplate, type IndexMapping } from './index-mapping.js';
import { nodeAgents, type EstablishFailure } from './node-agents.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';
import { deleteUpToVersion, PAGE_FIELDS, type ScrollCalls } from './versioned-truncate.js';

const BULK_RESPONSE_FIELDS = 'errors,items.*.status,items.*.error';
const openSearch = lazyRequire<typeof OpenSearch>('@opensearch-project/opensearch');

/**
 * Numbers that may lie beyond 2^53 in JSON text: 16 digits in a row, or an exponent. Texts without
 * them (every bulk response: statuses and errors) hold no number the library would parse exactly.
 */
const MAYBE_LONG_NUMERAL = /\d{16}|\d[eE]/;

/** How a bulk response where no item failed begins, as `filter_path` (BULK_RESPONSE_FIELDS) leaves it. */
const NO_ITEM_FAILED = '{"errors":false,"items":[';
const ITEM_STATUS = '"status":';

/**
 * The items of a bulk response where no item failed, counted, not parsed: an array of that many
 * empty slots. Such a response is only checked for its length (bulk-writer.ts), and parsing its
 * thousands of `{"index":{"status":201}}` cost more than anything else in reading it. Each item
 * holds exactly one status; a quote inside a string is escaped, so no text can pass for one.
 */
export function countedBulkItems(json: string): { errors: false; items: unknown[] } | undefined {
  if (!json.startsWith(NO_ITEM_FAILED)) return undefined;
  let count = 0;
  for (let at = json.indexOf(ITEM_STATUS, NO_ITEM_FAILED.length); at !== -1; at = json.indexOf(ITEM_STATUS, at + ITEM_STATUS.length)) count++;
  return { errors: false, items: new Array<unknown>(count) };
}

/**
 * The client's serializer, parsing with plain JSON.parse unless the text may hold a number beyond
 * 2^53, which the library's own parsing then keeps exact (as a bigint). That parsing checks every
 * value through a reviver, which made reading a bulk response several times slower. A bulk
 * response where no item failed is only counted (countedBulkItems).
 */
function exactNumbersSerializer(): typeof OpenSearch.Serializer {
  return class ExactNumbersSerializer extends openSearch().Serializer {
    override deserialize(json: string): unknown {
      return countedBulkItems(json) ?? (MAYBE_LONG_NUMERAL.test(json) ? super.deserialize(json) : JSON.parse(json));
    }
  };
}

/** A document as the cluster holds it. */
export interface StoredDocument {
  version: number;
  source: Record<string, unknown>;
}

export interface OpenSearchClient {
  bulk(body: Buffer): Promise<unknown>;
  storedDocuments(refs: ReadonlyArray<{ index: string; id: string }>): Promise<Array<StoredDocument | null>>;
  ensureIndex(name: string, mapping: IndexMapping | null): Promise<{ templatesUnchecked: string | null }>;
  deleteAll(index: string, version: number | null, logger: Logger): Promise<void>;
  close(): Promise<void>;
}

export function createOpenSearchClient(config: OpenSearchSinkConfig['connection']): OpenSearchClient {
  const where = config.urls.join(', ');
  const agents = nodeAgents(config);
  const client = new (openSearch().Client)({
    nodes: [...config.urls],
    ...(config.sigv4 ? awsSigv4ClientOptions(config.sigv4, where) : { auth: config.basicAuth ?? undefined }),
    maxRetries: 0,
    // The responses are only read field by field, never merged into other objects, so a
    // "__proto__" key could do no harm; the scan for one cost as much as parsing the response.
    disablePrototypePoisoningProtection: true,
    // Stored documents are written again (merged-updates.ts): their int64 values must stay exact.
    enableLongNumeralSupport: true,
    Serializer: exactNumbersSerializer(),
    requestTimeout: config.readTimeoutMs,
    agent: (options) => agents.agent(options),
  });
  const credentialKeys = config.sigv4
    ? 'aws.access_key_id and aws.secret_access_key (or the default chain\'s credentials), aws.region and aws.service.signing.name, and the IAM identity\'s access to the domain'
    : 'connection.username and connection.password, and the user\'s permissions on the index';
  const describe = (error: unknown, what: string) => describeFailure(error, what, where, credentialKeys, agents.establishFailure(error));
  const call = async <T>(what: string, run: () => Promise<{ body: T }>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await run()).body;
      } catch (error) {
        // The request never reached that node, which the client now counts as dead: the next one takes it.
        if (attempt < config.urls.length && agents.establishFailure(error)?.kind === 'unreachable') continue;
        throw describe(error, what);
      }
    }
  };
  return {
    bulk: (body) => call('bulk', () => sendBulk(client, body)),
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
      if (exists) return { templatesUnchecked: null };
      let mappings = mapping;
      let templatesUnchecked: string | null = null;
      if (mapping !== null) {
        try {
          const simulated = await call(`index template check for ${name}`, () => client.indices.simulateIndexTemplate({ name }) as Promise<{ body: unknown }>);
          mappings = underTemplate(mapping, templateMappingsOf(simulated, name, where));
        } catch (error) {
          // Classified by `call` like any request; only a refusal of this one API lets the creation go on.
          if (!(error instanceof SluiceError) || !TEMPLATE_CHECK_REFUSALS.has(statusOf(error.cause) ?? 0)) throw error;
          templatesUnchecked = templatesUncheckedMessage(error, name, config.sigv4 !== null);
        }
      }
      try {
        await client.indices.create({ index: name, body: mappings ? { mappings } : {} });
      } catch (error) {
        if (errorType(error) === 'resource_already_exists_exception') return { templatesUnchecked };
        throw describe(error, `creating index ${name}`);
      }
      return { templatesUnchecked };
    },
    async deleteAll(index, version, logger) {
      try {
        if (version !== null) return await deleteUpToVersion(scrollCalls(client), index, version, where, logger);
        // A delete by query sees what a search sees: refresh first, so the latest writes go too.
        await client.indices.refresh({ index });
        await client.deleteByQuery({ index, body: { query: { match_all: {} } }, refresh: true, conflicts: 'proceed' });
      } catch (error) {
        if (errorType(error) === 'index_not_found_exception') return;
        throw describe(error, `deleting the documents of ${index}`);
      }
    },
    close: () => client.close(),
  };
}

/**
 * One `_bulk` request. The body is NDJSON made with our bigint-safe writer; the client sends a
 * buffer as it is. Only each item's status and error are read: the rest of a large response is not
 * worth parsing.
 */
function sendBulk(client: OpenSearch.Client, body: Buffer) {
  return client.bulk({ body: body as unknown as object[], filter_path: BULK_RESPONSE_FIELDS });
}

/** The scroll and bulk requests of a versioned truncate, without the client's classification of failures. */
function scrollCalls(client: OpenSearch.Client): ScrollCalls {
  return {
    refresh: async (index) => void (await client.indices.refresh({ index })),
    openScroll: async (index, body, keepAlive) => (await client.search({ index, scroll: keepAlive, filter_path: PAGE_FIELDS, body })).body,
    nextPage: async (scrollId, keepAlive) => {
      try {
        return (await client.scroll({ filter_path: PAGE_FIELDS, body: { scroll: keepAlive, scroll_id: scrollId } })).body;
      } catch (error) {
        // A scroll whose search contexts are all gone answers 404 search_context_missing_exception.
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },
    clearScroll: async (scrollId) => void (await client.clearScroll({ body: { scroll_id: scrollId } })),
    bulk: async (body) => (await sendBulk(client, body)).body,
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

/** The `error` of the answer a failed request got, if it got one. */
function responseError(error: unknown): unknown {
  return (error as { meta?: { body?: { error?: unknown } } }).meta?.body?.error;
}

function errorType(error: unknown): string | undefined {
  const body = responseError(error);
  return isPlainObject(body) && typeof body['type'] === 'string' ? body['type'] : undefined;
}

/** A whole request refused for a block (the cluster's, or every index it names), as an item error; null for anything else. */
function clusterBlock(error: unknown, status: number | null | undefined): ItemError | null {
  if (status == null || errorType(error) !== 'cluster_block_exception') return null;
  return itemError(status, responseError(error));
}

function responseMessage(error: unknown): string {
  // AWS answers its own refusals (a bad signature, a denied identity) as {"message": "..."}, which the client does not read.
  const awsMessage = (error as { meta?: { body?: { message?: unknown } } }).meta?.body?.message;
  return typeof awsMessage === 'string' ? awsMessage : error instanceof Error ? error.message : String(error);
}

function describeFailure(error: unknown, what: string, where: string, credentialKeys: string, connectFailure: EstablishFailure | undefined): SluiceError {
  if (error instanceof SluiceError) return error;
  // Retrying cannot help: the same certificate comes back until the config or the certificate changes.
  if (connectFailure?.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new SluiceError(
      'OPENSEARCH_TLS',
      `OpenSearch at ${where} presented a certificate for other host names than the URL's, for the ${what} (${connectFailure.code}: ${(error as Error).message}): set connection.url to a host name or IP address the certificate names, or have the node's certificate issued for the one in the URL; connection.ssl.verify=false accepts any certificate and host name, for development only.`,
      { stage: 'put', cause: error },
    );
  }
  if (connectFailure?.kind === 'certificate') {
    return new SluiceError(
      'OPENSEARCH_TLS',
      `OpenSearch at ${where} presented a certificate that is not trusted for the ${what} (${connectFailure.code}: ${(error as Error).message}): set connection.ssl.ca.file to a PEM file of the CA that signed it (otherwise the system's CAs are trusted), and use URLs with a host name or IP address the certificate names; connection.ssl.verify=false accepts any certificate, for development only.`,
      { stage: 'put', cause: error },
    );
  }
  const status = statusOf(error);
  const message = responseMessage(error);
  const blocked = clusterBlock(error, status);
  if (blocked !== null && !isRetriableItem(blocked)) {
    return new SluiceError('OPENSEARCH_BLOCKED', `OpenSearch at ${where} refused the ${what} (${status}: ${blocked.reason}): ${refusalFix(blocked, 'the index or the cluster')}`, { stage: 'put', cause: error });
  }
  // A connection error (reset, refused, timeout) has no status: null or absent.
  if (status == null || status === 429 || status >= 500) {
    return new RetriableError('OPENSEARCH_UNAVAILABLE', `OpenSearch at ${where} did not complete the ${what} (${status ?? 'no answer'}: ${message}); retrying.`, { stage: 'put', cause: error });
  }
  if (status === 401 || status === 403) {
    return new SluiceError('OPENSEARCH_AUTH', `OpenSearch at ${where} refused the ${what} (${status}: ${message}): check ${credentialKeys}.`, { stage: 'put', cause: error });
  }
  return new SluiceError('OPENSEARCH_ERROR', `OpenSearch at ${where} refused the ${what} (${status}): ${message}`, { stage: 'put', cause: error });
}

/**
 * The answers to `_index_template/_simulate_index` that mean the templates cannot be checked here: a
 * user without the permission (403), or a cluster without the API (400, 404, 405; Elasticsearch
 * before 7.9, some managed services).
 */
const TEMPLATE_CHECK_REFUSALS = new Set([400, 403, 404, 405]);

/** The mappings of the template `_simulate_index` resolved for an index: undefined when none matches or it maps nothing. */
function templateMappingsOf(simulated: unknown, index: string, where: string): unknown {
  if (!isPlainObject(simulated)) throw new RetriableError('OPENSEARCH_BAD_RESPONSE', `OpenSearch at ${where} answered the index template check for ${index} with something else; it will be checked again.`, { stage: 'put' });
  const template = simulated['template'];
  return isPlainObject(template) ? template['mappings'] : undefined;
}

function templatesUncheckedMessage(refusal: SluiceError, index: string, sigv4: boolean): string {
  const who = sigv4 ? 'the IAM identity (and its role under fine-grained access control)' : 'the connection\'s user';
  return `Could not check which index templates match ${index} (${String(statusOf(refusal.cause))}: ${responseMessage(refusal.cause)}): indices this task creates get the whole derived mapping, whose fields replace a matching template's fields of the same name. For templates to keep their mappings, grant ${who} the cluster permission indices:admin/index_template/simulate_index (Elasticsearch: the manage_index_templates privilege), or set index.mapping.derive=false.`;
}
