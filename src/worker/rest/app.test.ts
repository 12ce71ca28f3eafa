import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryHerder } from '../../../test/support/memory-herder.js';
import { describeRestContract, SINK_CONFIG } from '../../../test/support/rest-contract.js';
import { ConfigError } from '../../errors.js';
import { ConflictError } from '../herder-errors.js';
import { createRestApp } from './app.js';
import { LoggerRegistry } from './logger-registry.js';

describeRestContract(async () => new MemoryHerder());

async function appWith(herder: MemoryHerder) {
  await herder.create('orders-sink', { ...SINK_CONFIG, name: 'orders-sink' });
  return createRestApp(herder, { loggers: new LoggerRegistry(pino({ level: 'silent' })), commit: 'abc123', kafkaClusterId: 'cluster-1' });
}

describe('REST app over a herder in states the contract suite cannot reach', () => {
  it('answers the configured commit and Kafka cluster id', async () => {
    const app = await appWith(new MemoryHerder());
    expect((await app.inject({ method: 'GET', url: '/' })).json()).toEqual({ version: '0.0.0-memory', commit: 'abc123', kafka_cluster_id: 'cluster-1' });
  });

  it('shows the trace of a FAILED connector and task, and leaves it out otherwise', async () => {
    const herder = new MemoryHerder();
    const app = await appWith(herder);
    expect((await app.inject({ method: 'GET', url: '/connectors/orders-sink/status' })).json().connector).toEqual({ state: 'RUNNING', worker_id: herder.workerId });
    herder.failConnector('orders-sink', 'Error: boom\n    at start');
    herder.failTask('orders-sink', 'Error: task boom');
    const status = (await app.inject({ method: 'GET', url: '/connectors/orders-sink/status' })).json();
    expect(status.connector).toEqual({ state: 'FAILED', worker_id: herder.workerId, trace: 'Error: boom\n    at start' });
    expect(status.tasks).toEqual([{ id: 0, state: 'FAILED', worker_id: herder.workerId, trace: 'Error: task boom' }]);
    expect((await app.inject({ method: 'GET', url: '/connectors/orders-sink/tasks/0/status' })).json()).toEqual(status.tasks[0]);
  });

  it('restarts only the failed instances with onlyFailed', async () => {
    const herder = new MemoryHerder();
    const app = await appWith(herder);
    herder.failTask('orders-sink', 'Error: task boom');
    const response = await app.inject({ method: 'POST', url: '/connectors/orders-sink/restart?includeTasks=true&onlyFailed=true' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RESTARTING' }] });
  });

  it('answers the topics the connector used', async () => {
    const herder = new MemoryHerder();
    const app = await appWith(herder);
    herder.recordTopic('orders-sink', 'orders');
    expect((await app.inject({ method: 'GET', url: '/connectors/orders-sink/topics' })).json()).toEqual({ 'orders-sink': { topics: ['orders'] } });
  });

  it('maps ConflictError and ConfigError to 409 and 400, anything else to 500 with its message', async () => {
    const herder = new MemoryHerder();
    const app = await appWith(herder);
    const failWith = (error: Error) => {
      herder.pause = async () => {
        throw error;
      };
      return app.inject({ method: 'PUT', url: '/connectors/orders-sink/pause' });
    };
    const conflict = await failWith(new ConflictError());
    expect([conflict.statusCode, conflict.json()]).toEqual([409, { error_code: 409, message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)' }]);
    const config = await failWith(new ConfigError('slot.name is taken'));
    expect([config.statusCode, config.json()]).toEqual([400, { error_code: 400, message: 'slot.name is taken' }]);
    const crash = await failWith(new TypeError('cannot read x of undefined'));
    expect([crash.statusCode, crash.json()]).toEqual([500, { error_code: 500, message: 'cannot read x of undefined' }]);
  });

  it('leaves out connectors deleted while the expanded list is built', async () => {
    const herder = new MemoryHerder();
    const app = await appWith(herder);
    await herder.create('gone', { ...SINK_CONFIG, name: 'gone' });
    const info = herder.info.bind(herder);
    herder.info = (name) => {
      if (name === 'gone') void herder.delete('gone');
      return info(name);
    };
    expect(Object.keys((await app.inject({ method: 'GET', url: '/connectors?expand=info' })).json())).toEqual(['orders-sink']);
  });
});
