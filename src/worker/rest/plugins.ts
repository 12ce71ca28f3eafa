/**
 * `/connector-plugins` (Connect's ConnectorPluginsResource): the installed plugins
 * (`?connectorsOnly=`, true by default), a plugin's config keys, and config validation.
 *
 * Validation answers 200 with the herder's ConfigInfos whatever the config's problems, except
 * where Connect answers 400: a `connector.class` that names another plugin than the URL (compared
 * as Connect does, by suffix with any trailing `Connector` dropped, so `PostgresConnector`,
 * `Postgres` and the full class name all match), or no `connector.class` at all. The config's
 * own class is the one validated, as in Connect. Null values, which the herder cannot take, are
 * reported as Connect reports them: an error on that key, counted in `error_count`.
 */
import type { FastifyInstance } from 'fastify';
import type { ConfigInfo, ConfigInfos, ConfigValueInfo } from '../../config/config-infos.js';
import type { ConnectorConfig, Herder } from '../herder.js';
import { BadRequestError } from '../herder-errors.js';
import { NULL_VALUE_MESSAGE, parseStringMap, queryFlag, type ConfigPatch } from './request-bodies.js';

interface PluginParams {
  Params: { plugin: string };
}

/** ConfigInfos where a key no definition declares has `definition: null`, as in Connect. */
export interface ValidationAnswer extends Omit<ConfigInfos, 'configs'> {
  configs: (ConfigInfo | { definition: null; value: ConfigValueInfo })[];
}

export function registerPluginRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Querystring: { connectorsOnly?: string | string[] } }>('/connector-plugins', async (request) =>
    herder.plugins(queryFlag(request.query.connectorsOnly, true)),
  );

  app.get<PluginParams>('/connector-plugins/:plugin/config', async (request) => herder.pluginConfig(request.params.plugin));

  app.put<PluginParams>('/connector-plugins/:plugin/config/validate', async (request): Promise<ValidationAnswer> => {
    const plugin = request.params.plugin;
    const config = parseStringMap(request.body, 'The connector config');
    const included = config['connector.class'];
    if (included === undefined || included === null) {
      throw new BadRequestError(`Connector config ${javaMapText(config)} contains no connector type`);
    }
    if (!withoutConnectorSuffix(included).endsWith(withoutConnectorSuffix(plugin))) {
      throw new BadRequestError(`Included connector type ${included} does not match request type ${plugin}`);
    }
    const nullKeys = Object.keys(config).filter((key) => config[key] === null);
    const present = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== null)) as ConnectorConfig;
    return withNullErrors(herder.validate(included, present), nullKeys);
  });
}

/** Connect's normalizedPluginName: `FooConnector` -> `Foo`, so a class, its simple name and its alias compare equal. */
function withoutConnectorSuffix(name: string): string {
  return name.endsWith('Connector') && name.length > 'Connector'.length ? name.slice(0, -'Connector'.length) : name;
}

/** A map as Java's Map.toString writes it, which Connect's message quotes. */
function javaMapText(config: ConfigPatch): string {
  return `{${Object.entries(config).map(([key, value]) => `${key}=${value}`).join(', ')}}`;
}

function withNullErrors(result: ConfigInfos, nullKeys: string[]): ValidationAnswer {
  if (nullKeys.length === 0) return result;
  const declared = new Set(result.configs.map((config) => config.definition.name));
  const undeclared = nullKeys
    .filter((key) => !declared.has(key))
    .map((name) => ({ definition: null, value: { name, value: null, recommended_values: [], errors: [NULL_VALUE_MESSAGE], visible: true } }));
  return {
    ...result,
    error_count: result.error_count + nullKeys.length,
    configs: [
      ...undeclared,
      ...result.configs.map((config) =>
        nullKeys.includes(config.definition.name) ? { ...config, value: { ...config.value, value: null, errors: [...config.value.errors, NULL_VALUE_MESSAGE] } } : config,
      ),
    ],
  };
}
