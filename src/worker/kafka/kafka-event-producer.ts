/**
 * The Kafka producer of change events: in Kafka mode, where a SourceRunner hands its events (the one
 * SinkTarget of a source, `accepts` every topic). One per source task, opened before the runner
 * starts and closed after it stops.
 *
 * - Each event goes to its topic (`<topic.prefix>.<schema>.<table>`, as the event names it) with
 *   its key and value in JsonConverter's format (json-converter.ts, `key.converter.schemas.enable` /
 *   `value.converter.schemas.enable`), its headers and its timestamp; a tombstone is a null value.
 * - The partition is the murmur2 hash of the key bytes (Java's and Connect's default partitioner),
 *   so all events of one row go to one partition, in the order they were delivered: the producer is
 *   idempotent (acks=all), so retries neither reorder nor duplicate.
 * - A delivery's handle is acknowledged once the broker has acknowledged its message, never before:
 *   the SourceRunner writes an offset only after everything before it is in Kafka.
 * - `deliver` hands the events to the client at once while fewer than `maxInFlightMessages` and
 *   `maxInFlightBytes` (key + value bytes) are unacknowledged; past that, and while a new topic is
 *   being created, it returns a promise that resolves once all of the call's events are handed
 *   over (backpressure). Calls keep their order. The byte bound may be passed by one message.
 * - A topic is created when missing before its first event, with Connect's topic.creation.default.*
 *   keys (kafka-source-topics.ts).
 * - A message the client gives up on (after its retries, within `deliveryTimeoutMs`) or a fatal
 *   client error marks the channel FAILED: no handle is acknowledged from then on, `deliver`
 *   takes nothing more, `drain` resolves, and `onFailure` is called once.
 * - `drain` resolves when everything delivered so far is acknowledged, or the channel failed.
 *   `close` waits up to `closeTimeoutMs` for messages still in the client, then disconnects.
 */
import type { DeliveryReport, LibrdKafkaError, MessageHeader, Producer } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { SluiceError } from '../../errors.js';
import type { AckHandle } from '../ack-tracker.js';
import type { Delivery, DeliveryChannel, RunnerState } from '../sink-runner.js';
import type { SinkTarget } from '../source-runner.js';
import { encodeChangeEvent, jsonConverters, type JsonConverters } from './json-converter.js';
import { clientOverrides, forwardLibrdkafkaLog, librdkafkaProperties, type KafkaClientConfig, type KafkaLibrary } from './kafka-client.js';
import { DataTopics, topicCreation } from './kafka-source-topics.js';

export interface ProducerTuning {
  compression: 'lz4' | 'zstd' | 'none';
  /** How long the client waits to fill a batch. */
  lingerMs: number;
  /** Largest batch per partition, in bytes. */
  batchBytes: number;
  /** How long the client may keep trying to deliver one message before it fails for good. */
  deliveryTimeoutMs: number;
  maxInFlightMessages: number;
  maxInFlightBytes: number;
}

export const DEFAULT_PRODUCER_TUNING: ProducerTuning = {
  compression: 'lz4',
  lingerMs: 20,
  batchBytes: 1024 * 1024,
  deliveryTimeoutMs: 120_000,
  maxInFlightMessages: 10_000,
  maxInFlightBytes: 16 * 1024 * 1024,
};

export interface KafkaEventProducerOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  /** The source connector's config merged over the worker's: converters and topic creation keys. */
  connectorConfig: Readonly<Record<string, string>>;
  logger: Logger;
  tuning?: Partial<ProducerTuning>;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** How long CreateTopics may take before the broker is taken to be unable to create topics. Default 30 s. */
  topicCreationTimeoutMs?: number;
  /** Default 30 s. */
  closeTimeoutMs?: number;
  onFailure?: (error: unknown) => void;
}

/** What travels with a message through the client, back in its delivery report. */
interface InFlight {
  handle: AckHandle;
  bytes: number;
}

export class KafkaEventProducer implements DeliveryChannel, SinkTarget {
  state: RunnerState = 'RUNNING';
  failure: unknown;
  private messages = 0;
  private bytes = 0;
  /** The deliveries waiting for room or a topic, in call order; undefined when none wait. */
  private waiting: Promise<void> | undefined;
  private roomWaiter: (() => void) | undefined;
  private drainWaiters: Array<() => void> = [];
  private closing = false;

  private constructor(
    private readonly options: KafkaEventProducerOptions,
    private readonly tuning: ProducerTuning,
    private readonly converters: JsonConverters,
    private readonly producer: Producer,
    private readonly topics: DataTopics,
  ) {}

  /** Checks the connector config (ConfigError), connects and waits for the client to be ready. */
  static async open(options: KafkaEventProducerOptions): Promise<KafkaEventProducer> {
    const { kafka, client, connectorConfig, logger } = options;
    const converters = jsonConverters(connectorConfig);
    const creation = topicCreation(connectorConfig);
    const tuning = { ...DEFAULT_PRODUCER_TUNING, ...options.tuning };
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const producer = new kafka.Producer({
      ...librdkafkaProperties(client),
      'enable.idempotence': true,
      acks: -1,
      partitioner: 'murmur2_random',
      'compression.codec': tuning.compression,
      'linger.ms': tuning.lingerMs,
      'batch.size': tuning.batchBytes,
      'batch.num.messages': 10_000,
      'message.timeout.ms': tuning.deliveryTimeoutMs,
      // Room for everything our own bounds let through, so the client's queue never refuses a message.
      'queue.buffering.max.messages': tuning.maxInFlightMessages + 1,
      'queue.buffering.max.kbytes': Math.ceil((2 * tuning.maxInFlightBytes) / 1024) + 1024,
      ...clientOverrides(connectorConfig, 'producer.override.'),
      dr_cb: true,
    });
    producer.on('event.log', (event: { severity: number; fac: string; message: string; name?: string }) => forwardLibrdkafkaLog(client.kafkaJS.logger, event));
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: requestTimeoutMs }, (error) => (error ? reject(error) : resolve())));
    producer.setPollInBackground(true);
    const topics = new DataTopics({
      kafka, client, creation, metadataClient: producer, logger, requestTimeoutMs,
      creationTimeoutMs: options.topicCreationTimeoutMs ?? 30_000,
    });
    const channel = new KafkaEventProducer(options, tuning, converters, producer, topics);
    producer.on('delivery-report', (error, report) => channel.delivered(error, report));
    producer.on('event.error', (error) => channel.clientError(error));
    return channel;
  }

  accepts(): boolean {
    return true;
  }

  running(): DeliveryChannel {
    return this;
  }

  /** Messages and key + value bytes handed to the client and not yet acknowledged. */
  inFlight(): { messages: number; bytes: number } {
    return { messages: this.messages, bytes: this.bytes };
  }

  deliver(deliveries: Delivery[]): Promise<void> | undefined {
    if (this.state !== 'RUNNING') return undefined;
    let from = 0;
    if (this.waiting === undefined) {
      from = this.produceWhileReady(deliveries, 0);
      if (from === deliveries.length) return undefined;
    }
    const previous = this.waiting ?? Promise.resolve();
    const waiting = previous
      .then(() => this.produceAll(deliveries, from))
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        if (this.waiting === waiting) this.waiting = undefined;
        this.settleDrain();
      });
    this.waiting = waiting;
    return waiting;
  }

  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.settleDrain();
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const timeout = this.options.closeTimeoutMs ?? 30_000;
    await new Promise<void>((resolve) => this.producer.flush(timeout, () => resolve()));
    if (this.state === 'RUNNING') this.state = 'STOPPED';
    this.roomWaiter?.();
    this.settleDrain();
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }

  /** Produces from `from` on while the topic is ready and there is room; returns where it stopped. */
  private produceWhileReady(deliveries: Delivery[], from: number): number {
    const { maxInFlightMessages, maxInFlightBytes } = this.tuning;
    let i = from;
    for (; i < deliveries.length && this.state === 'RUNNING'; i++) {
      const { event, handle } = deliveries[i]!;
      if (!this.topics.ready(event.topic)) break;
      if (this.messages > 0 && (this.messages >= maxInFlightMessages || this.bytes >= maxInFlightBytes)) break;
      const message = encodeChangeEvent(event, this.converters);
      const bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
      const opaque: InFlight = { handle, bytes };
      try {
        this.producer.produce(event.topic, null, message.value, message.key, event.timestamp, opaque, headerList(message.headers));
      } catch (error) {
        // Refused before it was queued (too large, an invalid topic name): no retry can help.
        this.fail(new SluiceError('KAFKA_PRODUCE_FAILED', `The Kafka client refused a change event for the topic ${event.topic}: ${(error as Error).message}.`, { stage: 'produce', cause: error }));
        break;
      }
      this.messages++;
      this.bytes += bytes;
    }
    return i;
  }

  private async produceAll(deliveries: Delivery[], from: number): Promise<void> {
    for (let i = this.produceWhileReady(deliveries, from); i < deliveries.length && this.state === 'RUNNING'; i = this.produceWhileReady(deliveries, i)) {
      const topic = deliveries[i]!.event.topic;
      if (!this.topics.ready(topic)) await this.topics.ensure(topic);
      else await new Promise<void>((resolve) => (this.roomWaiter = resolve));
    }
  }

  private delivered(error: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    const inFlight = report.opaque as InFlight;
    this.messages--;
    this.bytes -= inFlight.bytes;
    if (error) {
      this.fail(
        new SluiceError('KAFKA_PRODUCE_FAILED', `Producing a change event to the Kafka topic ${report.topic} failed for good: ${error.message}. ` +
          'Its source offset is not committed; the task delivers it again once restarted.', { retriable: true, stage: 'produce', cause: error }),
      );
    } else if (this.state !== 'FAILED') {
      inFlight.handle.ack();
    }
    const waiter = this.roomWaiter;
    if (waiter !== undefined && this.messages < this.tuning.maxInFlightMessages && this.bytes < this.tuning.maxInFlightBytes) {
      this.roomWaiter = undefined;
      waiter();
    }
    this.settleDrain();
  }

  private clientError(error: LibrdKafkaError): void {
    if ((error as { isFatal?: boolean }).isFatal) {
      this.fail(new SluiceError('KAFKA_PRODUCER_FATAL', `The Kafka producer hit a fatal error: ${error.message}.`, { retriable: true, stage: 'produce', cause: error }));
    } else {
      this.options.logger.warn({ err: error }, `Kafka producer: ${error.message}`);
    }
  }

  private fail(error: unknown): void {
    if (this.state === 'FAILED' || this.closing) return;
    this.state = 'FAILED';
    this.failure = error;
    this.options.logger.error({ err: error }, 'the Kafka producer of change events failed; nothing more is acknowledged');
    const waiter = this.roomWaiter;
    this.roomWaiter = undefined;
    waiter?.();
    this.settleDrain();
    this.options.onFailure?.(error);
  }

  private settleDrain(): void {
    if (this.drainWaiters.length === 0) return;
    if (this.state === 'RUNNING' && (this.messages > 0 || this.waiting !== undefined)) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

function headerList(headers: Record<string, string>): MessageHeader[] | undefined {
  const names = Object.keys(headers);
  return names.length === 0 ? undefined : names.map((name) => ({ [name]: headers[name]! }));
}
