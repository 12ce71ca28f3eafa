/**
 * Compiles bench/capture.ts and the parts of src it imports to plain JavaScript in a temporary
 * directory, with the project's own compiler settings, so the measured process runs what `sluice`
 * runs: no TypeScript loader in it, whose transpiler alone adds some 35 MB of RSS and start-up CPU.
 * The OpenSearch case's node and replay client (opensearch-node.ts, replay-client.ts) are compiled
 * with it, for the same reason.
 *
 * Contract: `buildCapture` blocks on `tsc` (a few seconds) and rejects with the compiler's output
 * when the code does not type-check. The directory links the repository's node_modules so the
 * compiled files find their packages; the caller removes `dir` when done.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CaptureBuild {
  /** The compiled capture.js. */
  entry: string;
  /** The compiled replay-client.js. */
  replayClient: string;
  /** The compiled opensearch-node.js. */
  openSearchNode: string;
  /** The temporary directory holding it. */
  dir: string;
}

const REPOSITORY = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export async function buildCapture(): Promise<CaptureBuild> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-build-'));
  try {
    await symlink(path.join(REPOSITORY, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const out = path.join(dir, 'out');
    const tsconfig = {
      extends: path.join(REPOSITORY, 'tsconfig.json'),
      compilerOptions: { rootDir: REPOSITORY, outDir: out, declaration: false, sourceMap: false, noEmitOnError: true },
      include: [],
      files: ['capture.ts', 'replay-client.ts', 'opensearch-node.ts'].map((file) => path.join(REPOSITORY, 'bench', file)),
    };
    const project = path.join(dir, 'tsconfig.json');
    await writeFile(project, JSON.stringify(tsconfig));
    await compile(project);
    const compiled = (file: string) => path.join(out, 'bench', file);
    return { entry: compiled('capture.js'), replayClient: compiled('replay-client.js'), openSearchNode: compiled('opensearch-node.js'), dir };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function compile(project: string): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`compiling the benchmark's processes failed:\n${output.trim()}`))));
  });
}
