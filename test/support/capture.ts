/**
 * Runs a PostgresSourceTask in-process, without a worker, for tests that assert the exact events
 * the source emits. `startCapture` starts the task as on a first start (no committed offset) and
 * polls it in the background; the test waits for what it expects, may commit the offsets it has
 * received (as the worker does once records are durable), and stops it.
 *
 * Log lines the task writes are kept (parsed pino JSON) so tests can assert warnings.
 */
import type { SourceTaskContext } from '../../src/contracts/source-task.js';
import type { ChangeEvent, Envelope, SourceRecord } from '../../src/events.js';
import { PostgresSourceTask } from '../../src/sources/postgres/postgres-source-task.js';
import { postgresSourceConfig } from './connectors.js';
import { capturingLogger, type LogLine } from './source-task-harness.js';
import { waitFor } from './wait.js';

export interface Capture {
  readonly task: PostgresSourceTask;
  /** Every record polled so far, position-only records included, in poll order. */
  readonly records: SourceRecord[];
  readonly logs: LogLine[];
  /** The events polled so far (records without an event left out). */
  events(): ChangeEvent[];
  /** Waits until `done(events)` holds; fails early with the task's error if polling fails. */
  until(done: (events: ChangeEvent[]) => boolean, what: string, timeoutMs?: number): Promise<ChangeEvent[]>;
  /** Waits for the logical message `pg_logical_emit_message(true, 'marker', <content>)`, the usual end-of-test marker. */
  untilMarker(content: string): Promise<ChangeEvent[]>;
  /** Commits the offset of the last record polled, as the worker does once it is durable. */
  commitAll(): Promise<void>;
  stop(): Promise<void>;
}

export const MARKER_PREFIX = 'marker';
const WAIT_MS = 30_000;

/** Config for the capture: the test defaults of connectors.ts, no heartbeats unless asked, slot dropped on stop. */
export function captureConfig(databaseUrl: string, overrides: Record<string, string>): Record<string, string> {
  return postgresSourceConfig(databaseUrl, { name: 'capture', 'heartbeat.interval.ms': '0', 'slot.drop.on.stop': 'true', ...overrides });
}

export async function startCapture(databaseUrl: string, overrides: Record<string, string>): Promise<Capture> {
  const { logger, lines: logs } = capturingLogger();
  const context: SourceTaskContext = {
    connector: 'capture',
    taskId: 0,
    offsetOf: async () => null,
    logger,
    progress: { snapshot: () => {} },
  };
  const task = new PostgresSourceTask(captureConfig(databaseUrl, overrides));
  await task.start(context);

  const records: SourceRecord[] = [];
  let failure: unknown;
  let running = true;
  const polling = (async () => {
    try {
      while (running) records.push(...(await task.poll()));
    } catch (error) {
      failure = error;
    }
  })();

  const events = () => records.flatMap((r) => (r.event ? [r.event] : []));
  const until = async (done: (events: ChangeEvent[]) => boolean, what: string, timeoutMs = WAIT_MS) => {
    await waitFor(
      () => {
        if (failure !== undefined) throw failure;
        return done(events());
      },
      timeoutMs,
      what,
    );
    return events();
  };

  return {
    task,
    records,
    logs,
    events,
    until,
    untilMarker: (content) =>
      until((all) => all.some((e) => isMarker(e) && (e.value as Envelope).message!.content === Buffer.from(content).toString('base64')), `marker ${content}`),
    async commitAll() {
      const last = records[records.length - 1];
      if (last) await task.commit(last.offset);
    },
    async stop() {
      running = false;
      await task.stop();
      await polling;
    },
  };
}

export function isMarker(event: ChangeEvent): boolean {
  return (event.key as { prefix?: string } | null)?.prefix === MARKER_PREFIX;
}

/** The events of one topic, in order. */
export function onTopic(events: ChangeEvent[], topic: string): ChangeEvent[] {
  return events.filter((e) => e.topic === topic);
}

export function envelope(event: ChangeEvent): Envelope {
  if (event.value === null) throw new Error(`event on ${event.topic} is a tombstone`);
  return event.value as Envelope;
}
