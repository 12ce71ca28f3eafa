import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OffsetStore } from '../../contracts/offset-store.js';
import { SluiceError } from '../../errors.js';
import { FileOffsetStore } from './file-offset-store.js';
import { MemoryOffsetStore } from './memory-offset-store.js';

let directory: string;
let files = 0;
const freshPath = (): string => join(directory, `offsets-${++files}.json`);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-offsets-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const stores: Array<[string, () => Promise<OffsetStore>]> = [
  ['MemoryOffsetStore', async () => new MemoryOffsetStore()],
  ['FileOffsetStore', () => FileOffsetStore.open(freshPath())],
];

describe.each(stores)('%s', (_name, openStore) => {
  it('returns null for a partition never written', async () => {
    const store = await openStore();
    expect(await store.get('inventory', { server: 'db1' })).toBeNull();
    expect(await store.list('inventory')).toEqual([]);
  });

  it('returns the last offset set, whatever the order of the partition fields', async () => {
    const store = await openStore();
    await store.set('inventory', { server: 'db1', slot: 's' }, { lsn: 10 });
    await store.set('inventory', { slot: 's', server: 'db1' }, { lsn: 20, txId: 7 });
    expect(await store.get('inventory', { server: 'db1', slot: 's' })).toEqual({ lsn: 20, txId: 7 });
    expect(await store.list('inventory')).toHaveLength(1);
  });

  it('keeps connectors apart and lists only the one asked for', async () => {
    const store = await openStore();
    await store.set('a', { server: 'db' }, { lsn: 1 });
    await store.set('b', { server: 'db' }, { lsn: 2 });
    await store.set('a', { server: 'other' }, { lsn: 3 });
    expect(await store.get('b', { server: 'db' })).toEqual({ lsn: 2 });
    const listed = await store.list('a');
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(
      expect.arrayContaining([
        { partition: { server: 'db' }, offset: { lsn: 1 } },
        { partition: { server: 'other' }, offset: { lsn: 3 } },
      ]),
    );
  });

  it('deletes an entry when the offset is null', async () => {
    const store = await openStore();
    await store.set('a', { server: 'db' }, { lsn: 1 });
    await store.set('a', { server: 'db' }, null);
    expect(await store.get('a', { server: 'db' })).toBeNull();
    expect(await store.list('a')).toEqual([]);
  });

  it('stores a copy: changing the caller’s map afterwards changes nothing', async () => {
    const store = await openStore();
    const offset = { lsn: 1 };
    await store.set('a', { server: 'db' }, offset);
    offset.lsn = 99;
    (await store.get('a', { server: 'db' }))!.lsn = 98;
    expect(await store.get('a', { server: 'db' })).toEqual({ lsn: 1 });
  });
});

describe('FileOffsetStore on disk', () => {
  it('keeps offsets across instances, in Kafka Connect’s key shape', async () => {
    const path = freshPath();
    const first = await FileOffsetStore.open(path);
    await first.set('inventory', { server: 'db1' }, { lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null });
    await first.set('gone', { server: 'db1' }, { lsn: 1 });
    await first.set('gone', { server: 'db1' }, null);
    await first.close();

    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      '["inventory",{"server":"db1"}]': { lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null },
    });
    const second = await FileOffsetStore.open(path);
    expect(await second.get('inventory', { server: 'db1' })).toEqual({ lsn: 42, txId: 5, snapshot: false, last_snapshot_record: null });
    expect(await second.get('gone', { server: 'db1' })).toBeNull();
    await second.close();
  });

  it('reads a file written by hand with the partition fields in another order', async () => {
    const path = freshPath();
    await writeFile(path, JSON.stringify({ '["c",{"slot":"s","db":"d"}]': { lsn: 3 } }));
    const store = await FileOffsetStore.open(path);
    expect(await store.get('c', { db: 'd', slot: 's' })).toEqual({ lsn: 3 });
  });

  it('resolves each concurrent set only once its own value is in the file, sharing writes', async () => {
    const path = freshPath();
    const store = await FileOffsetStore.open(path);
    const partitions = Array.from({ length: 50 }, (_, i) => ({ table: `t${i}` }));
    await Promise.all(
      partitions.map((partition, i) =>
        store.set('c', partition, { lsn: i }).then(async () => {
          const onDisk = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
          expect(onDisk[`["c",{"table":"t${i}"}]`]).toEqual({ lsn: i });
        }),
      ),
    );
    expect(store.writeCount).toBe(1);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await store.close();
  });

  it('writes offsets of one connector in call order', async () => {
    const path = freshPath();
    const store = await FileOffsetStore.open(path);
    const writes: Array<Promise<void>> = [];
    for (let lsn = 0; lsn < 20; lsn++) {
      writes.push(store.set('c', { server: 's' }, { lsn }));
      if (lsn % 5 === 4) await new Promise(setImmediate);
    }
    await Promise.all(writes);
    expect(store.writeCount).toBeGreaterThan(1);
    await store.close();
    expect(await (await FileOffsetStore.open(path)).get('c', { server: 's' })).toEqual({ lsn: 19 });
  });

  it('rejects a corrupt file, naming the file and the fix', async () => {
    const path = freshPath();
    for (const content of ['{"["c",{}]": ', '{"not a key": {"lsn": 1}}', '{"[\\"c\\",{}]": {"lsn": {"nested": 1}}}']) {
      await writeFile(path, content);
      const error = await FileOffsetStore.open(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).message).toContain(path);
      expect((error as SluiceError).message).toMatch(/Restore it from a backup, or move it away/);
    }
  });

  it('creates the data directory on the first write', async () => {
    const path = join(directory, 'not', 'yet', 'there', 'offsets.json');
    const store = await FileOffsetStore.open(path);
    await store.set('c', { server: 's' }, { lsn: 1 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ '["c",{"server":"s"}]': { lsn: 1 } });
  });

  it('refuses set after close', async () => {
    const store = await FileOffsetStore.open(freshPath());
    await store.close();
    await expect(store.set('c', { server: 's' }, { lsn: 1 })).rejects.toThrow(/closed/);
  });
});
