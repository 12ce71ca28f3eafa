import { describe, expect, it } from 'vitest';
import { assignTasks, type TaskWorkers } from './connector-assignment.js';

/** How many tasks each worker got. */
function loads(assignment: TaskWorkers, workers: string[]): number[] {
  const all = [...assignment.values()].flat();
  return workers.map((worker) => all.filter((w) => w === worker).length);
}

/** "connector/task" -> worker, for comparing two assignments. */
function placements(assignment: TaskWorkers): Map<string, string> {
  return new Map([...assignment].flatMap(([connector, workers]) => workers.map((worker, task) => [`${connector}/${task}`, worker] as const)));
}

const counts = new Map([
  ['orders-source', 1],
  ['orders-search', 3],
  ['orders-lake', 2],
  ['customers-search', 4],
  ['audit', 1],
]);
const TASKS = 11;

describe('assignTasks', () => {
  it('gives every task of every connector a worker, the load differing by at most one', () => {
    for (const workers of [['w1'], ['w1', 'w2'], ['w1', 'w2', 'w3'], ['a', 'b', 'c', 'd', 'e']]) {
      const assignment = assignTasks(counts, workers);
      for (const [connector, count] of counts) {
        expect(assignment.get(connector)).toHaveLength(count);
        for (const worker of assignment.get(connector)!) expect(workers).toContain(worker);
      }
      const load = loads(assignment, workers);
      expect(load.reduce((a, b) => a + b)).toBe(TASKS);
      expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
    }
  });

  it('is the same answer whatever order the inputs come in', () => {
    const reversed = new Map([...counts].reverse());
    expect(assignTasks(reversed, ['w3', 'w1', 'w2'])).toEqual(assignTasks(counts, ['w1', 'w2', 'w3']));
  });

  it('moves few tasks when a worker joins or leaves', () => {
    // Many tasks, so that what stays put is the rule, not luck.
    const many = new Map(Array.from({ length: 60 }, (_, n) => [`connector-${n}`, 1 + (n % 3)]));
    const before = placements(assignTasks(many, ['w1', 'w2', 'w3', 'w4']));
    const joined = placements(assignTasks(many, ['w1', 'w2', 'w3', 'w4', 'w5']));
    const moved = [...before].filter(([task, worker]) => joined.get(task) !== worker).length;
    // A fifth of the tasks must move to the new worker; a round robin would move most of them.
    expect(moved).toBeLessThan(before.size * 0.4);
    const left = placements(assignTasks(many, ['w1', 'w2', 'w4']));
    const movedOff = [...before].filter(([task, worker]) => worker !== 'w3' && left.get(task) !== worker).length;
    expect(movedOff).toBeLessThan(before.size * 0.25);
  });

  it('assigns nothing without workers, and spreads one connector\'s tasks over the workers', () => {
    expect(assignTasks(counts, [])).toEqual(new Map());
    expect(new Set(assignTasks(new Map([['sink', 3]]), ['w1', 'w2', 'w3']).get('sink'))).toEqual(new Set(['w1', 'w2', 'w3']));
  });
});
