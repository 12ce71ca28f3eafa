/**
 * Source offsets in one JSON file: the standalone worker's `offset.storage.file.filename`.
 *
 * The file holds every connector's offsets in Kafka Connect's offsets-topic key shape:
 *   { "[\"<connector>\",{<partition>}]": {<offset>}, ... }
 * `open` reads it once (a missing file means no offsets; a corrupt one throws, naming the file and
 * the fix); from then on the store answers from memory and `set` rewrites the whole file atomically
 * (AtomicJsonFile: temp file, fsync, rename, directory fsync). `set` resolves only once its value is
 * durable; concurrent `set` calls share writes, and since each write carries the whole state,
 * offsets reach the file in call order. If a write fails, `set` rejects, yet `get` already answers
 * with the new value and the next successful write will carry it.
 */
import { z } from 'zod';
import type { OffsetStore } from '../../contracts/offset-store.js';
import type { OffsetMap } from '../../events.js';
import { AtomicJsonFile, readJsonFile } from '../atomic-json-file.js';
import { MemoryOffsetStore } from './memory-offset-store.js';

const offsetMapSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number, boolean or null' }),
);
const offsetKeySchema = z.tuple([z.string(), offsetMapSchema]);

const offsetFileSchema = z.record(z.string(), offsetMapSchema).transform((file, context) =>
  Object.entries(file).flatMap(([key, offset]) => {
    const parsed = offsetKeySchema.safeParse(parseJsonOrUndefined(key));
    if (parsed.success) return [{ connector: parsed.data[0], partition: parsed.data[1], offset }];
    context.addIssue({ code: 'custom', path: [key], message: 'a key must be the JSON text ["<connector>", {<partition>}]' });
    return [];
  }),
);

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const CORRUPT_FILE_FIX =
  'Restore it from a backup, or move it away to start with no stored offsets (every connector then starts as on its first run).';

export class FileOffsetStore implements OffsetStore {
  private readonly file: AtomicJsonFile;

  private constructor(
    path: string,
    private readonly offsets: MemoryOffsetStore,
  ) {
    this.file = new AtomicJsonFile(path, () => offsets.toKeyedObject());
  }

  /** Reads the offsets in `path` (none when it does not exist yet). */
  static async open(path: string): Promise<FileOffsetStore> {
    const offsets = new MemoryOffsetStore();
    for (const entry of (await readJsonFile(path, offsetFileSchema, CORRUPT_FILE_FIX)) ?? []) {
      await offsets.set(entry.connector, entry.partition, entry.offset);
    }
    return new FileOffsetStore(path, offsets);
  }

  get path(): string {
    return this.file.path;
  }

  /** How many times the file has been written (concurrent `set` calls share writes). */
  get writeCount(): number {
    return this.file.writeCount;
  }

  get(connector: string, partition: OffsetMap): Promise<OffsetMap | null> {
    return this.offsets.get(connector, partition);
  }

  async set(connector: string, partition: OffsetMap, offset: OffsetMap | null): Promise<void> {
    await this.offsets.set(connector, partition, offset);
    await this.file.persist();
  }

  list(connector: string): Promise<Array<{ partition: OffsetMap; offset: OffsetMap }>> {
    return this.offsets.list(connector);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
