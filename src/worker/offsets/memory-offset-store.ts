/**
 * Source offsets in memory: the OffsetStore for tests, and the state the file store persists.
 *
 * Entries are keyed as Kafka Connect keys its offsets topic: the JSON text
 * `["<connector>",{<partition>}]`, with the partition's fields sorted so that equal partitions
 * give the same key whatever order their fields were built in. Every operation completes
 * synchronously (the promises are already settled); stored and returned maps are copies, so no
 * caller can change a stored offset behind the store's back.
 */
import type { OffsetStore } from '../../contracts/offset-store.js';
import type { OffsetMap } from '../../events.js';

interface Entry {
  connector: string;
  partition: OffsetMap;
  offset: OffsetMap;
}

/** The Kafka Connect offsets-topic key of (connector, partition). */
export function offsetKey(connector: string, partition: OffsetMap): string {
  const sorted = Object.fromEntries(Object.entries(partition).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([connector, sorted]);
}

export class MemoryOffsetStore implements OffsetStore {
  private readonly entries = new Map<string, Entry>();

  async get(connector: string, partition: OffsetMap): Promise<OffsetMap | null> {
    const entry = this.entries.get(offsetKey(connector, partition));
    return entry === undefined ? null : { ...entry.offset };
  }

  async set(connector: string, partition: OffsetMap, offset: OffsetMap | null): Promise<void> {
    const key = offsetKey(connector, partition);
    if (offset === null) this.entries.delete(key);
    else this.entries.set(key, { connector, partition: { ...partition }, offset: { ...offset } });
  }

  async list(connector: string): Promise<Array<{ partition: OffsetMap; offset: OffsetMap }>> {
    return [...this.entries.values()]
      .filter((entry) => entry.connector === connector)
      .map((entry) => ({ partition: { ...entry.partition }, offset: { ...entry.offset } }));
  }

  async close(): Promise<void> {}

  /** Every entry as `{ <offsetKey>: offset }`, the shape of the standalone offsets file. */
  toKeyedObject(): Record<string, OffsetMap> {
    return Object.fromEntries([...this.entries].map(([key, entry]) => [key, entry.offset]));
  }
}
