/**
 * The UTF-8 bytes of bulk actions, encoded once, when an action is planned, into large buffers
 * ("slabs") outside the JavaScript heap; `requestBody` joins them into a request body.
 *
 * Why not strings: an action waits for its request to be sent and answered, and often for a retry,
 * across several young-generation collections; its text as a string would be copied by each of them
 * and then promoted, which made a sixth of the sink's CPU time under load. Encoded, the strings die
 * as soon as they are made, and what lives on is the action's range of a slab.
 *
 * Contract: a slab is only appended to, never reused or written over, so a range stays valid for as
 * long as anything holds its slab (an action, or a body made from it); a slab is freed once nothing
 * does. `encodeAction` never blocks; it is called from one thread, as all of JavaScript is.
 */

/** Where an action's NDJSON lines are: `bytes` bytes of `slab` from `start`. */
export interface ActionBytes {
  slab: Buffer;
  start: number;
  bytes: number;
}

/** The size of a slab; an action larger than that gets a buffer of its own size. */
const SLAB_BYTES = 1 << 20;
/** The most UTF-8 bytes one UTF-16 code unit takes (a surrogate pair takes 4 for its 2). */
const MAX_BYTES_PER_UNIT = 3;

// The first slab is made by the first action: a worker without an OpenSearch sink holds none.
let slab = Buffer.alloc(0);
let used = 0;

/**
 * Encodes an action line (ending in a newline) and its document line, if any (the document's JSON,
 * to which the newline is added), into the current slab, or a new one when they might not fit.
 */
export function encodeAction(line: string, document: string | null): ActionBytes {
  const units = line.length + (document === null ? 0 : document.length + 1);
  // Exact sizes are counted only when the bound might not fit: most actions are far smaller.
  if (units * MAX_BYTES_PER_UNIT > slab.length - used) {
    const exact = Buffer.byteLength(line) + (document === null ? 0 : Buffer.byteLength(document) + 1);
    if (exact > slab.length - used) {
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, exact));
      used = 0;
    }
  }
  const start = used;
  // One write of the joined text: each call costs more than joining (measured alone).
  used += slab.write(document === null ? line : `${line}${document}\n`, used);
  return { slab, start, bytes: used - start };
}

/**
 * One body of the actions' bytes, in order. Ranges that follow one another in a slab (actions
 * planned one after the other) are copied as one; a body that is a single such range is that range,
 * copied not at all.
 */
export function requestBody(actions: readonly ActionBytes[], bytes: number): Buffer {
  const runs: Buffer[] = [];
  let run: Buffer | null = null;
  let start = 0;
  let end = 0;
  for (const action of actions) {
    if (action.slab === run && action.start === end) {
      end += action.bytes;
      continue;
    }
    if (run !== null) runs.push(run.subarray(start, end));
    run = action.slab;
    start = action.start;
    end = start + action.bytes;
  }
  if (run !== null) runs.push(run.subarray(start, end));
  return runs.length === 1 ? runs[0]! : Buffer.concat(runs, bytes);
}

