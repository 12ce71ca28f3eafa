/**
 * Error handling of a sink connector in Kafka mode for the records it consumes, as Kafka Connect
 * does it: `errors.tolerance`, `errors.log.enable` and the dead-letter queue topic
 * (`errors.deadletterqueue.topic.name`, `.topic.replication.factor`, `.context.headers.enable`,
 * declared in config/connector-common.ts). Used by KafkaSinkRunner.
 *
 * - `sinkErrorHandling(config)` reads those keys from the connector config merged over the
 *   worker's. Pure; a bad value, or a dead-letter topic the connector consumes itself, is a
 *   ConfigError in Connect's words.
 * - `KafkaDeadLetterQueue.open` makes sure the topic exists (created with one partition and the
 *   replication factor, as Connect creates it; kafka-topics.ts) and connects an idempotent
 *   producer. Blocks on the brokers.
 * - `report(record, failure)` produces the record as it was consumed (key, value, headers and
 *   timestamp unchanged; Connect's DeadLetterQueueReporter) to the topic, and with context headers
 *   Connect's `__connect.errors.*` headers after the record's own. It resolves once the broker has
 *   acknowledged it, and rejects with a retriable SluiceError when the client gives up on it.
 * - `settled()` resolves once every report made so far is acknowledged, and rejects if one failed:
 *   the runner calls it before it commits, so no committed offset passes a dead letter not written.
 * - `close()` waits for reports still in the client, then disconnects.
 */
import type { DeliveryReport, LibrdKafkaError, Message, MessageHeader, Producer } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { SINK_CONNECTOR_CONFIG, TOPICS_CONFIG, TOPICS_REGEX_CONFIG } from '../../config/connector-common.js';
import { parseOrThrow } from '../../config/validate-config.js';
import { ConfigError, SluiceError } from '../../errors.js';
import { forwardLibrdkafkaLog, librdkafkaProperties, type KafkaClientConfig, type KafkaLibrary } from './kafka-client.js';
import { ensureTopic } from './kafka-topics.js';

export interface SinkErrorHandling {
  /** errors.tolerance=all: records that cannot be converted are skipped (and sent to the dead-letter queue, if any). */
  tolerateAll: boolean;
  /** errors.log.enable */
  logErrors: boolean;
  /** Null: no dead-letter queue (errors.deadletterqueue.topic.name blank). */
  deadLetterQueue: { topic: string; replicationFactor: number; contextHeaders: boolean } | null;
}

/** A consumed record as the client gave it: what goes to the dead-letter queue. */
export type ConsumedRecord = Pick<Message, 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'timestamp' | 'headers'>;

/** Where handling a record failed, in Connect's terms (its Stage names and the executing class). */
export interface RecordFailure {
  stage: 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'TASK_PUT';
  className: string;
  error: Error;
}

export interface KafkaDeadLetterQueueOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  connector: string;
  taskId: number;
  queue: NonNullable<SinkErrorHandling['deadLetterQueue']>;
  logger: Logger;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** How long CreateTopics may take before the broker is taken to be unable to create topics. Default 30 s. */
  topicCreationTimeoutMs?: number;
  /** Default 30 s. */
  closeTimeoutMs?: number;
}

const ERROR_KEYS = { keys: SINK_CONNECTOR_CONFIG.keys.filter((key) => key.name.startsWith('errors.')) };
const HEADER_PREFIX = '__connect.errors.';

export function sinkErrorHandling(config: Readonly<Record<string, string>>): SinkErrorHandling {
  const { values } = parseOrThrow(ERROR_KEYS, config);
  const topic = values.string('errors.deadletterqueue.topic.name').trim();
  if (topic !== '') checkNotConsumed(topic, config);
  return {
    tolerateAll: values.string('errors.tolerance') === 'all',
    logErrors: values.boolean('errors.log.enable'),
    deadLetterQueue:
      topic === ''
        ? null
        : { topic, replicationFactor: values.number('errors.deadletterqueue.topic.replication.factor'), contextHeaders: values.boolean('errors.deadletterqueue.context.headers.enable') },
  };
}

/** Connect refuses a dead-letter topic the connector reads: each dead letter would come back to it. */
function checkNotConsumed(topic: string, config: Readonly<Record<string, string>>): void {
  const topics = (config[TOPICS_CONFIG] ?? '').split(',').map((name) => name.trim());
  const regex = config[TOPICS_REGEX_CONFIG]?.trim() ?? '';
  const fix = 'Name another errors.deadletterqueue.topic.name.';
  if (topics.includes(topic)) {
    throw new ConfigError(`The DLQ topic '${topic}' may not be included in the list of topics ('${TOPICS_CONFIG}=${config[TOPICS_CONFIG]}') consumed by the connector. ${fix}`);
  }
  if (regex !== '' && new RegExp(`^(?:${regex})$`).test(topic)) {
    throw new ConfigError(`The DLQ topic '${topic}' may not be included in the regex matching topics ('${TOPICS_REGEX_CONFIG}=${regex}') consumed by the connector. ${fix}`);
  }
}

/** Settles one report's promise from its delivery report. */
interface Pending {
  resolve(): void;
  reject(error: unknown): void;
}

export class KafkaDeadLetterQueue {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  private constructor(
    private readonly options: KafkaDeadLetterQueueOptions,
    private readonly producer: Producer,
  ) {}

  static async open(options: KafkaDeadLetterQueueOptions): Promise<KafkaDeadLetterQueue> {
    const { kafka, client, queue, logger } = options;
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const producer = new kafka.Producer({ ...librdkafkaProperties(client), 'enable.idempotence': true, acks: -1, dr_cb: true });
    producer.on('event.log', (event: { severity: number; fac: string; message: string; name?: string }) => forwardLibrdkafkaLog(client.kafkaJS.logger, event));
    producer.on('event.error', (error) => logger.warn({ err: error }, `Kafka producer of the dead-letter queue ${queue.topic}: ${error.message}`));
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: requestTimeoutMs }, (error) => (error ? reject(error) : resolve())));
    try {
      await ensureTopic({
        kafka, client, consumer: producer, logger, requestTimeoutMs,
        topic: { name: queue.topic, partitions: 1, replicationFactor: queue.replicationFactor },
        config: {},
        creationTimeoutMs: options.topicCreationTimeoutMs ?? 30_000,
      });
    } catch (error) {
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
      throw error;
    }
    producer.setPollInBackground(true);
    producer.on('delivery-report', (error, report) => delivered(error, report));
    return new KafkaDeadLetterQueue(options, producer);
  }

  report(record: ConsumedRecord, failure: RecordFailure): Promise<void> {
    const where = `${record.topic}:${record.partition}@${record.offset}`;
    const headers = [...(record.headers ?? []), ...(this.options.queue.contextHeaders ? this.contextHeaders(record, failure) : [])];
    const written = new Promise<void>((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      const timestamp = record.timestamp !== undefined && record.timestamp >= 0 ? record.timestamp : null;
      this.producer.produce(this.options.queue.topic, null, record.value, record.key, timestamp, pending, headers.length === 0 ? undefined : headers);
    }).catch((error: unknown) => {
      throw new SluiceError(
        'KAFKA_DEAD_LETTER_FAILED',
        `Writing the record ${where} to the dead-letter queue topic ${this.options.queue.topic} failed: ${(error as Error).message}. ` +
          'Its offset is not committed; the task reads it again once restarted.',
        { retriable: true, stage: 'put', cause: error },
      );
    });
    // Tracked apart from what the caller is handed, so a report nobody waits for still fails the next commit.
    const tracked: Promise<void> = written.then(
      () => void this.inFlight.delete(tracked),
      (error: unknown) => {
        this.failure ??= error;
        this.inFlight.delete(tracked);
      },
    );
    this.inFlight.add(tracked);
    return written;
  }

  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    const timeout = this.options.closeTimeoutMs ?? 30_000;
    await new Promise<void>((resolve) => this.producer.flush(timeout, () => resolve()));
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }

  /** Connect's error context headers (DeadLetterQueueReporter.populateContextHeaders), all UTF-8 text. */
  private contextHeaders(record: ConsumedRecord, { stage, className, error }: RecordFailure): MessageHeader[] {
    const context: Array<[string, string]> = [
      ['topic', record.topic],
      ['partition', String(record.partition)],
      ['offset', String(record.offset)],
      ['connector.name', this.options.connector],
      ['task.id', String(this.options.taskId)],
      ['stage', stage],
      ['class.name', className],
      ['exception.class.name', error.name],
      ['exception.message', error.message],
      ['exception.stacktrace', error.stack ?? `${error.name}: ${error.message}`],
    ];
    return context.map(([name, value]) => ({ [`${HEADER_PREFIX}${name}`]: value }));
  }
}

function delivered(error: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
  const pending = report.opaque as Pending;
  if (error) pending.reject(error);
  else pending.resolve();
}
