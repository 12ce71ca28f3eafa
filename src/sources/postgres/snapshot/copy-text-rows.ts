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
 * Why: a chunk is decoded with one call however many rows it holds, and a row without a backslash
 * (most rows) is split in one call; a query result instead decodes every column apart.
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
    const lines = bytes.toString('utf8', 0, rowsEnd).split('\n');
    const rows: Array<Array<string | null>> = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) rows[i] = splitRow(lines[i]!);
    return rows;
  }
}

function splitRow(line: string): Array<string | null> {
  const fields: Array<string | null> = line.split('\t');
  if (!line.includes('\\')) return fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '\\N') fields[i] = null;
    else if (field.includes('\\')) fields[i] = field.replace(ESCAPE, (_, c: string) => ESCAPES[c] ?? c);
  }
  return fields;
}
