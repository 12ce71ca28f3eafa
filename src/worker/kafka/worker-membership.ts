/**
 * Which workers of a Kafka-mode cluster are alive: every worker writes a heartbeat (its REST URL
 * and the time) to the status topic every `heartbeatIntervalMs`, and takes a worker for alive while
 * it has read a heartbeat of it within `sessionTimeoutMs` (Connect's `heartbeat.interval.ms` and
 * `session.timeout.ms`). A worker that stops cleanly writes a tombstone and is gone at once; one
 * that dies is gone once its session times out. Liveness is judged on the reader's clock (when it
 * read a heartbeat), so clocks of different machines need not agree; only heartbeats older than a
 * session on the writer's clock are ignored outright, so that a worker starting up does not count
 * workers that died long ago.
 *
 * Contract:
 * - `observe` is fed every heartbeat record read (from the status log's single reading loop).
 * - `join` writes the first heartbeat and starts the timer; `leave` stops it and writes the
 *   tombstone. Blocks on the brokers only.
 * - `members()` lists the live workers, this one included once joined, sorted; `onChange` is
 *   called with them whenever that list changes, with a generation that counts the changes seen
 *   here (each worker counts its own).
 */
import type { Logger } from 'pino';
import type { WorkerHeartbeat } from './kafka-status-log.js';

export interface WorkerMembershipOptions {
  workerId: string;
  url: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Writes this worker's heartbeat, or its tombstone (null). */
  write(heartbeat: WorkerHeartbeat | null): Promise<void>;
  onChange(members: string[], generation: number): void;
  logger: Logger;
  /** The local clock liveness is judged on, in milliseconds (tests). */
  now?(): number;
}

interface Peer {
  url: string;
  /** When a heartbeat of it was last read, on the local clock. */
  seenAt: number;
}

export class WorkerMembership {
  generation = 0;
  private readonly peers = new Map<string, Peer>();
  private joined = false;
  private timer: NodeJS.Timeout | undefined;
  private last: string[] = [];
  private readonly now: () => number;

  constructor(private readonly options: WorkerMembershipOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  observe(workerId: string, heartbeat: WorkerHeartbeat | null): void {
    if (workerId === this.options.workerId) return;
    if (heartbeat === null || Date.now() - heartbeat.time > heartbeat.sessionTimeoutMs) this.peers.delete(workerId);
    else this.peers.set(workerId, { url: heartbeat.url, seenAt: this.now() });
    this.settle();
  }

  async join(): Promise<void> {
    await this.beat();
    this.joined = true;
    this.settle();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) => this.options.logger.warn({ err: error }, 'writing the worker heartbeat failed; retrying'));
      this.settle();
    }, this.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  async leave(): Promise<void> {
    clearInterval(this.timer);
    if (!this.joined) return;
    this.joined = false;
    await this.options.write(null);
  }

  members(): string[] {
    return this.last;
  }

  /** The REST URL of a live worker. */
  urlOf(workerId: string): string | undefined {
    return workerId === this.options.workerId ? this.options.url : this.peers.get(workerId)?.url;
  }

  private beat(): Promise<void> {
    return this.options.write({ url: this.options.url, time: Date.now(), sessionTimeoutMs: this.options.sessionTimeoutMs });
  }

  /** Drops the peers whose session expired, and reports the live list when it changed. */
  private settle(): void {
    const now = this.now();
    for (const [id, peer] of this.peers) {
      if (now - peer.seenAt > this.options.sessionTimeoutMs) {
        this.peers.delete(id);
        this.options.logger.warn({ worker: id }, `worker ${id} sent no heartbeat for ${this.options.sessionTimeoutMs} ms: its work moves to the others`);
      }
    }
    const members = [...this.peers.keys(), ...(this.joined ? [this.options.workerId] : [])].sort();
    if (members.join('\n') === this.last.join('\n')) return;
    this.last = members;
    this.generation += 1;
    this.options.onChange(members, this.generation);
  }
}
