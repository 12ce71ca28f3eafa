/**
 * A sink connector's offsets changed over the herder in Kafka mode (KIP-875's alter and reset):
 * with the connector STOPPED, altered offsets make it start where they say, and a reset makes it
 * read its topic again from the start. Proved by what the FileStreamSink writes once resumed,
 * against the mock cluster (whose admin API answers no group offsets, so GET cannot show them).
 */
import { readFileSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { fileSinkConfig, workerDir } from '../support/connectors.js';
import { startMockKafka, type MockKafka, type RawRecord } from '../support/kafka-mock.js';
import { openKafkaWorker } from '../support/kafka-worker.js';
import { waitFor } from '../support/wait.js';

const TOPIC = 'sales';

describe('Kafka mode: a sink connector\'s offsets', () => {
  let kafka: MockKafka;
  let herder: DistributedHerder;
  let records: RawRecord[];
  const dir = workerDir();

  beforeAll(async () => {
    kafka = await startMockKafka(1);
    await kafka.produce(TOPIC, Array.from({ length: 40 }, (_, id) => ({ key: `{"id":${id}}`, value: `{"id":${id}}` })));
    records = await kafka.readTopic(TOPIC);
    herder = await openKafkaWorker(kafka, { group: 'sink-offsets', port: 18095, configFile: dir.configFile });
    await herder.start();
  });
  afterAll(async () => {
    await herder?.shutdown();
    await kafka?.stop();
  });

  /** The ids the sink has written, in file order. */
  const written = (): number[] =>
    existsSync(dir.eventsFile)
      ? readFileSync(dir.eventsFile, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { value: { id: number } }).value.id)
      : [];
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
  const idOf = (record: RawRecord) => (JSON.parse(record.value!) as { id: number }).id;

  it('starts where altered offsets say, and reads the topic again after a reset', { timeout: 120_000 }, async () => {
    const partitions = [...new Set(records.map((r) => r.partition))].sort();
    expect(partitions.length).toBeGreaterThan(1);
    const [first, second] = partitions as [number, number];
    const config = fileSinkConfig(dir.eventsFile, {
      'topics.regex': '',
      topics: TOPIC,
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
      'consumer.override.session.timeout.ms': '6000',
    });
    await herder.create('sales-sink', config, 'STOPPED');

    // The first partition from its fourth record on, the second from its start (null); the others
    // have no offset, and the sink reads them from the start.
    await herder.alterOffsets('sales-sink', [
      { partition: { kafka_topic: TOPIC, kafka_partition: first }, offset: { kafka_offset: 3 } },
      { partition: { kafka_topic: TOPIC, kafka_partition: second }, offset: null },
    ]);
    await herder.resume('sales-sink');
    const expected = records.filter((r) => !(r.partition === first && r.offset < 3)).map(idOf);
    await waitFor(() => written().length >= expected.length, 60_000, 'the records after the altered offsets');
    expect(sorted(written())).toEqual(sorted(expected));

    // Offsets change only while stopped; a reset sends every partition back to its start.
    await expect(herder.resetOffsets('sales-sink')).rejects.toThrow(/STOPPED/);
    await herder.stop('sales-sink');
    await waitFor(() => herder.status('sales-sink').tasks.length === 0, 30_000, 'the sink stopped');
    await herder.resetOffsets('sales-sink');
    await herder.resume('sales-sink');
    await waitFor(() => written().length >= expected.length + records.length, 60_000, 'the topic read again');
    expect(sorted(written().slice(expected.length))).toEqual(sorted(records.map(idOf)));
  });

  it('refuses offsets of a topic the sink does not consume or a partition that does not exist, and malformed entries', { timeout: 60_000 }, async () => {
    await herder.create('other-sink', fileSinkConfig(dir.eventsFile, { 'topics.regex': '', topics: TOPIC }), 'STOPPED');
    await expect(herder.alterOffsets('other-sink', [{ partition: { kafka_topic: 'elsewhere', kafka_partition: 0 }, offset: { kafka_offset: 1 } }])).rejects.toThrow(
      'The sink connector other-sink does not consume elsewhere: only offsets of its topics (topics / topics.regex) can be altered.',
    );
    await expect(herder.alterOffsets('other-sink', [{ partition: { kafka_topic: TOPIC, kafka_partition: 9 }, offset: { kafka_offset: 1 } }])).rejects.toThrow(
      /^Partition 9 of topic sales cannot be read \(.*\): offsets can be set only for partitions that exist\.$/,
    );
    await expect(herder.alterOffsets('other-sink', [{ partition: { topic: TOPIC, partition: 0 }, offset: { kafka_offset: 1 } }])).rejects.toThrow(/^offsets\[0\]: a sink connector's partition is/);
    await expect(herder.alterOffsets('other-sink', [{ partition: { kafka_topic: TOPIC, kafka_partition: 0 }, offset: { kafka_offset: -1 } }])).rejects.toThrow(/^offsets\[0\]: a sink connector's offset is/);
  });
});
