/**
 * What a person asks a connector to do (Connect's ConnectorsResource): pause and resume (202, no
 * body), stop (204), restart the connector (`?includeTasks=&onlyFailed=`: both false is Connect's
 * old restart, 204 with no body; otherwise 202 with the status marking what restarts) and restart
 * one task (204). Each route makes one herder call and resolves when the herder has acted.
 */
import type { FastifyInstance } from 'fastify';
import type { Herder } from '../herder.js';
import { taskNumber, type ConnectorParams } from './connectors.js';
import { queryFlag } from './request-bodies.js';
import { connectorStatusView } from './status-view.js';

interface RestartQuery {
  Querystring: { includeTasks?: string | string[]; onlyFailed?: string | string[] };
}

export function registerConnectorStateRoutes(app: FastifyInstance, herder: Herder): void {
  app.put<ConnectorParams>('/connectors/:connector/pause', async (request, reply) => {
    await herder.pause(request.params.connector);
    return reply.code(202).send();
  });

  app.put<ConnectorParams>('/connectors/:connector/resume', async (request, reply) => {
    await herder.resume(request.params.connector);
    return reply.code(202).send();
  });

  app.put<ConnectorParams>('/connectors/:connector/stop', async (request, reply) => {
    await herder.stop(request.params.connector);
    return reply.code(204).send();
  });

  app.post<ConnectorParams & RestartQuery>('/connectors/:connector/restart', async (request, reply) => {
    const includeTasks = queryFlag(request.query.includeTasks, false);
    const onlyFailed = queryFlag(request.query.onlyFailed, false);
    const status = await herder.restart(request.params.connector, { includeTasks, onlyFailed });
    if (!includeTasks && !onlyFailed) return reply.code(204).send();
    return reply.code(202).send(status === null ? null : connectorStatusView(status));
  });

  app.post<{ Params: { connector: string; task: string } }>('/connectors/:connector/tasks/:task/restart', async (request, reply) => {
    await herder.restartTask(request.params.connector, taskNumber(request.params.task));
    return reply.code(204).send();
  });
}
