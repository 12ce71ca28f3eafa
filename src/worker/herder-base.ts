/**
 * What both herders (standalone, Kafka mode) answer the same way, over the few things each does
 * its own way: how a target state is applied (`setTarget`), where a connector's stored config is
 * (`storedConfig`, NotFoundError when none) and how a config is written (`putConfig`).
 */
import type { ConfigInfos, ConfigKeyInfo } from '../config/config-infos.js';
import { CONNECTOR_VERSION } from '../sources/postgres/event-builder.js';
import { pluginConfig, pluginInfos, validateConnectorConfig } from './connector-catalog.js';
import type { ConnectorConfig, ConnectorInfo, PluginInfo, TargetState } from './herder.js';

export abstract class HerderBase {
  readonly version = CONNECTOR_VERSION;

  abstract putConfig(name: string, config: ConnectorConfig): Promise<{ created: boolean; info: ConnectorInfo }>;
  protected abstract setTarget(name: string, target: TargetState): Promise<void>;
  protected abstract storedConfig(name: string): ConnectorConfig;

  async patchConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const merged = { ...this.storedConfig(name) };
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
