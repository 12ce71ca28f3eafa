/**
 * Which worker runs which connector in a Kafka-mode cluster. Every worker computes it from the
 * same inputs (the live workers, the connectors in the config topic) and gets the same answer, so
 * no message carries it: the function is the agreement.
 *
 * Balanced rendezvous hashing: each connector ranks the workers by a hash of (connector, worker)
 * and goes to the first one in its ranking that holds fewer than ceil(connectors / workers). So the
 * load differs by at most one, and when a worker comes or goes, or a connector is added or
 * removed, most connectors stay where they were (a plain round robin would move most of them).
 */
import { createHash } from 'node:crypto';

/** connector name -> worker id; empty when there is no worker. */
export function assignConnectors(connectors: readonly string[], workers: readonly string[]): Map<string, string> {
  const assignment = new Map<string, string>();
  if (workers.length === 0) return assignment;
  const capacity = Math.ceil(connectors.length / workers.length);
  const load = new Map(workers.map((worker) => [worker, 0]));
  for (const connector of [...connectors].sort()) {
    const ranking = [...workers].sort((a, b) => score(connector, b) - score(connector, a) || (a < b ? -1 : 1));
    const worker = ranking.find((candidate) => load.get(candidate)! < capacity)!;
    load.set(worker, load.get(worker)! + 1);
    assignment.set(connector, worker);
  }
  return assignment;
}

function score(connector: string, worker: string): number {
  return createHash('sha256').update(connector).update('\0').update(worker).digest().readUInt32BE(0);
}
