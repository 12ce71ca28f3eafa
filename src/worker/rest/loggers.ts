/**
 * `/admin/loggers` (Connect's LoggingResource, KIP-495) over the LoggerRegistry: list the loggers
 * with a level of their own (and the root), read one logger's level, and set a namespace's level
 * (`{"level": "DEBUG"}`), answering the names it affected. `?scope=cluster` answers 204 as Connect
 * does; a standalone worker is the whole cluster, so both scopes set this worker's levels.
 * Errors in Connect's words: no `level` 400, an unknown level 404, an unknown logger 404.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequestError, NotFoundError } from '../herder-errors.js';
import { pinoLevel, type LoggerRegistry } from './logger-registry.js';
import { parseStringMap } from './request-bodies.js';

interface LoggerParams {
  Params: { logger: string };
}

export function registerLoggerRoutes(app: FastifyInstance, loggers: LoggerRegistry): void {
  app.get('/admin/loggers', async () => loggers.levels());

  app.get<LoggerParams>('/admin/loggers/:logger', async (request) => {
    const level = loggers.level(request.params.logger);
    if (level === undefined) throw new NotFoundError(`Logger ${request.params.logger} not found.`);
    return level;
  });

  app.put<LoggerParams & { Querystring: { scope?: string } }>('/admin/loggers/:logger', async (request, reply) => {
    const requested = parseStringMap(request.body, 'The request body')['level'];
    if (requested === undefined || requested === null) throw new BadRequestError("Desired 'level' parameter was not specified in request.");
    const level = pinoLevel(requested);
    if (level === undefined) throw new NotFoundError(`invalid log level '${requested}'.`);
    const affected = loggers.setLevel(request.params.logger, level);
    if (request.query.scope?.toLowerCase() === 'cluster') return reply.code(204).send();
    return affected;
  });
}
