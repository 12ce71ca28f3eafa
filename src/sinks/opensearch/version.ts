/**
 * The external version a change is written with: a number that grows with the source's commit
 * order for every row, taken from the change's Postgres position so that it is the same however
 * often and in whatever order the change is delivered. OpenSearch then applies a write only when
 * its version is at least the stored one (`version_type=external_gte`), so a redelivered, replayed
 * or late change never overwrites newer data, whatever happened to topics and offsets.
 *
 * The version is max(source.lsn, last commit LSN), the two LSNs of `source.sequence`:
 * - Two transactions changing one row are ordered by the row lock: the later one's changes are
 *   logged after the earlier one commits, and it is streamed after that commit, when the source's
 *   last commit LSN is already past it. Either term makes the later version greater.
 * - Changes inside one transaction: `source.lsn` grows; where another transaction's commit was
 *   logged in between, the last commit LSN stands in and several changes share it. Equal versions
 *   are why the write is `external_gte`: the later change of the same transaction still applies
 *   (changes of one row stay in order within the sink).
 * - Snapshot reads carry the slot's consistent point as their LSN (and no last commit). A
 *   transaction still open when the slot was created may have logged its changes before that point
 *   and yet be invisible to the snapshot; it is streamed first, with the consistent point as its
 *   last commit LSN, so its version is at least the snapshot's and it wins, as it must. With
 *   `source.lsn` alone it would lose.
 * After ExtractNewRecordState the row has these only if `add.fields` copied them (`lsn` and
 * `sequence` give `__lsn`, `__sequence`; `source.lsn`, `source.sequence` give `__source_lsn`,
 * `__source_sequence`; the default `__` prefix). Without an LSN there is no version: the write is
 * plain and the last write wins (the sink warns).
 *
 * LSNs are numbers (exact to 2^53 bytes of WAL, as src/sources/postgres/lsn.ts carries them). Pure
 * (the last sequence parsed is remembered, which changes no answer).
 */
import type { Row } from '../../events.js';
import { isPlainObject } from '../../transforms/connect-data.js';

export const VERSION_TYPE = 'external_gte';

/** The version of a change event's envelope, from its `source` block. */
export function envelopeVersion(envelope: Record<string, unknown>): number | null {
  const source = envelope['source'];
  return isPlainObject(source) ? versionOf(source['lsn'], source['sequence']) : null;
}

/** The version of a flat row whose `add.fields` copied the source's LSNs. */
export function flatRowVersion(row: Row): number | null {
  return versionOf(row['__source_lsn'] ?? row['__lsn'], row['__source_sequence'] ?? row['__sequence']);
}

function versionOf(lsn: unknown, sequence: unknown): number | null {
  const own = lsnNumber(lsn);
  if (own === null) return null;
  const lastCommit = typeof sequence === 'string' ? lastCommitLsn(sequence) : null;
  return lastCommit !== null && lastCommit > own ? lastCommit : own;
}

// The events of one snapshot chunk share their sequence: parse it once for them all.
let lastSequence: string | null = null;
let lastSequenceLsn: number | null = null;

/** The first element of `source.sequence`, `["<last commit lsn>","<lsn>"]`, either maybe null. */
function lastCommitLsn(sequence: string): number | null {
  if (sequence !== lastSequence) {
    lastSequenceLsn = parseLastCommitLsn(sequence);
    lastSequence = sequence;
  }
  return lastSequenceLsn;
}

const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** An LSN of more digits is past 2^53, which lsnNumber refuses too. */
const MAX_DIGITS = 16;

function parseLastCommitLsn(sequence: string): number | null {
  // Every streamed change has a sequence of its own: its first element, as Debezium and Sluice
  // write it (a string of digits), is read digit by digit, sparing a JSON.parse or a regex match.
  if (sequence.charCodeAt(0) === OPEN_BRACKET && sequence.charCodeAt(1) === QUOTE) {
    let value = 0;
    let end = 2;
    for (; end < 2 + MAX_DIGITS; end++) {
      const code = sequence.charCodeAt(end);
      if (!(code >= DIGIT_0 && code <= DIGIT_9)) break;
      value = value * 10 + (code - DIGIT_0);
    }
    if (end > 2 && sequence.charCodeAt(end) === QUOTE) return lsnNumber(value);
  }
  try {
    const parsed: unknown = JSON.parse(sequence);
    return Array.isArray(parsed) ? lsnNumber(parsed[0]) : null;
  } catch {
    return null;
  }
}

function lsnNumber(value: unknown): number | null {
  const number = typeof value === 'string' && value !== '' ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : null;
}
