/**
 * Where the OpenSearch tests write: the fake node (fake-opensearch.ts, the default) or, when the
 * OPENSEARCH_URL environment variable is set (e.g. http://localhost:9200 from docker-compose, security
 * plugin off), a real cluster, so the same tests keep the fake's behaviour honest.
 *
 * `openSearchTarget(prefix)` is called once per test file with a prefix unique to the run (the test
 * database's name). Every index a test writes must be named with `index(name)` (`<prefix>.<name>`):
 * that keeps runs apart on a shared cluster, and `close()` deletes exactly those indices there (on
 * the fake it stops the node). `documents(index)` reads what a search sees once all writes are
 * visible: the fake's live documents, or on a real cluster `_refresh` and then one search of every
 * document with its version; a missing index has none. Only HTTP calls block; nothing is retried.
 */
import { startFakeOpenSearch, type FakeOpenSearch, type FakeOpenSearchOptions, type Source } from './fake-opensearch.js';

export interface TargetDocument { id: string; version: number; source: Source }

export interface OpenSearchTarget {
  url: string;
  /** The fake node, for fault injection and its request log; null on a real cluster. */
  fake: FakeOpenSearch | null;
  /** The run's name for an index: `<prefix>.<name>`. */
  index(name: string): string;
  /** Every document of `index` by id; empty when the index does not exist. */
  documents(index: string): Promise<Map<string, TargetDocument>>;
  close(): Promise<void>;
}

/** The real cluster the tests run against, if any. */
export const REAL_OPENSEARCH_URL: string | undefined = process.env.OPENSEARCH_URL?.replace(/\/+$/, '') || undefined;

// One search reads every document; the tests' tables stay far below OpenSearch's default index.max_result_window.
const MAX_DOCUMENTS = 10_000;

export async function openSearchTarget(prefix: string, fakeOptions: FakeOpenSearchOptions = {}): Promise<OpenSearchTarget> {
  const index = (name: string) => `${prefix}.${name}`;
  if (REAL_OPENSEARCH_URL === undefined) {
    const fake = await startFakeOpenSearch(fakeOptions);
    return { url: fake.url, fake, index, documents: async (name) => fake.documents(name), close: () => fake.close() };
  }
  const url = REAL_OPENSEARCH_URL;
  return {
    url,
    fake: null,
    index,
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
      const indices = (await call(url, 'GET', `/_cat/indices/${encodeURIComponent(index('*'))}?format=json&h=index`)) as Array<{ index: string }>;
      // Named one by one: clusters may refuse wildcard deletes (action.destructive_requires_name).
      if (indices.length > 0) await call(url, 'DELETE', `/${indices.map((i) => encodeURIComponent(i.index)).join(',')}`);
    },
  };
}

/** One JSON request to the real cluster; a status in `absent` answers null, any other failure throws. */
async function call(base: string, method: string, path: string, body?: unknown, absent: number[] = []): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (absent.includes(response.status)) return null;
  if (!response.ok) throw new Error(`OpenSearch at ${base} answered ${method} ${path} with ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}
