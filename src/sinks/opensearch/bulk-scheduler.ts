/**
 * Groups the OpenSearch sink's actions into `_bulk` requests and keeps up to
 * `max.in.flight.requests` of them in flight at once, without ever letting two writes of one
 * document race. The sink task calls `add` per action, `drain` before a truncate and in preCommit,
 * `discard` when partitions close and `stop` when it stops; never two calls at once.
 *
 * Guarantees:
 * - A request holds at most `batch.size` actions and `bulk.size.bytes` (a larger action goes
 *   alone). A request goes out when that much is waiting, when the oldest waiting action has waited
 *   `linger.ms`, or during `drain`; and only while fewer than `max.in.flight.requests` are in
 *   flight.
 * - Per-document order: an action whose document (index and id) is in a request in flight waits
 *   until that request settled, retries of its items included, and so does every later action of
 *   that document. Actions of other documents may pass it; within one request OpenSearch applies
 *   items in order.
 * - Backpressure: `add` returns undefined while the waiting actions fit in one request; otherwise a
 *   promise that resolves once they do again (a request went out). Memory is bounded by the
 *   requests in flight plus one request's worth of waiting actions.
 * - `drain` sends everything and resolves once nothing waits and nothing is in flight;
 *   `sendWaiting` sends what waits as far as free slots allow, and returns at once.
 * - `written` (an option) hears of every action once it is durable: its request settled, or its
 *   request's retries ran out after it was written.
 * - Failures: a request whose retries ran out (RetriesExhausted) puts its unwritten actions back
 *   in front of the waiting ones and pauses sending; its error is thrown once, by the next `add`,
 *   `sendWaiting` or `drain` (or the one waiting), after which sending resumes: the caller's own
 *   retry is the pause.
 *   Any other failure is permanent: it is thrown by every later call and nothing more is sent.
 */
import { documentKey, type BulkAction } from './bulk-body.js';
import { fitsInRequest, RetriesExhausted } from './bulk-writer.js';

export interface BulkSchedulerOptions {
  batchSize: number;
  bulkSizeBytes: number;
  lingerMs: number;
  maxInFlightRequests: number;
  /** Writes one request to its end (bulk-writer.ts): resolves once every action is dealt with. */
  send(actions: readonly BulkAction[]): Promise<void>;
  /** Called with the actions of a request that are durable, once it settled. */
  written(actions: readonly BulkAction[]): void;
}

export class BulkScheduler {
  private waiting: BulkAction[] = [];
  private waitingBytes = 0;
  private inFlight = 0;
  /** Ids of the documents in requests in flight, by index (ids as they are: no key to build per action). */
  private readonly busy = new Map<string, Set<string>>();
  private lingerTimer: NodeJS.Timeout | undefined;
  /** The oldest waiting action has waited `linger.ms`. */
  private lingered = false;
  private draining = false;
  private failure: { error: unknown; permanent: boolean } | null = null;
  private changeWaiters: Array<() => void> = [];

  constructor(private readonly options: BulkSchedulerOptions) {}

  /** Queues one action; a promise only when the caller must wait for room (see the module comment). */
  add(action: BulkAction): Promise<void> | undefined {
    this.throwFailure();
    this.waiting.push(action);
    this.waitingBytes += action.bytes;
    this.armLinger();
    if (!this.isFull()) return undefined;
    this.pump();
    return this.isFull() ? this.waitForRoom() : undefined;
  }

  /** Sends everything waiting; resolves once every request has settled. */
  async drain(): Promise<void> {
    this.draining = true;
    try {
      for (;;) {
        this.throwFailure();
        this.pump();
        if (this.waiting.length === 0 && this.inFlight === 0) return;
        await this.changed();
      }
    } finally {
      this.draining = false;
    }
  }

  /** Sends what waits as far as free slots allow, without waiting for anything; throws as `add` does. */
  sendWaiting(): void {
    this.throwFailure();
    this.draining = true;
    try {
      this.pump();
    } finally {
      this.draining = false;
    }
  }

  /** Drops the waiting actions `dropped` picks (their partitions were closed); requests in flight go on. */
  discard(dropped: (action: BulkAction) => boolean): void {
    this.waiting = this.waiting.filter((action) => !dropped(action));
    this.waitingBytes = this.waiting.reduce((sum, action) => sum + action.bytes, 0);
    if (this.waiting.length === 0) this.resetLinger();
  }

  /** Sends nothing more; requests in flight are left to the client's closing. */
  stop(): void {
    this.failure ??= { error: new Error('the OpenSearch sink task was stopped'), permanent: true };
    this.resetLinger();
    this.wake();
  }

  private isFull(): boolean {
    return this.waiting.length >= this.options.batchSize || this.waitingBytes >= this.options.bulkSizeBytes;
  }

  private async waitForRoom(): Promise<void> {
    while (this.isFull()) {
      await this.changed();
      this.throwFailure();
      this.pump();
    }
  }

  /** Sends requests while a slot is free and something is due. */
  private pump(): void {
    while (this.failure === null && this.inFlight < this.options.maxInFlightRequests && this.waiting.length > 0 && (this.isFull() || this.lingered || this.draining)) {
      const request = this.take();
      if (request.length === 0) break;
      this.dispatch(request);
    }
  }

  /**
   * Takes the next request from the waiting actions, in order, passing over every action of a
   * document in flight (and so every later one of that document, which stays behind it).
   */
  private take(): BulkAction[] {
    const { batchSize, bulkSizeBytes } = this.options;
    const request: BulkAction[] = [];
    const kept: BulkAction[] = [];
    const passed = new Set<string>();
    let bytes = 0;
    let i = 0;
    for (; i < this.waiting.length && request.length < batchSize; i++) {
      const action = this.waiting[i]!;
      if (!fitsInRequest(request.length, bytes, action, bulkSizeBytes)) break;
      if (this.busy.get(action.index)?.has(action.id) || (passed.size > 0 && passed.has(documentKey(action)))) {
        passed.add(documentKey(action));
        kept.push(action);
        continue;
      }
      request.push(action);
      bytes += action.bytes;
    }
    this.waiting = kept.length === 0 ? this.waiting.slice(i) : kept.concat(this.waiting.slice(i));
    this.waitingBytes -= bytes;
    if (this.waiting.length === 0) this.resetLinger();
    else this.armLinger();
    return request;
  }

  private dispatch(request: BulkAction[]): void {
    this.inFlight++;
    for (const action of request) {
      let ids = this.busy.get(action.index);
      if (ids === undefined) this.busy.set(action.index, (ids = new Set()));
      ids.add(action.id);
    }
    this.options.send(request).then(
      () => this.settle(request, null),
      (error: unknown) => this.settle(request, error),
    );
  }

  private settle(request: readonly BulkAction[], error: unknown): void {
    if (error === null) {
      this.options.written(request);
    } else {
      if (error instanceof RetriesExhausted) this.options.written(request.filter((action) => !error.unwritten.includes(action)));
      this.fail(error);
    }
    // Unwritten actions are back in front of the waiting ones before their documents are free.
    for (const action of request) this.busy.get(action.index)!.delete(action.id);
    this.inFlight--;
    this.pump();
    this.wake();
  }

  private fail(error: unknown): void {
    if (error instanceof RetriesExhausted) {
      this.waiting = [...error.unwritten, ...this.waiting];
      for (const action of error.unwritten) this.waitingBytes += action.bytes;
      this.failure ??= { error, permanent: false };
    } else if (this.failure === null || !this.failure.permanent) {
      this.failure = { error, permanent: true };
    }
  }

  private throwFailure(): void {
    const failure = this.failure;
    if (failure === null) return;
    if (!failure.permanent) this.failure = null;
    throw failure.error;
  }

  private armLinger(): void {
    if (this.lingerTimer !== undefined || this.lingered) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.lingered = true;
      this.pump();
    }, this.options.lingerMs);
  }

  private resetLinger(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.lingered = false;
  }

  /** Resolves at the next settled request, failure or stop. */
  private changed(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
