/**
 * Connector configs and target states of the standalone worker, in one JSON file of its data
 * directory (`connectors.json`):
 *   { "connectors": { "<name>": { "config": { "<key>": "<string>" }, "targetState": "STARTED" } } }
 *
 * `open` reads the file once (missing: no connectors; corrupt: throws, naming the file and the fix);
 * reads are then answered from memory, and every change rewrites the file atomically
 * (AtomicJsonFile) and resolves only once it is durable. Concurrent changes share writes. Returned
 * configs are copies. A connector created by `put` starts with the given initial target state
 * (STARTED by default, as in Kafka Connect); replacing its config keeps its target state.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { SluiceError } from '../errors.js';
import { AtomicJsonFile, readJsonFile } from './atomic-json-file.js';

export const TARGET_STATES = ['STARTED', 'PAUSED', 'STOPPED'] as const;
export type TargetState = (typeof TARGET_STATES)[number];
export type ConnectorConfig = Record<string, string>;

/** Where the standalone worker keeps connector configs inside its data directory. */
export function connectorConfigPath(dataDir: string): string {
  return join(dataDir, 'connectors.json');
}

const configFileSchema = z.object({
  connectors: z.record(
    z.string(),
    z.object({
      config: z.record(z.string(), z.string()),
      targetState: z.enum(TARGET_STATES),
    }),
  ),
});

interface StoredConnector {
  config: ConnectorConfig;
  targetState: TargetState;
}

const CORRUPT_FILE_FIX = 'Restore it from a backup, or move it away and register the connectors again.';

export class ConnectorConfigStore {
  private readonly file: AtomicJsonFile;

  private constructor(
    path: string,
    private readonly connectors: Map<string, StoredConnector>,
  ) {
    this.file = new AtomicJsonFile(path, () => ({ connectors: Object.fromEntries(connectors) }));
  }

  static async open(path: string): Promise<ConnectorConfigStore> {
    const stored = await readJsonFile(path, configFileSchema, CORRUPT_FILE_FIX);
    return new ConnectorConfigStore(path, new Map(Object.entries(stored?.connectors ?? {})));
  }

  get path(): string {
    return this.file.path;
  }

  /** The names of all connectors, sorted. */
  async list(): Promise<string[]> {
    return [...this.connectors.keys()].sort();
  }

  async get(name: string): Promise<ConnectorConfig | null> {
    const connector = this.connectors.get(name);
    return connector === undefined ? null : { ...connector.config };
  }

  /** Creates or replaces a connector's config; `initialState` applies only to a new connector. */
  async put(name: string, config: ConnectorConfig, initialState: TargetState = 'STARTED'): Promise<void> {
    const targetState = this.connectors.get(name)?.targetState ?? initialState;
    this.connectors.set(name, { config: { ...config }, targetState });
    await this.file.persist();
  }

  /** Removes a connector; false if there was none by that name. */
  async delete(name: string): Promise<boolean> {
    if (!this.connectors.delete(name)) return false;
    await this.file.persist();
    return true;
  }

  async setTargetState(name: string, targetState: TargetState): Promise<void> {
    const connector = this.connectors.get(name);
    if (connector === undefined) {
      throw new SluiceError('CONNECTOR_NOT_FOUND', `Connector ${name} does not exist: create it before changing its state.`);
    }
    connector.targetState = targetState;
    await this.file.persist();
  }

  /** The connector's target state, or null if there is no such connector. */
  async targetState(name: string): Promise<TargetState | null> {
    return this.connectors.get(name)?.targetState ?? null;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
