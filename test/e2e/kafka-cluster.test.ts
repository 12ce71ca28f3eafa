/**
 * Kafka mode end to end: two workers of one group, each a child process on the mock Kafka cluster,
 * share a Postgres source (into Kafka topics) and a JSON-lines sink (out of them). Connectors made
 * through one worker's REST API are seen and spread by both; killing the worker that runs the
 * source with SIGKILL moves it to the other, which resumes from the offsets in Kafka, and the sink
 * ends up with every change. The internal topics hold Kafka Connect's records, read back raw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { freePort } from '../../src/embedded/postgres-server.js';
import { readEvents, rebuild, sortedRows } from '../support/change-log.js';
import { fileSinkConfig, postgresSourceConfig, workerDir } from '../support/connectors.js';
import { startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { kafkaWorkerProcessSettings } from '../support/kafka-worker.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { createItemsTable, selectItems, startWorkload } from '../support/workload.js';

const ROWS = 5_000;

interface Worker {
  id: string;
  url: string;
  process: WorkerProcess;
}

interface Status {
  connector: { state: string; worker_id: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
}

async function call<T>(worker: Worker, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, worker.url), {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

async function statusOf(worker: Worker, connector: string): Promise<Status | null> {
  const { status, body } = await call<Status>(worker, 'GET', `/connectors/${connector}/status`).catch(() => ({ status: 0, body: null }));
  return status === 200 ? body : null;
}

describe('Kafka mode: two workers of one group', () => {
  let kafka: MockKafka;
  let db: TestDatabase;
  const workers: Worker[] = [];

  beforeAll(async () => {
    kafka = await startMockKafka(3);
    db = await createTestDatabase('kafka_cluster');
    await createItemsTable(db.url, ROWS);
  });
  afterAll(async () => {
    for (const worker of workers) worker.process.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.process.exited));
    await kafka.stop();
    await db.drop();
  });

  const startWorker = async (): Promise<Worker> => {
    const port = await freePort();
    const dir = workerDir(kafkaWorkerProcessSettings(kafka, 'sluice-e2e', port));
    const worker = { id: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}/`, process: startWorkerProcess(dir.configFile, []) };
    workers.push(worker);
    await waitFor(async () => (await call(worker, 'GET', '/').catch(() => ({ status: 0 }))).status === 200, 60_000, `worker ${worker.id} to serve REST`, 200).catch((error: Error) => {
      throw new Error(`${error.message}; its log:\n${worker.process.stderr().slice(-5000)}`);
    });
    return worker;
  };

  it('share connectors, move the killed worker’s source to the other, and lose no change', { timeout: 240_000 }, async () => {
    const [first, second] = [await startWorker(), await startWorker()];
    const eventsFile = `${workerDir().dir}/events.jsonl`;
    const slot = postgresSourceConfig(db.url)['slot.name']!;

    // A write that meets a rebalance (the second worker joining) answers 409: try again, as Connect's clients do.
    const create = (worker: Worker, name: string, config: Record<string, string>) =>
      waitFor(
        async () => {
          const { status } = await call(worker, 'POST', '/connectors', { name, config });
          if (status !== 409) expect(status).toBe(201);
          return status === 201;
        },
        30_000,
        `${name} created`,
        200,
      );
    await create(first, 'source', postgresSourceConfig(db.url));
    await create(second, 'sink', fileSinkConfig(eventsFile));
    for (const worker of [first, second]) {
      await waitFor(async () => JSON.stringify((await call<string[]>(worker, 'GET', '/connectors')).body) === '["sink","source"]', 30_000, `${worker.id} to list both connectors`, 200);
    }
    const running = async (connector: string) => {
      const status = await statusOf(first, connector);
      return status?.tasks[0]?.state === 'RUNNING' ? status.tasks[0].worker_id : null;
    };
    // One connector on each worker, once both are in the group.
    await waitFor(
      async () => {
        const placed = [await running('source'), await running('sink')];
        return placed.includes(first.id) && placed.includes(second.id);
      },
      60_000,
      'one connector RUNNING on each worker',
      200,
    );

    const workload = startWorkload(db.url, { maxId: ROWS, seed: 11 });
    const eventsText = () => (existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8') : '');
    await waitFor(() => eventsText().includes('"snapshot":"last"'), 120_000, 'the snapshot in the sink', 500);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // The worker running the source dies; the other takes the source within a session and more.
    const victim = (await running('source')) === first.id ? first : second;
    const survivor = victim === first ? second : first;
    victim.process.child.kill('SIGKILL');
    expect(await victim.process.exited).toBeNull();
    await waitFor(
      async () => {
        const status = await statusOf(survivor, 'source');
        return status?.tasks[0]?.state === 'RUNNING' && status.tasks[0].worker_id === survivor.id;
      },
      30_000,
      'the source RUNNING on the surviving worker within 30 s',
      200,
    );
    await waitFor(async () => (await statusOf(survivor, 'sink'))?.tasks[0]?.worker_id === survivor.id, 30_000, 'the sink on the surviving worker', 200);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await workload.stop();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await writeAndWaitForSlot(client, slot, `INSERT INTO items VALUES (-1, 0, 'marker')`, 120_000);
    await client.end();
    // The marker is on one of the topic's partitions; the sink may still be reading the others.
    const table = await selectItems(db.url);
    const captured = () => sortedRows(rebuild(readEvents(eventsFile), 'test.public.items'), 'id');
    await waitFor(() => eventsText().includes('"note":"marker"') && JSON.stringify(captured()) === JSON.stringify(table), 60_000, 'every change in the sink', 500);
    expect(captured()).toEqual(table);

    // Connect's records in the internal topics.
    const configs = await kafka.readTopic('connect-configs');
    const sourceConfig = configs.filter((record) => record.key === 'connector-source').at(-1)!;
    expect(JSON.parse(sourceConfig.value!)).toEqual({ properties: expect.objectContaining({ 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', name: 'source' }) });
    expect(configs.map((record) => record.key)).toEqual(expect.arrayContaining(['target-state-source', 'task-source-0', 'commit-source']));
    expect(JSON.parse(configs.filter((record) => record.key === 'commit-source').at(-1)!.value!)).toEqual({ tasks: 1 });
    const offsets = await kafka.readTopic('connect-offsets');
    const sourceOffset = offsets.filter((record) => record.key === '["source",{"server":"test"}]').at(-1)!;
    expect(JSON.parse(sourceOffset.value!)).toEqual(expect.objectContaining({ lsn: expect.any(Number) }));
    const status = await kafka.readTopic('connect-status');
    const taskStatus = status.filter((record) => record.key === 'status-task-source-0').at(-1)!;
    expect(JSON.parse(taskStatus.value!)).toEqual({ state: 'RUNNING', trace: null, worker_id: survivor.id, generation: expect.any(Number) });
  });
});
