/**
 * Source offsets in a compacted Kafka topic (`offset.storage.topic`, default connect-offsets): the
 * OffsetStore of Kafka mode, in Kafka Connect's format, so Connect's tools read it and a Connect
 * worker's offsets (Debezium's among them) carry over:
 *   key   JSON `["<connector>",{<partition>}]` (our partition fields sorted; any order is read)
 *   value JSON offset map, or null (a tombstone) to delete
 * Records go to the partition the key's hash chooses (Connect's default partitioner).
 *
 * `open` creates the topic when missing (compacted, `offset.storage.partitions` partitions) and
 * reads it to the end; the store then keeps following it (KafkaLog). `get` and `list` answer from
 * memory; `set` resolves once the broker has acknowledged the record (acks=all) and memory holds
 * it; writes of one key keep their call order. `readToEnd()` catches up with what other workers
 * wrote, before a task that moved here starts from its offset. A record that is not in the format
 * above is logged and skipped, as Connect does.
 */
import type { Logger } from 'pino';
import type { OffsetStore } from '../../contracts/offset-store.js';
import type { OffsetMap } from '../../events.js';
import { MemoryOffsetStore, offsetKey } from '../offsets/memory-offset-store.js';
import type { InternalTopic } from './internal-topics.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { KafkaLog, type KafkaLogRecord } from './kafka-log.js';

export interface KafkaOffsetStoreOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  topic: InternalTopic;
  logger: Logger;
  topicCreationTimeoutMs?: number;
}

export class KafkaOffsetStore implements OffsetStore {
  private constructor(
    private readonly log: KafkaLog,
    private readonly offsets: MemoryOffsetStore,
  ) {}

  static async open(options: KafkaOffsetStoreOptions): Promise<KafkaOffsetStore> {
    const offsets = new MemoryOffsetStore();
    const log = await KafkaLog.open({ ...options, onRecord: (record) => applyRecord(offsets, record) });
    return new KafkaOffsetStore(log, offsets);
  }

  get(connector: string, partition: OffsetMap): Promise<OffsetMap | null> {
    return this.offsets.get(connector, partition);
  }

  async set(connector: string, partition: OffsetMap, offset: OffsetMap | null): Promise<void> {
    await this.log.send(offsetKey(connector, partition), offset === null ? null : JSON.stringify(offset));
  }

  list(connector: string): Promise<Array<{ partition: OffsetMap; offset: OffsetMap }>> {
    return this.offsets.list(connector);
  }

  /** Resolves once every offset written before the call, by any worker, is in memory. */
  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

function applyRecord(offsets: MemoryOffsetStore, record: KafkaLogRecord): void {
  const key = record.key === null ? undefined : (JSON.parse(record.key) as unknown);
  if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || !isOffsetMap(key[1])) {
    throw new Error('the key is not the JSON text ["<connector>",{<partition>}]');
  }
  const offset = record.value === null ? null : (JSON.parse(record.value) as unknown);
  if (offset !== null && !isOffsetMap(offset)) throw new Error('the value is not a JSON object of strings, numbers, booleans and nulls');
  // MemoryOffsetStore completes synchronously: the entry is in place when this returns.
  void offsets.set(key[0], key[1], offset);
}

function isOffsetMap(value: unknown): value is OffsetMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  );
}
