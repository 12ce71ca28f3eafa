import type { ChangeEvent } from '../events.js';

/**
 * A single message transform (Kafka Connect's SMT). `apply` returns a new event, the same event
 * unchanged, or null to drop it; it never mutates its input. It is synchronous and must not block.
 * It throws for a record it cannot transform; the worker applies `errors.tolerance` to that.
 */
export interface Transform {
  apply(event: ChangeEvent): ChangeEvent | null;
}
