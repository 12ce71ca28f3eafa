/**
 * The sink task's connection settings against fake nodes: TLS (the fake serving https with the test
 * CA's certificate for 127.0.0.1) and several `connection.url`s, one of them down.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { startFakeOpenSearch, type FakeOpenSearch } from '../../../test/support/fake-opensearch.js';
import { describeOnFake, fakeOpenSearchForEachTest } from '../../../test/support/opensearch-fixture.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';
import { capturingLogger } from '../../../test/support/source-task-harness.js';
import { forwardTcp, type TcpForwarder } from '../../../test/support/tcp-forwarder.js';
import { TEST_CA_FILE, testServerTls } from '../../../test/support/test-tls.js';
import { waitFor } from '../../../test/support/wait.js';
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

describeOnFake('the node serves the test CA\'s certificate', 'OpenSearch sink task over https', () => {
  const fake = fakeOpenSearchForEachTest({ refreshIntervalMs: null, tls: testServerTls() });
  let task: OpenSearchSinkTask | undefined;
  let forwarder: TcpForwarder | undefined;
  afterEach(async () => {
    await task?.stop();
    task = undefined;
    await forwarder?.close();
    forwarder = undefined;
  });

  /** Starts a task writing to the fake; with `otherAddress`, the task reaches the fake at 127.0.0.2, which its certificate does not name. */
  const start = async (settings: Record<string, string>, otherAddress = false) => {
    let url = fake.url;
    if (otherAddress) {
      forwarder = await forwardTcp('127.0.0.2', { host: '127.0.0.1', port: Number(new URL(fake.url).port) });
      url = `https://127.0.0.2:${forwarder.port}`;
    }
    const { logger, lines } = capturingLogger();
    const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': url, 'linger.ms': '600000', ...settings });
    task = new OpenSearchSinkTask(config);
    await task.start(sinkTaskContext({ connector: 'search', logger }));
    return { lines, url };
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

  it('fails for good, naming the host-name mismatch and the fix, when the certificate of a trusted CA names other hosts than the URL\'s', async () => {
    const { url } = await start({ 'connection.ssl.ca.file': TEST_CA_FILE }, true);
    const error = await rejectionOf(task!.put(orders(1, 1)));
    expect(error).toMatchObject({ code: 'OPENSEARCH_TLS', retriable: false });
    expect(error.message).toBe(
      `OpenSearch at ${url} presented a certificate for other host names than the URL's, for the index check (ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1): ` +
        'set connection.url to a host name or IP address the certificate names, or have the node\'s certificate issued for the one in the URL; connection.ssl.verify=false accepts any certificate and host name, for development only.',
    );
    // Once: one connection, never retried, and no request reached the node.
    expect(forwarder!.connections).toBe(1);
    expect(fake.requests).toEqual([]);
  });

  it('writes to a node whose certificate names other hosts under connection.ssl.verify=false', async () => {
    await start({ 'connection.ssl.verify': 'false' }, true);
    await task!.put(orders(1, 2));
    await task!.flush();
    expect(ids(fake)).toEqual([1, 2]);
    expect(forwarder!.connections).toBeGreaterThan(0);
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

describeOnFake('a node goes down and a port refuses connections', 'OpenSearch sink task with several connection.url', () => {
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

  /** Two nodes and a task writing to both, the first down from the start: orders 1 to 4 go to the second. */
  const twoNodesFirstDown = async () => {
    const [first, second] = [await startFake(), await startFake()];
    const { task } = await startOrdersSink(`${first.url},${second.url}`, { 'batch.size': '2', 'linger.ms': '600000', 'retry.backoff.ms': '10' });
    stopTask = () => task.stop();
    await first.down();
    await task.put(orders(1, 4));
    await task.flush();
    return { first, second, task };
  };

  it('writes to a node left out as dead once it is back and the other one goes down, before the client would try it again, losing nothing', async () => {
    const { first, second, task } = await twoNodesFirstDown();
    expect(ids(second)).toEqual(range(1, 4));

    // With no live node left, the client tries the ones it counts as dead.
    await first.up();
    await second.down();
    await task.put(orders(5, 10));
    await task.flush();
    expect(await task.preCommit(offsets(10))).toEqual(offsets(10));
    expect(ids(first)).toEqual(range(5, 10));
  });

  it('tries a node that was down again after the client\'s wait, and writes to it alone once the other one goes down, losing nothing', async () => {
    // The client leaves a dead node out for a minute by its clock (Date.now); the test moves that clock a minute on, not its timers.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      const { first, second, task } = await twoNodesFirstDown();
      await first.up();
      await task.put(orders(5, 8));
      await task.flush();
      // Back, but still counted as dead: everything went to the other node.
      expect(ids(second)).toEqual(range(1, 8));
      expect(first.requests).toEqual([]);

      vi.setSystemTime(Date.now() + 60_000);
      await task.put(orders(9, 10));
      await task.flush();
      await waitFor(() => first.requests.some((r) => r.method === 'HEAD' && r.path === '/' && r.status === 200), 10_000, 'the client to ping the node that was down');
      await task.put(orders(11, 14));
      await task.flush();
      expect(bulkRequests(first).length).toBeGreaterThan(0);

      await second.down();
      await task.put(orders(15, 20));
      await task.flush();
      expect(await task.preCommit(offsets(20))).toEqual(offsets(20));
      expect(ids(first).filter((id) => id > 14)).toEqual(range(15, 20));
      expect([...new Set([...ids(first), ...ids(second)])].sort((a, b) => a - b)).toEqual(range(1, 20));
    } finally {
      vi.useRealTimers();
    }
  });
});
