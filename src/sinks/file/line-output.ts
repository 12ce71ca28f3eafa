/**
 * Where the file sink's lines go: a file opened for appending, or a stream (standard output).
 *
 * - `write` resolves once the chunk is handed to the operating system (file) or the stream has
 *   accepted it (its callback ran, so it is drained); it rejects with the write error.
 * - `sync` makes everything written durable: fsync for a file; nothing for a stream, whose writes
 *   are already drained.
 * - `close` releases the file; a stream is left open (it is not ours: stdout).
 * - A file whose last line was cut short (a worker killed mid-write) gets a newline first, so the
 *   next line starts whole; the torn line's event was never committed and is delivered again.
 * Errors are Node's own; the sink task words them. Calls are never concurrent (the task serialises them).
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';

export interface LineOutput {
  /** What the output is, for messages: the path or "standard output". */
  readonly description: string;
  write(chunk: string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function openFileOutput(path: string): Promise<LineOutput> {
  const file = await open(path, 'a+');
  await endTornLine(file);
  return {
    description: path,
    // appendFile writes the whole chunk (write() may stop short), and O_APPEND puts it at the end.
    write: (chunk) => file.appendFile(chunk),
    sync: () => file.sync(),
    close: () => file.close(),
  };
}

export function streamOutput(stream: Writable, description: string): LineOutput {
  return {
    description,
    write: (chunk) => new Promise<void>((resolve, reject) => stream.write(chunk, (error) => (error ? reject(error) : resolve()))),
    sync: async () => {},
    close: async () => {},
  };
}

async function endTornLine(file: FileHandle): Promise<void> {
  const { size } = await file.stat();
  if (size === 0) return;
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  if (last[0] !== 0x0a) await file.appendFile('\n');
}
