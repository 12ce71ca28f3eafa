/**
 * Where the S3 sink cut its files, kept durable until the records are committed past them: when the
 * records are delivered again after a crash, the sink ends its files at the same records, whatever
 * decided the cut the first time (size, the wall clock, a flush, a stop), and so rewrites the same
 * objects instead of leaving records in two.
 *
 * Contract (the task calls one method at a time):
 * - `load(first)`: before the first record of a topic partition is written (`first`), the cuts of
 *   the run before that lie at or past it, in order, and the position its files begin after (null:
 *   none recorded). Blocks on the store.
 * - `note(topic, partition, position)`: records a cut after the record at `position`, durable when
 *   it resolves; called before a rotation's first upload. Noting a cut already recorded is free.
 *
 * Two kinds:
 * - standalone (`standaloneCuts`): the worker's SinkCuts, kept in its offsets beside the sink's
 *   position (sink-positions.ts), per topic (a standalone topic has one partition).
 * - Kafka mode (`KafkaCutLog`): a partition moves between workers, so its cuts live in the object
 *   store itself, one small object per topic partition:
 *   `<topics.dir>/_sluice/<connector>/<topic>+<partition>.cuts`, holding
 *   `{"topic": t, "partition": p, "cuts": [offset, ...]}` (each the offset of a file's last record).
 *   Positions are offsets zero-padded to 20 digits (`offsetPosition`), so that they sort as
 *   strings. A cut below where the partition resumes (`resumeOffset`: the offset committed, else the
 *   first delivered) can no longer be reached and is dropped at the next write, so the object stays
 *   a few cuts long. Out of the topics' directories, with a leading underscore (hidden to Hive-style
 *   readers) and an extension of its own, it is part of no table or glob of data files.
 */
import type { SinkCuts } from '../../contracts/sink-task.js';
import { SluiceError } from '../../errors.js';
import type { SinkRecord } from '../../events.js';
import type { ObjectStore } from './object-store.js';

export interface FileCuts {
  load(first: SinkRecord): Promise<{ cuts: string[]; durable: string | null }>;
  note(topic: string, partition: number, position: string): Promise<void>;
}

/** The directory under topics.dir of the sink's own records. */
export const SINK_RECORDS_DIR = '_sluice';

/** Int64 offsets have at most 19 digits. */
const OFFSET_POSITION_WIDTH = 20;

/** A Kafka offset as a position that sorts as the offsets do. */
export function offsetPosition(offset: number): string {
  return String(offset).padStart(OFFSET_POSITION_WIDTH, '0');
}

export function standaloneCuts(cuts: SinkCuts): FileCuts {
  return {
    load: async (first) => ({ cuts: cuts.get(first.topic), durable: cuts.durable(first.topic) }),
    note: (topic, _partition, position) => cuts.note(topic, position),
  };
}

export interface KafkaCutLogOptions {
  store: ObjectStore;
  /** topics.dir without leading or trailing slashes; '' for none. */
  topicsDir: string;
  connector: string;
  /** Where the partition's records resume after a crash (SinkTaskContext.resumeOffset), if known. */
  resumeOffset?: (topic: string, partition: number) => number | null;
}

export class KafkaCutLog implements FileCuts {
  /** Per topic partition key: the cuts recorded, as offsets, ascending. */
  private readonly cuts = new Map<string, number[]>();

  constructor(private readonly options: KafkaCutLogOptions) {}

  async load(first: SinkRecord): Promise<{ cuts: string[]; durable: null }> {
    const key = this.keyOf(first.topic, first.kafkaPartition);
    const text = await this.options.store.get(key);
    const recorded = text === null ? [] : parseCuts(text, key);
    const reachable = recorded.filter((offset) => offset >= first.kafkaOffset);
    this.cuts.set(key, reachable);
    return { cuts: reachable.map(offsetPosition), durable: null };
  }

  async note(topic: string, partition: number, position: string): Promise<void> {
    const key = this.keyOf(topic, partition);
    const offset = Number(position);
    const known = this.cuts.get(key) ?? [];
    if (known.includes(offset)) return;
    const resume = this.options.resumeOffset?.(topic, partition) ?? null;
    const kept = [...known.filter((cut) => resume === null || cut >= resume), offset].sort((a, b) => a - b);
    await this.options.store.put(key, JSON.stringify({ topic, partition, cuts: kept }));
    this.cuts.set(key, kept);
  }

  private keyOf(topic: string, partition: number): string {
    const name = `${SINK_RECORDS_DIR}/${encodeURIComponent(this.options.connector)}/${topic}+${partition}.cuts`;
    return this.options.topicsDir === '' ? name : `${this.options.topicsDir}/${name}`;
  }
}

function parseCuts(text: string, key: string): number[] {
  let cuts: unknown;
  try {
    cuts = (JSON.parse(text) as { cuts?: unknown }).cuts;
  } catch {
    cuts = undefined;
  }
  if (!Array.isArray(cuts) || !cuts.every((cut) => Number.isSafeInteger(cut) && cut >= 0)) {
    throw new SluiceError(
      'S3_CUT_LOG_INVALID',
      `The sink's record of where it cut its files, ${key}, is not what the sink writes: restore it, or delete it (records not yet committed may then be written into a second object once).`,
    );
  }
  return [...(cuts as number[])].sort((a, b) => a - b);
}
