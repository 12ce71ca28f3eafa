/**
 * The REST contract suite (test/support/rest-contract.ts) against the Kafka-mode herder: one
 * worker on a mock Kafka cluster of its own per test, its configs, offsets and status in topics.
 */
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { openKafkaWorker } from '../support/kafka-worker.js';
import { describeRestContract } from '../support/rest-contract.js';

const clusters = new WeakMap<DistributedHerder, MockKafka>();

describeRestContract(
  async () => {
    const kafka = await startMockKafka(1);
    const herder = await openKafkaWorker(kafka, { group: 'contract', port: 18083 });
    clusters.set(herder, kafka);
    // The contract's sink consumes "orders": in a cluster its source made the topic.
    await kafka.produce('orders', [{ key: null, value: '{}' }]);
    await herder.start();
    return herder;
  },
  {
    close: async (herder) => {
      await (herder as DistributedHerder).shutdown();
      await clusters.get(herder as DistributedHerder)?.stop();
    },
  },
);
