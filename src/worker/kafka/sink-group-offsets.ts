/**
 * A sink connector's offsets in Kafka mode: what its consumer group (`connect-<connector>`) has
 * committed, shown and changed through the REST API in Kafka Connect's shape (KIP-875):
 *   partition {"kafka_topic": "<topic>", "kafka_partition": <n>}   offset {"kafka_offset": <next to read>}
 *
 * - `list` asks the group coordinator; partitions without a committed offset are left out. It uses
 *   an admin client of its own and disconnects it before it resolves.
 * - `alter` and `reset` change them for a STOPPED connector, as a member of its group (see there).
 *   Each joins the group with a consumer of its own, waits for its partitions (the first join takes
 *   the broker's group join delay, about 3 s) and leaves before it resolves.
 */
import type { Logger } from 'pino';
import type { OffsetEntry } from '../herder.js';
import { BadRequestError } from '../herder-errors.js';
import type { TopicPartition } from '../../contracts/sink-task.js';
import { RetriableError } from '../../errors.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { KafkaSinkConsumer, sinkGroupId, sinkSubscription } from './kafka-sink-consumer.js';

const MEMBER_SESSION_TIMEOUT_MS = 6000;

export interface SinkGroupOffsetsOptions {
  kafka: KafkaLibrary;
  client: KafkaClientConfig;
  logger: Logger;
  /** Default 30 s. */
  requestTimeoutMs?: number;
}

export class SinkGroupOffsets {
  constructor(private readonly options: SinkGroupOffsetsOptions) {}

  async list(connector: string): Promise<OffsetEntry[]> {
    const admin = new this.options.kafka.KafkaJS.Kafka(this.options.client).admin();
    await admin.connect();
    let committed: Awaited<ReturnType<typeof admin.fetchOffsets>>;
    try {
      committed = await admin.fetchOffsets({ groupId: sinkGroupId(connector), timeout: this.options.requestTimeoutMs ?? 30_000 });
    } finally {
      await admin.disconnect().catch(() => {});
    }
    return committed
      .flatMap(({ topic, partitions }) =>
        partitions.filter(({ offset }) => Number(offset) >= 0).map(({ partition, offset }) => ({ partition: { kafka_topic: topic, kafka_partition: partition }, offset: { kafka_offset: Number(offset) } })),
      )
      .sort((a, b) => a.partition.kafka_topic.localeCompare(b.partition.kafka_topic) || a.partition.kafka_partition - b.partition.kafka_partition);
  }

  /**
   * Sets offsets of a STOPPED connector's group (KIP-875's alter): `kafka_offset` is the next
   * record to read; a null offset sends the partition back to the start of its log, where the sink
   * begins without an offset. Resolves once the group coordinator stored them all.
   */
  async alter(connector: string, config: Readonly<Record<string, string>>, entries: OffsetEntry[]): Promise<void> {
    const wanted = entries.map(sinkOffsetOf);
    const subscription = sinkSubscription(config);
    const outside = wanted.filter(({ topic }) => !subscribes(subscription, topic));
    if (outside.length > 0) {
      throw new BadRequestError(`The sink connector ${connector} does not consume ${[...new Set(outside.map(({ topic }) => topic))].join(', ')}: only offsets of its topics (topics / topics.regex) can be altered.`);
    }
    await this.asMember(connector, config, wanted, async (consumer) => {
      const offsets = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const { topic, partition, offset } of wanted) offsets.set(`${topic}:${partition}`, { topic, partition, offset: offset ?? (await consumer.logStart(topic, partition)) });
      await consumer.commit(offsets);
    });
  }

  /**
   * Resets a STOPPED connector's group: every partition it has an offset for goes back to the start
   * of its log, so the sink reads its topics again from the beginning, as after Connect's reset.
   * The offsets are moved there rather than deleted (GET then lists the log starts).
   */
  async reset(connector: string, config: Readonly<Record<string, string>>): Promise<void> {
    await this.asMember(connector, config, null, async (consumer, held) => {
      const committed = await consumer.committed(held);
      const offsets = new Map<string, { topic: string; partition: number; offset: number }>();
      for (const { topic, partition } of held) {
        if (committed.has(`${topic}:${partition}`)) offsets.set(`${topic}:${partition}`, { topic, partition, offset: await consumer.logStart(topic, partition) });
      }
      await consumer.commit(offsets);
    });
  }

  /**
   * Joins the connector's group with its subscription (the coordinator keeps commits from members
   * only; the connector is stopped, so this is the only one), waits until it holds `partitions` (null:
   * the first assignment, every partition), runs `work` and leaves.
   */
  private async asMember(
    connector: string,
    config: Readonly<Record<string, string>>,
    partitions: TopicPartition[] | null,
    work: (consumer: KafkaSinkConsumer, held: TopicPartition[]) => Promise<void>,
  ): Promise<void> {
    const { kafka, client, logger } = this.options;
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    // A short session (the least brokers allow by default): if this member dies, the group is free
    // again soon; and one that left is let go at once by brokers, after its session by the mock.
    const memberConfig = { ...config, 'consumer.override.session.timeout.ms': String(MEMBER_SESSION_TIMEOUT_MS) };
    const consumer = await KafkaSinkConsumer.connect({ kafka, client, connector, config: memberConfig, logger, requestTimeoutMs: timeoutMs });
    try {
      for (const { topic, partition } of partitions ?? []) {
        await consumer.logStart(topic, partition).catch((error: Error) => {
          throw new BadRequestError(`Partition ${partition} of topic ${topic} cannot be read (${error.message}): offsets can be set only for partitions that exist.`);
        });
      }
      const held = new Map<string, TopicPartition>();
      let assigned = false;
      const holdsAll = () => assigned && (partitions ?? []).every(({ topic, partition }) => held.has(`${topic}:${partition}`));
      const deadline = Date.now() + timeoutMs;
      let lastError: Error | undefined;
      while (!holdsAll()) {
        if (Date.now() > deadline) {
          const cause = lastError === undefined ? 'is another consumer in that group (a worker still running the connector)? Try again once it has left.' : `${lastError.message}: do the topics and partitions named exist?`;
          throw new RetriableError('SINK_GROUP_BUSY', `Could not take the partitions of ${sinkGroupId(connector)} within ${timeoutMs} ms to change its offsets: ${cause}`);
        }
        // A topic just created (or auto-created by the subscription) answers errors for a moment.
        await consumer.consume(1).catch((error: Error) => {
          lastError = error;
        });
        for (const event of consumer.takeRebalances()) {
          if (event.kind === 'assign') {
            consumer.applyAssign(event.partitions);
            for (const p of event.partitions) held.set(`${p.topic}:${p.partition}`, p);
            assigned = true;
          } else {
            consumer.applyRevoke(event.partitions);
            for (const p of event.partitions) held.delete(`${p.topic}:${p.partition}`);
          }
        }
      }
      await work(consumer, [...held.values()]);
    } finally {
      await consumer.disconnect();
    }
  }
}

interface SinkOffset extends TopicPartition {
  offset: number | null;
}

/** One entry of an alter request in Connect's sink shape, or a 400 naming what is wrong. */
function sinkOffsetOf({ partition, offset }: OffsetEntry, index: number): SinkOffset {
  const topic = partition['kafka_topic'];
  const number = partition['kafka_partition'];
  if (typeof topic !== 'string' || topic === '' || typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new BadRequestError(`offsets[${index}]: a sink connector's partition is {"kafka_topic": "<topic>", "kafka_partition": <partition number>}.`);
  }
  if (offset === null) return { topic, partition: number, offset: null };
  const value = offset['kafka_offset'];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new BadRequestError(`offsets[${index}]: a sink connector's offset is {"kafka_offset": <the next offset to read, 0 or more>} or null.`);
  }
  return { topic, partition: number, offset: value };
}

/** Whether a subscription (sinkSubscription) takes `topic`. */
function subscribes(subscription: string[], topic: string): boolean {
  return subscription.some((entry) => (entry.startsWith('^') ? new RegExp(entry).test(topic) : entry === topic));
}
