/**
 * The one door to the Kafka client library (@confluentinc/kafka-javascript, librdkafka underneath):
 * nothing else imports it at run time. It is an optional dependency built from source, so it is
 * loaded on first use (`loadKafka`), and a worker that never enters Kafka mode never needs it.
 *
 * - `loadKafka()` resolves to the library (its `KafkaJS` namespace for producers, consumers and
 *   admin clients; `KafkaConsumer` for readers that assign partitions themselves), or rejects with
 *   a ConfigError naming how to install it. Loaded once per process.
 * - `kafkaClientConfig(worker, logger)` builds the config every client starts from: the brokers
 *   of `bootstrap.servers`, Connect's connection keys translated (kafka-security-config.ts), and our
 *   pino logger bridged into the client's logger, the client's own level derived from the pino
 *   logger's. Pure; a missing bootstrap.servers is a ConfigError.
 * - `librdkafkaProperties` and `forwardLibrdkafkaLog` do the same for a plain librdkafka client.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { ConfigError } from '../../errors.js';
import type { WorkerConfig } from '../worker-config.js';
import { librdkafkaSecurityProperties } from './kafka-security-config.js';

export type KafkaLibrary = typeof import('@confluentinc/kafka-javascript');
export type KafkaClientConfig = KafkaJS.CommonConstructorConfig & { kafkaJS: KafkaJS.KafkaConfig & { logger: KafkaJS.Logger } };

const KAFKA_LIBRARY_MISSING =
  'Kafka mode needs the optional dependency @confluentinc/kafka-javascript, built from source: install g++ make python3 libssl-dev ' +
  'zlib1g-dev libzstd-dev libsasl2-dev, then run CKJS_LINKING=dynamic npm_config_build_from_source=true npm ci';

let loading: Promise<KafkaLibrary> | undefined;

export function loadKafka(): Promise<KafkaLibrary> {
  loading ??= importKafka('@confluentinc/kafka-javascript');
  return loading;
}

/** Imports the library by name; exported for the test of a missing library. */
export async function importKafka(specifier: string): Promise<KafkaLibrary> {
  try {
    const library = (await import(specifier)) as KafkaLibrary & { default?: KafkaLibrary };
    // A CommonJS module: its exports are under `default` when imported from ESM.
    return library.default ?? library;
  } catch (error) {
    throw new ConfigError(`${KAFKA_LIBRARY_MISSING} (loading it failed: ${(error as Error).message}).`, { cause: error });
  }
}

export function kafkaClientConfig(worker: Pick<WorkerConfig, 'bootstrapServers' | 'extra'>, logger: Logger): KafkaClientConfig {
  if (worker.bootstrapServers === null) {
    throw new ConfigError('Kafka mode needs bootstrap.servers: set it to the brokers as host:port, comma-separated.');
  }
  return {
    ...librdkafkaSecurityProperties(worker.extra),
    kafkaJS: { brokers: [...worker.bootstrapServers], logger: kafkaLogger(logger), logLevel: kafkaLogLevel(logger) },
  };
}

/**
 * A connector's client overrides (Connect's `producer.override.*`, `consumer.override.*`): the keys
 * under `prefix`, without it, passed to librdkafka as they are (so they use librdkafka's names,
 * most of which are the Java client's).
 */
export function clientOverrides(config: Readonly<Record<string, string>>, prefix: 'producer.override.' | 'consumer.override.'): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) overrides[key.slice(prefix.length)] = value;
  }
  return overrides;
}

/** librdkafka properties equal to `config`, for a client made outside the KafkaJS layer. */
export function librdkafkaProperties(config: KafkaClientConfig): Record<string, string | number | boolean> {
  const { kafkaJS, ...properties } = config;
  return {
    ...(properties as Record<string, string | number | boolean>),
    'bootstrap.servers': kafkaJS.brokers.join(','),
    log_level: LIBRDKAFKA_LEVEL[kafkaJS.logLevel ?? 3]!,
  };
}

/** A librdkafka log event (`event.log` of a plain librdkafka client) written to `logger`. */
export function forwardLibrdkafkaLog(logger: KafkaJS.Logger, event: { severity: number; fac: string; message: string; name?: string }): void {
  const extra = { fac: event.fac, name: event.name };
  if (event.severity <= 3) logger.error(event.message, extra);
  else if (event.severity <= 5) logger.warn(event.message, extra);
  else if (event.severity === 6) logger.info(event.message, extra);
  else logger.debug(event.message, extra);
}

// KafkaJS logLevel (NOTHING 0 .. DEBUG 4) -> librdkafka syslog level.
const LIBRDKAFKA_LEVEL: readonly number[] = [0, 3, 4, 6, 7];

/** KafkaJS's logLevel enum values, written out so that this module needs no run-time import. */
function kafkaLogLevel(logger: Logger): KafkaJS.logLevel {
  const level = logger.levelVal;
  if (level === Infinity) return 0 as KafkaJS.logLevel.NOTHING;
  if (level <= 20) return 4 as KafkaJS.logLevel.DEBUG;
  if (level <= 30) return 3 as KafkaJS.logLevel.INFO;
  if (level <= 40) return 2 as KafkaJS.logLevel.WARN;
  return 1 as KafkaJS.logLevel.ERROR;
}

/**
 * The client's logger over pino. The client passes `{fac, name, timestamp}` with each line: kept
 * as `kafka: {facility, client}` (pino has its own time). Its `setLogLevel` is ignored: the pino
 * logger's level decides, and can change at run time through /admin/loggers.
 */
function kafkaLogger(logger: Logger): KafkaJS.Logger {
  const write =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (message: string, extra?: object): void => {
      const { fac, name } = (extra ?? {}) as { fac?: unknown; name?: unknown };
      // librdkafka prefixes its lines with the thread: "[thrd:main]: ".
      logger[level]({ kafka: { facility: fac, client: name || undefined } }, message.replace(/^\[thrd:[^\]]*\]: /, ''));
    };
  return {
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
    namespace: (namespace: string) => kafkaLogger(logger.child({ kafkaNamespace: namespace })),
    setLogLevel: () => {},
  };
}
