import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../events.js';
import { SluiceError } from '../../errors.js';
import { created, message, snapshotRead } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import {
  articleCreated,
  articleDeleted,
  articleMovedAway,
  articleMovedHere,
  articleRead,
  articleRetitled,
  articlesTruncated,
  articleTombstone,
  sinkRecord,
} from './articles.fixture.js';
import { BulkPlanner, bulkBody, type BulkAction, type RecordPlan } from './bulk-body.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';

const BASE = { name: 'search', 'connector.class': 'OpenSearchSink', topics: 'shop.public.articles', 'connection.url': 'http://localhost:9200' };
const planner = (overrides: Record<string, string> = {}) => new BulkPlanner(parseOpenSearchSinkConfig({ ...BASE, ...overrides }));
const plan = (event: ChangeEvent, overrides: Record<string, string> = {}, offset = 10) => planner(overrides).plan(sinkRecord(event, offset));

function actionOf(result: RecordPlan): BulkAction {
  if (result.kind !== 'action') throw new Error(`expected an action, got ${result.kind}`);
  return result.action;
}
const textOf = (action: BulkAction) => bulkBody([action]).body.toString('utf8');
const lines = (action: BulkAction) => textOf(action).split('\n');

const ARTICLE_ID = '["eu",9007199254740993]';
const ARTICLE_TEXT =
  '{"region":"eu","id":9007199254740993,"title":"Hello","body":"A long body","tags":["search","cdc"],"cover":"AQL/","price":19.9,"published":"2024-03-07"}';

describe('bulk actions', () => {
  it('keep their record only where an item can be reported to the dead-letter queue', () => {
    const record = sinkRecord(articleRead, 10);
    const sourceUnder = (overrides: Record<string, string>) => actionOf(planner(overrides).plan(record)).source;
    expect(sourceUnder({})).toBeNull();
    expect(sourceUnder({ 'behavior.on.malformed.documents': 'warn', 'behavior.on.version.conflict': 'warn' })).toBeNull();
    expect(sourceUnder({ 'behavior.on.malformed.documents': 'report', 'errors.deadletterqueue.file': '/tmp/dlq' })).toBe(record);
    expect(sourceUnder({ 'behavior.on.version.conflict': 'report', 'errors.deadletterqueue.file': '/tmp/dlq' })).toBe(record);
  });

  it('index a written row under its key with the change\'s version', () => {
    const read = plan(articleRead);
    expect(read).toEqual({ kind: 'action', action: expect.objectContaining({ op: 'index', index: 'shop.public.articles', id: ARTICLE_ID, version: 5000, partial: false }), warnings: [] });
    expect(textOf(actionOf(read))).toBe(
      `{"index":{"_index":"shop.public.articles","_id":"[\\"eu\\",9007199254740993]","version":5000,"version_type":"external_gte"}}\n${ARTICLE_TEXT}\n`,
    );
    const create = actionOf(plan(articleCreated, {}, 11));
    expect(lines(create)[0]).toBe('{"index":{"_index":"shop.public.articles","_id":"[\\"eu\\",9007199254740993]","version":6000,"version_type":"external_gte"}}');
    expect(create.record).toEqual({ topic: 'shop.public.articles', partition: 0, offset: 11 });
    expect(create.rowSchema).toBe(articleCreated.valueSchema!.fields!.find((f) => f.field === 'after'));
    expect(lines(create)).toEqual([expect.any(String), expect.any(String), '']); // its bytes end with its document's newline
  });

  it('count the bytes of an action whose id and document are not ASCII', () => {
    const value = articleRead.value as { after: Record<string, unknown> };
    const event = { ...articleRead, key: { ...(articleRead.key as object), region: 'süd' }, value: { ...value, after: { ...value.after, region: 'süd', title: 'Grüße 😀' } } };
    const action = actionOf(plan(event));
    expect(lines(action)[0]).toBe('{"index":{"_index":"shop.public.articles","_id":"[\\"süd\\",9007199254740993]","version":5000,"version_type":"external_gte"}}');
    expect(JSON.parse(lines(action)[1]!)).toMatchObject({ region: 'süd', title: 'Grüße 😀' });
    expect(lines(action)).toEqual([expect.any(String), expect.any(String), '']); // its bytes end with its document's newline
    expect(action.bytes).toBeGreaterThan(textOf(action).length);
  });

  it('turn an update with unchanged TOAST values into an index of the other fields at the change\'s version, to be completed from the stored document', () => {
    const update = actionOf(plan(articleRetitled));
    const fields = { region: 'eu', id: 9007199254740993n, title: 'Hello again', price: 19.9, published: '2024-03-07' };
    expect(update).toMatchObject({ op: 'index', id: ARTICLE_ID, version: 6100, partial: true, merge: { document: fields, omitted: ['body', 'tags', 'cover'] } });
    expect(lines(update)[0]).toBe('{"index":{"_index":"shop.public.articles","_id":"[\\"eu\\",9007199254740993]","version":6100,"version_type":"external_gte"}}');
    expect(lines(update)[1]).toBe('{"region":"eu","id":9007199254740993,"title":"Hello again","price":19.9,"published":"2024-03-07"}');
    expect(lines(update)).toEqual([expect.any(String), expect.any(String), '']); // its bytes end with its document's newline
  });

  it('write a snapshot row\'s text as it is, even one that reads like the TOAST placeholder', () => {
    const value = articleRead.value as { after: Record<string, unknown> };
    const event = { ...articleRead, value: { ...value, after: { ...value.after, body: '__debezium_unavailable_value' } } };
    const read = actionOf(plan(event));
    expect(read).toMatchObject({ op: 'index', partial: false });
    expect(JSON.parse(lines(read)[1]!)).toMatchObject({ body: '__debezium_unavailable_value' });
  });

  it('delete with the change\'s version, and leave tombstones alone by default', () => {
    const deletion = actionOf(plan(articleDeleted));
    expect(textOf(deletion)).toBe('{"delete":{"_index":"shop.public.articles","_id":"[\\"eu\\",9007199254740993]","version":6200,"version_type":"external_gte"}}\n');
    expect(deletion.rowSchema).toBe(articleDeleted.valueSchema!.fields!.find((f) => f.field === 'before'));
    expect(plan(articleTombstone)).toEqual({ kind: 'skip', record: { topic: 'shop.public.articles', partition: 0, offset: 10 }, warnings: [] });
  });

  it('follow behavior.on.null.values for tombstones', () => {
    expect(textOf(actionOf(plan(articleTombstone, { 'behavior.on.null.values': 'delete' })))).toBe('{"delete":{"_index":"shop.public.articles","_id":"[\\"eu\\",9007199254740993]"}}\n');
    expect(() => plan(articleTombstone, { 'behavior.on.null.values': 'fail' })).toThrow(SluiceError);
    expect(() => plan(articleTombstone, { 'behavior.on.null.values': 'fail' })).toThrow(/shop\.public\.articles-0@10 has a null value/);
  });

  it('move a row whose key changed: delete the old document, index the new one without the values it lacks', () => {
    expect(actionOf(plan(articleMovedAway))).toMatchObject({ op: 'delete', id: ARTICLE_ID, version: 6300 });
    const moved = plan(articleMovedHere);
    expect(moved.kind === 'action' && moved.warnings.map((w) => w.code)).toEqual(['toast-fields-dropped']);
    expect(actionOf(moved)).toMatchObject({ op: 'index', id: '["eu",7]', version: 6300 });
    expect(lines(actionOf(moved))[1]).toBe('{"region":"eu","id":7,"title":"Hello again","price":19.9,"published":"2024-03-07"}');
  });

  it('truncate the table\'s index, or not', () => {
    expect(plan(articlesTruncated)).toEqual({ kind: 'truncate', index: 'shop.public.articles', version: 6400, record: { topic: 'shop.public.articles', partition: 0, offset: 10 } });
    expect(plan(articlesTruncated, { 'truncate.behavior': 'ignore' })).toMatchObject({ kind: 'skip', warnings: [] });
  });

  it('name indices by the template or the topic map', () => {
    expect(actionOf(plan(articleCreated, { 'index.name.format': '${prefix}-${schema}-${table}' })).index).toBe('shop-public-articles');
    expect(actionOf(plan(articleCreated, { 'topic.to.index.map': 'shop.public.articles:articles' })).index).toBe('articles');
  });

  it('write decimals as text with decimal.format=string', () => {
    expect(lines(actionOf(plan(articleCreated, { 'decimal.format': 'string' })))[1]).toContain('"price":"19.90"');
  });

  it('merge rows without versions in upsert mode', () => {
    const upsert = actionOf(plan(articleRetitled, { 'index.write.method': 'upsert' }));
    expect(upsert).toMatchObject({ op: 'update', version: null, partial: false });
    expect(textOf(upsert)).toBe(
      '{"update":{"_index":"shop.public.articles","_id":"[\\"eu\\",9007199254740993]"}}\n{"doc":{"region":"eu","id":9007199254740993,"title":"Hello again","price":19.9,"published":"2024-03-07"},"doc_as_upsert":true}\n',
    );
    expect(actionOf(plan(articleDeleted, { 'index.write.method': 'upsert' }))).toMatchObject({ op: 'delete', version: 6200 });
  });

  it('keep every record as its own document with key.ignore', () => {
    const keyIgnore = { 'key.ignore': 'true' };
    expect(lines(actionOf(plan(articleCreated, keyIgnore, 42)))[0]).toBe('{"index":{"_index":"shop.public.articles","_id":"shop.public.articles+0+42"}}');
    expect(plan(articleCreated, keyIgnore)).toMatchObject({ warnings: [] });
    for (const event of [articleDeleted, articleTombstone]) expect(plan(event, { ...keyIgnore, 'behavior.on.null.values': 'delete' })).toMatchObject({ kind: 'skip', warnings: [] });
  });

  it('index rows of keyless tables as new documents, and skip their updates and deletes with a warning', () => {
    const keyless = (event: ChangeEvent): ChangeEvent => ({ ...event, key: null, keySchema: null });
    expect(actionOf(plan(keyless(snapshotRead), {}, 7))).toMatchObject({ op: 'index', id: 'shop.public.orders+0+7', version: null });
    expect(plan(keyless(snapshotRead))).toMatchObject({ warnings: [] });
    for (const event of [articleRetitled, articleDeleted]) {
      expect(plan(keyless(event))).toMatchObject({ kind: 'skip', warnings: [{ code: 'keyless-change' }] });
    }
  });

  it('write flat rows of ExtractNewRecordState, versioned when add.fields copied the LSNs', () => {
    const flat = (config: Record<string, string>, event: ChangeEvent) => createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, config).apply(event)!;
    const unversioned = plan(flat({}, created));
    expect(unversioned).toMatchObject({ kind: 'action', action: { op: 'index', index: 'shop.public.orders', id: '1', version: null }, warnings: [{ code: 'unversioned' }] });
    const versioned = plan(flat({ 'add.fields': 'source.lsn,source.sequence' }, created));
    expect(versioned).toMatchObject({ action: { version: 33_837_424 }, warnings: [] });
    expect(lines(actionOf(versioned))[1]).toContain('"total":5094.61,');
    const toasted = plan(flat({ 'add.fields': 'lsn' }, articleRetitled));
    expect(actionOf(toasted)).toMatchObject({ op: 'index', version: 6100, partial: true, merge: { omitted: ['body', 'tags', 'cover'] } });
    const rewritten = plan(flat({ 'delete.tombstone.handling.mode': 'rewrite', 'add.fields': 'lsn' }, articleDeleted));
    expect(actionOf(rewritten)).toMatchObject({ op: 'delete', version: 6200 });
    expect(plan(flat({}, articleDeleted), { 'behavior.on.null.values': 'delete' })).toMatchObject({ action: { op: 'delete', version: null }, warnings: [] });
  });

  it('skip a tombstone under behavior.on.null.values=ignore with a warning once its topic carried flat rows whose deletes arrive as tombstones', () => {
    const unwrap = createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, {});
    const p = planner();
    const flatDelete = sinkRecord(unwrap.apply(articleDeleted)!, 1);
    expect(p.plan(flatDelete)).toMatchObject({ kind: 'skip', warnings: [] });
    p.plan(sinkRecord(unwrap.apply(articleCreated)!, 2));
    expect(p.plan(flatDelete)).toMatchObject({ kind: 'skip', warnings: [{ code: 'tombstone-ignored' }] });
    expect(p.plan({ ...sinkRecord(articleTombstone, 3), topic: 'shop.public.other' })).toMatchObject({ kind: 'skip', warnings: [] });
  });

  it('skip records that are not row changes, with a warning', () => {
    expect(plan(message)).toMatchObject({ kind: 'skip', warnings: [{ code: 'not-a-row-change', message: 'shop.message: io.debezium.connector.postgresql.MessageValue is not a row change; such records are skipped.' }] });
  });

  it('join actions into one NDJSON body whose items follow the body\'s order', () => {
    const p = planner({ topics: 'shop.public.orders,shop.public.articles' });
    const actions = [sinkRecord(articleCreated, 0), sinkRecord(articleRetitled, 1), sinkRecord(articleDeleted, 2), { ...snapshotRead, kafkaPartition: 2, kafkaOffset: 0, position: null }].map((r) => actionOf(p.plan(r)));
    const body = bulkBody(actions);
    expect(body.items).toEqual(actions);
    const text = body.body.toString('utf8');
    expect(text).toBe(actions.map(textOf).join(''));
    expect(body.bytes).toBe(body.body.length);
    expect(text.endsWith('\n')).toBe(true);
    const parsed = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => Object.keys(line)[0])).toEqual(['index', 'region', 'index', 'region', 'delete', 'index', 'id']);
  });
});
