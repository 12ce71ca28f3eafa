import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useMockKafka } from '../../../test/support/kafka-mock.js';
import type { InternalTopic } from './internal-topics.js';
import { KafkaOffsetStore } from './kafka-offset-store.js';

const cluster = useMockKafka();
let topics = 0;

const freshTopic = (): InternalTopic => ({ name: `offsets-${++topics}`, partitions: 25, replicationFactor: 3 });

async function openStore(topic: InternalTopic, logger = pino({ level: 'silent' })): Promise<KafkaOffsetStore> {
  // The mock cluster cannot create topics: fail fast and let it auto-create them.
  const store = await KafkaOffsetStore.open({ kafka: cluster.kafka, client: cluster.mock.clientConfig(logger), topic, logger, topicCreationTimeoutMs: 50 });
  cluster.closeAfterEach(store);
  return store;
}

describe('KafkaOffsetStore', () => {
  it('keeps offsets across instances, deletes on null, and lists per connector', async () => {
    const topic = freshTopic();
    const first = await openStore(topic);
    expect(await first.get('inventory', { server: 'db1' })).toBeNull();
    await first.set('inventory', { server: 'db1' }, { lsn: 41 });
    await first.set('inventory', { server: 'db1' }, { lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null });
    await first.set('inventory', { server: 'db2' }, { lsn: 7 });
    await first.set('gone', { server: 'db1' }, { lsn: 1 });
    await first.set('gone', { server: 'db1' }, null);
    expect(await first.get('inventory', { server: 'db1' })).toEqual({ lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null });
    expect(await first.get('gone', { server: 'db1' })).toBeNull();
    await first.close();

    const second = await openStore(topic);
    expect(await second.get('inventory', { server: 'db1' })).toEqual({ lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null });
    expect(await second.get('gone', { server: 'db1' })).toBeNull();
    expect(await second.list('gone')).toEqual([]);
    expect(await second.list('inventory')).toEqual(
      expect.arrayContaining([
        { partition: { server: 'db1' }, offset: { lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null } },
        { partition: { server: 'db2' }, offset: { lsn: 7 } },
      ]),
    );
    expect(await second.list('inventory')).toHaveLength(2);
  });

  it('writes Kafka Connect’s exact key and value bytes, a tombstone for a delete, each key always to one partition', async () => {
    const topic = freshTopic();
    const store = await openStore(topic);
    await store.set('inventory', { slot: 's', server: 'db1' }, { lsn_proc: 10, lsn: 12, ts_usec: 1768297171829031 });
    await store.set('inventory', { server: 'db1', slot: 's' }, null);
    await store.set('other', { server: 'x' }, { snapshot: 'true' });

    const records = await cluster.mock.readTopic(topic.name);
    expect(records.map(({ key, value }) => ({ key, value }))).toEqual(
      expect.arrayContaining([
        { key: '["inventory",{"server":"db1","slot":"s"}]', value: '{"lsn_proc":10,"lsn":12,"ts_usec":1768297171829031}' },
        { key: '["inventory",{"server":"db1","slot":"s"}]', value: null },
        { key: '["other",{"server":"x"}]', value: '{"snapshot":"true"}' },
      ]),
    );
    expect(records).toHaveLength(3);
    const inventory = records.filter((r) => r.key!.startsWith('["inventory"'));
    expect(inventory[0]!.partition).toBe(inventory[1]!.partition);
    expect(inventory.map((r) => r.value === null)).toEqual([false, true]);
  });

  it('reads offsets another writer put in the topic in any field order, skipping records not in the format', async () => {
    const topic = freshTopic();
    const store = await openStore(topic);
    const producer = new cluster.kafka.KafkaJS.Kafka(cluster.mock.clientConfig()).producer();
    await producer.connect();
    await producer.send({
      topic: topic.name,
      messages: [
        { key: '["debezium",{"slot":"s","db":"d"}]', value: '{"lsn":33837424,"txId":769}' },
        { key: 'not json', value: '{"lsn":1}' },
        { key: '["debezium",{"db":"other"}]', value: '{"lsn":{"nested":1}}' },
        { key: null, value: '{"lsn":2}' },
      ],
    });
    await producer.disconnect();

    await store.readToEnd();
    expect(await store.get('debezium', { db: 'd', slot: 's' })).toEqual({ lsn: 33837424, txId: 769 });
    expect(await store.list('debezium')).toHaveLength(1);
    const reopened = await openStore(topic);
    expect(await reopened.get('debezium', { db: 'd', slot: 's' })).toEqual({ lsn: 33837424, txId: 769 });
  });

  it('sees what another worker wrote once it has read to the end', async () => {
    const topic = freshTopic();
    const here = await openStore(topic);
    const there = await openStore(topic);
    await there.set('moved', { server: 'db' }, { lsn: 99 });
    await here.readToEnd();
    expect(await here.get('moved', { server: 'db' })).toEqual({ lsn: 99 });
  });

  it('keeps the call order of concurrent writes to one key', async () => {
    const topic = freshTopic();
    const store = await openStore(topic);
    await Promise.all(Array.from({ length: 30 }, (_, lsn) => store.set('c', { server: 's' }, { lsn })));
    expect(await store.get('c', { server: 's' })).toEqual({ lsn: 29 });
    const values = (await cluster.mock.readTopic(topic.name)).map((r) => JSON.parse(r.value!) as { lsn: number });
    expect(values.map((v) => v.lsn)).toEqual(Array.from({ length: 30 }, (_, lsn) => lsn));
  });

  it('warns, naming the fix, when the broker cannot create the topic, then uses the auto-created one', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const topic = freshTopic();
    const store = await openStore(topic, pino({ level: 'warn' }, sink));
    await store.set('c', { server: 's' }, { lsn: 1 });
    const warning = lines.find((line) => line.level === 40 && line.msg.includes(`Could not create the Kafka topic ${topic.name}`));
    expect(warning?.msg).toMatch(/create offsets-\d+ with cleanup\.policy=compact yourself/);
    expect(await store.get('c', { server: 's' })).toEqual({ lsn: 1 });
  });

  it('rejects set after close', async () => {
    const store = await openStore(freshTopic());
    await store.close();
    await expect(store.set('c', { server: 's' }, { lsn: 1 })).rejects.toThrow(/closed/);
  });

  it('shares offsets with a worker in another process, through the bootstrap address alone', async () => {
    const topic = freshTopic();
    const script = `
      import { pino } from 'pino';
      import { kafkaClientConfig, loadKafka } from './src/worker/kafka/kafka-client.ts';
      import { KafkaOffsetStore } from './src/worker/kafka/kafka-offset-store.ts';
      const logger = pino({ level: 'silent' });
      const client = kafkaClientConfig({ bootstrapServers: process.env.BOOTSTRAP.split(','), extra: {} }, logger);
      const store = await KafkaOffsetStore.open({ kafka: await loadKafka(), client, topic: JSON.parse(process.env.TOPIC), logger, topicCreationTimeoutMs: 50 });
      await store.set('child', { server: 'db' }, { lsn: 123 });
      await store.close();
    `;
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, BOOTSTRAP: cluster.mock.bootstrapServers, TOPIC: JSON.stringify(topic) },
    });
    const store = await openStore(topic);
    expect(await store.get('child', { server: 'db' })).toEqual({ lsn: 123 });
  });
});
