/**
 * Where the OpenSearch tests write: the fake node (fake-opensearch.ts, the default) or, when the
 * OPENSEARCH_URL environment variable is set (e.g. http://localhost:9200 from docker-compose, security
 * plugin off), a real cluster, so the same tests keep the fake's behaviour honest.
 *
 * `openSearchTarget(prefix)` is called with a prefix unique to the run (a test database's name, or
 * opensearch-fixture.ts's per test). Every index and index template a test makes must be named with
 * `index(name)` (`<prefix>.<name>`); a sink configured with `sinkSettings` writes each topic to
 * `index(topic)`. That keeps runs apart on a shared cluster, and `close()` deletes exactly those
 * indices and templates there (named one by one: a cluster may refuse wildcard deletes); on the
 * fake it stops the node. `documents(index)` reads what a search sees once all writes are visible:
 * the fake's live documents, or on a real cluster `_refresh` and then one search of every document
 * with its version (`version: true`: a search leaves versions out otherwise); a missing index has
 * none. Only HTTP calls block; nothing is retried, and a failed call throws naming the request.
 */
import { startFakeOpenSearch, type FakeOpenSearch, type FakeOpenSearchOptions, type Source } from './fake-opensearch.js';
import { openSearchRequest } from './opensearch-http.js';

export interface TargetDocument { id: string; version: number; source: Source }

export interface OpenSearchTarget {
  url: string;
  /** The fake node, for fault injection and its request log; null on a real cluster. */
  fake: FakeOpenSearch | null;
  /** The run's name for an index or an index template: `<prefix>.<name>`. */
  index(name: string): string;
  /** `connection.url` and an `index.name.format` that send each topic's documents to `index(topic)`. */
  sinkSettings: Readonly<Record<string, string>>;
  /** Every document of `index` by id; empty when the index does not exist. */
  documents(index: string): Promise<Map<string, TargetDocument>>;
  close(): Promise<void>;
}

/** The real cluster the tests run against, if any. */
export const REAL_OPENSEARCH_URL: string | undefined = process.env.OPENSEARCH_URL?.replace(/\/+$/, '') || undefined;

// One search reads every document; the tests' tables stay far below OpenSearch's default index.max_result_window.
const MAX_DOCUMENTS = 10_000;

export async function openSearchTarget(prefix: string, fakeOptions: FakeOpenSearchOptions = {}): Promise<OpenSearchTarget> {
  if (REAL_OPENSEARCH_URL !== undefined) return clusterTarget(REAL_OPENSEARCH_URL, prefix);
  const fake = await startFakeOpenSearch(fakeOptions);
  return { ...naming(fake.url, prefix), fake, documents: async (name) => fake.documents(name), close: () => fake.close() };
}

/** The target at `url` as a real cluster is read and cleaned up: over HTTP only (its own test runs it against the fake). */
export function clusterTarget(url: string, prefix: string): OpenSearchTarget {
  const pattern = encodeURIComponent(`${prefix}.*`);
  return {
    ...naming(url, prefix),
    fake: null,
    async documents(name) {
      const target = encodeURIComponent(name);
      const refreshed = await call(url, 'POST', `/${target}/_refresh`, undefined, [404]);
      if (refreshed === null) return new Map();
      const body = { size: MAX_DOCUMENTS, version: true, track_total_hits: true, sort: ['_doc'], query: { match_all: {} } };
      const { hits } = (await call(url, 'POST', `/${target}/_search`, body)) as { hits: { total: { value: number }; hits: Array<{ _id: string; _version: number; _source: Source }> } };
      if (hits.total.value > hits.hits.length) throw new Error(`${name} holds ${hits.total.value} documents; the test target reads at most ${MAX_DOCUMENTS}`);
      return new Map(hits.hits.map((hit) => [hit._id, { id: hit._id, version: hit._version, source: hit._source }]));
    },
    async close() {
      const indices = (await call(url, 'GET', `/_cat/indices/${pattern}?format=json&h=index`)) as Array<{ index: string }>;
      if (indices.length > 0) await call(url, 'DELETE', `/${indices.map((i) => encodeURIComponent(i.index)).join(',')}`);
      // A pattern no template matches answers 404 with an empty list.
      const templates = (await call(url, 'GET', `/_index_template/${pattern}`, undefined, [404])) as { index_templates: Array<{ name: string }> } | null;
      for (const { name } of templates?.index_templates ?? []) await call(url, 'DELETE', `/_index_template/${encodeURIComponent(name)}`);
    },
  };
}

function naming(url: string, prefix: string): Pick<OpenSearchTarget, 'url' | 'index' | 'sinkSettings'> {
  return { url, index: (name) => `${prefix}.${name}`, sinkSettings: { 'connection.url': url, 'index.name.format': `${prefix}.\${topic}` } };
}

/** One JSON request; a status in `absent` answers null, any other failure throws. */
async function call(base: string, method: string, path: string, body?: unknown, absent: number[] = []): Promise<unknown> {
  const answer = await openSearchRequest(base, method, path, body);
  if (absent.includes(answer.status)) return null;
  if (answer.status >= 300) throw new Error(`OpenSearch at ${base} answered ${method} ${path} with ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}
