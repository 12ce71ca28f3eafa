import type { OffsetMap } from '../events.js';

/**
 * Where source offsets live: memory (tests), a file in the data directory (standalone) or a
 * compacted Kafka topic (Kafka mode). Keys are (connector, partition map), as Kafka Connect keys its
 * offsets topic.
 *
 * - `get` returns the last offset written for the partition, or null.
 * - `set` resolves once the offset is durable (file: written and fsynced; Kafka: acknowledged).
 *   Offsets for one connector are written in call order. A null offset deletes the entry.
 * - `list` returns every (partition, offset) of a connector, for the REST API.
 */
export interface OffsetStore {
  get(connector: string, partition: OffsetMap): Promise<OffsetMap | null>;
  set(connector: string, partition: OffsetMap, offset: OffsetMap | null): Promise<void>;
  list(connector: string): Promise<Array<{ partition: OffsetMap; offset: OffsetMap }>>;
  close(): Promise<void>;
}
