import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../errors.js';
import { articleCreated, articleDeleted, articleRetitled, sinkRecord } from './articles.fixture.js';
import { BulkPlanner, type BulkAction } from './bulk-body.js';
import { classifyBulkResponse, isRetriableStatus, type ResponseBehaviors } from './bulk-response.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';

const planner = new BulkPlanner(parseOpenSearchSinkConfig({ name: 's', 'connector.class': 'OpenSearchSink', topics: 'shop.public.articles', 'connection.url': 'http://localhost:9200' }));
const actionFor = (event: typeof articleCreated, offset: number): BulkAction => {
  const plan = planner.plan(sinkRecord(event, offset));
  if (plan.kind !== 'action') throw new Error('no action');
  return plan.action;
};
const index = actionFor(articleCreated, 1);
const partial = actionFor(articleRetitled, 2);
const deletion = actionFor(articleDeleted, 3);

const DEFAULTS: ResponseBehaviors = { onMalformedDocuments: 'fail', onVersionConflict: 'ignore' };
const META = { _index: 'shop.public.articles', _id: '["eu",9007199254740993]' };
const SHARDS = { _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: 7, _primary_term: 1 };

/** An item as OpenSearch answers it. */
const ok = (op: string, result: string, status: number) => ({ [op]: { ...META, _version: 6000, result, ...SHARDS, status } });
const failed = (op: string, status: number, type: string, reason: string, causedBy?: { type: string; reason: string }) => ({
  [op]: { ...META, status, error: { type, reason, index: META._index, shard: '0', index_uuid: 'kYtE0d9yQkW9YFQz3Kc2bA', ...(causedBy ? { caused_by: causedBy } : {}) } },
});
const response = (...items: unknown[]) => ({ took: 12, errors: items.some((i) => 'error' in (Object.values(i as object)[0] as object)), items });
const outcomes = (actions: BulkAction[], body: unknown, behaviors = DEFAULTS) => classifyBulkResponse(body, actions, behaviors).map(({ outcome, warn, error }) => ({ outcome, warn, type: error?.type ?? null }));

const CONFLICT = ['version_conflict_engine_exception', '[["eu",9007199254740993]]: version conflict, current version [6100] is higher than the one provided [6000]'] as const;
const MAPPING = ['mapper_parsing_exception', "failed to parse field [price] of type [scaled_float] in document with id '[\"eu\",9007199254740993]'. Preview of field's value: 'abc'"] as const;

describe('bulk responses', () => {
  it('count writes, a delete of a missing document and a partial update that changed nothing as done', () => {
    const body = response(ok('index', 'created', 201), ok('update', 'noop', 200), { delete: { ...META, _version: 6200, result: 'not_found', ...SHARDS, status: 404 } });
    expect(outcomes([index, partial, deletion], body)).toEqual([
      { outcome: 'done', warn: false, type: null },
      { outcome: 'done', warn: false, type: null },
      { outcome: 'done', warn: false, type: null },
    ]);
  });

  it('count a version conflict as done by default, or as behavior.on.version.conflict says', () => {
    const body = response(failed('index', 409, ...CONFLICT));
    expect(outcomes([index], body)).toEqual([{ outcome: 'done', warn: false, type: 'version_conflict_engine_exception' }]);
    expect(outcomes([index], body, { ...DEFAULTS, onVersionConflict: 'warn' })).toEqual([{ outcome: 'done', warn: true, type: 'version_conflict_engine_exception' }]);
    expect(outcomes([index], body, { ...DEFAULTS, onVersionConflict: 'report' })[0]!.outcome).toBe('report');
    expect(outcomes([index], body, { ...DEFAULTS, onVersionConflict: 'fail' })[0]!.outcome).toBe('fail');
  });

  it('retry items the cluster turned away for now', () => {
    const body = response(
      failed('index', 429, 'rejected_execution_exception', 'rejected execution of coordinating operation [shard_detail=[shop.public.articles][0][P], shard_coordinating_and_primary_bytes=0, shard_operation_bytes=98, shard_max_coordinating_and_primary_bytes=10240]'),
      failed('index', 429, 'circuit_breaking_exception', '[parent] Data too large, data for [<http_request>] would be [1020054016/972.7mb], which is larger than the limit of [1020054732/972.7mb]'),
      failed('index', 503, 'unavailable_shards_exception', '[shop.public.articles][0] primary shard is not active Timeout: [1m]'),
      failed('index', 429, 'cluster_block_exception', 'index [shop.public.articles] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];'),
      failed('index', 500, 'null_pointer_exception', 'boom'),
    );
    expect(outcomes([index, index, index, index, index], body).map((o) => o.outcome)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([429, 500, 502, 503, 504].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413].some(isRetriableStatus)).toBe(false);
  });

  it('follow behavior.on.malformed.documents for documents the mapping rejects, with the reason and its cause', () => {
    const body = response(ok('index', 'created', 201), failed('index', 400, ...MAPPING, { type: 'number_format_exception', reason: 'For input string: "abc"' }));
    const [, rejected] = classifyBulkResponse(body, [index, index], { ...DEFAULTS, onMalformedDocuments: 'report' });
    expect(rejected).toEqual({
      action: index,
      outcome: 'report',
      warn: false,
      error: { status: 400, type: 'mapper_parsing_exception', reason: `${MAPPING[1]} (number_format_exception: For input string: "abc")` },
    });
    expect(outcomes([index, index], body).map((o) => o.outcome)).toEqual(['done', 'fail']);
    expect(outcomes([index, index], body, { ...DEFAULTS, onMalformedDocuments: 'warn' })[1]).toEqual({ outcome: 'done', warn: true, type: 'mapper_parsing_exception' });
    expect(outcomes([index, index], body, { ...DEFAULTS, onMalformedDocuments: 'ignore' })[1]).toEqual({ outcome: 'done', warn: false, type: 'mapper_parsing_exception' });
    const tooManyFields = response(failed('index', 400, 'illegal_argument_exception', 'Limit of total fields [1000] has been exceeded'));
    expect(outcomes([index], tooManyFields, { ...DEFAULTS, onMalformedDocuments: 'ignore' })[0]!.outcome).toBe('done');
  });

  it('count a partial update of a document deleted since as done, with a warning', () => {
    const body = response(failed('update', 404, 'document_missing_exception', '[["eu",9007199254740993]]: document missing'));
    expect(outcomes([partial], body)).toEqual([{ outcome: 'done', warn: true, type: 'document_missing_exception' }]);
  });

  it('fail on what no retry or skip can fix', () => {
    const body = response(
      failed('index', 404, 'index_not_found_exception', 'no such index [shop.public.articles]'),
      failed('index', 403, 'security_exception', 'no permissions for [indices:data/write/bulk[s]] and User [name=sluice, backend_roles=[], requestedTenant=null]'),
      failed('index', 400, 'invalid_index_name_exception', 'Invalid index name [Shop], must be lowercase'),
    );
    expect(outcomes([index, index, index], body, { ...DEFAULTS, onMalformedDocuments: 'ignore' }).map((o) => o.outcome)).toEqual(['fail', 'fail', 'fail']);
  });

  it('refuse a body that does not answer the actions sent, as a retriable error', () => {
    expect(() => classifyBulkResponse(response(ok('index', 'created', 201)), [index, deletion], DEFAULTS)).toThrow(RetriableError);
    expect(() => classifyBulkResponse('<html>502 Bad Gateway</html>', [index], DEFAULTS)).toThrow(/something that is not a bulk response/);
  });
});
