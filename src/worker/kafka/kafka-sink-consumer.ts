/**
 * The consumer-group side of a sink connector in Kafka mode: one librdkafka consumer in the group
 * `connect-<connector name>`, subscribed to the connector's `topics` or `topics.regex`, with manual
 * offsets only (no auto-commit, no auto-store). Used by KafkaSinkRunner, from its one loop.
 *
 * - `consume(max)` resolves to the next messages: it waits up to CONSUME_WAIT_MS for the first,
 *   then takes only what is already fetched, so a steady trickle of records neither holds a batch
 *   back until `max` arrived nor keeps the runner from applying rebalances and committing.
 *   Rebalances are decided inside those calls; their events (assign / revoke, in order) are queued
 *   and taken with `takeRebalances()`: librdkafka holds the rebalance until `applyAssign` /
 *   `applyRevoke` is called for the event, so the runner can commit before it lets partitions go.
 * - `commit(offsets)` resolves once the group coordinator stored exactly those offsets; it rejects
 *   (RetriableError) when the coordinator did not store them: a commit refused during a rebalance,
 *   by a member no longer in the group's generation, or a coordinator away.
 * - `committed(partitions)` reads what the group has committed; `logStart` where a partition's log
 *   begins.
 * - `pause` / `resume` stop and restart fetching; paused partitions are refetched from the
 *   position after the last message handed out.
 * - `disconnect()` leaves the group; a revoke it causes is applied at once (the runner has already
 *   committed and closed what it held).
 * Blocks on the brokers only.
 */
import type { KafkaConsumer, LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { TopicPartition } from '../../contracts/sink-task.js';
import { ConfigError, RetriableError } from '../../errors.js';
import { clientOverrides, forwardLibrdkafkaLog, librdkafkaProperties, type KafkaClientConfig, type KafkaLibrary } from './kafka-client.js';

export interface RebalanceEvent {
  kind: 'assign' | 'revoke';
  partitions: TopicPartition[];
  /** revoke only: the partitions were lost (session timed out), so committing for them is pointless. */
  lost: boolean;
}

export interface KafkaSinkConsumerOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  connector: string;
  /** The connector's config: `topics` or `topics.regex`, and any `consumer.override.*`. */
  config: Readonly<Record<string, string>>;
  logger: Logger;
  /** Default 30 s. */
  requestTimeoutMs?: number;
}

/** The consumer methods librdkafka has that the typings leave out. */
interface GroupConsumer extends KafkaConsumer {
  incrementalAssign(partitions: TopicPartition[]): void;
  incrementalUnassign(partitions: TopicPartition[]): void;
  rebalanceProtocol(): 'NONE' | 'EAGER' | 'COOPERATIVE';
  assignmentLost(): boolean;
  commitCb(offsets: Array<TopicPartition & { offset: number }>, done: (error: LibrdKafkaError | null) => void): void;
  setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void;
}

const CONSUME_WAIT_MS = 100;
// librdkafka's RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS.
const ASSIGN_PARTITIONS = -175;
const TOPIC_REFRESH_MS = 10_000;

/** The consumer group of a sink connector, as Kafka Connect names it. */
export function sinkGroupId(connector: string): string {
  return `connect-${connector}`;
}

/** What to subscribe to: the names of `topics`, or `topics.regex` as librdkafka's anchored pattern. */
export function sinkSubscription(config: Readonly<Record<string, string>>): string[] {
  const topics = (config.topics ?? '').split(',').map((topic) => topic.trim()).filter((topic) => topic !== '');
  const regex = config['topics.regex']?.trim() ?? '';
  if (topics.length > 0 && regex !== '') throw new ConfigError('topics and topics.regex are mutually exclusive options, but both are set: keep one.');
  if (topics.length === 0 && regex === '') throw new ConfigError('Must configure one of topics or topics.regex: set the topics the sink consumes.');
  // A librdkafka subscription starting with ^ is a pattern; Connect's must match the whole name.
  return topics.length > 0 ? topics : [`^(${regex})$`];
}

export class KafkaSinkConsumer {
  private readonly rebalances: RebalanceEvent[] = [];
  private disconnecting = false;

  private constructor(
    private readonly consumer: GroupConsumer,
    private readonly logger: Logger,
    private readonly requestTimeoutMs: number,
  ) {}

  static async connect(options: KafkaSinkConsumerOptions): Promise<KafkaSinkConsumer> {
    const { kafka, client, connector, config, logger } = options;
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const subscription = sinkSubscription(config);
    let self: KafkaSinkConsumer | undefined;
    const consumer = new kafka.KafkaConsumer({
      ...librdkafkaProperties(client),
      'auto.offset.reset': 'earliest',
      // A topics.regex subscription sees a new matching topic (a table added to the capture) only
      // at the next metadata refresh: librdkafka's default waits 5 minutes.
      'topic.metadata.refresh.interval.ms': TOPIC_REFRESH_MS,
      ...clientOverrides(config, 'consumer.override.'),
      'group.id': sinkGroupId(connector),
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      rebalance_cb: (error: LibrdKafkaError, partitions: TopicPartition[]) => self?.onRebalance(error, partitions),
    }) as GroupConsumer;
    self = new KafkaSinkConsumer(consumer, logger, requestTimeoutMs);
    consumer.on('event.log', (event: { severity: number; fac: string; message: string; name?: string }) => forwardLibrdkafkaLog(client.kafkaJS.logger, event));
    consumer.on('event.error', (error) => logger.warn({ err: error, connector }, `Kafka consumer of the sink ${connector}: ${error.message}`));
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: requestTimeoutMs }, (error) => (error ? reject(error) : resolve())));
    consumer.setDefaultConsumeTimeout(CONSUME_WAIT_MS);
    // Otherwise a consume waits CONSUME_WAIT_MS for each further message, and returns only after
    // `max` of them or a pause that long in the stream.
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.subscribe(subscription);
    return self;
  }

  consume(max: number): Promise<Message[]> {
    return new Promise((resolve, reject) => this.consumer.consume(max, (error, messages) => (error ? reject(error) : resolve(messages))));
  }

  takeRebalances(): RebalanceEvent[] {
    return this.rebalances.splice(0);
  }

  applyAssign(partitions: TopicPartition[]): void {
    if (this.consumer.rebalanceProtocol() === 'COOPERATIVE') this.consumer.incrementalAssign(partitions);
    else this.consumer.assign(partitions);
  }

  applyRevoke(partitions: TopicPartition[]): void {
    if (!this.consumer.isConnected()) return;
    if (this.consumer.rebalanceProtocol() === 'COOPERATIVE') this.consumer.incrementalUnassign(partitions);
    else this.consumer.unassign();
  }

  async commit(offsets: Map<string, { topic: string; partition: number; offset: number }>): Promise<void> {
    const list = [...offsets.values()];
    if (list.length === 0) return;
    const failed = (reason: string, cause?: unknown): RetriableError =>
      new RetriableError('KAFKA_COMMIT_FAILED', `Committing the sink's offsets failed: ${reason}`, { stage: 'commit', cause });
    // commitCb calls back once librdkafka has queued the commit (an asynchronous commit), not when
    // the coordinator answered, and a refused commit is never reported. So ask the coordinator what
    // it stored: it answers one client's requests in the order sent, the commit first.
    await new Promise<void>((resolve, reject) => this.consumer.commitCb(list, (error) => (error ? reject(failed(error.message, error)) : resolve())));
    const stored = await this.committed(list.map(({ topic, partition }) => ({ topic, partition }))).catch((error: Error) => {
      throw failed(`reading them back: ${error.message}`, error);
    });
    const refused = list.filter(({ topic, partition, offset }) => stored.get(`${topic}:${partition}`) !== offset);
    if (refused.length > 0) {
      const named = refused.map(({ topic, partition, offset }) => `${topic}:${partition}@${offset}`).join(', ');
      throw failed(`the group coordinator did not store ${named} (a rebalance in progress, or this consumer no longer a member of the group's generation).`);
    }
  }

  /** The offsets the group has committed for `partitions`; a partition without one is left out. */
  async committed(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const stored = await new Promise<Array<{ topic: string; partition: number; offset?: number }>>((resolve, reject) =>
      this.consumer.committed(partitions, this.requestTimeoutMs, (error, result) => (error ? reject(error) : resolve(result))),
    );
    return new Map(stored.filter(({ offset }) => offset !== undefined && offset >= 0).map(({ topic, partition, offset }) => [`${topic}:${partition}`, offset!]));
  }

  /** The offset of the first record a partition still holds (its log start). */
  logStart(topic: string, partition: number): Promise<number> {
    return new Promise((resolve, reject) =>
      this.consumer.queryWatermarkOffsets(topic, partition, this.requestTimeoutMs, (error, offsets) => (error ? reject(error) : resolve(offsets.lowOffset))),
    );
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.consumer.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.consumer.resume(partitions);
  }

  async disconnect(): Promise<void> {
    this.disconnecting = true;
    if (!this.consumer.isConnected()) return;
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }

  private onRebalance(error: LibrdKafkaError, partitions: TopicPartition[]): void {
    const plain = partitions.map(({ topic, partition }) => ({ topic, partition }));
    if (error.code === ASSIGN_PARTITIONS) {
      if (this.disconnecting) return;
      this.rebalances.push({ kind: 'assign', partitions: plain, lost: false });
      return;
    }
    if (this.disconnecting) {
      this.applyRevoke(plain);
      return;
    }
    this.logger.debug({ partitions: plain }, 'partitions revoked from the sink');
    this.rebalances.push({ kind: 'revoke', partitions: plain, lost: this.consumer.assignmentLost() });
  }
}
