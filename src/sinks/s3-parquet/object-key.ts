/**
 * The object key of a file: `<topics.dir>/<topic>/<encoded partition>/<topic>+<kafka partition>+<start>.<ext>`,
 * Confluent's layout, where `<start>` names the first record in the file and `<ext>` the format
 * (parquet, json, json.gz). Pure.
 *
 * `<start>` is what makes a retry after a crash rewrite the same object instead of adding one:
 * - Kafka mode: the first record's offset, zero-padded to 10 digits as Confluent pads it;
 * - standalone: the first record's source position (SourceRecord.position, a fixed-width string
 *   that sorts as the records do);
 * - standalone, a record without a position (a snapshot row: a re-read may bring other rows): a
 *   name unique to this run, `r<run>-<delivery>`, so a later run never overwrites a file whose
 *   rows it may not read again. A crash during a snapshot can then leave a snapshot row twice;
 *   never a streamed change, and never a row lost.
 */
import { randomBytes } from 'node:crypto';
import type { SinkRecord } from '../../events.js';

const OFFSET_PAD_WIDTH = 10;

export interface ObjectKeyContext {
  /** topics.dir without leading or trailing slashes; '' for none. */
  topicsDir: string;
  /** SinkTaskContext.stableOffsets */
  stableOffsets: boolean;
  /** Unique to this run of the task (names files that start with a record without a position). */
  runId: string;
}

export function objectKey(context: ObjectKeyContext, first: SinkRecord, encodedPartition: string, extension: string): string {
  const name = `${first.topic}+${first.kafkaPartition}+${startOf(context, first)}.${extension}`;
  return [context.topicsDir, first.topic, encodedPartition, name].filter((part) => part !== '').join('/');
}

function startOf(context: ObjectKeyContext, first: SinkRecord): string {
  if (context.stableOffsets) return String(first.kafkaOffset).padStart(OFFSET_PAD_WIDTH, '0');
  return first.position ?? `r${context.runId}-${first.kafkaOffset}`;
}

/** A run id: the start time in base 36 (sorting runs by when they started) and a random tail. */
export function newRunId(now = Date.now()): string {
  return now.toString(36) + randomBytes(3).toString('hex');
}
