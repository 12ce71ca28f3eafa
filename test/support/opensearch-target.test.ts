/**
 * The real-cluster side of opensearch-target.ts (`clusterTarget`), which only HTTP reaches, run
 * against a fake node: what it reads back and what it deletes when the test is done.
 */
import { describe, expect, it } from 'vitest';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import { openSearchRequest } from './opensearch-http.js';
import { clusterTarget } from './opensearch-target.js';

const ndjson = (lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

describe('a real cluster as test target', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
  const bulk = async (lines: unknown[]) => expect((await openSearchRequest(fake.url, 'POST', '/_bulk', ndjson(lines), { contentType: 'application/x-ndjson' })).body.errors).toBe(false);

  it('reads every document of an index with its version, writes not yet refreshed too, and none of a missing index', async () => {
    const target = clusterTarget(fake.url, 'run');
    const index = target.index('orders');
    await bulk([
      { index: { _index: index, _id: '1', version: 5, version_type: 'external' } }, { status: 'placed' },
      { index: { _index: index, _id: '2', version: 7, version_type: 'external' } }, { status: 'paid', items: [1, 2] },
      { index: { _index: index, _id: '3' } }, { status: 'gone' },
      { delete: { _index: index, _id: '3' } },
      { index: { _index: index, _id: '1', version: 9, version_type: 'external' } }, { status: 'shipped' },
    ]);
    const read = await target.documents(index);
    expect([...read.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: '1', version: 9, source: { status: 'shipped' } },
      { id: '2', version: 7, source: { status: 'paid', items: [1, 2] } },
    ]);
    expect(await target.documents(target.index('missing'))).toEqual(new Map());
  });

  it('names indices and templates with its prefix, and sends a sink\'s topics to them', () => {
    const target = clusterTarget(fake.url, 'run-7');
    expect(target.index('shop.public.orders')).toBe('run-7.shop.public.orders');
    expect(target.sinkSettings).toEqual({ 'connection.url': fake.url, 'index.name.format': 'run-7.${topic}' });
    expect(target.fake).toBeNull();
  });

  it('deletes on close exactly the indices and index templates named with its prefix', async () => {
    const target = clusterTarget(fake.url, 'run');
    for (const index of [target.index('a'), target.index('b'), 'run-other.a', 'other']) expect((await openSearchRequest(fake.url, 'PUT', `/${index}`)).status).toBe(200);
    for (const [name, pattern] of [[target.index('t'), `${target.index('t')}-*`], ['run-other.t', 'run-other.t-*']]) {
      expect((await openSearchRequest(fake.url, 'PUT', `/_index_template/${name}`, { index_patterns: [pattern] })).status).toBe(200);
    }
    await target.close();
    const indices = await openSearchRequest(fake.url, 'GET', '/_cat/indices?format=json&h=index');
    expect(indices.body.map((row: { index: string }) => row.index).sort()).toEqual(['other', 'run-other.a']);
    const templates = await openSearchRequest(fake.url, 'GET', '/_index_template');
    expect(templates.body.index_templates.map((template: { name: string }) => template.name)).toEqual(['run-other.t']);
    // Nothing of its own left: closing again finds nothing to delete.
    await target.close();
  });
});
