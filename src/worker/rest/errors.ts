/**
 * Maps whatever a request fails with to Kafka Connect's error body `{"error_code", "message"}` and
 * status (shared/reference/connect-rest-api.md; Connect's ConnectExceptionMapper). Pure; called by
 * the app's error, not-found and framework-error handlers for every failed request.
 *
 * - The herder's refusals: NotFoundError 404, AlreadyExistsError and ConflictError 409,
 *   BadRequestError and ConfigError 400, each with its own message.
 * - Fastify's own request errors (`FST_*` codes with a 4xx status: unsupported media type, body too
 *   large, a malformed URL) keep their status, worded as Jersey words them: `HTTP 415 Unsupported
 *   Media Type`.
 * - Anything else is a 500 carrying the error's message, as Connect answers an uncaught exception.
 */
import { STATUS_CODES } from 'node:http';
import { ConfigError } from '../../errors.js';
import { AlreadyExistsError, BadRequestError, ConflictError, NotFoundError } from '../herder-errors.js';

export interface ErrorBody {
  error_code: number;
  message: string;
}

/** Jersey's answer for a status with no message of its own, e.g. a path no route matches. */
export function httpStatusMessage(status: number): string {
  return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
}

export function errorBody(error: unknown): ErrorBody {
  if (error instanceof NotFoundError) return { error_code: 404, message: error.message };
  if (error instanceof AlreadyExistsError || error instanceof ConflictError) return { error_code: 409, message: error.message };
  if (error instanceof BadRequestError || error instanceof ConfigError) return { error_code: 400, message: error.message };
  const status = frameworkStatus(error);
  if (status !== undefined) return { error_code: status, message: httpStatusMessage(status) };
  return { error_code: 500, message: error instanceof Error ? error.message : String(error) };
}

function frameworkStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  return fromFastify && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}
