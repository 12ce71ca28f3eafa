import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, watch } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openObjectStore, type ObjectStore } from './object-store.js';
import { rejectionOf } from '../../../test/support/failures.js';
import { startLocalStoreWriter } from '../../../test/support/local-store-writer.js';

let scratch: string;
let root: string;
let store: ObjectStore;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'local-directory-store-'));
  root = join(scratch, 'store', 'nested');
  store = openDirectory(root);
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function openDirectory(directory: string): ObjectStore {
  return openObjectStore(
    { url: pathToFileURL(directory).href, bucket: null, region: 'us-east-1', pathStyle: false, accessKeyId: null, secretAccessKey: null, partSize: 5 * 1024 * 1024 },
    pino({ level: 'silent' }),
  );
}

async function localFile(name: string, bytes: number): Promise<{ path: string; content: Buffer }> {
  const content = randomBytes(bytes);
  const path = join(scratch, name);
  await writeFile(path, content);
  return { path, content };
}

/** Every file and directory under the scratch area, hidden ones included. */
async function everything(): Promise<string[]> {
  return (await readdir(scratch, { recursive: true })).sort();
}

describe('LocalDirectoryStore', () => {
  it('creates the directory at check and leaves nothing behind', async () => {
    await store.check();
    expect((await stat(root)).isDirectory()).toBe(true);
    expect(await readdir(root)).toEqual([]);
    expect(store.describe()).toBe(`directory ${root}`);
  });

  it('refuses a store.url that leads to a file', async () => {
    await writeFile(join(scratch, 'plain-file'), 'x');
    const error = await rejectionOf(openDirectory(join(scratch, 'plain-file', 'below')).check());
    expect(error.code).toBe('STORE_DIRECTORY_INVALID');
    expect(error.message).toContain('set store.url to a directory');
  });

  it('stores a file under its key with no temporary file left', async () => {
    const { path, content } = await localFile('spool.bin', 100_000);
    await store.upload('topics/orders/year=2026/a.parquet', path, content.length);
    expect((await readFile(join(root, 'topics/orders/year=2026/a.parquet'))).equals(content)).toBe(true);
    expect((await readFile(path)).equals(content)).toBe(true);
    expect((await everything()).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(await store.list('topics/')).toEqual(['topics/orders/year=2026/a.parquet']);
  });

  it('replaces the file when the same key is stored again', async () => {
    const first = await localFile('first.bin', 5000);
    const second = await localFile('second.bin', 300);
    await store.upload('t/x.parquet', first.path, first.content.length);
    await store.upload('t/x.parquet', second.path, second.content.length);
    expect((await readFile(join(root, 't/x.parquet'))).equals(second.content)).toBe(true);
    expect(await readdir(join(root, 't'))).toEqual(['x.parquet']);
  });

  it('keeps the previous file and no temporary one when the local file is not the announced size', async () => {
    const first = await localFile('first.bin', 5000);
    const changed = await localFile('changed.bin', 4000);
    await store.upload('t/x.parquet', first.path, first.content.length);
    const error = await rejectionOf(store.upload('t/x.parquet', changed.path, 4001));
    expect(error.code).toBe('STORE_SOURCE_CHANGED');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('had 4000 bytes, expected 4001 bytes');
    expect((await readFile(join(root, 't/x.parquet'))).equals(first.content)).toBe(true);
    expect(await readdir(join(root, 't'))).toEqual(['x.parquet']);
  });

  it('removes the temporary file when the final rename fails', async () => {
    const { path, content } = await localFile('spool.bin', 1000);
    await mkdir(join(root, 't', 'taken.parquet', 'child'), { recursive: true });
    const error = await rejectionOf(store.upload('t/taken.parquet', path, content.length));
    expect(error.retriable).toBe(false);
    expect(await readdir(join(root, 't'))).toEqual(['taken.parquet']);
    expect(await readdir(join(root, 't', 'taken.parquet'))).toEqual(['child']);
  });

  it('reports a missing local file as changed, writing nothing', async () => {
    const error = await rejectionOf(store.upload('t/gone.parquet', join(scratch, 'never-written.bin'), 10));
    expect(error.code).toBe('STORE_SOURCE_CHANGED');
    expect(error.message).toContain('is missing');
    expect(await store.list('')).toEqual([]);
    expect((await everything()).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('refuses keys that could leave the directory or alias another key, writing nothing', async () => {
    const { path, content } = await localFile('spool.bin', 10);
    const before = await everything();
    for (const key of ['../escaped.parquet', 'a/../../escaped.parquet', '/tmp/absolute.parquet', 'a//b.parquet', './a.parquet', 'a/.', '', 'a/.b.0123.partial', 'nul\0.parquet']) {
      const error = await rejectionOf(store.upload(key, path, content.length));
      expect(error.code).toBe('STORE_KEY_INVALID');
    }
    expect(await everything()).toEqual(before);
  });

  it('puts a small text under its key whole, reads it back and replaces it, and reads null for a key never written', async () => {
    expect(await store.get('topics/_sluice/c/t+0.cuts')).toBeNull();
    await store.put('topics/_sluice/c/t+0.cuts', '{"cuts":[1]}');
    await store.put('topics/_sluice/c/t+0.cuts', '{"cuts":[1,2]} é');
    expect(await store.get('topics/_sluice/c/t+0.cuts')).toBe('{"cuts":[1,2]} é');
    expect(await readFile(join(root, 'topics/_sluice/c/t+0.cuts'), 'utf8')).toBe('{"cuts":[1,2]} é');
    expect((await everything()).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect((await rejectionOf(store.put('../outside', 'x'))).code).toBe('STORE_KEY_INVALID');
  });

  it('lists keys under a prefix, at any depth, skipping temporary files', async () => {
    const { path, content } = await localFile('spool.bin', 10);
    const keys = ['topics/a/1.parquet', 'topics/a/deep/2.parquet', 'topics/ab/3.parquet', 'topics/b/4.parquet', 'other/5.parquet'];
    for (const key of keys) await store.upload(key, path, content.length);
    await writeFile(join(root, 'topics/a/.6.parquet.0123456789ab.partial'), 'half');
    expect(await store.list('topics/a/')).toEqual(['topics/a/1.parquet', 'topics/a/deep/2.parquet']);
    expect(await store.list('topics/a')).toEqual(['topics/a/1.parquet', 'topics/a/deep/2.parquet', 'topics/ab/3.parquet']);
    expect(await store.list('')).toEqual([...keys].sort());
    expect(await store.list('missing/')).toEqual([]);
  });

  it('leaves no temporary file and a whole object when a process killed while writing a key is followed by a rewrite of the key', { timeout: 120_000 }, async () => {
    // Large enough that the copy and its fsync outlast the kill, which follows the temporary file's creation at once.
    const source = join(scratch, 'large.bin');
    for (let i = 0; i < 128; i++) await appendFile(source, randomBytes(1024 * 1024));
    const directory = join(root, 't');
    await mkdir(directory, { recursive: true });
    // Another key's temporary file, as a task of another worker writing into the same directory has it.
    const othersPartial = '.other.parquet.0123456789ab.partial';
    await writeFile(join(directory, othersPartial), 'half');

    const writer = startLocalStoreWriter(root, 't/large.parquet', source);
    const watcher = watch(directory, (_event, name) => {
      if (name?.startsWith('.large.parquet.')) writer.child.kill('SIGKILL');
    });
    try {
      expect(await writer.exited).toBeNull();
    } finally {
      watcher.close();
    }
    const left = (await readdir(directory)).filter((name) => name !== othersPartial);
    expect(left).toEqual([expect.stringMatching(/^\.large\.parquet\.[0-9a-f]{12}\.partial$/)]);

    await store.upload('t/large.parquet', source, (await stat(source)).size);
    expect((await readdir(directory)).sort()).toEqual([othersPartial, 'large.parquet']);
    expect(await sha256(join(directory, 'large.parquet'))).toBe(await sha256(source));
    expect(await store.list('')).toEqual(['t/large.parquet']);
  });
});

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
