/**
 * The object store for `store.url=file:///dir`: a key is a relative path under the directory
 * (`topics/orders/year=2026/x.parquet`), for local runs, tests, and a mounted volume.
 *
 * `upload` copies the finished local file to a hidden temporary name in the target directory
 * (`.<name>.<random>.partial`), checks its size, fsyncs it, renames it over the final name and
 * fsyncs the directory: a reader sees the old file or the whole new one, never a part, and after
 * `upload` returns the file survives a power loss. On any failure the temporary file is removed; a
 * process killed meanwhile leaves it, and the next upload of the same key (a restarted task writes
 * the same key again) first removes the temporary files of that key. Only that key's: tasks of other
 * workers may share the directory, writing other keys, and their temporary files are theirs. `put`
 * publishes a small text the same way.
 * Keys that are absolute, empty, or contain `.`/`..`/empty segments are refused, so nothing is ever
 * written outside the directory. `list` skips temporary files. Every method blocks on the disk only.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { RetriableError, SluiceError } from '../../errors.js';
import { sourceChanged, type ObjectStore } from './object-store.js';

const PARTIAL_SUFFIX = '.partial';
const PARTIAL_RANDOM_BYTES = 6;
/** A temporary file's name; the group is the name of the file it becomes. */
const PARTIAL_NAME = new RegExp(`^\\.(.+)\\.[0-9a-f]{${PARTIAL_RANDOM_BYTES * 2}}\\${PARTIAL_SUFFIX}$`);
/** Disk conditions that can clear by themselves; anything else needs a person. */
const PASSING_DISK_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN']);
const NOT_WRITABLE_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS']);

export class LocalDirectoryStore implements ObjectStore {
  constructor(
    private readonly directory: string,
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  describe(): string {
    return `directory ${this.directory}`;
  }

  async check(): Promise<void> {
    const probe = join(this.directory, partialName('.sluice-write-check'));
    try {
      await mkdir(this.directory, { recursive: true });
      await writeFile(probe, '');
      await unlink(probe);
    } catch (error) {
      throw this.diskError(error, `preparing ${this.directory}`);
    }
    this.logger.info({ store: this.describe() }, 'object store ready');
  }

  async upload(key: string, localPath: string, bytes: number): Promise<void> {
    await this.publish(key, async (partial) => {
      try {
        await copyFile(localPath, partial);
      } catch (error) {
        if (errorCode(error) === 'ENOENT' && !(await exists(localPath))) throw sourceChanged(localPath, bytes, 'is missing', error);
        throw error;
      }
      const file = await open(partial, 'r+');
      try {
        const { size } = await file.stat();
        if (size !== bytes) throw sourceChanged(localPath, bytes, `had ${size} bytes`);
        await file.sync();
      } finally {
        await file.close();
      }
    });
    this.logger.debug({ key, bytes }, 'file stored');
  }

  async put(key: string, text: string): Promise<void> {
    await this.publish(key, async (partial) => {
      const file = await open(partial, 'w');
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
    });
  }

  async get(key: string): Promise<string | null> {
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw this.diskError(error, `reading ${key}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Walk only the deepest directory the prefix names in full, not the whole store.
    const start = join(this.directory, prefix.slice(0, prefix.lastIndexOf('/') + 1));
    let entries;
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return [];
      throw this.diskError(error, `listing ${prefix}`);
    }
    return entries
      .filter((entry) => entry.isFile() && !isPartialName(entry.name))
      .map((entry) => relative(this.directory, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  close(): void {}

  /**
   * Makes what `fill` writes to a temporary file (synced) visible under `key` whole: renamed over
   * the key's file, the directory synced. Temporary files of the key that a killed run left go first.
   */
  private async publish(key: string, fill: (partial: string) => Promise<void>): Promise<void> {
    const target = this.pathOf(key);
    const directory = dirname(target);
    const partial = join(directory, partialName(basename(target)));
    try {
      await mkdir(directory, { recursive: true });
      await removeLeftPartials(directory, basename(target));
      await fill(partial);
      await rename(partial, target);
      await syncDirectory(directory);
    } catch (error) {
      // The original failure matters more than a leftover temporary file, which list() ignores anyway.
      await rm(partial, { force: true }).catch(() => undefined);
      if (error instanceof SluiceError) throw error;
      throw this.diskError(error, `writing ${key}`);
    }
  }

  /** The file a key names; refuses keys that could leave the directory or alias another key. */
  private pathOf(key: string): string {
    const segments = key.split('/');
    const bad = key === '' || key.includes('\0') || segments.some((segment) => segment === '' || segment === '.' || segment === '..' || isPartialName(segment));
    if (bad) {
      throw new SluiceError('STORE_KEY_INVALID', `The object key "${key}" cannot be stored under ${this.directory}: keys are relative paths of plain names (no leading "/", no "." or ".." segments, no empty segments).`);
    }
    return join(this.directory, ...segments);
  }

  private diskError(error: unknown, what: string): SluiceError {
    const code = errorCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    if (code !== undefined && NOT_WRITABLE_ERRORS.has(code)) {
      return new SluiceError('STORE_DIRECTORY_NOT_WRITABLE', `The directory of store.url ${this.url} is not writable by this process (${detail}): fix its permissions, or set store.url to a writable directory.`, { cause: error });
    }
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      return new SluiceError('STORE_DIRECTORY_INVALID', `store.url ${this.url} does not lead to a directory (${detail}): set store.url to a directory.`, { cause: error });
    }
    if (code !== undefined && PASSING_DISK_ERRORS.has(code)) {
      return new RetriableError('STORE_DISK_UNAVAILABLE', `The directory ${this.directory} failed while ${what} (${detail}); retrying.`, { cause: error });
    }
    return new SluiceError('STORE_DISK_ERROR', `The directory ${this.directory} failed while ${what}: ${detail}`, { cause: error });
  }
}

function partialName(name: string): string {
  return `.${name}.${randomBytes(PARTIAL_RANDOM_BYTES).toString('hex')}${PARTIAL_SUFFIX}`;
}

/** Removes the temporary files an earlier attempt at the file `name` of `directory` left (a killed process). */
async function removeLeftPartials(directory: string, name: string): Promise<void> {
  for (const entry of await readdir(directory)) {
    if (PARTIAL_NAME.exec(entry)?.[1] === name) await rm(join(directory, entry), { force: true });
  }
}

function isPartialName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(PARTIAL_SUFFIX);
}

/** A rename is durable only once the directory entry itself is on disk. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
