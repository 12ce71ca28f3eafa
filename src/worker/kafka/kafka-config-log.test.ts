import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { useMockKafka } from '../../../test/support/kafka-mock.js';
import type { InternalTopic } from './internal-topics.js';
import { KafkaConfigLog, type ConfigChange } from './kafka-config-log.js';

const cluster = useMockKafka();
let topics = 0;
const freshTopic = (): InternalTopic => ({ name: `configs-${++topics}`, partitions: 1, replicationFactor: 3 });

async function openLog(topic: InternalTopic, options: { onChange?: (change: ConfigChange) => void; logger?: Logger } = {}): Promise<KafkaConfigLog> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const log = await KafkaConfigLog.open({ kafka: cluster.kafka, client: cluster.mock.clientConfig(), topic, logger, topicCreationTimeoutMs: 50, onChange: options.onChange });
  cluster.closeAfterEach(log);
  return log;
}

/** Collects changes; `until` resolves once a change matching the predicate has arrived. */
function changeRecorder() {
  const changes: ConfigChange[] = [];
  const waiting: Array<{ match: (c: ConfigChange) => boolean; resolve: () => void }> = [];
  return {
    changes,
    onChange(change: ConfigChange) {
      changes.push(change);
      for (const waiter of waiting.filter((w) => w.match(change))) waiter.resolve();
    },
    until(match: (c: ConfigChange) => boolean): Promise<void> {
      return changes.some(match) ? Promise.resolve() : new Promise((resolve) => waiting.push({ match, resolve }));
    },
  };
}

const orders = { name: 'orders', 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', 'tasks.max': '1', 'topic.prefix': 'shop' };
const task0 = { ...orders, 'task.id': '0' };
const task1 = { ...orders, 'task.id': '1' };

describe('KafkaConfigLog', () => {
  it('shows another worker a config as it is written, in the order it was written', async () => {
    const topic = freshTopic();
    const recorder = changeRecorder();
    const there = await openLog(topic, { onChange: recorder.onChange });
    const here = await openLog(topic);
    await here.putConnectorConfig('orders', orders, 'PAUSED');
    await here.putTaskConfigs('orders', [task0, task1]);

    await recorder.until((c) => c.kind === 'tasks');
    expect(recorder.changes).toEqual([
      { kind: 'target-state', connector: 'orders', state: 'PAUSED' },
      { kind: 'connector', connector: 'orders', removed: false },
      { kind: 'tasks', connector: 'orders', count: 2 },
    ]);
    expect(there.connectorNames()).toEqual(['orders']);
    expect(there.connectorConfig('orders')).toEqual(orders);
    expect(there.targetState('orders')).toBe('PAUSED');
    expect(there.taskConfigs('orders')).toEqual([task0, task1]);
  });

  it('writes Kafka Connect’s records, all to partition 0', async () => {
    const topic = freshTopic();
    const log = await openLog(topic);
    await log.putConnectorConfig('orders', orders);
    await log.putTaskConfigs('orders', [task0]);
    await log.putTargetState('orders', 'STOPPED');
    await log.putTargetState('orders', 'STARTED');
    await log.removeConnector('orders');

    const records = await cluster.mock.readTopic(topic.name);
    expect(records.map(({ partition, key, value }) => ({ partition, key, value }))).toEqual([
      { partition: 0, key: 'connector-orders', value: JSON.stringify({ properties: orders }) },
      { partition: 0, key: 'task-orders-0', value: JSON.stringify({ properties: task0 }) },
      { partition: 0, key: 'commit-orders', value: '{"tasks":1}' },
      { partition: 0, key: 'target-state-orders', value: '{"state":"PAUSED","state.v2":"STOPPED"}' },
      { partition: 0, key: 'target-state-orders', value: '{"state":"STARTED","state.v2":"STARTED"}' },
      { partition: 0, key: 'connector-orders', value: null },
      { partition: 0, key: 'target-state-orders', value: null },
    ]);
  });

  it('reads a topic Connect wrote, keeping the previous tasks when a commit lacks task configs', async () => {
    const topic = freshTopic();
    const producer = new cluster.kafka.KafkaJS.Kafka(cluster.mock.clientConfig()).producer();
    await producer.connect();
    const send = (key: string, value: unknown) => producer.send({ topic: topic.name, messages: [{ key, value: value === null ? null : JSON.stringify(value), partition: 0 }] });
    await send('connector-legacy', { properties: orders });
    await send('target-state-legacy', { state: 'PAUSED' });
    await send('task-legacy-0', { properties: task0 });
    await send('commit-legacy', { tasks: 1 });
    await send('session-key', { key: 'c2VjcmV0', algorithm: 'HmacSHA256', 'creation-timestamp': 1 });
    await send('task-legacy-0', { properties: task1 });
    await send('commit-legacy', { tasks: 2 });
    await send('connector-broken', { properties: { 'tasks.max': 1 } });
    await producer.disconnect();

    const log = await openLog(topic);
    expect(log.connectorNames()).toEqual(['legacy']);
    expect(log.targetState('legacy')).toBe('PAUSED');
    expect(log.taskConfigs('legacy')).toEqual([task0]);
  });

  it('carries restart requests to the other workers, of a whole connector or of one task', async () => {
    const topic = freshTopic();
    const recorder = changeRecorder();
    await openLog(topic, { onChange: recorder.onChange });
    const here = await openLog(topic);
    await here.requestRestart('orders', { includeTasks: true, onlyFailed: true });
    await here.requestRestart('orders', { includeTasks: true, onlyFailed: false, task: 1 });

    await recorder.until((c) => c.kind === 'restart' && c.request.task === 1);
    expect(recorder.changes).toEqual([
      { kind: 'restart', connector: 'orders', request: { includeTasks: true, onlyFailed: true } },
      { kind: 'restart', connector: 'orders', request: { includeTasks: true, onlyFailed: false, task: 1 } },
    ]);
    // Connect's format, plus the task for a restart of one task.
    expect((await cluster.mock.readTopic(topic.name)).map(({ key, value }) => [key, value])).toEqual([
      ['restart-connector-orders', '{"include-tasks":true,"only-failed":true}'],
      ['restart-connector-orders', '{"include-tasks":true,"only-failed":false,"task":1}'],
    ]);
  });

  it('forgets a removed connector, also after a restart', async () => {
    const topic = freshTopic();
    const log = await openLog(topic);
    await log.putConnectorConfig('a', { ...orders, name: 'a' });
    await log.putConnectorConfig('b', { ...orders, name: 'b' });
    await log.putTaskConfigs('b', [task0]);
    await log.removeConnector('b');
    expect(log.connectorNames()).toEqual(['a']);
    expect(log.connectorConfig('b')).toBeNull();
    expect(log.targetState('b')).toBeNull();
    await log.close();

    const reopened = await openLog(topic);
    expect(reopened.connectorNames()).toEqual(['a']);
    expect(reopened.connectorConfig('a')).toEqual({ ...orders, name: 'a' });
    expect(reopened.targetState('a')).toBe('STARTED');
    expect(reopened.taskConfigs('b')).toEqual([]);
  });

  it('warns that Connect needs a single partition when the topic has more', async () => {
    const warnings: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
        done();
      },
    });
    const topic = freshTopic();
    await openLog(topic, { logger: pino({ level: 'warn' }, sink) });
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`config topic ${topic.name} has 4 partitions; .* requires exactly 1`)));
  });
});
