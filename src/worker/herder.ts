/**
 * The herder: what runs where, and the one API through which connectors are managed. The REST API
 * (worker/rest) is a thin HTTP layer over it; the standalone herder implements it in one process,
 * and Kafka mode's distributed herder will implement the same interface.
 *
 * Contract (shapes as Kafka Connect's REST API returns them, shared/reference/connect-rest-api.md):
 * - Reads (`connectors`, `info`, `config`, `status`, `taskConfigs`, `topics`, `offsets`) answer
 *   from memory or the stores; they throw NotFoundError for an unknown connector.
 * - Writes resolve once the change is durable in the config store and the connector has been told
 *   (started, paused, stopped...). They validate first and change nothing when they throw:
 *   BadRequestError for an invalid config (the message lists every problem), AlreadyExistsError,
 *   NotFoundError, and BadRequestError when offsets are changed on a connector that is not STOPPED.
 * - Config values are never resolved here: `${file:...}` / `${env:...}` placeholders are stored and
 *   returned as written; tasks resolve them when they start.
 */
import type { ConfigInfos, ConfigKeyInfo } from '../config/config-infos.js';
import type { OffsetMap } from '../events.js';

export type ConnectorType = 'source' | 'sink';
/** What a connector or task is doing (Connect's AbstractStatus.State). */
export type State = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';
/** What a person asked a connector to be (Connect's TargetState). */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';
export type ConnectorConfig = Record<string, string>;

export interface TaskId {
  connector: string;
  task: number;
}

export interface ConnectorInfo {
  name: string;
  config: ConnectorConfig;
  tasks: TaskId[];
  type: ConnectorType;
}

export interface TaskStatus {
  id: number;
  state: State;
  worker_id: string;
  /** The error and its stack, when FAILED; absent otherwise. */
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: State; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type: ConnectorType;
}

export interface TaskConfig {
  id: TaskId;
  config: ConnectorConfig;
}

export interface OffsetEntry {
  partition: OffsetMap;
  offset: OffsetMap | null;
}

export interface PluginInfo {
  class: string;
  type: ConnectorType | 'transformation' | 'predicate' | 'converter';
  version?: string;
}

export interface RestartRequest {
  includeTasks: boolean;
  onlyFailed: boolean;
  /** Only this task (a restart of one task, carried to the worker running it in Kafka mode). */
  task?: number;
}

export interface Herder {
  readonly workerId: string;
  readonly version: string;

  connectors(): string[];
  info(name: string): ConnectorInfo;
  config(name: string): ConnectorConfig;
  status(name: string): ConnectorStatus;
  taskConfigs(name: string): TaskConfig[];
  taskStatus(name: string, task: number): TaskStatus;
  /** Topics the connector has produced to or consumed from since it was created or reset. */
  topics(name: string): string[];
  resetTopics(name: string): Promise<void>;

  create(name: string, config: ConnectorConfig, initialState?: TargetState): Promise<ConnectorInfo>;
  /** Creates or replaces; `created` tells which (201 or 200). */
  putConfig(name: string, config: ConnectorConfig): Promise<{ created: boolean; info: ConnectorInfo }>;
  /** Merges `patch` into the config; a null value removes the key. */
  patchConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  delete(name: string): Promise<void>;

  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  /** Returns the status marking restarted instances RESTARTING, or null when only the connector restarts (Connect's 204). */
  restart(name: string, request: RestartRequest): Promise<ConnectorStatus | null>;
  restartTask(name: string, task: number): Promise<void>;

  offsets(name: string): Promise<OffsetEntry[]>;
  /** Requires the connector STOPPED. A null offset removes that partition's offset. */
  alterOffsets(name: string, offsets: OffsetEntry[]): Promise<void>;
  /** Requires the connector STOPPED. */
  resetOffsets(name: string): Promise<void>;

  plugins(connectorsOnly: boolean): PluginInfo[];
  pluginConfig(pluginClass: string): ConfigKeyInfo[];
  /** Never throws for a bad config: problems are counted in the result (Connect's validate). */
  validate(pluginClass: string, config: ConnectorConfig): ConfigInfos;
}
