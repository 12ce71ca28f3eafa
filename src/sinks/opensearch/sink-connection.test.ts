/**
 * The sink task's connection settings against fake nodes: TLS (the fake serving https with the test
 * CA's certificate for 127.0.0.1) and several `connection.url`s, one of them down.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';
import { capturingLogger } from '../../../test/support/source-task-harness.js';
import { TEST_CA_FILE, testServerTls } from '../../../test/support/test-tls.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { orderUpdate, ORDERS_INDEX, startOrdersSink } from './orders-sink.fixture.js';
import { OpenSearchSinkTask } from './sink-task.js';

const offsets = (next: number) => new Map([[`${ORDERS_INDEX}:0`, next]]);
const orders = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => orderUpdate(from - 1 + i, from + i, 'placed'));
const ids = (fake: FakeOpenSearch) => [...fake.documents(ORDERS_INDEX).keys()].map(Number).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const bulkRequests = (fake: FakeOpenSearch) => fake.requests.filter((r) => r.path.endsWith('/_bulk'));

/** A URL of 127.0.0.1 where nothing listens: connections are refused. */
async function closedPortUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('OpenSearch sink task over https', () => {
  let fake: FakeOpenSearch;
  let task: OpenSearchSinkTask | undefined;
  afterEach(async () => {
    await task?.stop();
    task = undefined;
    await fake.close();
  });

  const start = async (settings: Record<string, string>) => {
    fake = await startFakeOpenSearch({ refreshIntervalMs: null, tls: testServerTls() });
    const { logger, lines } = capturingLogger();
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': fake.url, 'linger.ms': '600000', ...settings });
    task = new OpenSearchSinkTask(config);
    await task.start(sinkTaskContext({ connector: 'search', logger }));
    return { lines };
  };

  it('writes to a node whose certificate the CA in connection.ssl.ca.file signed', async () => {
    await start({ 'connection.ssl.ca.file': TEST_CA_FILE });
    expect(fake.url).toMatch(/^https:/);
    await task!.put(orders(1, 3));
    await task!.flush();
    expect(ids(fake)).toEqual([1, 2, 3]);
    expect(await task!.preCommit(offsets(3))).toEqual(offsets(3));
  });

  it('fails for good, naming the TLS keys, when the node\'s certificate is not trusted, and sends it nothing', async () => {
    await start({});
    const error = await rejectionOf(task!.put(orders(1, 1)));
    expect(error).toMatchObject({ code: 'OPENSEARCH_TLS', retriable: false });
    expect(error.message).toContain(`OpenSearch at ${fake.url} presented a certificate that is not trusted for the index check (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate)`);
    expect(error.message).toContain('set connection.ssl.ca.file');
    expect(error.message).toContain('connection.ssl.verify=false');
    expect(fake.requests).toEqual([]);
  });

  it('writes to any node under connection.ssl.verify=false, and warns when it starts', async () => {
    const { lines } = await start({ 'connection.ssl.verify': 'false' });
    await task!.put(orders(1, 2));
    await task!.flush();
    expect(ids(fake)).toEqual([1, 2]);
    const warnings = lines.filter((line) => line['level'] === 40 && line['key'] === 'connection.ssl.verify');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['msg']).toMatch(/^connection\.ssl\.verify=false: the OpenSearch nodes' certificates and host names are not checked/);
  });
});

describe('OpenSearch sink task with several connection.url', () => {
  const fakes: FakeOpenSearch[] = [];
  let stopTask: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopTask?.();
    stopTask = undefined;
    for (const fake of fakes.splice(0)) await fake.close();
  });

  const startFake = async () => {
    const fake = await startFakeOpenSearch({ refreshIntervalMs: null });
    fakes.push(fake);
    return fake;
  };

  it('sends every call to the live node, without a failed call, when the first URL refuses connections', async () => {
    const live = await startFake();
    const { task, client } = await startOrdersSink(`${await closedPortUrl()},${live.url}`, { 'batch.size': '2', 'linger.ms': '600000', 'max.retries': '0' });
    stopTask = () => task.stop();
    // The first call (the index check) went to the dead node first, and on to the live one at once.
    await task.put(orders(1, 5));
    await task.flush();
    expect(await task.preCommit(offsets(5))).toEqual(offsets(5));
    expect(ids(live)).toEqual(range(1, 5));
    // Every bulk request the sink made arrived at the live node and was answered there, with no retry allowed.
    expect(client.bulkCalls()).toHaveLength(3);
    expect(bulkRequests(live).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('spreads requests over the nodes, and keeps writing on the other one when a node goes down', async () => {
    const [first, second] = [await startFake(), await startFake()];
    const { task } = await startOrdersSink(`${first.url},${second.url}`, { 'batch.size': '2', 'linger.ms': '600000', 'retry.backoff.ms': '10' });
    stopTask = () => task.stop();
    await task.put(orders(1, 8));
    await task.flush();
    expect(bulkRequests(first).length).toBeGreaterThan(0);
    expect(bulkRequests(second).length).toBeGreaterThan(0);
    expect([...ids(first), ...ids(second)].sort((a, b) => a - b)).toEqual(range(1, 8));

    await first.down();
    await task.put(orders(9, 16));
    await task.flush();
    expect(await task.preCommit(offsets(16))).toEqual(offsets(16));
    expect(ids(second).filter((id) => id > 8)).toEqual(range(9, 16));
    expect(ids(first).filter((id) => id > 8)).toEqual([]);
  });
});
