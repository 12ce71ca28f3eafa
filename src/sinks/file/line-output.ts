/**
 * Where the file sink's lines go: a file opened for appending, or a stream (standard output).
 *
 * - `write` resolves once the chunk is handed to the operating system (file) or the stream has
 *   accepted it (its callback ran, so it is drained); it rejects with the write error.
 * - `sync` makes everything written durable: fsync for a file; nothing for a stream, whose writes
 *   are already drained.
 * - `close` releases the file; a stream is left open (it is not ours: stdout).
 * Calls are never concurrent (the sink task serialises them).
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { SluiceError, type ErrorStage } from '../../errors.js';

export interface LineOutput {
  /** What the output is, for messages: the path or "standard output". */
  readonly description: string;
  write(chunk: string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function openFileOutput(path: string): Promise<LineOutput> {
  let handle;
  try {
    handle = await open(path, 'a');
  } catch (error) {
    throw new SluiceError('FILE_SINK_OPEN_FAILED', `Could not open ${path} for appending: ${messageOf(error)}. Check that its directory exists and that the worker may write there, or change "file".`, {
      stage: 'start',
      cause: error,
    });
  }
  const file = handle;
  return {
    description: path,
    write: (chunk) => guard(path, 'put', () => file.appendFile(chunk)),
    sync: () => guard(path, 'commit', () => file.sync()),
    close: () => file.close(),
  };
}

export function streamOutput(stream: Writable, description: string): LineOutput {
  return {
    description,
    write: (chunk) =>
      guard(description, 'put', () => new Promise<void>((resolve, reject) => stream.write(chunk, (error) => (error ? reject(error) : resolve())))),
    sync: async () => {},
    close: async () => {},
  };
}

async function guard(target: string, stage: ErrorStage, operation: () => Promise<void>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    throw new SluiceError('FILE_SINK_WRITE_FAILED', `Could not write to ${target}: ${messageOf(error)}`, { stage, cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
