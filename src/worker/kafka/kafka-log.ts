/**
 * A compacted Kafka topic as a shared, ordered log of keyed records (Kafka Connect's KafkaBasedLog),
 * the base of the topic-backed stores: offsets, configs, status.
 *
 * `open` makes sure the topic exists (kafka-topics.ts), assigns every partition it has then to a
 * plain consumer (no consumer group: each reader sees every record), reads them from the beginning
 * to the high watermarks, and keeps following the topic until `close`. Each record reaches
 * `onRecord` once, in its partition's order, from a single loop, so a store needs no locking; what
 * `onRecord` throws is logged and the record skipped.
 *
 * - `send(key, value)` produces one record (a null value is a tombstone) with acks=all, in call
 *   order per partition, and resolves once the broker has acknowledged it and this log has read it
 *   back, so the store's own view already holds it. Records go to the partition the key's murmur2
 *   hash chooses (Kafka's and Connect's default partitioner), or to `partition` when given (the
 *   config topic: all to 0, one total order).
 * - `readToEnd()` resolves once every record written before the call has reached `onRecord`: the
 *   way to see what other workers wrote.
 * - `close()` stops following, rejects waiting calls and disconnects both clients.
 * Blocks on the brokers only: a broker that does not answer makes `open` and `readToEnd` reject
 * after `requestTimeoutMs`, `send` after the producer's delivery timeout.
 */
import type { KafkaConsumer, KafkaJS, Message, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SluiceError } from '../../errors.js';
import type { InternalTopic } from './internal-topics.js';
import { forwardLibrdkafkaLog, librdkafkaProperties, type KafkaClientConfig, type KafkaLibrary } from './kafka-client.js';
import { ensureTopic } from './kafka-topics.js';

export interface KafkaLogRecord {
  partition: number;
  offset: number;
  key: string | null;
  /** null: a tombstone. */
  value: string | null;
}

export interface KafkaLogOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  topic: InternalTopic;
  logger: Logger;
  onRecord(record: KafkaLogRecord): void;
  /** Every record to this partition; unset: the key's hash chooses. */
  partition?: number;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** How long CreateTopics may take before the broker is taken to be unable to create topics. Default 30 s. */
  topicCreationTimeoutMs?: number;
}

interface Waiter {
  /** partition -> the position to reach (the offset after the last record to read). */
  targets: Map<number, number>;
  resolve(): void;
  reject(error: Error): void;
}

const COMPACTED = { 'cleanup.policy': 'compact' } as const;
// How long one fetch call waits when there is nothing new; also the longest `close` waits for it.
const CONSUME_WAIT_MS = 100;
const BATCH_SIZE = 500;
// librdkafka's RD_KAFKA_OFFSET_BEGINNING: the oldest record still in the partition.
const OFFSET_BEGINNING = -2;

export class KafkaLog {
  private readonly waiters = new Set<Waiter>();
  /** partition -> the offset after the last record passed to onRecord (gaps of compaction included). */
  private positions = new Map<number, number>();
  private closing = false;
  private following: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: KafkaLogOptions,
    private readonly consumer: KafkaConsumer,
    private readonly producer: KafkaJS.Producer,
    /** Partition ids of the topic. */
    readonly partitions: readonly number[],
  ) {}

  static async open(options: KafkaLogOptions): Promise<KafkaLog> {
    const { kafka, client, topic, logger } = options;
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const consumer = new kafka.KafkaConsumer({
      ...librdkafkaProperties(client),
      // Required by librdkafka, never joined: partitions are assigned, offsets never committed.
      'group.id': 'sluice-internal-topic-reader',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      // Ends a fetch call as soon as a partition is read to its end, instead of waiting for more.
      'enable.partition.eof': true,
      // Only asked for by name once creating the topic failed (kafka-topics.ts).
      'allow.auto.create.topics': true,
    });
    consumer.on('event.log', (event: { severity: number; fac: string; message: string; name?: string }) => forwardLibrdkafkaLog(client.kafkaJS.logger, event));
    consumer.on('event.error', (error) => logger.warn({ err: error, topic: topic.name }, `Kafka consumer of ${topic.name}: ${error.message}`));
    // As Connect's internal-topic producers: every replica acknowledges, one request in flight keeps
    // the order through retries (idempotence would too, but waits for a producer id at start).
    const producer = new kafka.KafkaJS.Kafka(client).producer({ kafkaJS: { acks: -1, maxInFlightRequests: 1 } });
    let log: KafkaLog;
    try {
      await new Promise<void>((resolve, reject) => consumer.connect({ timeout: requestTimeoutMs }, (error) => (error ? reject(error) : resolve())));
      const partitions = await ensureTopic({
        kafka, client, consumer, topic, config: COMPACTED, logger, requestTimeoutMs,
        creationTimeoutMs: options.topicCreationTimeoutMs ?? 30_000,
      });
      await producer.connect();
      consumer.setDefaultConsumeTimeout(CONSUME_WAIT_MS);
      consumer.assign(partitions.map((partition) => ({ topic: topic.name, partition, offset: OFFSET_BEGINNING })));
      log = new KafkaLog({ ...options, requestTimeoutMs }, consumer, producer, partitions);
    } catch (error) {
      await disconnect(consumer, producer);
      throw error;
    }
    log.following = log.follow();
    try {
      await log.readToEnd();
    } catch (error) {
      await log.close();
      throw error;
    }
    return log;
  }

  get topic(): string {
    return this.options.topic.name;
  }

  async send(key: string, value: string | null): Promise<void> {
    this.assertOpen();
    const [delivered] = await this.producer.send({
      topic: this.topic,
      messages: [{ key, value, ...(this.options.partition === undefined ? {} : { partition: this.options.partition }) }],
    });
    const offset = Number(delivered!.baseOffset ?? delivered!.offset);
    await this.waitFor(new Map([[delivered!.partition, offset + 1]]));
  }

  async readToEnd(): Promise<void> {
    this.assertOpen();
    const targets = new Map<number, number>();
    await Promise.all(
      this.partitions.map(async (partition) => {
        const { lowOffset, highOffset } = await this.watermarks(partition);
        if (highOffset > lowOffset) targets.set(partition, highOffset);
      }),
    );
    await this.waitFor(targets);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.following;
    for (const waiter of this.waiters) waiter.reject(this.closedError());
    this.waiters.clear();
    await disconnect(this.consumer, this.producer);
  }

  private async follow(): Promise<void> {
    while (!this.closing) {
      let batch: Message[];
      try {
        batch = await new Promise<Message[]>((resolve, reject) => this.consumer.consume(BATCH_SIZE, (error, messages) => (error ? reject(error) : resolve(messages))));
      } catch (error) {
        this.options.logger.warn({ err: error, topic: this.topic }, `Reading the Kafka topic ${this.topic} failed; retrying`);
        await delay(CONSUME_WAIT_MS);
        continue;
      }
      for (const message of batch) this.deliver(message);
      // Taken between fetch calls: the consumer's live position runs ahead of what reached onRecord
      // while a call is under way.
      this.positions = new Map();
      for (const { partition, offset } of this.consumer.position() as Array<Partial<TopicPartitionOffset>>) {
        if (partition !== undefined && offset !== undefined) this.positions.set(partition, offset);
      }
      this.settleWaiters();
    }
  }

  private deliver(message: Message): void {
    const record: KafkaLogRecord = {
      partition: message.partition,
      offset: message.offset,
      key: message.key === null || message.key === undefined ? null : message.key.toString(),
      value: message.value === null ? null : message.value.toString('utf8'),
    };
    try {
      this.options.onRecord(record);
    } catch (error) {
      this.options.logger.error({ err: error, topic: this.topic, partition: record.partition, offset: record.offset, key: record.key }, `Skipped a record of the Kafka topic ${this.topic} that cannot be read`);
    }
  }

  private waitFor(targets: Map<number, number>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { targets, resolve, reject };
      this.waiters.add(waiter);
      this.settleWaiters();
    });
  }

  private settleWaiters(): void {
    for (const waiter of this.waiters) {
      if ([...waiter.targets].every(([partition, target]) => (this.positions.get(partition) ?? 0) >= target)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private watermarks(partition: number): Promise<{ lowOffset: number; highOffset: number }> {
    return new Promise((resolve, reject) =>
      this.consumer.queryWatermarkOffsets(this.topic, partition, this.options.requestTimeoutMs!, (error, offsets) => (error ? reject(error) : resolve(offsets))),
    );
  }

  private assertOpen(): void {
    if (this.closing) throw this.closedError();
  }

  private closedError(): SluiceError {
    return new SluiceError('KAFKA_LOG_CLOSED', `The reader of the Kafka topic ${this.topic} is closed.`);
  }
}

async function disconnect(consumer: KafkaConsumer, producer: KafkaJS.Producer): Promise<void> {
  if (consumer.isConnected()) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  await producer.disconnect().catch(() => {});
}
