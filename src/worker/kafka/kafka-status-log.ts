/**
 * Connector and task states in the status topic (`status.storage.topic`, default connect-status),
 * in Kafka Connect's records, so every worker can answer `GET /connectors/<c>/status` for work
 * running elsewhere, and Connect's tools read them:
 *   status-connector-<c>    {"state", "trace", "worker_id", "generation"}   null: forgotten
 *   status-task-<c>-<n>     the same
 *   sluice-worker-<id>      {"url", "time", "session_timeout_ms"}: a worker's heartbeat (its REST
 *                           URL, when it wrote this); null: it left the group (worker-membership.ts)
 * Values are JSON without schemas; records go to the partition of their key's hash. Other keys
 * (Connect's topic tracking, `status-topic-...`) are skipped; a Connect worker reading this topic
 * skips the heartbeats in turn, with a warning.
 *
 * `open` reads the topic to the end, then follows it; each change, whoever wrote it, reaches
 * `onChange` once, from one loop (KafkaLog). Reads answer from memory; writes resolve once
 * acknowledged and applied here; `readToEnd()` catches up with other workers. The latest record
 * wins: like Connect's plain `put`, a write does not check the generation of what it replaces.
 */
import type { Logger } from 'pino';
import type { State } from '../herder.js';
import type { InternalTopic } from './internal-topics.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { KafkaLog, type KafkaLogRecord } from './kafka-log.js';

/** Connect's AbstractStatus.State: the herder's states, and DESTROYED for a deleted connector. */
export type StatusState = State | 'DESTROYED';
const STATES: readonly string[] = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING', 'DESTROYED'];

export interface WorkerStatus {
  state: StatusState;
  trace: string | null;
  workerId: string;
  /** The group generation the writer was in. */
  generation: number;
}

export type StatusChange = { connector: string; task: number | null; status: WorkerStatus | null };

export interface WorkerHeartbeat {
  /** The worker's REST URL. */
  url: string;
  /** When it was written, in milliseconds since the epoch (the writer's clock). */
  time: number;
  sessionTimeoutMs: number;
}

export interface KafkaStatusLogOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  topic: InternalTopic;
  logger: Logger;
  onChange?(change: StatusChange): void;
  /** Each heartbeat read, with the id of the worker that wrote it; null: the worker left. */
  onHeartbeat?(workerId: string, heartbeat: WorkerHeartbeat | null): void;
  topicCreationTimeoutMs?: number;
}

const TASK_KEY = /^status-task-(.+)-(\d+)$/;
const CONNECTOR_PREFIX = 'status-connector-';
const WORKER_PREFIX = 'sluice-worker-';

export class KafkaStatusLog {
  private readonly connectors = new Map<string, WorkerStatus>();
  private readonly tasks = new Map<string, Map<number, WorkerStatus>>();
  private log!: KafkaLog;

  private constructor(private readonly options: KafkaStatusLogOptions) {}

  static async open(options: KafkaStatusLogOptions): Promise<KafkaStatusLog> {
    const store = new KafkaStatusLog(options);
    store.log = await KafkaLog.open({ ...options, onRecord: (record) => store.apply(record) });
    return store;
  }

  connectorStatus(name: string): WorkerStatus | null {
    const status = this.connectors.get(name);
    return status ? { ...status } : null;
  }

  /** The known task states of a connector, by task number. */
  taskStatuses(name: string): Array<{ task: number; status: WorkerStatus }> {
    return [...(this.tasks.get(name) ?? [])].sort(([a], [b]) => a - b).map(([task, status]) => ({ task, status: { ...status } }));
  }

  putConnectorStatus(name: string, status: WorkerStatus): Promise<void> {
    return this.log.send(`${CONNECTOR_PREFIX}${name}`, statusJson(status));
  }

  putTaskStatus(name: string, task: number, status: WorkerStatus): Promise<void> {
    return this.log.send(`status-task-${name}-${task}`, statusJson(status));
  }

  /** Forgets the state of a task the connector no longer has. */
  removeTask(name: string, task: number): Promise<void> {
    return this.log.send(`status-task-${name}-${task}`, null);
  }

  /** Forgets a deleted connector's states: tombstones for it and each task known. */
  async removeConnector(name: string): Promise<void> {
    for (const { task } of this.taskStatuses(name)) await this.log.send(`status-task-${name}-${task}`, null);
    await this.log.send(`${CONNECTOR_PREFIX}${name}`, null);
  }

  putHeartbeat(workerId: string, heartbeat: WorkerHeartbeat | null): Promise<void> {
    const value = heartbeat && JSON.stringify({ url: heartbeat.url, time: heartbeat.time, session_timeout_ms: heartbeat.sessionTimeoutMs });
    return this.log.send(`${WORKER_PREFIX}${workerId}`, value);
  }

  readToEnd(): Promise<void> {
    return this.log.readToEnd();
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private apply(record: KafkaLogRecord): void {
    const key = record.key ?? '';
    if (key.startsWith(WORKER_PREFIX)) {
      this.options.onHeartbeat?.(key.slice(WORKER_PREFIX.length), record.value === null ? null : parseHeartbeat(record.value));
      return;
    }
    const task = TASK_KEY.exec(key);
    if (task === null && !key.startsWith(CONNECTOR_PREFIX)) return;
    const status = record.value === null ? null : parseStatus(record.value);
    if (task === null) {
      const connector = key.slice(CONNECTOR_PREFIX.length);
      if (status === null) this.connectors.delete(connector);
      else this.connectors.set(connector, status);
      this.options.onChange?.({ connector, task: null, status });
      return;
    }
    const connector = task[1]!;
    const number = Number(task[2]);
    let tasks = this.tasks.get(connector);
    if (tasks === undefined) this.tasks.set(connector, (tasks = new Map()));
    if (status === null) tasks.delete(number);
    else tasks.set(number, status);
    if (tasks.size === 0) this.tasks.delete(connector);
    this.options.onChange?.({ connector, task: number, status });
  }
}

function statusJson(status: WorkerStatus): string {
  return JSON.stringify({ state: status.state, trace: status.trace, worker_id: status.workerId, generation: status.generation });
}

function parseStatus(text: string): WorkerStatus {
  const { state, trace, worker_id: workerId, generation } = JSON.parse(text) as Record<string, unknown>;
  if (typeof state !== 'string' || !STATES.includes(state) || typeof workerId !== 'string' || typeof generation !== 'number' || (trace !== null && trace !== undefined && typeof trace !== 'string')) {
    throw new Error('the value is not {"state", "trace", "worker_id", "generation"}');
  }
  return { state: state as StatusState, trace: trace ?? null, workerId, generation };
}

function parseHeartbeat(text: string): WorkerHeartbeat {
  const { url, time, session_timeout_ms: sessionTimeoutMs } = JSON.parse(text) as Record<string, unknown>;
  if (typeof url !== 'string' || typeof time !== 'number' || typeof sessionTimeoutMs !== 'number') {
    throw new Error('the value is not {"url", "time", "session_timeout_ms"}');
  }
  return { url, time, sessionTimeoutMs };
}
