/**
 * How far each standalone sink got, per topic, in source positions (SourceRecord.position): the
 * sink's own committed offsets, as a consumer group keeps them in Kafka mode.
 *
 * Why: standalone, a restart resumes the source at the offset every sink has made durable, so a
 * sink that was ahead of another (or ahead of the transaction boundary the source resumes at) is
 * handed records it has already written. Most sinks take them again harmlessly (OpenSearch
 * versions); a sink that writes files would write them twice. The runner skips them instead: a
 * record whose position is at or before the topic's recorded position is acknowledged unseen.
 *
 * Contract:
 * - `load` reads the positions stored for a sink connector; called when its runner starts.
 * - `skips(topic, position)`: true when the sink already holds that record. Records without a
 *   position are never skipped (a snapshot row read again may differ from the first reading).
 * - `advance(positions)` makes the new positions durable before it resolves; the runner calls it
 *   before acknowledging the records, so no source offset is committed past a record whose skip
 *   could be forgotten.
 * Stored in the worker's offset store under the sink's name, one entry per topic:
 * `{"kafka_topic": t, "kafka_partition": 0}` -> `{"position": p}` (Connect's sink partition shape).
 */
import type { OffsetStore } from '../contracts/offset-store.js';

export class SinkPositions {
  private constructor(
    private readonly store: OffsetStore,
    private readonly connector: string,
    private readonly byTopic: Map<string, string>,
  ) {}

  static async load(store: OffsetStore, connector: string): Promise<SinkPositions> {
    const byTopic = new Map<string, string>();
    for (const { partition, offset } of await store.list(connector)) {
      if (typeof partition['kafka_topic'] === 'string' && typeof offset['position'] === 'string') byTopic.set(partition['kafka_topic'], offset['position']);
    }
    return new SinkPositions(store, connector, byTopic);
  }

  skips(topic: string, position: string | null): boolean {
    if (position === null) return false;
    const reached = this.byTopic.get(topic);
    return reached !== undefined && position <= reached;
  }

  async advance(positions: ReadonlyMap<string, string>): Promise<void> {
    for (const [topic, position] of positions) {
      const reached = this.byTopic.get(topic);
      if (reached !== undefined && position <= reached) continue;
      await this.store.set(this.connector, { kafka_topic: topic, kafka_partition: 0 }, { position });
      this.byTopic.set(topic, position);
    }
  }
}
