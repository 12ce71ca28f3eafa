/**
 * What both herders (standalone, Kafka mode) answer the same way, over the few things each does
 * its own way: how a target state is applied (`setTarget`), where a connector's stored config,
 * plugin and target state are (`stored`, NotFoundError when none) and how a config is written
 * (`putConfig`), and how many tasks a connector has (`taskCount`: one, task 0, standalone).
 */
import type { ConfigInfos, ConfigKeyInfo } from '../config/config-infos.js';
import { maskSecrets } from '../config/secrets.js';
import { CONNECTOR_VERSION } from '../sources/postgres/event-builder.js';
import { pluginConfig, pluginInfos, validateConnectorConfig } from './connector-catalog.js';
import type { ConnectorConfig, ConnectorInfo, PluginInfo, TargetState, TaskConfig } from './herder.js';
import type { ConnectorPlugin } from './plugins.js';

export interface StoredConnector {
  config: ConnectorConfig;
  plugin: ConnectorPlugin;
  target: TargetState;
}

export abstract class HerderBase {
  readonly version = CONNECTOR_VERSION;

  abstract putConfig(name: string, config: ConnectorConfig): Promise<{ created: boolean; info: ConnectorInfo }>;
  protected abstract setTarget(name: string, target: TargetState): Promise<void>;
  protected abstract stored(name: string): StoredConnector;
  /** The connector's tasks are numbered 0 to this, exclusive. */
  protected abstract taskCount(name: string): number;

  private taskIds(name: string): number[] {
    return Array.from({ length: this.taskCount(name) }, (_, task) => task);
  }

  info(name: string): ConnectorInfo {
    const { plugin, target } = this.stored(name);
    return { name, config: this.config(name), tasks: target === 'STOPPED' ? [] : this.taskIds(name).map((task) => ({ connector: name, task })), type: plugin.type };
  }

  /** The config as stored, with PASSWORD values hidden (provider references stay visible). */
  config(name: string): ConnectorConfig {
    const { config, plugin } = this.stored(name);
    return maskSecrets(config, plugin.definition);
  }

  taskConfigs(name: string): TaskConfig[] {
    const { plugin, target } = this.stored(name);
    if (target === 'STOPPED') return [];
    const config = { ...this.config(name), 'task.class': plugin.className };
    return this.taskIds(name).map((task) => ({ id: { connector: name, task }, config: { ...config } }));
  }

  async patchConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const merged = { ...this.stored(name).config };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return (await this.putConfig(name, merged)).info;
  }

  async pause(name: string): Promise<void> {
    await this.setTarget(name, 'PAUSED');
  }

  async resume(name: string): Promise<void> {
    await this.setTarget(name, 'STARTED');
  }

  async stop(name: string): Promise<void> {
    await this.setTarget(name, 'STOPPED');
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    return pluginInfos(this.version, connectorsOnly);
  }

  pluginConfig(pluginClass: string): ConfigKeyInfo[] {
    return pluginConfig(pluginClass);
  }

  validate(pluginClass: string, config: ConnectorConfig): ConfigInfos {
    return validateConnectorConfig(pluginClass, config);
  }
}
