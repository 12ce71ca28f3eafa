/**
 * The writes of the fake OpenSearch node (fake-opensearch.ts), as OpenSearch 2.x applies them:
 * `_bulk` and `_delete_by_query` on the indices of fake-opensearch-indices.ts.
 *
 * A bulk request is validated whole (fake-opensearch-protocol.ts `parseBulk`: one problem fails it
 * with 400), then applied item by item in order; an item's failure (409 version conflict, 404, 400
 * mapping or document errors, injected 429s and refusals) is its own error inside a 200 answer and
 * never stops the items after it. Versions: internal ones count up from the record (a tombstone's
 * included), `external` needs a greater version and `external_gte` one at least as great, compared
 * with a tombstone's too until index.gc_deletes has passed. An index is created by its first write,
 * not by an internally versioned delete. The document's mapping is updated before the version
 * check, as a node does. `?refresh` (true, wait_for) refreshes the written indices afterwards.
 *
 * delete_by_query deletes what the last refresh made searchable: a document written since then is
 * a version conflict, which stops the request (409) unless `conflicts=proceed`. Nothing blocks.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { FaultPlan } from './fake-opensearch-faults.js';
import { PRIMARY_TERM, shardMeta, type DocRecord, type FakeIndices, type IndexState } from './fake-opensearch-indices.js';
import { mapDocument } from './fake-opensearch-mapping.js';
import { badRequest, checkIndexName, deepMerge, indexNotFound, isObject, OpenSearchError, parseBulk, parseDocument, type Source, type WriteOp } from './fake-opensearch-protocol.js';

/** An answer: its status and JSON body. */
export type WriteAnswer = { status: number; body: Source };

const WRITE_SHARDS = { total: 2, successful: 1, failed: 0 }; // a primary and its replica, unassigned on one node

function casExplanation(seqNo: number, rec: DocRecord | undefined): string {
  const current = rec?.source ? ` current document has seqNo [${rec.seqNo}] and primary term [${PRIMARY_TERM}]` : ' but no document was found';
  return `required seqNo [${seqNo}], primary term [${PRIMARY_TERM}].${current}`;
}

/** Whether to refresh after the request: `?refresh` / `=true`, `=wait_for` (done at once here), or not. */
function refreshRequested(query: URLSearchParams): boolean {
  const value = query.get('refresh');
  if (value === null || value === 'false') return false;
  if (value === '' || value === 'true' || value === 'wait_for') return true;
  throw badRequest('illegal_argument_exception', `Unknown value for refresh: [${value}].`);
}

export class FakeWrites {
  constructor(private readonly indices: FakeIndices, private readonly faults: FaultPlan) {}

  /** `_bulk`, with `pathIndex` the index in the request's path ('' for none). */
  bulk(body: string, pathIndex: string, query: URLSearchParams): WriteAnswer {
    const started = Date.now();
    const refresh = refreshRequested(query);
    const ops = parseBulk(body, pathIndex || undefined);
    const items = ops.map((op) => ({ [op.action]: this.write(op) }));
    if (refresh) this.indices.refresh([...new Set(ops.flatMap((op) => this.indices.get(op.index!) ?? []))]);
    const results = items.map((item) => Object.values(item)[0]!);
    if (refresh && query.get('refresh') !== 'wait_for') for (const result of results) if (!result.error) result.forced_refresh = true;
    return { status: 200, body: { took: Date.now() - started, errors: results.some((result) => result.error !== undefined), items } };
  }

  /** Applies one validated bulk item; a failure becomes the item's error, never an exception. */
  private write(op: WriteOp): Source {
    const name = op.index!;
    const id = op.id ?? randomBytes(15).toString('base64url');
    try {
      checkIndexName(name);
      const refusal = this.faults.itemRefusal(name, op.action);
      if (refusal) throw refusal;
      // OpenSearch auto-creates indices for every write but an internally versioned delete
      const ix = this.indices.get(name) ?? (op.action === 'delete' && op.versionType === 'internal' ? undefined : this.indices.add(name));
      if (!ix) throw indexNotFound(name);
      if (this.faults.takeItemRejection()) throw new OpenSearchError(429, 'rejected_execution_exception', `rejected execution of primary operation [shard_detail=[${name}][0][P]]`);
      const rec = this.indices.current(ix, id);
      const done = (next: DocRecord, result: string, status: number): Source => ({
        _index: name, _id: id, _version: next.version, result, _shards: result === 'noop' ? { total: 0, successful: 0, failed: 0 } : WRITE_SHARDS,
        _seq_no: next.seqNo, _primary_term: PRIMARY_TERM, status,
      });
      const store = (source: Source | null) => this.indices.store(ix, id, op.versionType === 'internal' ? (rec?.version ?? 0) + 1 : op.version!, source);
      if (op.action === 'delete') {
        this.checkVersion(ix, id, rec, op);
        return done(store(null), rec?.source ? 'deleted' : 'not_found', rec?.source ? 200 : 404);
      }
      if (op.action === 'update') {
        const { doc, upsert, doc_as_upsert: docAsUpsert, detect_noop: detectNoop } = op.body as Source;
        if (rec?.source) {
          const merged = deepMerge(rec.source, doc as Source);
          if (detectNoop !== false && isDeepStrictEqual(merged, rec.source)) return done(rec, 'noop', 200);
          this.checkMapping(ix, id, merged);
          return done(store(merged), 'updated', 200);
        }
        const created = docAsUpsert === true ? doc : upsert;
        if (!isObject(created)) throw new OpenSearchError(404, 'document_missing_exception', `[${id}]: document missing`, shardMeta(ix));
        this.checkMapping(ix, id, created);
        return done(store(created), 'created', 201);
      }
      const source = parseDocument(op.body as string);
      this.checkMapping(ix, id, source);
      this.checkVersion(ix, id, rec, op);
      return done(store(source), rec?.source ? 'updated' : 'created', rec?.source ? 200 : 201);
    } catch (e) {
      if (!(e instanceof OpenSearchError)) throw e;
      return { _index: name, _id: id, status: e.status, error: e.detail() };
    }
  }

  private checkMapping(ix: IndexState, id: string, source: Source): void {
    if (this.faults.failsMapping({ index: ix.name, id, source })) {
      throw new OpenSearchError(400, 'mapper_parsing_exception', 'failed to parse', {}, { type: 'illegal_argument_exception', reason: 'mapping failure injected by fake-opensearch' });
    }
    ix.mappings = mapDocument(ix.mappings, id, source);
  }

  private checkVersion(ix: IndexState, id: string, rec: DocRecord | undefined, op: WriteOp): void {
    const conflict = (explanation: string) => new OpenSearchError(409, 'version_conflict_engine_exception', `[${id}]: version conflict, ${explanation}`, shardMeta(ix));
    if (op.versionType === 'internal') {
      if (op.action === 'create' && rec?.source) throw conflict(`document already exists (current version [${rec.version}])`);
    } else if (rec !== undefined) {
      // external versions survive deletes: a tombstone's version is compared like a live document's
      const gte = op.versionType === 'external_gte';
      if (gte ? rec.version > op.version! : rec.version >= op.version!) {
        throw conflict(`current version [${rec.version}] is ${gte ? 'higher than' : 'higher or equal to'} the one provided [${op.version}]`);
      }
    }
  }

  /** `_delete_by_query` of `index` with the body's `query`; see the module comment. */
  deleteByQuery(index: string, body: Source, query: URLSearchParams): WriteAnswer {
    const started = Date.now();
    const refresh = refreshRequested(query);
    const proceed = query.get('conflicts') === 'proceed';
    const { ix, hits } = this.indices.searchable(index, body.query);
    const failures: Source[] = [];
    let deleted = 0;
    for (const [id, seen] of hits) {
      const live = ix.docs.get(id);
      if (live?.source && live.seqNo === seen.seqNo) {
        this.indices.store(ix, id, live.version + 1, null);
        deleted++;
        continue;
      }
      const cause = { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, ${casExplanation(seen.seqNo, live)}`, ...shardMeta(ix) };
      failures.push({ index: ix.name, id, cause, status: 409 });
      if (!proceed) break;
    }
    if (refresh) this.indices.refresh([ix]);
    const answer = {
      took: Date.now() - started, timed_out: false, total: hits.length, deleted, batches: 1, version_conflicts: failures.length, noops: 0,
      retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1.0, throttled_until_millis: 0, failures: proceed ? [] : failures,
    };
    return { status: !proceed && failures.length > 0 ? 409 : 200, body: answer };
  }
}
