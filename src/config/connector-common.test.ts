import { describe, expect, it } from 'vitest';
import { CONNECTOR_COMMON_CONFIG, SINK_CONNECTOR_CONFIG } from './connector-common.js';
import { validateConfig } from './validate-config.js';

const SOURCE = { name: 'inventory', 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector' };
const SINK = { name: 'audit', 'connector.class': 'FileStreamSink' };

describe('keys common to every connector', () => {
  it("have Kafka Connect's defaults", () => {
    const { values, problems, warnings } = validateConfig(CONNECTOR_COMMON_CONFIG, SOURCE);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(values.number('tasks.max')).toBe(1);
    expect(values.list('transforms')).toEqual([]);
    expect(values.string('errors.tolerance')).toBe('none');
    expect(values.number('errors.retry.timeout')).toBe(0);
    expect(values.number('errors.retry.delay.max.ms')).toBe(60000);
    expect(values.optionalString('key.converter')).toBeNull();
  });

  it('require a name and a class, and refuse Connect-invalid values', () => {
    const { problems } = validateConfig(CONNECTOR_COMMON_CONFIG, { name: '', 'tasks.max': '0', transforms: 'unwrap,route,unwrap', 'errors.tolerance': 'some' });
    expect(problems).toEqual([
      { key: 'name', message: 'Missing required configuration "name" which has no default value.' },
      { key: 'connector.class', message: 'Missing required configuration "connector.class" which has no default value.' },
      { key: 'tasks.max', message: 'Invalid value 0 for configuration tasks.max: Value must be at least 1' },
      { key: 'transforms', message: 'Invalid value unwrap,route,unwrap for configuration transforms: Duplicate alias provided.' },
      { key: 'errors.tolerance', message: 'Invalid value some for configuration errors.tolerance: String must be one of: none, all' },
    ]);
  });

  it('leave the keys of transforms, predicates and converters to their owners', () => {
    const { warnings } = validateConfig(CONNECTOR_COMMON_CONFIG, {
      ...SOURCE,
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'predicates.p.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
    });
    expect(warnings).toEqual([]);
  });
});

describe('keys common to every sink', () => {
  it('need exactly one of topics and topics.regex, reported on both keys in Connect wording', () => {
    const neither = validateConfig(SINK_CONNECTOR_CONFIG, { ...SINK, topics: ' ' }).problems;
    expect(neither).toEqual([
      { key: 'topics', message: 'Must configure one of topics or topics.regex' },
      { key: 'topics.regex', message: 'Must configure one of topics or topics.regex' },
    ]);
    const both = validateConfig(SINK_CONNECTOR_CONFIG, { ...SINK, topics: 'a', 'topics.regex': 'shop\\..*' }).problems;
    expect(both.map((problem) => problem.message)).toEqual([
      'topics and topics.regex are mutually exclusive options, but both are set.',
      'topics and topics.regex are mutually exclusive options, but both are set.',
    ]);
    expect(validateConfig(SINK_CONNECTOR_CONFIG, { ...SINK, 'topics.regex': 'shop\\..*' }).problems).toEqual([]);
  });

  it('refuse an invalid topics.regex', () => {
    const [problem] = validateConfig(SINK_CONNECTOR_CONFIG, { ...SINK, 'topics.regex': 'shop(' }).problems;
    expect(problem!.key).toBe('topics.regex');
    expect(problem!.message).toMatch(/^Invalid value shop\( for configuration topics\.regex: Invalid regex: /);
  });

  it('declare the dead letter queue with Connect defaults', () => {
    const { values } = validateConfig(SINK_CONNECTOR_CONFIG, { ...SINK, topics: 'a' });
    expect(values.string('errors.deadletterqueue.topic.name')).toBe('');
    expect(values.number('errors.deadletterqueue.topic.replication.factor')).toBe(3);
    expect(values.boolean('errors.deadletterqueue.context.headers.enable')).toBe(false);
  });
});
