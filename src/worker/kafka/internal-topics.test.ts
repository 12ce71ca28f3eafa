import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { internalTopics } from './internal-topics.js';

describe('internalTopics', () => {
  it('has Kafka Connect’s names and sizes by default, the config topic always one partition', () => {
    expect(internalTopics({ extra: {} })).toEqual({
      offsets: { name: 'connect-offsets', partitions: 25, replicationFactor: 3 },
      configs: { name: 'connect-configs', partitions: 1, replicationFactor: 3 },
      status: { name: 'connect-status', partitions: 5, replicationFactor: 3 },
    });
  });

  it('takes the worker’s keys, -1 meaning the broker’s default', () => {
    const topics = internalTopics({
      extra: { 'offset.storage.topic': 'sluice-offsets', 'offset.storage.partitions': '-1', 'config.storage.replication.factor': '1', 'status.storage.partitions': '2' },
    });
    expect(topics.offsets).toEqual({ name: 'sluice-offsets', partitions: -1, replicationFactor: 3 });
    expect(topics.configs.replicationFactor).toBe(1);
    expect(topics.status.partitions).toBe(2);
  });

  it('reports every bad value at once, naming the key and what it expects', () => {
    const error = (() => {
      try {
        internalTopics({ extra: { 'offset.storage.partitions': '0', 'status.storage.replication.factor': 'three', 'config.storage.topic': '' } });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/have 3 problems/);
    expect(error!.message).toContain('- config.storage.topic: Invalid value  for configuration config.storage.topic: String may not be empty');
    expect(error!.message).toContain('- offset.storage.partitions: Invalid value 0 for configuration offset.storage.partitions: Value must be at least 1, or -1 for the broker\'s default; expected a positive integer, or -1 for the broker\'s default.');
    expect(error!.message).toContain('- status.storage.replication.factor: Invalid value three for configuration status.storage.replication.factor: Not a number of type INT');
  });
});
