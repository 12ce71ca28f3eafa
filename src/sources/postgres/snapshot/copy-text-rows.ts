/**
 * Splits the output of `COPY ... TO STDOUT` (text format, UTF-8) into rows of column texts, the
 * same texts a query returns in text format: `\N` is null, and the escapes PostgreSQL writes
 * (`\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v`) are undone. Other control characters and every other
 * byte are written raw by the server, so no other escape can occur.
 *
 * Contract: `push(chunk)` takes the stream's bytes in order, cut anywhere (even inside a row or a
 * UTF-8 character), and returns the rows completed by this chunk; the bytes of an unfinished row
 * are kept (copied) until the next push. `pending` tells whether such bytes are left, which at the
 * end of the stream means it was cut short.
 *
 * Why: a chunk is decoded with one call however many rows it holds, and cut into values by
 * searching it for the next tab, newline and backslash; a row without a backslash (most rows) needs
 * nothing more. Splitting it into lines and each line into values makes twice the strings and, measured
 * alone, takes twice as long; a query result instead decodes every column apart.
 */

const NEWLINE = 0x0a;
const ESCAPES: Record<string, string> = { '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const ESCAPE = /\\(.)/g;

export class CopyTextRows {
  /** The bytes of the unfinished row, in parts: a long row is joined once, not once per chunk. */
  private rest: Buffer[] = [];

  get pending(): boolean {
    return this.rest.length > 0;
  }

  push(chunk: Buffer): Array<Array<string | null>> {
    const end = chunk.lastIndexOf(NEWLINE);
    if (end < 0) {
      if (chunk.length > 0) this.rest.push(Buffer.from(chunk));
      return [];
    }
    const rowsEnd = end + this.rest.reduce((sum, part) => sum + part.length, 0);
    const bytes = this.rest.length === 0 ? chunk : Buffer.concat([...this.rest, chunk]);
    this.rest = end + 1 < chunk.length ? [Buffer.from(chunk.subarray(end + 1))] : [];
    return splitRows(bytes.toString('utf8', 0, rowsEnd + 1));
  }
}

/** The rows of `text`, whole lines each ended by a newline. */
function splitRows(text: string): Array<Array<string | null>> {
  const rows: Array<Array<string | null>> = [];
  // The next tab and backslash at or after `start`, or past the end when there is none: each is
  // searched for again only once passed, so a row without tabs does not search the rest of the text.
  const past = text.length;
  let tab = nextIndex(text, '\t', 0);
  let backslash = nextIndex(text, '\\', 0);
  let start = 0;
  while (start < past) {
    const newline = text.indexOf('\n', start);
    const row: Array<string | null> = [];
    while (tab < newline) {
      row.push(text.substring(start, tab));
      start = tab + 1;
      tab = nextIndex(text, '\t', start);
    }
    row.push(text.substring(start, newline));
    if (backslash < newline) {
      unescape(row);
      backslash = nextIndex(text, '\\', newline + 1);
    }
    rows.push(row);
    start = newline + 1;
  }
  return rows;
}

function nextIndex(text: string, character: string, from: number): number {
  const index = text.indexOf(character, from);
  return index < 0 ? text.length : index;
}

function unescape(fields: Array<string | null>): void {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '\\N') fields[i] = null;
    else if (field.includes('\\')) fields[i] = field.replace(ESCAPE, (_, c: string) => ESCAPES[c] ?? c);
  }
}
