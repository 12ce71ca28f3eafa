/**
 * Test support: takes a gzip file apart into its members (RFC 1952 section 2.2: a gzip file is
 * members one after another), each decoded on its own, so that a test can tell how many members a
 * file has and what each holds. Readers such as gunzip and DuckDB decode the members as one
 * stream; this reads them one at a time with node:zlib's raw inflate, which stops at the end of a
 * member's deflate data and says how much it read. Members must have the 10-byte header zlib
 * writes (no optional fields); anything else throws.
 */
import { inflateRawSync } from 'node:zlib';

const HEADER_BYTES = 10;
const TRAILER_BYTES = 8;

/** The decoded contents of each member of `file`, in order. */
export function gzipMembers(file: Buffer): Buffer[] {
  const members: Buffer[] = [];
  let at = 0;
  while (at < file.length) {
    if (file[at] !== 0x1f || file[at + 1] !== 0x8b || file[at + 2] !== 8 || file[at + 3] !== 0) {
      throw new Error(`no gzip member header of zlib's kind at byte ${at}`);
    }
    const { buffer, engine } = inflateRawSync(file.subarray(at + HEADER_BYTES), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const trailer = at + HEADER_BYTES + engine.bytesWritten;
    if (trailer + TRAILER_BYTES > file.length) throw new Error(`the member at byte ${at} has no trailer`);
    // ISIZE: the member's decoded length modulo 2^32.
    if (file.readUInt32LE(trailer + 4) !== buffer.length % 2 ** 32) throw new Error(`the member at byte ${at} decodes to another length than its trailer says`);
    members.push(buffer);
    at = trailer + TRAILER_BYTES;
  }
  return members;
}
