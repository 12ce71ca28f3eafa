/**
 * The fake OpenSearch node's mappings (fake-opensearch-mapping.ts, fake-opensearch-values.ts) and
 * index templates (fake-opensearch-templates.ts) as a client sees them over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { item, requestsTo } from './fake-opensearch-requests.js';
import { fakeOpenSearchForEachTest } from './opensearch-fixture.js';
import type { Json } from './opensearch-http.js';

const os = fakeOpenSearchForEachTest({ refreshIntervalMs: null });
const { call, bulk } = requestsTo(os);
const sourceOf = (index: string, id: string) => os.documents(index).get(id)?.source;

describe('mappings', () => {
  const write = (index: string, docs: Json[]) => bulk(docs.flatMap((doc, i) => [{ index: { _index: index, _id: String(i + 1) } }, doc]));
  const statuses = (response: { body: Json }) => response.body.items.map((i: Json) => i.index.status);
  const mappingOf = async (index: string) => (await call('GET', `/${index}/_mapping`)).body[index].mappings;

  it('fails per item, as OpenSearch does, a value that does not fit its field\'s type, and takes the values that do', async () => {
    const properties = {
      n: { type: 'long' }, i: { type: 'integer' }, d: { type: 'date' }, b: { type: 'boolean' }, k: { type: 'keyword' }, s: { type: 'scaled_float', scaling_factor: 100 },
      o: { properties: { x: { type: 'long' } } }, bin: { type: 'binary' }, loose: { type: 'date', ignore_malformed: true },
    };
    expect((await call('PUT', '/typed', { mappings: { properties } })).status).toBe(200);
    const rejected = await write('typed', [
      { n: 'abc' }, { i: 3_000_000_000 }, { d: 'yesterday' }, { d: '2023-02-29' }, { d: '+10000-01-01' }, { b: 'yes' }, { b: 1 }, { k: { a: 1, b: 'x' } }, { n: true },
      { o: 5 }, { s: 'NaN' }, { bin: 'not base64!' }, { n: ['1', 'two'] },
    ]);
    expect(statuses(rejected)).toEqual(Array(13).fill(400));
    expect(item(rejected, 0).error).toEqual({
      type: 'mapper_parsing_exception', reason: "failed to parse field [n] of type [long] in document with id '1'. Preview of field's value: 'abc'",
      caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
    });
    expect(item(rejected, 1).error.caused_by.reason).toBe('Value [3000000000] is out of range for an integer');
    expect(item(rejected, 2).error.caused_by.reason).toBe('failed to parse date field [yesterday] with format [strict_date_optional_time||epoch_millis]');
    expect(item(rejected, 5).error.caused_by.reason).toBe('Failed to parse value [yes] as only [true] or [false] are allowed.');
    expect(item(rejected, 7).error.reason).toBe("failed to parse field [k] of type [keyword] in document with id '8'. Preview of field's value: '{a=1, b=x}'");
    expect(item(rejected, 9).error).toEqual({ type: 'mapper_parsing_exception', reason: 'object mapping for [o] tried to parse field [o] as object, but found a concrete value' });
    expect(item(rejected, 12).error.reason).toContain("Preview of field's value: 'two'");
    const taken = await write('typed', [
      { n: '42', i: 7.9, d: '2024-02-29T23:59:59.123456789+01:00', b: 'false', k: 5, s: '12.5', o: { x: 1 }, bin: 'AQL/', loose: 'infinity' },
      { n: null, d: 1_700_000_000_000, b: '', k: true, o: null, s: 3, d2: 'new field' },
      { n: [1, 2.5, ''], d: ['2024', '2024-03', '-0044-03-15'], o: [{ x: 1 }, { x: '2' }] },
    ]);
    expect(statuses(taken)).toEqual([201, 201, 201]);
    expect(sourceOf('typed', '1')).toMatchObject({ n: '42', loose: 'infinity' });
  });

  it('maps new fields with the types OpenSearch\'s dynamic mapping detects, so a later value that does not fit is refused', async () => {
    const first = await write('dyn', [{ count: 1, ratio: 0.5, flag: true, when: '2024-01-02T03:04:05Z', slashed: '2024/01/02', name: 'x', digits: '123', inner: { a: 1 }, list: [null, 3], none: null, empty: [] }]);
    expect(statuses(first)).toEqual([201]);
    expect(await mappingOf('dyn')).toEqual({
      properties: {
        count: { type: 'long' }, ratio: { type: 'float' }, flag: { type: 'boolean' }, when: { type: 'date' }, slashed: { type: 'date', format: 'yyyy/MM/dd HH:mm:ss||yyyy/MM/dd' },
        name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } }, digits: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        inner: { properties: { a: { type: 'long' } } }, list: { type: 'long' },
      },
    });
    const later = await write('dyn', [{ count: 'many' }, { when: 'soon' }, { inner: 'flat' }, { flag: 'maybe' }, { name: 5, digits: 'abc', ratio: '1.5', list: [4] }]);
    expect(statuses(later)).toEqual([400, 400, 400, 400, 201]);
  });

  it('follows dynamic false (kept in _source, not mapped) and strict (refused), inherited by inner objects', async () => {
    const mappings = { dynamic: 'strict', properties: { open: { type: 'object', dynamic: false, properties: {} }, id: { type: 'long' } } };
    expect((await call('PUT', '/strict', { mappings })).status).toBe(200);
    const response = await write('strict', [{ id: 1, open: { anything: 'goes', n: { deep: 1 } } }, { id: 2, other: 1 }, { id: 3, other: null }]);
    expect(statuses(response)).toEqual([201, 400, 400]);
    expect(item(response, 1).error).toEqual({ type: 'strict_dynamic_mapping_exception', reason: 'mapping set to strict, dynamic introduction of [other] within [_doc] is not allowed' });
    expect(sourceOf('strict', '1')).toEqual({ id: 1, open: { anything: 'goes', n: { deep: 1 } } });
    expect((await mappingOf('strict')).properties.open).toEqual({ type: 'object', dynamic: 'false' });
  });

  it('answers mappings as a node renders them: objects typed only while they map nothing, properties only once there are some, nested typed', async () => {
    const mappings = { properties: { z: { type: 'keyword' }, o: { type: 'object', properties: { b: { type: 'long' }, a: { type: 'text' } } }, e: { type: 'object', properties: {} }, n: { type: 'nested', properties: {} }, p: { properties: { x: { type: 'long' } } } } };
    expect((await call('PUT', '/rendered', { mappings })).status).toBe(200);
    expect((await call('PUT', '/bare', {})).status).toBe(200);
    const rendered = await mappingOf('rendered');
    expect(rendered).toEqual({ properties: { e: { type: 'object' }, n: { type: 'nested' }, o: { properties: { a: { type: 'text' }, b: { type: 'long' } } }, p: { properties: { x: { type: 'long' } } }, z: { type: 'keyword' } } });
    expect(Object.keys(rendered.properties)).toEqual(['e', 'n', 'o', 'p', 'z']);
    expect(Object.keys(rendered.properties.o.properties)).toEqual(['a', 'b']);
    expect(await mappingOf('bare')).toEqual({});
    await write('rendered', [{ e: { added: 1 } }]);
    expect((await mappingOf('rendered')).properties.e).toEqual({ properties: { added: { type: 'long' } } });
  });

  it('adds the fields of a write that is then refused as a version conflict, as the mapping update comes first', async () => {
    await bulk([{ index: { _index: 'v', _id: '1', version: 5, version_type: 'external' } }, { a: 1 }]);
    const stale = await bulk([{ index: { _index: 'v', _id: '1', version: 4, version_type: 'external' } }, { a: 1, added: 'x' }]);
    expect(item(stale, 0).status).toBe(409);
    expect(Object.keys((await mappingOf('v')).properties)).toEqual(['a', 'added']);
  });

  it('refuses a mapping with a type OpenSearch does not have, a scaled_float without scaling_factor, or what the fake does not model', async () => {
    const cases: Array<[Json, string, string]> = [
      [{ properties: { x: { type: 'strnig' } } }, 'mapper_parsing_exception', 'Failed to parse mapping [_doc]: No handler for type [strnig] declared on field [x]'],
      [{ properties: { x: { type: 'scaled_float' } } }, 'mapper_parsing_exception', 'Failed to parse mapping [_doc]: Field [scaling_factor] is required'],
      [{ properties: { o: { properties: { y: { type: 'long', properties: {} } } } } }, 'mapper_parsing_exception', 'Mapping definition for [o.y] has unsupported parameters'],
      [{ mystery: true }, 'mapper_parsing_exception', 'Root mapping definition has unsupported parameters:  [mystery : true]'],
      [{ properties: { at: { type: 'geo_point' } } }, 'mapper_parsing_exception', '[fake-opensearch] field type [geo_point] of [at] is not modelled'],
      [{ properties: { d: { type: 'date', format: 'basic_date' } } }, 'mapper_parsing_exception', '[fake-opensearch] date format [basic_date] is not modelled'],
    ];
    for (const [mappings, type, reason] of cases) {
      const response = await call('PUT', '/bad-mapping', { mappings });
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe(type);
      expect(response.body.error.reason).toContain(reason);
    }
    expect((await call('HEAD', '/bad-mapping')).status).toBe(404);
  });
});

describe('index templates', () => {
  const putTemplate = (name: string, body: Json, query = '') => call('PUT', `/_index_template/${name}${query}`, body);
  const mappingOf = async (index: string) => (await call('GET', `/${index}/_mapping`)).body[index].mappings;

  it('gives an index created without mappings, or by a first write, the mappings and settings of the highest-priority template matching its name', async () => {
    expect(await putTemplate('logs', { index_patterns: ['logs-*'], priority: 1, template: { mappings: { properties: { code: { type: 'keyword' } } } } })).toMatchObject({ status: 200, body: { acknowledged: true } });
    const app = { index_patterns: ['logs-app-*'], priority: 5, template: { settings: { index: { gc_deletes: '0s' } }, mappings: { properties: { level: { type: 'integer' } } } } };
    expect((await putTemplate('app-logs', app)).status).toBe(200);
    expect((await call('PUT', '/logs-app-1')).status).toBe(200);
    expect(await mappingOf('logs-app-1')).toEqual({ properties: { level: { type: 'integer' } } });
    const written = await bulk([{ index: { _index: 'logs-web-1', _id: '1' } }, { code: 42, note: 'x' }, { index: { _index: 'logs-app-2', _id: '1' } }, { level: 'high' }]);
    expect([item(written, 0).status, item(written, 1).status]).toEqual([201, 400]);
    expect((await mappingOf('logs-web-1')).properties.code).toEqual({ type: 'keyword' });
    // the template's gc_deletes: a deleted document's version is forgotten at once
    await bulk([{ delete: { _index: 'logs-app-1', _id: '9', version: 10, version_type: 'external' } }]);
    expect(item(await bulk([{ index: { _index: 'logs-app-1', _id: '9', version: 2, version_type: 'external' } }, { level: 1 }]), 0).status).toBe(201);
  });

  it('lets a create request\'s mappings replace the template\'s field by field, merging objects', async () => {
    await putTemplate('t', { index_patterns: ['shop*'], template: { mappings: { dynamic: 'strict', properties: { code: { type: 'keyword' }, meta: { properties: { a: { type: 'long' } } }, kept: { type: 'boolean' } } } } });
    await call('PUT', '/shop1', { mappings: { properties: { code: { type: 'long' }, meta: { properties: { b: { type: 'keyword' } } } } } });
    expect(await mappingOf('shop1')).toEqual({
      dynamic: 'strict', properties: { code: { type: 'long' }, meta: { properties: { a: { type: 'long' }, b: { type: 'keyword' } } }, kept: { type: 'boolean' } },
    });
  });

  it('never changes an index that exists when a template is put or deleted', async () => {
    await bulk([{ index: { _index: 'early-1', _id: '1' } }, { code: 'abc' }]);
    await putTemplate('late', { index_patterns: ['early-*'], template: { mappings: { properties: { code: { type: 'long' } } } } });
    expect((await mappingOf('early-1')).properties.code.type).toBe('text');
    expect(item(await bulk([{ index: { _index: 'early-1', _id: '2' } }, { code: 'def' }]), 0).status).toBe(201);
    expect((await call('DELETE', '/_index_template/late')).body).toEqual({ acknowledged: true });
    expect((await mappingOf('early-1')).properties.code.type).toBe('text');
  });

  it('lists, reads and deletes templates, and refuses overlapping patterns at one priority, a second create, and what it does not model', async () => {
    await putTemplate('a', { index_patterns: ['x-*'], priority: 3, template: {} });
    const overlap = await putTemplate('b', { index_patterns: ['x-1*', 'y'], priority: 3 });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.reason).toBe(
      'index template [b] has index patterns [x-1*, y] matching patterns from existing templates [a] with patterns (a => [x-*]) that have the same priority [3], multiple index templates may not match during index creation, please use a different priority',
    );
    expect((await putTemplate('b', { index_patterns: ['x-1*'], priority: 4 })).status).toBe(200);
    expect((await putTemplate('b', { index_patterns: ['z'] }, '?create=true')).body.error.reason).toBe('index template [b] already exists');
    expect((await call('GET', '/_index_template')).body.index_templates.map((t: Json) => t.name)).toEqual(['a', 'b']);
    expect((await call('GET', '/_index_template/a')).body.index_templates[0].index_template).toMatchObject({ index_patterns: ['x-*'], priority: 3 });
    expect((await call('HEAD', '/_index_template/a')).status).toBe(200);
    // a pattern lists the templates it matches; matching none, the empty list comes with 404
    expect((await call('GET', '/_index_template/*')).body.index_templates.map((t: Json) => t.name)).toEqual(['a', 'b']);
    expect(await call('GET', '/_index_template/z*')).toMatchObject({ status: 404, body: { index_templates: [] } });
    expect((await call('HEAD', '/_index_template/b*')).status).toBe(200);
    expect((await call('DELETE', '/_index_template/a')).status).toBe(200);
    expect((await call('GET', '/_index_template/a')).status).toBe(404);
    expect((await call('DELETE', '/_index_template/a')).body.error.type).toBe('index_template_missing_exception');
    expect((await putTemplate('c', { template: {} })).body.error.reason).toBe('Validation Failed: 1: index patterns are missing;');
    expect((await putTemplate('c', { index_patterns: ['c*'], composed_of: ['base'] })).body.error.reason).toContain('[fake-opensearch] component templates');
    const badMapping = await putTemplate('c', { index_patterns: ['c*'], template: { mappings: { properties: { x: { type: 'nope' } } } } });
    expect(badMapping.body.error).toMatchObject({ type: 'illegal_argument_exception', reason: 'composable template [c] template after composition is invalid', caused_by: { type: 'mapper_parsing_exception' } });
  });

  it('simulates an index: the settings, mappings and aliases of the template a new index of that name would get, and the templates overlapping it', async () => {
    const simulate = (index: string) => call('POST', `/_index_template/_simulate_index/${index}`);
    expect(await simulate('logs-app-1')).toMatchObject({ status: 200, body: {} });
    const logs = { index_patterns: ['logs-*'], priority: 1, template: { settings: { index: { gc_deletes: '0s' } }, mappings: { properties: { code: { type: 'keyword' } } }, aliases: { 'all-logs': {} } } };
    await putTemplate('logs', logs);
    await putTemplate('app-logs', { index_patterns: ['logs-app-*'], priority: 5, template: { mappings: { dynamic: 'strict', properties: { level: { type: 'integer' } } } } });
    expect((await putTemplate('metrics', { index_patterns: ['metrics-*'], template: { settings: { 'index.number_of_shards': 2 } } })).status).toBe(200);

    const app = await simulate('logs-app-1');
    expect(app.body).toEqual({
      template: { settings: {}, mappings: { dynamic: 'strict', properties: { level: { type: 'integer' } } }, aliases: {} },
      overlapping: [{ name: 'logs', index_patterns: ['logs-*'] }],
    });
    expect((await simulate('logs-web-1')).body).toEqual({
      template: { settings: { index: { gc_deletes: '0s' } }, mappings: logs.template.mappings, aliases: { 'all-logs': {} } },
      overlapping: [{ name: 'app-logs', index_patterns: ['logs-app-*'] }],
    });
    // a template that maps nothing: no mappings at all; settings come back as strings
    expect((await simulate('metrics-1')).body).toEqual({ template: { settings: { index: { number_of_shards: '2' } }, aliases: {} }, overlapping: [] });
    expect((await simulate('other')).body).toEqual({});
    // nothing is created, and the index created afterwards gets what was simulated
    expect((await call('HEAD', '/logs-app-1')).status).toBe(404);
    expect((await call('PUT', '/logs-app-1')).status).toBe(200);
    expect(await mappingOf('logs-app-1')).toEqual(app.body.template.mappings);
  });

  it('refuses a simulation to a user without indices:admin/index_template/simulate_index, by GET, and with a template in the body', async () => {
    expect((await call('GET', '/_index_template/_simulate_index/x')).status).toBe(405);
    expect((await call('POST', '/_index_template/_simulate_index/x', { index_patterns: ['x'] })).body.error.reason).toContain('[fake-opensearch] a template to simulate with');
    await os.restart({ auth: { username: 'sluice', password: 'pw', denied: ['indices:admin/index_template/simulate_index'] } });
    const response = await fetch(`${os.url}/_index_template/_simulate_index/x`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('sluice:pw').toString('base64')}` } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as Json).error).toMatchObject({
      type: 'security_exception', reason: 'no permissions for [indices:admin/index_template/simulate_index] and User [name=sluice, backend_roles=[], requestedTenant=null]',
    });
  });
});
