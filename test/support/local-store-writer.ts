/**
 * A process that stores one file in a local directory store and exits (0 once stored), for crash
 * tests that kill it with SIGKILL while it writes: `node --import tsx local-store-writer.ts <directory>
 * <key> <local file>`. `startLocalStoreWriter` starts it from a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { openObjectStore } from '../../src/sinks/s3-parquet/object-store.js';

export interface LocalStoreWriter {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function startLocalStoreWriter(directory: string, key: string, localPath: string): LocalStoreWriter {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), directory, key, localPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [directory, key, localPath] = process.argv.slice(2) as [string, string, string];
  const settings = { url: pathToFileURL(directory).href, bucket: null, region: 'us-east-1', pathStyle: false, accessKeyId: null, secretAccessKey: null, partSize: 5 * 1024 * 1024 };
  const store = openObjectStore(settings, pino({ level: 'silent' }));
  await store.upload(key, localPath, (await stat(localPath)).size);
  store.close();
}
