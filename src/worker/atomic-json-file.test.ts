import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SluiceError } from '../errors.js';
import { AtomicJsonFile, readJsonFile } from './atomic-json-file.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-atomic-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const counterSchema = z.object({ count: z.number() });
const readCounter = async (path: string): Promise<number | undefined> => (await readJsonFile(path, counterSchema, 'Fix it.'))?.count;

describe('AtomicJsonFile', () => {
  it('folds every persist() made during a write into one next write', async () => {
    const path = join(directory, 'coalesce.json');
    let count = 0;
    const file = new AtomicJsonFile(path, () => ({ count }));
    count = 1;
    const first = file.persist();
    await new Promise(setImmediate); // the first write has now taken its snapshot
    const later: Array<Promise<void>> = [];
    for (let value = 2; value <= 10; value++) {
      count = value;
      later.push(file.persist().then(async () => expect(await readCounter(path)).toBeGreaterThanOrEqual(value)));
    }
    await first;
    await Promise.all(later);
    expect(file.writeCount).toBe(2);
    expect(await readCounter(path)).toBe(10);
  });

  it('rejects the callers of a failed write and writes the whole state on the next persist', async () => {
    const path = join(directory, 'blocked.json');
    await mkdir(path); // a directory where the file should be: rename fails
    let count = 1;
    const file = new AtomicJsonFile(path, () => ({ count }));
    await expect(file.persist()).rejects.toThrow();
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    await rm(path, { recursive: true });
    count = 2;
    await file.persist();
    expect(await readCounter(path)).toBe(2);
    expect(file.writeCount).toBe(1);
  });

  it('waits for the write under way on close', async () => {
    const path = join(directory, 'close.json');
    const file = new AtomicJsonFile(path, () => ({ count: 3 }));
    const written = file.persist();
    await file.close();
    await written;
    expect(await readCounter(path)).toBe(3);
    await expect(file.persist()).rejects.toThrow(/closed/);
  });
});

describe('readJsonFile', () => {
  it('returns undefined for a missing file', async () => {
    expect(await readCounter(join(directory, 'missing.json'))).toBeUndefined();
  });

  it('names the file, the problem and the fix for bad JSON or a wrong shape', async () => {
    const path = join(directory, 'bad.json');
    for (const [content, problem] of [
      ['{"count": ', /not valid JSON/],
      ['{"count": "three"}', /at "count"/],
    ] as const) {
      await writeFile(path, content);
      const error = await readCounter(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe('STATE_FILE_CORRUPT');
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(problem);
      expect((error as Error).message).toMatch(/Fix it\.$/);
    }
  });
});
