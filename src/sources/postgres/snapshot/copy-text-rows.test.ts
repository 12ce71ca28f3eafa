import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyTextRows } from './copy-text-rows.js';

/** A row as PostgreSQL's COPY text format writes it (what the parser must undo). */
function copyLine(row: Array<string | null>): string {
  const escapes: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  return row.map((v) => (v === null ? '\\N' : v.replace(/[\\\b\f\n\r\t\v]/g, (c) => escapes[c]!))).join('\t') + '\n';
}

function readAll(bytes: Buffer, cuts: number[]): { rows: Array<Array<string | null>>; pending: boolean } {
  const parser = new CopyTextRows();
  const rows: Array<Array<string | null>> = [];
  let start = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    rows.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return { rows, pending: parser.pending };
}

describe('CopyTextRows', () => {
  it('reads nulls, empty strings, escapes and multi-byte characters however the bytes are cut', () => {
    const value = fc.oneof(fc.constant(null), fc.string({ unit: fc.constantFrom('a', 'é', '€', '𝄞', '\\', '\t', '\n', '\r', '\b', '\f', '\v', 'N', ' ') }));
    // Tables of one to four columns: a row without a tab reads as well as one with several.
    const rows = fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(value, { minLength: width, maxLength: width }), { maxLength: 20 }));
    fc.assert(
      fc.property(rows, fc.array(fc.nat(400)), (table, cuts) => {
        const bytes = Buffer.from(table.map(copyLine).join(''), 'utf8');
        expect(readAll(bytes, cuts)).toEqual({ rows: table, pending: false });
      }),
    );
  });

  it('reads the literal text \\N apart from a null', () => {
    expect(new CopyTextRows().push(Buffer.from(copyLine(['\\N', null, '']), 'utf8'))).toEqual([['\\N', null, '']]);
  });

  it('keeps a row longer than many chunks until its end, and tells when a stream ended inside a row', () => {
    const long = 'x'.repeat(200_000);
    const bytes = Buffer.from(copyLine(['1', long]) + copyLine(['2', 'y']), 'utf8');
    const cuts = Array.from({ length: 20 }, (_, i) => i * 10_000 + 7);
    expect(readAll(bytes, cuts)).toEqual({ rows: [['1', long], ['2', 'y']], pending: false });
    expect(readAll(bytes.subarray(0, bytes.length - 1), cuts).pending).toBe(true);
  });
});
