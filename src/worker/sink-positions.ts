/**
 * How far each standalone sink got, per topic, in source positions (SourceRecord.position): the
 * sink's own committed offsets, as a consumer group keeps them in Kafka mode. Also where the sink
 * last cut its output for a reason a replay would not see again (its cut point).
 *
 * Why: standalone, a restart resumes the source at the offset every sink has made durable, so a
 * sink that was ahead of another (or ahead of the transaction boundary the source resumes at) is
 * handed records it has already written. Most sinks take them again harmlessly (OpenSearch
 * versions); a sink that writes files would write them twice. The runner skips them instead: a
 * record whose position is at or before the topic's recorded position is acknowledged unseen.
 * A file sink records where it cuts its files before it uploads them, so that the records it
 * uploaded but could not yet report durable end their files at the same records when they are
 * delivered again (SinkTaskContext.cuts): the same objects are rewritten, none overlaps another.
 *
 * Contract:
 * - `load` reads what is stored for a sink connector; called when its runner starts.
 * - `skips(topic, position)`: true when the sink already holds that record: its position is at or
 *   before the recorded one. Records without a position are never skipped. A snapshot row
 *   (record-position.ts) is passed over when the recorded position is a row of the same reading
 *   and its key is at or before that row's, whatever values either reading found, or when the
 *   recorded position is a streamed change after its reading (the reading resumed after a crash
 *   that came before the source recorded it complete); the rows of a snapshot taken again are all
 *   delivered.
 * - `reached(topic)`: the recorded position, or null.
 * - `advance(positions)` makes the new positions durable before it resolves; the runner calls it
 *   before acknowledging the records, so no source offset is committed past a record whose skip
 *   could be forgotten.
 * - `cuts(topic)` / `noteCut(topic, position)`: the cut points not yet passed by the recorded
 *   position, in order, and a new one, durable when the promise resolves.
 * - `advance` and `noteCut` may be called while others are under way (the runner records how far
 *   it got while the task goes on cutting): they take effect one after another, in call order.
 * Stored in the worker's offset store under the sink's name, one entry per topic:
 * `{"kafka_topic": t, "kafka_partition": 0}` -> `{"position": p, "cuts": "c1,c2"}` (Connect's sink
 * partition shape; positions hold no commas).
 */
import type { OffsetStore } from '../contracts/offset-store.js';
import type { OffsetMap } from '../events.js';
import { comparable } from '../record-position.js';

interface TopicState {
  position?: string;
  cuts: string[];
}

export class SinkPositions {
  /** The last update under way (see `update`). */
  private updates: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: OffsetStore,
    private readonly connector: string,
    private readonly byTopic: Map<string, TopicState>,
  ) {}

  static async load(store: OffsetStore, connector: string): Promise<SinkPositions> {
    const byTopic = new Map<string, TopicState>();
    for (const { partition, offset } of await store.list(connector)) {
      if (typeof partition['kafka_topic'] !== 'string') continue;
      const state: TopicState = { cuts: typeof offset['cuts'] === 'string' && offset['cuts'] !== '' ? offset['cuts'].split(',') : [] };
      if (typeof offset['position'] === 'string') state.position = offset['position'];
      byTopic.set(partition['kafka_topic'], state);
    }
    return new SinkPositions(store, connector, byTopic);
  }

  skips(topic: string, position: string | null): boolean {
    if (position === null) return false;
    const reached = this.byTopic.get(topic)?.position;
    if (reached === undefined) return false;
    // The order comparison first: it settles the common case (a record past the recorded one) alone.
    return position <= reached && comparable(position, reached);
  }

  reached(topic: string): string | null {
    return this.byTopic.get(topic)?.position ?? null;
  }

  advance(positions: ReadonlyMap<string, string>): Promise<void> {
    return this.update(positions.keys(), (topic, state) => {
      const position = positions.get(topic)!;
      if (state.position !== undefined && position <= state.position) return null;
      return { position, cuts: state.cuts.filter((cut) => cut > position) };
    });
  }

  cuts(topic: string): string[] {
    const { position, cuts = [] } = this.byTopic.get(topic) ?? {};
    return cuts.filter((cut) => position === undefined || cut > position);
  }

  noteCut(topic: string, position: string): Promise<void> {
    return this.update([topic], (_, state) => {
      // A cut at or before what is already durable can never be replayed.
      if (state.cuts.includes(position) || (state.position !== undefined && position <= state.position)) return null;
      return { ...state, cuts: [...state.cuts, position].sort() };
    });
  }

  /**
   * Applies `change` to each topic's state as it is when the updates before this one are durable
   * (null: no change), and makes the result durable. Updates run one after another, so a cut noted
   * while the runner records how far it got is never overwritten by that record, nor the reverse.
   */
  private update(topics: Iterable<string>, change: (topic: string, state: TopicState) => TopicState | null): Promise<void> {
    const names = [...topics];
    const done = this.updates.then(async () => {
      for (const topic of names) {
        const next = change(topic, this.byTopic.get(topic) ?? { cuts: [] });
        if (next !== null) await this.save(topic, next);
      }
    });
    this.updates = done.catch(() => {});
    return done;
  }

  private async save(topic: string, state: TopicState): Promise<void> {
    const offset: OffsetMap = {};
    if (state.position !== undefined) offset['position'] = state.position;
    if (state.cuts.length > 0) offset['cuts'] = state.cuts.join(',');
    await this.store.set(this.connector, { kafka_topic: topic, kafka_partition: 0 }, offset);
    this.byTopic.set(topic, state);
  }
}
