/**
 * Test fixture (not used by the worker) for the Kafka sink runner's tests: the offsets a sink
 * connector's consumer group has committed, read through a consumer of the group that never joins
 * it (so reading them starts no rebalance). Keys are `topic:partition`; -1 where nothing is committed.
 */
import type { TopicPartition } from '../../contracts/sink-task.js';
import type { KafkaLibrary } from './kafka-client.js';
import { sinkGroupId } from './kafka-sink-consumer.js';

export async function committedOffsets(kafka: KafkaLibrary, bootstrapServers: string, connector: string, partitions: TopicPartition[]): Promise<Record<string, number>> {
  const consumer = new kafka.KafkaConsumer({ 'bootstrap.servers': bootstrapServers, 'group.id': sinkGroupId(connector), 'enable.auto.commit': false, log_level: 0 });
  await new Promise<void>((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
  try {
    const offsets = await new Promise<Array<{ topic: string; partition: number; offset?: number }>>((resolve, reject) =>
      consumer.committed(partitions, 10_000, (error, result) => (error ? reject(error) : resolve(result))),
    );
    return Object.fromEntries(offsets.map(({ topic, partition, offset }) => [`${topic}:${partition}`, offset === undefined || offset < 0 ? -1 : offset]));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
