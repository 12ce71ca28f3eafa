/**
 * Sluice's Kafka-Connect-compatible REST API: a fastify app over the Herder interface, with
 * Connect's paths, statuses, bodies and error messages (shared/reference/connect-rest-api.md).
 *
 * `createRestApp` is called once at start; `listen` (./listen.ts) binds it, and `inject()` serves
 * tests without a socket. Routes never hold state: every answer comes from one herder call (or the
 * LoggerRegistry for /admin/loggers), and a request waits only on that call.
 *
 * Across routes: request bodies are JSON (`Content-Type: application/json`; another type is 415,
 * an empty body is no body, malformed JSON is 400 with the parser's message); every error is
 * `{"error_code", "message"}` (./errors.ts); an unknown path is 404 `HTTP 404 Not Found`; a
 * trailing slash is ignored. Requests are logged at debug and failures at error on the
 * `sluice.rest` logger; config values are never logged.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Herder } from '../herder.js';
import { BadRequestError } from '../herder-errors.js';
import { registerConnectorStateRoutes } from './connector-state.js';
import { registerConnectorRoutes } from './connectors.js';
import { errorBody, httpStatusMessage } from './errors.js';
import type { LoggerRegistry } from './logger-registry.js';
import { registerLoggerRoutes } from './loggers.js';
import { registerMetricsRoute, type MetricsSource } from './metrics.js';
import { registerOffsetRoutes } from './offsets.js';
import { registerPluginRoutes } from './plugins.js';
import { registerRootRoutes } from './root.js';

export const REST_LOGGER = 'sluice.rest';

export interface RestAppOptions {
  loggers: LoggerRegistry;
  /** The build's commit for `GET /`; Connect reports `unknown` when it has none. */
  commit?: string;
  /** `kafka_cluster_id` of `GET /`: null (the default) for the standalone worker, which uses no Kafka cluster. */
  kafkaClusterId?: string | null;
  /** Served at `GET /metrics` when given. */
  metrics?: MetricsSource;
}

export function createRestApp(herder: Herder, options: RestAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.loggers.logger(REST_LOGGER) as FastifyBaseLogger,
    logController: new Fastify.LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: (error, _request, reply) => sendError(reply, error),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJson(body as string));
    } catch (error) {
      done(error as Error);
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const body = sendError(reply, error);
    if (body.error_code >= 500) request.log.error({ err: error }, `${request.method} ${request.url} failed: ${body.message}`);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error_code: 404, message: httpStatusMessage(404) }));
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'REST request');
  });

  registerRootRoutes(app, herder, options.commit ?? 'unknown', options.kafkaClusterId ?? null);
  registerConnectorRoutes(app, herder);
  registerConnectorStateRoutes(app, herder);
  registerOffsetRoutes(app, herder);
  registerPluginRoutes(app, herder);
  registerLoggerRoutes(app, options.loggers);
  if (options.metrics) registerMetricsRoute(app, options.metrics);
  return app;
}

function sendError(reply: FastifyReply, error: unknown): ReturnType<typeof errorBody> {
  const body = errorBody(error);
  reply.code(body.error_code).send(body);
  return body;
}

/** An empty body is no body (`curl -X PUT -H 'Content-Type: application/json' .../pause`). */
function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body, (key: string, value: unknown) => {
      if (key === '__proto__') throw new Error('"__proto__" is not accepted as a key');
      return value;
    });
  } catch (error) {
    throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}
