/**
 * The REST contract suite (test/support/rest-contract.ts) against the Kafka-mode herder: one
 * worker on a mock Kafka cluster of its own per test, its configs, offsets and status in topics.
 */
import pino from 'pino';
import { DistributedHerder } from '../../src/worker/kafka/distributed-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { workerDir } from '../support/connectors.js';
import { MOCK_CONSUMER_TUNING, startMockKafka, type MockKafka } from '../support/kafka-mock.js';
import { describeRestContract } from '../support/rest-contract.js';

const clusters = new WeakMap<DistributedHerder, MockKafka>();

describeRestContract(
  async () => {
    const kafka = await startMockKafka(1);
    const config = await loadWorkerConfig({
      file: workerDir().configFile,
      env: { SLUICE_BOOTSTRAP_SERVERS: kafka.bootstrapServers, SLUICE_GROUP_ID: 'contract', SLUICE_REST_ADVERTISED_PORT: '18083', SLUICE_SLUICE_TOPIC_CREATION_TIMEOUT_MS: '200' },
    });
    const herder = await DistributedHerder.open(config, pino({ level: 'silent' }), { clientProperties: MOCK_CONSUMER_TUNING });
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
