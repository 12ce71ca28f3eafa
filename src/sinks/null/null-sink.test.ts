import { describe, expect, it } from 'vitest';
import type { SinkTask } from '../../contracts/sink-task.js';
import { validateConfig } from '../../config/validate-config.js';
import type { SinkRecord } from '../../events.js';
import { NULL_SINK_CONFIG, NullSinkTask } from './null-sink.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';

const RECORD: SinkRecord = { topic: 't', key: { id: 1 }, value: null, keySchema: null, valueSchema: null, headers: {}, timestamp: 0, kafkaPartition: 0, kafkaOffset: 0, position: null };

describe('NullSinkTask', () => {
  it('discards records and reports whatever it was given as durable', async () => {
    const task: SinkTask = new NullSinkTask();
    await task.start(sinkTaskContext({ connector: 'bench' }));
    await task.open([{ topic: 't', partition: 0 }]);
    await task.put([RECORD, { ...RECORD, kafkaOffset: 1 }]);
    const current = new Map([['t:0', 2]]);
    expect(await task.preCommit(current)).toEqual(new Map([['t:0', 2]]));
    await task.close([{ topic: 't', partition: 0 }]);
    await task.stop();
  });

  it('is configured with the keys every sink has', () => {
    expect(validateConfig(NULL_SINK_CONFIG, { name: 'bench', 'connector.class': 'NullSink', topics: 't' }).problems).toEqual([]);
    expect(validateConfig(NULL_SINK_CONFIG, { name: 'bench', 'connector.class': 'NullSink' }).problems.map((p) => p.key)).toEqual(['topics', 'topics.regex']);
  });
});
