/**
 * The object key of a file: `<topics.dir>/<topic>/<encoded partition>/<topic>+<kafka partition>+<start>.<ext>`,
 * Confluent's layout, where `<start>` names where the file begins and `<ext>` the format (parquet,
 * json, json.gz). Pure.
 *
 * `<start>` is what makes a retry after a crash rewrite the same object instead of adding one:
 * - Kafka mode: the first record's offset, zero-padded to 10 digits as Confluent pads it;
 * - standalone: the first record's source position (SourceRecord.position, a string that sorts as
 *   the records do and is the same when the record is read again);
 * - standalone, a row of a reading (a snapshot row, record-position.ts): a resumed reading may find
 *   another row where a file began, so the file is named after what both readings share: the
 *   position its rotation starts after (`after`: the end of the rotation before, where the run
 *   before cut too), when that is a row of the same reading; else the reading itself. Rows are
 *   passed over or cut at the same positions when read again, so the same objects are rewritten;
 * - standalone, a record without a position (a row of a table whose key order only the server
 *   knows): a name unique to this run, `r<run>-<delivery>`, so a later run never overwrites a file
 *   whose rows it may not read again. A crash during such a table's snapshot can then leave a
 *   snapshot row twice; never a streamed change, and never a row lost.
 * A position longer than MAX_START_LENGTH (a snapshot row with a long text key) is shortened to its
 * first characters and a digest of the whole: the same position always gives the same name, and
 * the name stays within file systems' 255 bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SinkRecord } from '../../events.js';
import { readingOf } from '../../record-position.js';

const OFFSET_PAD_WIDTH = 10;
const MAX_START_LENGTH = 120;
const SHORTENED_PREFIX_LENGTH = 64;

export interface ObjectKeyContext {
  /** topics.dir without leading or trailing slashes; '' for none. */
  topicsDir: string;
  /** SinkTaskContext.stableOffsets */
  stableOffsets: boolean;
  /** Unique to this run of the task (names files that start with a record without a position). */
  runId: string;
}

/** `after`: the position the file's rotation starts after (the last record of the rotation before), or null. */
export function objectKey(context: ObjectKeyContext, first: SinkRecord, after: string | null, encodedPartition: string, extension: string): string {
  const name = `${first.topic}+${first.kafkaPartition}+${shortened(startOf(context, first, after))}.${extension}`;
  return [context.topicsDir, first.topic, encodedPartition, name].filter((part) => part !== '').join('/');
}

function startOf(context: ObjectKeyContext, first: SinkRecord, after: string | null): string {
  if (context.stableOffsets) return String(first.kafkaOffset).padStart(OFFSET_PAD_WIDTH, '0');
  if (first.position === null) return `r${context.runId}-${first.kafkaOffset}`;
  const reading = readingOf(first.position);
  if (reading === null) return first.position;
  return after !== null && readingOf(after) === reading ? after : reading;
}

function shortened(start: string): string {
  if (start.length <= MAX_START_LENGTH) return start;
  return `${start.slice(0, SHORTENED_PREFIX_LENGTH)}-${createHash('sha256').update(start).digest('hex').slice(0, 32)}`;
}

/** A run id: the start time in base 36 (sorting runs by when they started) and a random tail. */
export function newRunId(now = Date.now()): string {
  return now.toString(36) + randomBytes(3).toString('hex');
}
