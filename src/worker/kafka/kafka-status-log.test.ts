import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useMockKafka } from '../../../test/support/kafka-mock.js';
import type { InternalTopic } from './internal-topics.js';
import { KafkaStatusLog, type StatusChange, type WorkerStatus } from './kafka-status-log.js';

const cluster = useMockKafka();
let topics = 0;
const freshTopic = (): InternalTopic => ({ name: `status-${++topics}`, partitions: 5, replicationFactor: 3 });

async function openLog(topic: InternalTopic, onChange?: (change: StatusChange) => void): Promise<KafkaStatusLog> {
  const logger = pino({ level: 'silent' });
  const log = await KafkaStatusLog.open({ kafka: cluster.kafka, client: cluster.mock.clientConfig(), topic, logger, topicCreationTimeoutMs: 50, onChange });
  cluster.closeAfterEach(log);
  return log;
}

const running: WorkerStatus = { state: 'RUNNING', trace: null, workerId: 'worker-a:8083', generation: 3 };
const failed: WorkerStatus = { state: 'FAILED', trace: 'Error: boom\n    at poll', workerId: 'worker-b:8083', generation: 4 };

describe('KafkaStatusLog', () => {
  it('shows another worker the states one worker wrote, as they arrive and after reading to the end', async () => {
    const topic = freshTopic();
    let sawTaskFailure!: () => void;
    const taskFailure = new Promise<void>((resolve) => (sawTaskFailure = resolve));
    const there = await openLog(topic, (change) => {
      if (change.task === 1 && change.status?.state === 'FAILED') sawTaskFailure();
    });
    const here = await openLog(topic);
    await here.putConnectorStatus('orders', running);
    await here.putTaskStatus('orders', 0, running);
    await here.putTaskStatus('orders', 1, failed);

    await taskFailure;
    await there.readToEnd();
    expect(there.connectorStatus('orders')).toEqual(running);
    expect(there.taskStatuses('orders')).toEqual([
      { task: 0, status: running },
      { task: 1, status: failed },
    ]);
  });

  it('writes Kafka Connect’s records, and tombstones when a connector is removed', async () => {
    const topic = freshTopic();
    const log = await openLog(topic);
    await log.putConnectorStatus('orders', running);
    await log.putTaskStatus('orders', 0, failed);
    await log.removeConnector('orders');
    expect(log.connectorStatus('orders')).toBeNull();
    expect(log.taskStatuses('orders')).toEqual([]);

    const records = await cluster.mock.readTopic(topic.name);
    expect(records.map(({ key, value }) => ({ key, value }))).toEqual(
      expect.arrayContaining([
        { key: 'status-connector-orders', value: '{"state":"RUNNING","trace":null,"worker_id":"worker-a:8083","generation":3}' },
        { key: 'status-task-orders-0', value: '{"state":"FAILED","trace":"Error: boom\\n    at poll","worker_id":"worker-b:8083","generation":4}' },
        { key: 'status-task-orders-0', value: null },
        { key: 'status-connector-orders', value: null },
      ]),
    );
    expect(records).toHaveLength(4);
    const reopened = await openLog(topic);
    expect(reopened.connectorStatus('orders')).toBeNull();
  });

  it('reads what Connect wrote, skipping its topic tracking and records not in the format', async () => {
    const topic = freshTopic();
    const producer = new cluster.kafka.KafkaJS.Kafka(cluster.mock.clientConfig()).producer();
    await producer.connect();
    await producer.send({
      topic: topic.name,
      messages: [
        { key: 'status-connector-legacy', value: '{"state":"PAUSED","trace":null,"worker_id":"10.0.0.1:8083","generation":7}' },
        { key: 'status-task-legacy-2', value: '{"state":"UNASSIGNED","worker_id":"10.0.0.1:8083","generation":7}' },
        { key: 'status-topic-shop.public.orders:connector-legacy', value: '{"topic":{"name":"shop.public.orders","connector":"legacy","task":0,"discoverTimestamp":1}}' },
        { key: 'status-task-legacy-3', value: '{"state":"ASLEEP","worker_id":"x","generation":1}' },
      ],
    });
    await producer.disconnect();

    const log = await openLog(topic);
    expect(log.connectorStatus('legacy')).toEqual({ state: 'PAUSED', trace: null, workerId: '10.0.0.1:8083', generation: 7 });
    expect(log.taskStatuses('legacy')).toEqual([{ task: 2, status: { state: 'UNASSIGNED', trace: null, workerId: '10.0.0.1:8083', generation: 7 } }]);
  });
});
