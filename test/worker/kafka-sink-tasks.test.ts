/**
 * A sink connector's `tasks.max` in Kafka mode: two workers of one group (in this process, on one
 * mock cluster) run its tasks, one each, as members of the connector's consumer group sharing the
 * topic's partitions; every worker reports every task; fewer tasks take the extra ones away and
 * forget their states; a restart of one task reaches the worker running it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { fileSinkConfig, workerDir } from '../support/connectors.js';
import { startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { openKafkaWorker } from '../support/kafka-worker.js';
import { waitFor } from '../support/wait.js';

const TOPIC = 'sales';
const SINK = 'sales-sink';
const RECORDS = 40;

describe('Kafka mode: a sink connector with several tasks', () => {
  let kafka: MockKafka;
  const herders: DistributedHerder[] = [];
  const out = workerDir();

  async function worker(port: number): Promise<DistributedHerder> {
    const herder = await openKafkaWorker(kafka, { group: 'sink-tasks', port, env: { SLUICE_REST_ADVERTISED_HOST_NAME: '127.0.0.1', SLUICE_HEARTBEAT_INTERVAL_MS: '500' } });
    herders.push(herder);
    return herder;
  }

  beforeAll(async () => {
    kafka = await startMockKafka(1);
    await kafka.produce(TOPIC, Array.from({ length: RECORDS }, (_, id) => ({ key: `{"id":${id}}`, value: `{"id":${id}}` })));
  });
  afterAll(async () => {
    await Promise.all(herders.map((herder) => herder.shutdown()));
    await kafka?.stop();
  });

  const written = (): Set<number> =>
    new Set(existsSync(out.eventsFile) ? readFileSync(out.eventsFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { value: { id: number } }).value.id) : []);
  const statusRecords = async (task: number) =>
    (await kafka.readTopic('connect-status')).filter((record) => record.key === `status-task-${SINK}-${task}`).map((record) => (record.value === null ? null : (JSON.parse(record.value) as { state: string; worker_id: string })));

  it('runs tasks.max tasks, spread over the workers, which share the partitions and deliver every record', { timeout: 90_000 }, async () => {
    const [a, b] = [await worker(18101), await worker(18102)];
    await Promise.all([a.start(), b.start()]);
    await waitFor(() => a.members().length === 2 && b.members().length === 2, 15_000, 'both workers to see each other');
    const config = fileSinkConfig(out.eventsFile, {
      'topics.regex': '',
      topics: TOPIC,
      'tasks.max': '2',
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
      'consumer.override.session.timeout.ms': '6000',
    });
    await waitFor(async () => (await a.create(SINK, config).then(() => true, () => false)), 15_000, 'the connector created (no rebalance under way)');

    expect(a.info(SINK).tasks).toEqual([{ connector: SINK, task: 0 }, { connector: SINK, task: 1 }]);
    expect(a.taskConfigs(SINK).map((task) => [task.id.task, task.config['tasks.max']])).toEqual([[0, '2'], [1, '2']]);
    // Each worker runs one task, and both say so for both tasks.
    const running = (herder: DistributedHerder) => herder.status(SINK).tasks.filter((task) => task.state === 'RUNNING').map((task) => `${task.id}@${task.worker_id}`).sort();
    await waitFor(() => running(a).length === 2 && JSON.stringify(running(a)) === JSON.stringify(running(b)), 20_000, 'both tasks RUNNING, seen alike by both workers');
    expect(new Set(a.status(SINK).tasks.map((task) => task.worker_id))).toEqual(new Set([a.workerId, b.workerId]));

    // Both tasks hold partitions of the topic, and between them every record is written.
    await waitFor(() => a.topics(SINK).includes(TOPIC) && b.topics(SINK).includes(TOPIC), 30_000, 'each task to hold partitions of the topic');
    await waitFor(() => written().size === RECORDS, 30_000, 'every record written');
    expect([...written()].sort((x, y) => x - y)).toEqual(Array.from({ length: RECORDS }, (_, id) => id));
  });

  it('restarts one task where it runs, and with fewer tasks takes the extra ones away and forgets their states', { timeout: 90_000 }, async () => {
    const [a, b] = herders as [DistributedHerder, DistributedHerder];
    const taskOnB = a.status(SINK).tasks.find((task) => task.worker_id === b.workerId)!.id;
    const before = (await statusRecords(taskOnB)).length;
    // Asked of A, carried out by B: the task goes through RESTARTING and runs again.
    await a.restartTask(SINK, taskOnB);
    await waitFor(async () => (await statusRecords(taskOnB)).slice(before).some((status) => status?.state === 'RESTARTING' && status.worker_id === b.workerId), 15_000, 'B to restart its task');
    await waitFor(() => b.status(SINK).tasks[taskOnB]?.state === 'RUNNING', 15_000, 'the task running again');

    await waitFor(async () => (await a.patchConfig(SINK, { 'tasks.max': '1' }).then(() => true, () => false)), 15_000, 'the config changed (no rebalance under way)');
    await waitFor(() => a.status(SINK).tasks.length === 1 && b.status(SINK).tasks.length === 1, 15_000, 'one task left, on both workers');
    expect(a.info(SINK).tasks).toEqual([{ connector: SINK, task: 0 }]);
    await waitFor(async () => (await statusRecords(1)).at(-1) === null, 15_000, 'task 1 forgotten in the status topic');
    expect(() => a.taskStatus(SINK, 1)).toThrow(/not found/);
    // The one task left takes every partition.
    const owner = herders.find((herder) => herder.workerId === a.status(SINK).tasks[0]!.worker_id)!;
    const other = herders.find((herder) => herder !== owner)!;
    await waitFor(() => owner.topics(SINK).includes(TOPIC) && other.topics(SINK).length === 0, 30_000, 'the remaining task to hold the topic alone');
  });
});
