/**
 * Gives the OpenSearch case's node and its client CPUs of their own, as if they ran on separate
 * hosts. On shared CPUs the node runs faster beside the replay, a client that needs almost no CPU
 * and leaves the node's garbage collector the other cores, than beside Sluice, whose worker and
 * Postgres need those cores: the reference would be measured on a faster node. Split, the node
 * process has the same CPUs in both runs, and each client (the replay process, or the worker
 * process with the Postgres server it reads) has the others.
 *
 * Contract: `coreSplit()` says which CPUs each side gets, or why the machine cannot split them
 * (fewer than two CPUs, no `taskset` from util-linux). Processes start on theirs through
 * `pinnedSpawnArgs`. `withPostgresOn` moves the Postgres server (its postmaster and children, every
 * thread; backends forked later inherit it) to the client's CPUs for the duration of `work`, then
 * gives it every CPU again, even when `work` throws. Blocks only on the `taskset` runs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CoreSplit {
  /** CPU list (taskset's -c syntax) of the node process. */
  node: string;
  /** CPU list of the client: the replay or the worker, with Postgres. */
  client: string;
}

/** The split, half the CPUs each (the node the first half); a string saying why not otherwise. */
export function coreSplit(): CoreSplit | string {
  const cpus = os.availableParallelism();
  if (cpus < 2) return `the machine has ${cpus} CPU`;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'taskset (util-linux) is not installed';
  }
  const half = Math.floor(cpus / 2);
  const list = (first: number, last: number) => (first === last ? `${first}` : `${first}-${last}`);
  return { node: list(0, half - 1), client: list(half, cpus - 1) };
}

/** A CPU list as words: "CPU 1", "CPUs 0-3". */
export const cpusNamed = (list: string): string => (/^\d+$/.test(list) ? `CPU ${list}` : `CPUs ${list}`);

/** `command args` run on `cpus`: the command and arguments to spawn. */
export function pinnedSpawnArgs(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

async function pin(pids: number[], cpus: string): Promise<void> {
  for (const pid of pids) await run('taskset', ['-a', '-p', '-c', cpus, String(pid)]);
}

/** The postmaster (first line of postmaster.pid) and the processes it has started so far. */
async function postgresProcesses(dataDir: string): Promise<number[]> {
  const postmaster = Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n', 1)[0]);
  const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8');
  return [postmaster, ...children.split(/\s+/).filter(Boolean).map(Number)];
}

export async function withPostgresOn<T>(cpus: string, postgresDataDir: string, work: () => Promise<T>): Promise<T> {
  try {
    await pin(await postgresProcesses(postgresDataDir), cpus);
    return await work();
  } finally {
    await pin(await postgresProcesses(postgresDataDir), `0-${os.availableParallelism() - 1}`);
  }
}
