/**
 * Test fixture (not used by the worker) for the Kafka sink runner's tests:
 * - `committedOffsets`: the offsets a sink connector's consumer group has committed, read through
 *   a consumer of the group that never joins it (so reading them starts no rebalance). Keys are
 *   `topic:partition`; -1 where nothing is committed.
 * - `eventMessages`: numbered change events as JsonConverter writes them, event `id` to partition
 *   `id % MOCK_PARTITIONS` (the mock cluster auto-creates topics with that many), so events produced
 *   in order from id 0 land at offset `floor(id / MOCK_PARTITIONS)`.
 */
import type { TopicPartition } from '../../contracts/sink-task.js';
import type { ChangeEvent, ConnectSchema } from '../../events.js';
import { encodeChangeEvent, jsonConverters, type KafkaMessageData } from './json-converter.js';
import type { KafkaLibrary } from './kafka-client.js';
import { sinkGroupId } from './kafka-sink-consumer.js';

export const MOCK_PARTITIONS = 4;
/** The partition ids of an auto-created topic. */
export const PARTITIONS = Array.from({ length: MOCK_PARTITIONS }, (_, partition) => partition);
export const KEY_SCHEMA: ConnectSchema = { type: 'struct', optional: false, name: 'shop.Key', fields: [{ field: 'id', type: 'int64', optional: false }] };
export const VALUE_SCHEMA: ConnectSchema = { type: 'struct', optional: true, name: 'shop.Value', fields: [{ field: 'n', type: 'int64', optional: false }] };

export function event(topic: string, id: number): ChangeEvent {
  return { topic, key: { id }, value: { n: id }, keySchema: KEY_SCHEMA, valueSchema: VALUE_SCHEMA, headers: { source: 'test' }, timestamp: 1_700_000_000_000 + id };
}

export function eventMessages(topic: string, ids: number[], converterConfig: Record<string, string> = {}): Array<KafkaMessageData & { partition: number }> {
  const converters = jsonConverters(converterConfig);
  return ids.map((id) => ({ ...encodeChangeEvent(event(topic, id), converters), partition: id % MOCK_PARTITIONS }));
}

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
