/**
 * Which worker runs which task in a Kafka-mode cluster. Every worker computes it from the same
 * inputs (the live workers, the connectors in the config topic and their task counts) and gets the
 * same answer, so no message carries it: the function is the agreement. A connector's own state is
 * kept by the worker of its task 0.
 *
 * Balanced rendezvous hashing: each task ranks the workers by a hash of (task, worker) and goes to
 * the first one in its ranking that has room: floor(tasks / workers) each, and one more for as
 * many workers as the division leaves tasks over. So the load differs by at most one, and when a
 * worker comes or goes, or a task is added or removed, most tasks stay where they were (a plain
 * round robin would move most of them).
 */
import { createHash } from 'node:crypto';

/** The workers of a connector's tasks, by task number. */
export type TaskWorkers = Map<string, string[]>;

/**
 * connector name -> the worker of each of its tasks, for connectors given with their task counts;
 * empty when there is no worker.
 */
export function assignTasks(taskCounts: ReadonlyMap<string, number>, workers: readonly string[]): TaskWorkers {
  const assignment: TaskWorkers = new Map();
  if (workers.length === 0) return assignment;
  const units = [...taskCounts].flatMap(([connector, count]) => Array.from({ length: count }, (_, task) => ({ connector, task, id: `${connector}/${task}` })));
  // Each worker takes `base` tasks; the first `extra` to be offered one more take one more.
  const base = Math.floor(units.length / workers.length);
  let extra = units.length % workers.length;
  const load = new Map(workers.map((worker) => [worker, 0]));
  const hasRoom = (worker: string): boolean => load.get(worker)! < base || (load.get(worker) === base && extra > 0);
  for (const { connector, task, id } of units.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const ranking = [...workers].sort((a, b) => score(id, b) - score(id, a) || (a < b ? -1 : 1));
    const worker = ranking.find(hasRoom)!;
    if (load.get(worker) === base) extra--;
    load.set(worker, load.get(worker)! + 1);
    let tasks = assignment.get(connector);
    if (tasks === undefined) assignment.set(connector, (tasks = []));
    tasks[task] = worker;
  }
  return assignment;
}

function score(unit: string, worker: string): number {
  return createHash('sha256').update(unit).update('\0').update(worker).digest().readUInt32BE(0);
}
