/**
 * Errors that carry what to do about them. Every error Sluice raises on purpose is a SluiceError
 * with a stable `code`, a message that names the fix, and whether retrying may help: a retriable
 * failure (a lost connection, a server restarting, a 503) restarts the task with backoff; a
 * permanent one (bad credentials, a wrong config) leaves it FAILED until a person acts.
 */
export type ErrorStage = 'config' | 'start' | 'snapshot' | 'stream' | 'poll' | 'transform' | 'put' | 'commit' | 'produce';

export class SluiceError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly stage: ErrorStage | undefined;

  constructor(code: string, message: string, options: { retriable?: boolean; stage?: ErrorStage; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.stage = options.stage;
  }
}

/** A configuration that cannot work: names the key and the fix. Never retriable. */
export class ConfigError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, { ...options, stage: 'config' });
    this.name = 'ConfigError';
  }
}

/** A failure that may go away by itself (network, a restarting server, back-pressure). */
export class RetriableError extends SluiceError {
  constructor(code: string, message: string, options: { stage?: ErrorStage; cause?: unknown } = {}) {
    super(code, message, { ...options, retriable: true });
    this.name = 'RetriableError';
  }
}

const RETRIABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Walks an error and its causes: retriable if any link says so (SluiceError) or is a network error. */
export function isRetriable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof SluiceError) return e.retriable;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRIABLE_NODE_CODES.has(code)) return true;
  }
  return false;
}
