/**
 * Structured JSON logs (pino) on standard error, so standard output stays free for the JSON-lines
 * sink. Components take child loggers carrying `connector` and `task` on every line.
 */
import pino, { type Logger } from 'pino';

export function createLogger(level: string = process.env.SLUICE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
}
