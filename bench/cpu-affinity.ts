/**
 * Gives the OpenSearch case's node and its client CPUs of their own, as if they ran on separate
 * hosts. On shared CPUs the node runs faster beside the replay, a client that needs almost no CPU
 * and leaves the node's garbage collector the other cores, than beside Sluice, whose worker and
 * Postgres need those cores: the reference would be measured on a faster node. Split, the node
 * process has the same CPUs in both runs, and each client (the replay process, or the worker
 * process with the Postgres server it reads) has the others.
 *
 * Contract: `coreSplit()` says which of the bench's CPUs each side gets, or why they cannot be split
 * (fewer than two, no `taskset` from util-linux). Processes start on theirs through
 * `pinnedSpawnArgs`. `withPostgresOn` moves the Postgres server (its postmaster and children, every
 * thread; backends forked later inherit it) to the client's CPUs for the duration of `work`, then
 * gives it every CPU of the bench's again, even when `work` throws. Blocks only on the `taskset`
 * runs.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CoreSplit {
  /** CPU list (taskset's -c syntax) of the node process. */
  node: string;
  /** CPU list of the client: the replay or the worker, with Postgres. */
  client: string;
  /** Every CPU the bench may use. */
  all: string;
}

/** The CPUs this process may run on, from taskset's list ("0-3,8"). */
function ownCpus(): number[] {
  const list = execFileSync('taskset', ['-c', '-p', String(process.pid)], { encoding: 'utf8' }).trim().split(': ').pop()!;
  return list.split(',').flatMap((range) => {
    const [first = 0, last = first] = range.split('-').map(Number);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  });
}

/** The split of this process's CPUs, half each (the node the first half); a string saying why not otherwise. */
export function coreSplit(): CoreSplit | string {
  let cpus: number[];
  try {
    cpus = ownCpus();
  } catch {
    return 'taskset (util-linux) is not installed';
  }
  if (cpus.length < 2) return `the bench may use only ${cpus.length} CPU`;
  const half = Math.floor(cpus.length / 2);
  return { node: cpus.slice(0, half).join(','), client: cpus.slice(half).join(','), all: cpus.join(',') };
}

/** A CPU list as words: "CPU 1", "CPUs 0,1". */
export const cpusNamed = (list: string): string => (/^\d+$/.test(list) ? `CPU ${list}` : `CPUs ${list}`);

/** `command args` run on `cpus`: the command and arguments to spawn. */
export function pinnedSpawnArgs(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

/** Pins each process still running (one that ended since it was listed needs nothing). */
async function pin(pids: number[], cpus: string): Promise<void> {
  for (const pid of pids) {
    await run('taskset', ['-a', '-p', '-c', cpus, String(pid)]).catch((error: unknown) => {
      if (existsSync(`/proc/${pid}`)) throw error;
    });
  }
}

/** The postmaster (first line of postmaster.pid) and the processes it has started so far. */
async function postgresProcesses(dataDir: string): Promise<number[]> {
  const postmaster = Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n', 1)[0]);
  const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8');
  return [postmaster, ...children.split(/\s+/).filter(Boolean).map(Number)];
}

export async function withPostgresOn<T>(split: CoreSplit, postgresDataDir: string, work: () => Promise<T>): Promise<T> {
  try {
    await pin(await postgresProcesses(postgresDataDir), split.client);
    return await work();
  } finally {
    await pin(await postgresProcesses(postgresDataDir), split.all);
  }
}
