/**
 * The REST API's contract with Kafka Connect's tooling, as a vitest suite to run against any
 * Herder: `describeRestContract(makeHerder)` declares one test per endpoint and outcome, each on a
 * fresh herder from `makeHerder` and an app from createRestApp, served with fastify's `inject()`.
 * Statuses, headers and error messages are asserted exactly (shared/reference/connect-rest-api.md);
 * bodies the herder produces are asserted by shape and against the herder's own answers.
 *
 * The connectors it creates are null sinks (they consume and discard), so the suite runs against
 * the standalone herder without a database. `close` (optional) shuts a herder down after its test.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_SINK_CLASS } from '../../src/sinks/null/null-sink.js';
import { createRestApp } from '../../src/worker/rest/app.js';
import { LoggerRegistry } from '../../src/worker/rest/logger-registry.js';
import type { Herder } from '../../src/worker/herder.js';

export const SINK_CONFIG: Readonly<Record<string, string>> = { 'connector.class': NULL_SINK_CLASS, topics: 'orders' };

const JSON_TYPE = /^application\/json(;|$)/;
const CONFLICTING_NAME = "Connector name configuration (other) doesn't match connector name in the URL (orders-sink)";
const NOT_STOPPED =
  "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/orders-sink/stop' endpoint";
const EMPTY_NAME =
  'Connector configuration is invalid and contains the following 1 error(s):\nInvalid value  for configuration name: String may not be empty\n' +
  'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`';

export interface RestContractOptions {
  close?: (herder: Herder) => Promise<void>;
}

export function describeRestContract(makeHerder: () => Promise<Herder>, options: RestContractOptions = {}): void {
  describe('Kafka Connect REST API contract', () => {
    let herder: Herder;
    let app: FastifyInstance;

    beforeEach(async () => {
      herder = await makeHerder();
      app = createRestApp(herder, { loggers: new LoggerRegistry(pino({ level: 'silent' })) });
    });

    afterEach(async () => {
      await app.close();
      await options.close?.(herder);
    });

    const call = (method: InjectOptions['method'], url: string, body?: unknown): Promise<LightMyRequestResponse> =>
      app.inject({ method, url, ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const create = async (name = 'orders-sink', config: Record<string, string> = SINK_CONFIG, extra: object = {}): Promise<LightMyRequestResponse> => {
      const response = await call('POST', '/connectors', { name, config, ...extra });
      expect(response.statusCode, response.body).toBe(201);
      return response;
    };
    const expectError = (response: LightMyRequestResponse, status: number, message: string | RegExp): void => {
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(JSON_TYPE);
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(['error_code', 'message']);
      expect(body.error_code).toBe(status);
      if (typeof message === 'string') expect(body.message).toBe(message);
      else expect(body.message).toMatch(message);
    };
    const expectEmpty = (response: LightMyRequestResponse, status: number): void => {
      expect(response.statusCode).toBe(status);
      expect(response.body).toBe('');
    };
    const expectJson = (response: LightMyRequestResponse, status = 200): unknown => {
      expect(response.statusCode, response.body).toBe(status);
      expect(response.headers['content-type']).toMatch(JSON_TYPE);
      return response.json();
    };
    const expectConnectorInfo = (body: unknown, name: string, config: Record<string, string>): void => {
      expect(body).toEqual({ name, config: { ...config, name }, tasks: expect.any(Array), type: 'sink' });
      for (const task of (body as { tasks: unknown[] }).tasks) expect(task).toEqual({ connector: name, task: expect.any(Number) });
    };
    const stateOf = async (name: string): Promise<{ connector: { state: string }; tasks: unknown[] }> =>
      expectJson(await call('GET', `/connectors/${encodeURIComponent(name)}/status`)) as { connector: { state: string }; tasks: unknown[] };

    describe('GET /', () => {
      it('answers the version, the commit and a null kafka_cluster_id', async () => {
        expect(expectJson(await call('GET', '/'))).toEqual({ version: herder.version, commit: 'unknown', kafka_cluster_id: null });
      });
    });

    describe('POST /connectors', () => {
      it('creates: 201, Location, and ConnectorInfo with the name copied into the config', async () => {
        const response = await create();
        expect(response.headers['location']).toBe('/connectors/orders-sink');
        expectConnectorInfo(expectJson(response, 201), 'orders-sink', SINK_CONFIG);
        expect(herder.connectors()).toEqual(['orders-sink']);
      });

      it('takes JSON numbers and booleans as strings, as Connect does', async () => {
        const response = await call('POST', '/connectors', { name: 'orders-sink', config: { ...SINK_CONFIG, 'tasks.max': 1, 'errors.log.enable': true } });
        expect((expectJson(response, 201) as { config: Record<string, string> }).config).toMatchObject({ 'tasks.max': '1', 'errors.log.enable': 'true' });
      });

      it('starts in the initial_state asked for', async () => {
        await create('stopped', SINK_CONFIG, { initial_state: 'STOPPED' });
        await create('paused', SINK_CONFIG, { initial_state: 'paused' });
        expect(await stateOf('stopped')).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
        expect((await stateOf('paused')).connector.state).toBe('PAUSED');
      });

      it('refuses an existing name with 409', async () => {
        await create();
        expectError(await call('POST', '/connectors', { name: 'orders-sink', config: SINK_CONFIG }), 409, 'Connector orders-sink already exists');
      });

      it('refuses a config name that differs from the name', async () => {
        expectError(await call('POST', '/connectors', { name: 'orders-sink', config: { ...SINK_CONFIG, name: 'other' } }), 400, CONFLICTING_NAME);
      });

      it('refuses a missing name in the words of Connect’s name check', async () => {
        expectError(await call('POST', '/connectors', { config: SINK_CONFIG }), 400, EMPTY_NAME);
        expectError(await call('POST', '/connectors', { name: '  ', config: SINK_CONFIG }), 400, EMPTY_NAME);
      });

      it('refuses a missing config, an unknown field, a bad initial_state and null values with 400', async () => {
        expectError(await call('POST', '/connectors', { name: 'orders-sink' }), 400, /has no "config"/);
        expectError(await call('POST', '/connectors', { name: 'orders-sink', config: SINK_CONFIG, tasks: [] }), 400, /unknown field\(s\) "tasks"/);
        expectError(await call('POST', '/connectors', { name: 'orders-sink', config: SINK_CONFIG, initial_state: 'ASLEEP' }), 400, /initial_state.*RUNNING, PAUSED, STOPPED/);
        expectError(await call('POST', '/connectors', { name: 'orders-sink', config: { ...SINK_CONFIG, topics: null } }), 400, /Null value can not be supplied as the configuration value\./);
        expectError(await call('POST', '/connectors', { name: 'orders-sink', config: { ...SINK_CONFIG, topics: ['a'] } }), 400, /config\["topics"\] in the request body is an array/);
        expect(herder.connectors()).toEqual([]);
      });

      it('refuses an invalid config with 400 and creates nothing', async () => {
        const response = await call('POST', '/connectors', { name: 'orders-sink', config: { 'connector.class': NULL_SINK_CLASS } });
        expectError(response, 400, /^Connector configuration is invalid and contains the following \d+ error\(s\):/);
        expect(herder.connectors()).toEqual([]);
      });

      it('refuses malformed JSON with 400 and another media type with 415', async () => {
        const malformed = await app.inject({ method: 'POST', url: '/connectors', payload: '{"name": ', headers: { 'content-type': 'application/json' } });
        expectError(malformed, 400, /^The request body is not valid JSON: /);
        const text = await app.inject({ method: 'POST', url: '/connectors', payload: 'name=x', headers: { 'content-type': 'text/plain' } });
        expectError(text, 415, 'HTTP 415 Unsupported Media Type');
      });

      it('keeps special characters in names: URL-decoded in paths, encoded in Location', async () => {
        const name = 'orders sink/é?#%';
        const response = await create(name);
        expect(response.headers['location']).toBe(`/connectors/${encodeURIComponent(name)}`);
        expectConnectorInfo(expectJson(await call('GET', response.headers['location'] as string)), name, SINK_CONFIG);
      });
    });

    describe('GET /connectors', () => {
      it('lists the names', async () => {
        expect(expectJson(await call('GET', '/connectors'))).toEqual([]);
        await create('a');
        await create('b');
        expect((expectJson(await call('GET', '/connectors/')) as string[]).sort()).toEqual(['a', 'b']);
      });

      it('expands status and info, repeatably, and ignores unknown expansions', async () => {
        await create('a');
        const both = expectJson(await call('GET', '/connectors?expand=status&expand=info')) as Record<string, { status: unknown; info: unknown }>;
        expect(Object.keys(both)).toEqual(['a']);
        expect(both['a']!.info).toEqual(herder.info('a'));
        expect(both['a']!.status).toMatchObject({ name: 'a', connector: { state: herder.status('a').connector.state }, type: 'sink' });
        expect(expectJson(await call('GET', '/connectors?expand=info'))).toEqual({ a: { info: herder.info('a') } });
        expect(expectJson(await call('GET', '/connectors?expand=nothing'))).toEqual({ a: {} });
      });
    });

    describe('/connectors/{c}', () => {
      it('GET answers ConnectorInfo, 404 for an unknown connector', async () => {
        await create();
        expectConnectorInfo(expectJson(await call('GET', '/connectors/orders-sink')), 'orders-sink', SINK_CONFIG);
        expectError(await call('GET', '/connectors/nope'), 404, 'Connector nope not found');
      });

      it('DELETE answers 204 with no body, and the connector is gone', async () => {
        await create();
        expectEmpty(await call('DELETE', '/connectors/orders-sink'), 204);
        expectError(await call('GET', '/connectors/orders-sink'), 404, 'Connector orders-sink not found');
        expectError(await call('DELETE', '/connectors/orders-sink'), 404, 'Connector orders-sink not found');
      });
    });

    describe('/connectors/{c}/config', () => {
      it('GET answers the flat map as stored, placeholders and secrets as written', async () => {
        const config = { ...SINK_CONFIG, 'connection.password': '${file:/etc/sluice/secrets.properties:password}' };
        await create('orders-sink', config);
        expect(expectJson(await call('GET', '/connectors/orders-sink/config'))).toEqual({ ...config, name: 'orders-sink' });
      });

      it('PUT creates (201, Location) then updates (200, no Location)', async () => {
        const created = await call('PUT', '/connectors/orders-sink/config', SINK_CONFIG);
        expect(created.headers['location']).toBe('/connectors/orders-sink');
        expectConnectorInfo(expectJson(created, 201), 'orders-sink', SINK_CONFIG);
        const changed = { ...SINK_CONFIG, topics: 'orders,customers' };
        const updated = await call('PUT', '/connectors/orders-sink/config', { ...changed, name: 'orders-sink' });
        expect(updated.headers['location']).toBeUndefined();
        expectConnectorInfo(expectJson(updated), 'orders-sink', changed);
        expect(herder.config('orders-sink')).toEqual({ ...changed, name: 'orders-sink' });
      });

      it('PUT refuses a name that differs from the URL, and a body that is not a map of strings', async () => {
        expectError(await call('PUT', '/connectors/orders-sink/config', { ...SINK_CONFIG, name: 'other' }), 400, CONFLICTING_NAME);
        expectError(await call('PUT', '/connectors/orders-sink/config', [SINK_CONFIG]), 400, /^The connector config is an array/);
        expectError(await call('PUT', '/connectors/orders-sink/config', { ...SINK_CONFIG, 'tasks.max': { n: 1 } }), 400, /^"tasks.max" in the connector config is an object/);
        expect(herder.connectors()).toEqual([]);
      });

      it('PATCH merges, a null removes a key; 404 for an unknown connector', async () => {
        await create('orders-sink', { ...SINK_CONFIG, 'errors.tolerance': 'all' });
        const patched = await call('PATCH', '/connectors/orders-sink/config', { topics: 'customers', 'errors.tolerance': null });
        expectConnectorInfo(expectJson(patched), 'orders-sink', { ...SINK_CONFIG, topics: 'customers' });
        expect(herder.config('orders-sink')).toEqual({ ...SINK_CONFIG, topics: 'customers', name: 'orders-sink' });
        expectError(await call('PATCH', '/connectors/nope/config', { topics: 'x' }), 404, 'Connector nope not found');
      });
    });

    describe('status and tasks', () => {
      it('GET status answers ConnectorStateInfo', async () => {
        await create();
        const status = expectJson(await call('GET', '/connectors/orders-sink/status'));
        expect(status).toEqual({
          name: 'orders-sink',
          connector: { state: expect.any(String), worker_id: herder.workerId },
          tasks: herder.status('orders-sink').tasks.map((task) => ({ id: task.id, state: task.state, worker_id: task.worker_id })),
          type: 'sink',
        });
        expectError(await call('GET', '/connectors/nope/status'), 404, 'Connector nope not found');
      });

      it('GET tasks answers each task id and config', async () => {
        await create();
        const tasks = expectJson(await call('GET', '/connectors/orders-sink/tasks')) as { id: unknown; config: unknown }[];
        expect(tasks).toEqual(JSON.parse(JSON.stringify(herder.taskConfigs('orders-sink'))));
        for (const task of tasks) expect(task).toEqual({ id: { connector: 'orders-sink', task: expect.any(Number) }, config: expect.any(Object) });
        expectError(await call('GET', '/connectors/nope/tasks'), 404, 'Connector nope not found');
      });

      it('GET a task status answers its state; 404 for a task id that is not a number or not there', async () => {
        await create();
        const [task] = herder.taskConfigs('orders-sink');
        expect(task).toBeDefined();
        const status = expectJson(await call('GET', `/connectors/orders-sink/tasks/${task!.id.task}/status`));
        expect(status).toEqual({ id: task!.id.task, state: herder.taskStatus('orders-sink', task!.id.task).state, worker_id: herder.workerId });
        expectError(await call('GET', '/connectors/orders-sink/tasks/first/status'), 404, 'HTTP 404 Not Found');
        expect((await call('GET', '/connectors/orders-sink/tasks/99/status')).statusCode).toBe(404);
        expectError(await call('GET', '/connectors/nope/tasks/0/status'), 404, 'Connector nope not found');
      });
    });

    describe('pause, resume, stop, restart', () => {
      it('pause answers 202 with no body, and the connector is PAUSED', async () => {
        await create();
        expectEmpty(await call('PUT', '/connectors/orders-sink/pause'), 202);
        expect((await stateOf('orders-sink')).connector.state).toBe('PAUSED');
      });

      it('stop answers 204; the status shows STOPPED and no tasks; resume answers 202 and runs it again', async () => {
        await create();
        expectEmpty(await call('PUT', '/connectors/orders-sink/stop'), 204);
        expect(await stateOf('orders-sink')).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
        expectEmpty(await call('PUT', '/connectors/orders-sink/resume'), 202);
        expect((await stateOf('orders-sink')).connector.state).toBe('RUNNING');
      });

      it('takes an empty JSON body on state changes, as curl sends with a Content-Type and no data', async () => {
        await create();
        const response = await app.inject({ method: 'PUT', url: '/connectors/orders-sink/pause', headers: { 'content-type': 'application/json' } });
        expectEmpty(response, 202);
      });

      it('answers 404 for an unknown connector on every state change', async () => {
        for (const [method, path] of [['PUT', 'pause'], ['PUT', 'resume'], ['PUT', 'stop'], ['POST', 'restart'], ['POST', 'tasks/0/restart']] as const) {
          expectError(await call(method, `/connectors/nope/${path}`), 404, 'Connector nope not found');
        }
      });

      it('restart without flags answers 204 with no body', async () => {
        await create();
        expectEmpty(await call('POST', '/connectors/orders-sink/restart'), 204);
        expectEmpty(await call('POST', '/connectors/orders-sink/restart?includeTasks=false&onlyFailed=false'), 204);
      });

      it('restart with includeTasks answers 202 with the tasks RESTARTING', async () => {
        await create();
        const status = expectJson(await call('POST', '/connectors/orders-sink/restart?includeTasks=true'), 202) as { name: string; tasks: { state: string }[] };
        expect(status.name).toBe('orders-sink');
        expect(status.tasks.length).toBeGreaterThan(0);
        for (const task of status.tasks) expect(task.state).toBe('RESTARTING');
      });

      it('restart with onlyFailed answers 202 with the status', async () => {
        await create();
        expect(expectJson(await call('POST', '/connectors/orders-sink/restart?onlyFailed=TRUE'), 202)).toMatchObject({ name: 'orders-sink', type: 'sink' });
      });

      it('restarting a task answers 204', async () => {
        await create();
        expectEmpty(await call('POST', '/connectors/orders-sink/tasks/0/restart'), 204);
        expectError(await call('POST', '/connectors/orders-sink/tasks/x/restart'), 404, 'HTTP 404 Not Found');
      });
    });

    describe('topics', () => {
      it('GET answers {"<c>": {"topics": [...]}}; PUT reset answers 202 and empties it', async () => {
        await create();
        expect(expectJson(await call('GET', '/connectors/orders-sink/topics'))).toEqual({ 'orders-sink': { topics: herder.topics('orders-sink') } });
        expectEmpty(await call('PUT', '/connectors/orders-sink/topics/reset'), 202);
        expect(herder.topics('orders-sink')).toEqual([]);
        expectError(await call('GET', '/connectors/nope/topics'), 404, 'Connector nope not found');
        expectError(await call('PUT', '/connectors/nope/topics/reset'), 404, 'Connector nope not found');
      });
    });

    describe('offsets', () => {
      const offsets = [{ partition: { kafka_topic: 'orders', kafka_partition: 0 }, offset: { kafka_offset: 42 } }];

      it('GET answers {"offsets": [...]} as the herder has them', async () => {
        await create();
        expect(expectJson(await call('GET', '/connectors/orders-sink/offsets'))).toEqual({ offsets: await herder.offsets('orders-sink') });
        expectError(await call('GET', '/connectors/nope/offsets'), 404, 'Connector nope not found');
      });

      it('PATCH and DELETE need the connector STOPPED', async () => {
        await create();
        expectError(await call('PATCH', '/connectors/orders-sink/offsets', { offsets }), 400, NOT_STOPPED);
        expectError(await call('DELETE', '/connectors/orders-sink/offsets'), 400, NOT_STOPPED);
      });

      it('PATCH alters and DELETE resets a stopped connector, with Connect’s messages', async () => {
        await create('orders-sink', SINK_CONFIG, { initial_state: 'STOPPED' });
        const altered = await call('PATCH', '/connectors/orders-sink/offsets', { offsets });
        expect(expectJson(altered)).toEqual({ message: 'The offsets for this connector have been altered successfully' });
        expect(expectJson(await call('GET', '/connectors/orders-sink/offsets'))).toEqual({ offsets: await herder.offsets('orders-sink') });
        const reset = await call('DELETE', '/connectors/orders-sink/offsets');
        expect(expectJson(reset)).toEqual({ message: 'The offsets for this connector have been reset successfully' });
        expect(await herder.offsets('orders-sink')).toEqual([]);
      });

      it('PATCH refuses a body without offsets', async () => {
        await create('orders-sink', SINK_CONFIG, { initial_state: 'STOPPED' });
        const missing = 'Partitions / offsets need to be provided for an alter offsets request';
        expectError(await call('PATCH', '/connectors/orders-sink/offsets', { offsets: [] }), 400, missing);
        expectError(await call('PATCH', '/connectors/orders-sink/offsets', {}), 400, missing);
        expectError(await call('PATCH', '/connectors/orders-sink/offsets', { offsets: [{ partition: 'orders' }] }), 400, /^offsets\[0\]\["partition"\] in the request body is a string/);
      });
    });

    describe('/connector-plugins', () => {
      it('lists connector plugins by default, every plugin with connectorsOnly=false', async () => {
        const connectors = expectJson(await call('GET', '/connector-plugins')) as { class: string; type: string }[];
        expect(connectors).toEqual(herder.plugins(true));
        expect(connectors.map((plugin) => plugin.class)).toContain(NULL_SINK_CLASS);
        for (const plugin of connectors) expect(['source', 'sink']).toContain(plugin.type);
        expect(expectJson(await call('GET', '/connector-plugins?connectorsOnly=false'))).toEqual(herder.plugins(false));
      });

      it('GET config answers the plugin’s ConfigKeyInfos', async () => {
        const keys = expectJson(await call('GET', `/connector-plugins/${NULL_SINK_CLASS}/config`)) as { name: string }[];
        expect(keys).toEqual(herder.pluginConfig(NULL_SINK_CLASS));
        expect(keys.map((key) => key.name)).toContain('topics');
      });

      it('validate answers 200 with ConfigInfos whether or not the config is valid', async () => {
        const valid = expectJson(await call('PUT', `/connector-plugins/${NULL_SINK_CLASS}/config/validate`, { ...SINK_CONFIG, name: 'x' })) as { error_count: number };
        expect(valid).toEqual(herder.validate(NULL_SINK_CLASS, { ...SINK_CONFIG, name: 'x' }));
        expect(valid.error_count).toBe(0);
        const invalid = expectJson(await call('PUT', `/connector-plugins/${NULL_SINK_CLASS}/config/validate`, { 'connector.class': NULL_SINK_CLASS })) as { error_count: number };
        expect(invalid.error_count).toBeGreaterThan(0);
      });

      it('validate counts a null value as an error on its key', async () => {
        const url = `/connector-plugins/${NULL_SINK_CLASS}/config/validate`;
        const answer = expectJson(await call('PUT', url, { ...SINK_CONFIG, name: 'x', 'errors.tolerance': null })) as {
          error_count: number;
          configs: { value: { name: string; errors: string[] } }[];
        };
        expect(answer.error_count).toBe(herder.validate(NULL_SINK_CLASS, { ...SINK_CONFIG, name: 'x' }).error_count + 1);
        expect(answer.configs.find((config) => config.value.name === 'errors.tolerance')!.value.errors).toContain('Null value can not be supplied as the configuration value.');
      });

      it('validate compares connector.class with the URL as Connect does: by suffix, without a trailing "Connector"', async () => {
        expect((await call('PUT', `/connector-plugins/${NULL_SINK_CLASS}Connector/config/validate`, SINK_CONFIG)).statusCode).toBe(200);
        const mismatch = await call('PUT', '/connector-plugins/PostgresConnector/config/validate', SINK_CONFIG);
        expectError(mismatch, 400, `Included connector type ${NULL_SINK_CLASS} does not match request type PostgresConnector`);
        expectError(await call('PUT', `/connector-plugins/${NULL_SINK_CLASS}/config/validate`, { topics: 'orders' }), 400, 'Connector config {topics=orders} contains no connector type');
      });
    });

    describe('/admin/loggers', () => {
      it('lists the root logger; PUT sets a level and answers the loggers it changed', async () => {
        expect(expectJson(await call('GET', '/admin/loggers'))).toMatchObject({ root: { level: expect.any(String), last_modified: null } });
        expect(expectJson(await call('PUT', '/admin/loggers/sluice.rest', { level: 'DEBUG' }))).toEqual(['sluice.rest']);
        expect(expectJson(await call('GET', '/admin/loggers/sluice.rest'))).toEqual({ level: 'DEBUG', last_modified: expect.any(Number) });
        expect(expectJson(await call('GET', '/admin/loggers'))).toHaveProperty(['sluice.rest', 'level'], 'DEBUG');
      });

      it('answers 204 for the cluster scope', async () => {
        expectEmpty(await call('PUT', '/admin/loggers/sluice.rest?scope=cluster', { level: 'warn' }), 204);
        expect(expectJson(await call('GET', '/admin/loggers/sluice.rest'))).toMatchObject({ level: 'WARN' });
      });

      it('refuses a missing level (400), an unknown level and an unknown logger (404) in Connect’s words', async () => {
        expectError(await call('PUT', '/admin/loggers/sluice.rest', {}), 400, "Desired 'level' parameter was not specified in request.");
        expectError(await call('PUT', '/admin/loggers/sluice.rest', { level: 'LOUD' }), 404, "invalid log level 'LOUD'.");
        expectError(await call('GET', '/admin/loggers/no.such.logger'), 404, 'Logger no.such.logger not found.');
      });
    });

    it('answers 404 "HTTP 404 Not Found" for a path no route serves, 400 for a malformed URL', async () => {
      expectError(await call('GET', '/no/such/path'), 404, 'HTTP 404 Not Found');
      expectError(await call('GET', '/connectors/%E0%A4'), 400, 'HTTP 400 Bad Request');
    });
  });
}
