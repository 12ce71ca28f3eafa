/**
 * A JSON file that mirrors state held in memory, for the standalone worker's data directory
 * (offsets, connector configs).
 *
 * - `readJsonFile(path, schema, fix)` reads and validates the file once at open: a missing file
 *   yields undefined; unparseable or wrongly shaped content throws a SluiceError naming the file
 *   and `fix`.
 * - `AtomicJsonFile.persist()` is called after the owner changed its state; it resolves once a
 *   write that began after the call is durable. Each write replaces the whole file atomically:
 *   write a temporary file in the same directory, fsync it, rename it over the target, fsync the
 *   directory, so a crash leaves either the old or the new file, never a torn one. Writes never
 *   overlap; every `persist()` arriving while one is under way joins a single next write, which
 *   takes its snapshot of the state only when it begins, so N concurrent callers cost at most two
 *   writes. A failed write rejects the callers of that write; the next one writes the full state
 *   again.
 * - `close()` waits for the writes under way; `persist()` after it rejects.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { SluiceError } from '../errors.js';

/** Reads `path` as JSON of the given shape; undefined when the file does not exist. */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, fix: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corruptFile(path, `it is not valid JSON (${(error as Error).message})`, fix, error);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length === 0 ? 'the top level' : issue.path.map((segment) => JSON.stringify(segment)).join(' > ');
    throw corruptFile(path, `unexpected content at ${where}: ${issue.message}`, fix, parsed.error);
  }
  return parsed.data;
}

function corruptFile(path: string, problem: string, fix: string, cause: unknown): SluiceError {
  return new SluiceError('STATE_FILE_CORRUPT', `Cannot read ${path}: ${problem}. ${fix}`, { cause });
}

interface Waiters {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export class AtomicJsonFile {
  private next: Waiters | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;
  private writes = 0;

  /** `snapshot` returns the state to write; it is called once per write, when the write begins. */
  constructor(
    readonly path: string,
    private readonly snapshot: () => unknown,
  ) {}

  /** How many writes have completed: coalescing makes this fewer than the `persist()` calls. */
  get writeCount(): number {
    return this.writes;
  }

  /** Resolves once the state as it is now (or newer) is durable in the file. */
  persist(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.path} is closed`));
    if (this.next === null) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
    }
    this.writing ??= this.drain();
    return this.next.promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the callers of this same turn of the event loop join the first write too.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.next !== null) {
      const waiters = this.next;
      this.next = null;
      try {
        await this.write(`${JSON.stringify(this.snapshot(), null, 2)}\n`);
        this.writes++;
        waiters.resolve();
      } catch (error) {
        waiters.reject(error);
      }
    }
    this.writing = null;
  }

  private async write(text: string): Promise<void> {
    const directory = dirname(this.path);
    await mkdir(directory, { recursive: true });
    const temporary = join(directory, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(text, 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    // The rename is durable only once the directory entry is.
    const dir = await open(directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
