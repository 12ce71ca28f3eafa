/**
 * A sink connector's offsets in Kafka mode: what its consumer group (`connect-<connector>`) has
 * committed, shown and changed through the REST API in Kafka Connect's shape (KIP-875):
 *   partition {"kafka_topic": "<topic>", "kafka_partition": <n>}   offset {"kafka_offset": <next to read>}
 *
 * - `list` asks the group coordinator; partitions without a committed offset are left out. It uses
 *   an admin client of its own and disconnects it before it resolves.
 * - `refuseChange` is the answer to altering or resetting them (see there).
 */
import type { Logger } from 'pino';
import type { OffsetEntry } from '../herder.js';
import { BadRequestError } from '../herder-errors.js';
import type { KafkaClientConfig, KafkaLibrary } from './kafka-client.js';
import { sinkGroupId } from './kafka-sink-consumer.js';

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
   * Changing them is left to Kafka's own tool for now: the brokers' group offset APIs (alter,
   * delete) cannot be exercised against the test cluster, and untested offset surgery is worse
   * than none. The error names the command.
   */
  refuseChange(connector: string): never {
    throw new BadRequestError(
      `Sluice does not change a sink connector's offsets in Kafka mode yet. Its consumer group is ${sinkGroupId(connector)}: with the connector STOPPED, use ` +
        `kafka-consumer-groups.sh --bootstrap-server <brokers> --group ${sinkGroupId(connector)} --reset-offsets (--to-offset, --to-earliest, ...) --execute, or --delete-offsets.`,
    );
  }
}
