/**
 * The herder's refusals, each mapped by the REST API to Kafka Connect's status and message.
 */
import { SluiceError } from '../errors.js';

/** 404: `Connector <name> not found` (or a task, or a plugin). */
export class NotFoundError extends SluiceError {
  constructor(message: string) {
    super('NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

/** 409: `Connector <name> already exists`. */
export class AlreadyExistsError extends SluiceError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message);
    this.name = 'AlreadyExistsError';
  }
}

/** 400: an invalid request or config; the message says what to fix. */
export class BadRequestError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BAD_REQUEST', message, options);
    this.name = 'BadRequestError';
  }
}

/** 409: the request conflicts with ongoing work (a rebalance in Kafka mode). */
export class ConflictError extends SluiceError {
  constructor(message = 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)') {
    super('CONFLICT', message);
    this.name = 'ConflictError';
  }
}

export function connectorNotFound(name: string): NotFoundError {
  return new NotFoundError(`Connector ${name} not found`);
}
