/**
 * How record positions (SourceRecord.position) are spelled, for the sources that make them and the
 * sinks that skip records or name their outputs after them. A position names one record of a topic
 * and sorts, as a plain string, in the order the topic's records come. Two kinds:
 * - exact: read again, the record gets the same position and is the same record (a streamed change);
 * - a row of a reading, `<reading>!<row>` (a snapshot row; `<row>` holds no '!'): a reading resumed after a crash reads
 *   again the rows after a given row and may find other rows there (newer data, rows added or
 *   removed). Positions still sort in reading order, so a sink can pass over the rows it already
 *   holds; but an output that began at some row may begin at another row when read again, so it is
 *   named after something both readings share (see the S3 sink's object keys). Rows of different
 *   readings are different rows: a new reading (a snapshot taken again) is delivered whole, even
 *   where its positions sort before a row of another reading that a sink recorded. A reading that
 *   sorts before an exact position a sink recorded is one the sink has passed whole: a source
 *   streams only once its reading is complete, and a reading taken later sorts after every change
 *   streamed before it. So a reading resumed after a crash (its source had not yet recorded it
 *   complete) is passed over by a sink that already reached the stream after it.
 * Positions hold no commas (sink-positions.ts joins them with commas).
 */

const READING_END = '!';

/** The position of `row` (a string sorting in reading order) in the reading named `reading`. */
export function readingRowPosition(reading: string, row: string): string {
  return reading + READING_END + row;
}

/**
 * The reading a position belongs to, spelled as a position that sorts just before the reading's
 * first row; null for an exact position.
 */
export function readingOf(position: string): string | null {
  const end = position.lastIndexOf(READING_END);
  return end < 0 ? null : position.slice(0, end + 1);
}

/**
 * Whether a sink that reached `other` may pass over `position` by comparing the two: `position` is
 * exact, or `other` is exact (a reading before it is one the sink passed whole), or both are rows
 * of the same reading. Allocates nothing: it runs for every record.
 */
export function comparable(position: string, other: string): boolean {
  const end = position.lastIndexOf(READING_END);
  if (end < 0 || other.lastIndexOf(READING_END) < 0) return true;
  if (other.lastIndexOf(READING_END) !== end) return false;
  for (let i = 0; i < end; i++) if (position.charCodeAt(i) !== other.charCodeAt(i)) return false;
  return true;
}
