/**
 * A connector's offsets (Connect's ConnectorsResource, KIP-875): read them, alter some, reset all.
 * Altering and resetting need the connector STOPPED; the herder refuses otherwise (400 with
 * Connect's message). Each route makes one herder call and answers with Connect's message.
 */
import type { FastifyInstance } from 'fastify';
import type { Herder } from '../herder.js';
import type { ConnectorParams } from './connectors.js';
import { parseOffsets } from './request-bodies.js';

export const OFFSETS_ALTERED = 'The offsets for this connector have been altered successfully';
export const OFFSETS_RESET = 'The offsets for this connector have been reset successfully';

export function registerOffsetRoutes(app: FastifyInstance, herder: Herder): void {
  app.get<ConnectorParams>('/connectors/:connector/offsets', async (request) => ({ offsets: await herder.offsets(request.params.connector) }));

  app.patch<ConnectorParams>('/connectors/:connector/offsets', async (request) => {
    await herder.alterOffsets(request.params.connector, parseOffsets(request.body));
    return { message: OFFSETS_ALTERED };
  });

  app.delete<ConnectorParams>('/connectors/:connector/offsets', async (request) => {
    await herder.resetOffsets(request.params.connector);
    return { message: OFFSETS_RESET };
  });
}
