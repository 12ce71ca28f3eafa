/**
 * A Kafka-mode worker answers 409 to writes while it rebalances, as Connect does, and takes them
 * again once the new assignment is applied. The other members of its group are played by the test,
 * writing heartbeats and task states to the status topic as workers do: "g1" leaves, which moves a
 * source connector to this worker, while "g2", still alive, still reports that source RUNNING, so
 * the worker waits (the handoff) before it starts it, and stays rebalancing until g2 lets go.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestApp } from '../../src/worker/rest/app.js';
import { LoggerRegistry } from '../../src/worker/rest/logger-registry.js';
import { assignTasks } from '../../src/worker/kafka/connector-assignment.js';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { postgresSourceConfig } from '../support/connectors.js';
import { startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { openKafkaWorker } from '../support/kafka-worker.js';
import { waitFor } from '../support/wait.js';

const SELF = '127.0.0.1:18090';
/** The worker of a lone one-task connector's task among `workers`. */
const workerOf = (connector: string, workers: string[]): string | undefined => assignTasks(new Map([[connector, 1]]), workers).get(connector)?.[0];

describe('Kafka mode: 409 during a rebalance', () => {
  let kafka: MockKafka;
  let herder: DistributedHerder;

  beforeAll(async () => {
    kafka = await startMockKafka(1);
    herder = await openKafkaWorker(kafka, {
      group: 'rebalance',
      port: 18090,
      env: { SLUICE_REST_ADVERTISED_HOST_NAME: '127.0.0.1', SLUICE_SESSION_TIMEOUT_MS: '30000', SLUICE_HEARTBEAT_INTERVAL_MS: '1000' },
    });
  });
  afterAll(async () => {
    await herder.shutdown();
    await kafka.stop();
  });

  const heartbeat = (worker: string, alive: boolean) =>
    kafka.produce('connect-status', [{ key: `sluice-worker-${worker}`, value: alive ? JSON.stringify({ url: `http://${worker}/`, time: Date.now(), session_timeout_ms: 30000 }) : null }]);
  const taskState = (connector: string, worker: string, state: string) =>
    kafka.produce('connect-status', [{ key: `status-task-${connector}-0`, value: JSON.stringify({ state, trace: null, worker_id: worker, generation: 1 }) }]);

  it('refuses writes with 409 until the new assignment is applied, then takes them', { timeout: 60_000 }, async () => {
    // A source that g1 runs among three workers, and that moves here when g1 leaves.
    const name = Array.from({ length: 200 }, (_, n) => `source-${n}`).find(
      (candidate) => workerOf(candidate, [SELF, 'g1', 'g2']) === 'g1' && workerOf(candidate, [SELF, 'g2']) === SELF,
    )!;
    await heartbeat('g1', true);
    await heartbeat('g2', true);
    await herder.start();
    await waitFor(() => herder.members().length === 3, 10_000, 'three members');
    const app = createRestApp(herder, { loggers: new LoggerRegistry(pino({ level: 'silent' })) });
    const post = (connector: string, config: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/connectors', payload: { name: connector, config }, headers: { 'content-type': 'application/json' } });
    // An unreachable database: the source fails once it starts here, which is all this test needs of it.
    const source = postgresSourceConfig('postgres://u:p@127.0.0.1:9/db', { 'slot.name': 'rebalance' });
    await waitFor(async () => (await post(name, source)).statusCode === 201, 10_000, 'the group to settle and take the connector');
    expect(herder.status(name).tasks[0]?.worker_id).toBe('g1');

    await taskState(name, 'g2', 'RUNNING');
    await heartbeat('g1', false);
    await waitFor(() => herder.members().length === 2, 10_000, 'g1 to be gone');
    const refused = await post('other', { 'connector.class': 'NullSink', topics: 'orders' });
    expect([refused.statusCode, refused.json()]).toEqual([409, { error_code: 409, message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)' }]);
    const paused = await app.inject({ method: 'PUT', url: `/connectors/${name}/pause` });
    expect(paused.statusCode).toBe(409);

    // g2 lets go: the source starts here, the rebalance ends, and writes are taken again.
    await taskState(name, 'g2', 'UNASSIGNED');
    await waitFor(async () => (await post('other', { 'connector.class': 'NullSink', topics: 'orders' })).statusCode === 201, 20_000, 'writes taken again');
    expect(herder.status(name).tasks[0]?.worker_id).toBe(SELF);
    await app.close();
  });
});
