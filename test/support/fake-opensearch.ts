/**
 * A fake OpenSearch 2.x node for the OpenSearch sink's tests: a real HTTP server on 127.0.0.1 that
 * answers with OpenSearch's JSON shapes and status codes and keeps the semantics the sink relies on.
 * This module is its public face: `startFakeOpenSearch` and the types tests use. The node itself is
 * fake-opensearch-node.ts (HTTP, routing, auth, faults falling on requests), over
 * fake-opensearch-indices.ts (indices, documents, refresh), fake-opensearch-writes.ts (bulk,
 * delete_by_query), fake-opensearch-search.ts (searches, scrolls), fake-opensearch-mapping.ts and
 * fake-opensearch-templates.ts, with fake-opensearch-protocol.ts for requests and errors.
 *
 * Kept: `_bulk` (index, create, update with doc / upsert / doc_as_upsert, delete) applied item by
 * item in order, with internal, `external` and `external_gte` versioning; a delete leaves a
 * tombstone that keeps its version for the index's `index.gc_deletes` (default `gcDeletesMs`, 60 s),
 * so a stale write after a newer delete conflicts until then and succeeds after, whatever its
 * version; per-item failures (409, 404, 400, 429) inside a 200 response; OpenSearch's index-name
 * rules; an index is auto-created by its first write (not by an internally versioned delete);
 * mappings: a value that does not fit its field's type fails its item with 400
 * mapper_parsing_exception, new fields are mapped dynamically (fake-opensearch-mapping.ts);
 * `_index_template`s give a new index their settings and mappings, and `_simulate_index` says
 * which a name would get (fake-opensearch-templates.ts);
 * searches, counts and delete-by-query see writes only after a refresh (`_refresh`, `?refresh`,
 * or every `refreshIntervalMs`) while GET by id and `_mget` are real-time (a missing index is an
 * `_mget` doc's error); scrolls page through a point-in-time view
 * of a search, `_source: false`, `version: true` and `sort: _doc` shape its hits (fake-opensearch-search.ts);
 * indices are deleted by name, list or `*` pattern, and `_cat/indices?format=json` lists them;
 * request bodies need a JSON or NDJSON Content-Type (406 otherwise); `filter_path` inclusions
 * filter every answer but errors.
 * Not modelled: changing an index's settings or mappings once created, scripts, if_seq_no, queries
 * other than match_all / term / ids (400 naming the limit). A term query on a string field not
 * mapped as `keyword` matches the field's lowercased tokens, as on a dynamically mapped text field;
 * `field.keyword` matches exactly.
 *
 * Test hooks: `faults` (fake-opensearch-faults.ts) injects 429s, 503s, late answers (the request
 * applied before or after the wait), TCP resets (before or after the request is applied),
 * mapping failures, refused items and lost scrolls; `requests` logs every request and the faults
 * that fell on it; `documents(index)` reads the live documents directly; `openScrolls()` counts the
 * scrolls neither cleared nor expired; `down()` takes the node away (connections refused, open ones
 * dropped) and `up()` brings it back on the same port with its indices. Nothing blocks except an
 * injected delay; `close()` drops open connections. With the `tls` option it serves https
 * (test-tls.ts has a certificate for 127.0.0.1), and `url` says so.
 */
import { createServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FakeOpenSearchFaults, InjectedFault } from './fake-opensearch-faults.js';
import { FakeNode } from './fake-opensearch-node.js';
import type { Source } from './fake-opensearch-protocol.js';

export type { Source } from './fake-opensearch-protocol.js';
export type { DocumentCandidate, FakeOpenSearchFaults, FaultScope, InjectedFault } from './fake-opensearch-faults.js';

export interface FakeOpenSearchOptions {
  /**
   * Require these HTTP Basic credentials; other requests answer 401 as the security plugin does.
   * `denied`: permissions the user lacks, answered 403 security_exception as the security plugin
   * does; the fake checks only indices:admin/index_template/simulate_index.
   */
  auth?: { username: string; password: string; denied?: string[] };
  /** How soon writes become searchable without a refresh (index.refresh_interval); null: only on refresh. Default 1000. */
  refreshIntervalMs?: number | null;
  /** The version number `GET /` reports. Default 2.19.1. */
  version?: string;
  /** How long a deleted document's version is kept in an index without an index.gc_deletes setting. Default 60000. */
  gcDeletesMs?: number;
  /** Serve https with this PEM key and certificate chain instead of http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface StoredDocument { id: string; version: number; seqNo: number; source: Source }

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  bodyBytes: number;
  /** The status answered; undefined while in flight or when the connection was reset. */
  status?: number;
  /** The injected faults that fell on it, if any. */
  faults?: InjectedFault[];
}

export interface FakeOpenSearch {
  url: string;
  faults: FakeOpenSearchFaults;
  requests: RequestRecord[];
  /** The live (not deleted) documents of `index` by id, in first-write order; empty if the index does not exist. */
  documents(index: string): Map<string, StoredDocument>;
  /** How many scrolls are open: neither cleared nor expired. */
  openScrolls(): number;
  /** Stops listening and drops open connections, keeping every index, until `up()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeOpenSearch(options: FakeOpenSearchOptions = {}): Promise<FakeOpenSearch> {
  const node = new FakeNode(options);
  // a bug in the fake answers 500 with its message rather than leaving the client waiting
  const handle: RequestListener = (req, res) => void node.serve(req, res).catch((error: unknown) => (res.headersSent ? res.destroy() : res.writeHead(500).end(String(error))));
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle) : createServer(handle);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // Resolves also when the server was not listening (closed while down).
  const stopListening = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    faults: node.faults,
    requests: node.requests,
    documents: (index) => node.indices.documents(index),
    openScrolls: () => node.searches.openScrolls,
    down: stopListening,
    up: () => listen(port),
    close: async () => {
      node.indices.stop();
      await stopListening();
    },
  };
}
