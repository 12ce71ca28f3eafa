/**
 * `/connectors` and the reads and config writes under `/connectors/{c}` (Connect's
 * ConnectorsResource): list (with `?expand=status|info`), create, info, config (GET, PUT, PATCH),
 * delete, status, tasks, one task's status, and the active topics. Each route checks the request,
 * then makes one herder call and answers with Connect's status and headers; the herder's errors
 * go to the app's error handler. `{c}` arrives URL-decoded.
 */
import type { FastifyInstance } from 'fastify';
import type { ConnectorConfig, Herder } from '../herder.js';
import { BadRequestError, NotFoundError } from '../herder-errors.js';
import { httpStatusMessage } from './errors.js';
import { checkNameNotEmpty, parseConfig, parseCreateRequest, parseStringMap, queryList } from './request-bodies.js';
import { connectorStatusView, taskStatusView } from './status-view.js';

export interface ConnectorParams {
  Params: { connector: string };
}

interface TaskParams {
  Params: { connector: string; task: string };
}

export function registerConnectorRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<{ Querystring: { expand?: string | string[] } }>('/connectors', async (request) => {
    const expansions = queryList(request.query.expand);
    return expansions === undefined ? herder.connectors() : expandedConnectors(herder, expansions);
  });

  app.post('/connectors', async (request, reply) => {
    const { name, config, initialState } = parseCreateRequest(request.body);
    const named = withName(name, config);
    checkNameNotEmpty(name);
    const info = await herder.create(name, named, initialState);
    return reply.code(201).header('location', connectorLocation(name)).send(info);
  });

  app.get<ConnectorParams>('/connectors/:connector', async (request) => herder.info(request.params.connector));

  app.delete<ConnectorParams>('/connectors/:connector', async (request, reply) => {
    await herder.delete(request.params.connector);
    return reply.code(204).send();
  });

  app.get<ConnectorParams>('/connectors/:connector/config', async (request) => herder.config(request.params.connector));

  app.put<ConnectorParams>('/connectors/:connector/config', async (request, reply) => {
    const name = request.params.connector;
    const config = withName(name, parseConfig(request.body));
    checkNameNotEmpty(name);
    const { created, info } = await herder.putConfig(name, config);
    if (created) reply.code(201).header('location', connectorLocation(name));
    return reply.send(info);
  });

  app.patch<ConnectorParams>('/connectors/:connector/config', async (request) =>
    herder.patchConfig(request.params.connector, parseStringMap(request.body, 'The config patch')),
  );

  app.get<ConnectorParams>('/connectors/:connector/status', async (request) => connectorStatusView(herder.status(request.params.connector)));

  app.get<ConnectorParams>('/connectors/:connector/tasks', async (request) => herder.taskConfigs(request.params.connector));

  app.get<TaskParams>('/connectors/:connector/tasks/:task/status', async (request) =>
    taskStatusView(herder.taskStatus(request.params.connector, taskNumber(request.params.task))),
  );

  app.get<ConnectorParams>('/connectors/:connector/topics', async (request) => {
    const name = request.params.connector;
    return Object.fromEntries([[name, { topics: herder.topics(name) }]]);
  });

  app.put<ConnectorParams>('/connectors/:connector/topics/reset', async (request, reply) => {
    await herder.resetTopics(request.params.connector);
    return reply.code(202).send();
  });
}

/** Connect's rule: a `name` in the config must be the connector's; a missing one is filled in. */
function withName(name: string, config: ConnectorConfig): ConnectorConfig {
  const included = config['name'];
  if (included !== undefined && included !== name) {
    throw new BadRequestError(`Connector name configuration (${included}) doesn't match connector name in the URL (${name})`);
  }
  return { ...config, name };
}

// Characters a path segment may hold as they are (RFC 3986 pchar), left readable as Jersey leaves them.
const PATH_SAFE = /%(24|26|2B|2C|3A|3B|3D|40)/g;

export function connectorLocation(name: string): string {
  return `/connectors/${encodeURIComponent(name).replace(PATH_SAFE, (escape) => decodeURIComponent(escape))}`;
}

/** A task id as JAX-RS reads an Integer path parameter; anything else matches no resource (404). */
export function taskNumber(raw: string): number {
  const task = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(task) || task < -(2 ** 31) || task >= 2 ** 31) throw new NotFoundError(httpStatusMessage(404));
  return task;
}

function expandedConnectors(herder: Herder, expansions: string[]): Record<string, Record<string, unknown>> {
  const entries: [string, Record<string, unknown>][] = [];
  for (const name of herder.connectors()) {
    try {
      const expanded: Record<string, unknown> = {};
      for (const expansion of expansions) {
        if (expansion === 'status') expanded['status'] = connectorStatusView(herder.status(name));
        else if (expansion === 'info') expanded['info'] = herder.info(name);
      }
      entries.push([name, expanded]);
    } catch (error) {
      // Deleted while the list was being answered: left out, as Connect does.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return Object.fromEntries(entries);
}
