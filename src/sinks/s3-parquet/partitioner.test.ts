import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Envelope, SinkRecord } from '../../events.js';
import { created, deleted, tombstone, truncated, updated } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { articleCreated, articleDeleted, articleRetitled } from '../opensearch/articles.fixture.js';
import { createPartitioner, escapePathName } from './partitioner.js';
import { CONFLUENT_S3_SINK_CLASS, parseS3SinkConfig } from './s3-sink-config.js';
import { thrownBy } from '../../../test/support/failures.js';

const BASE = { name: 'lake', 'connector.class': CONFLUENT_S3_SINK_CLASS, topics: 'shop.public.orders', 's3.bucket.name': 'lake' };

function partitioner(config: Record<string, string>, clock?: () => number) {
  return createPartitioner(parseS3SinkConfig({ ...BASE, ...config }).partitioning, clock);
}

const sink = (event: ChangeEvent, partition = 0, offset = 11): SinkRecord => ({ ...event, kafkaPartition: partition, kafkaOffset: offset, position: null });
/** The event as if committed at `iso`. */
const committedAt = (event: ChangeEvent, iso: string): SinkRecord => sink({ ...event, timestamp: Date.parse(iso) });
/** The orders event with its after row changed. */
const withAfter = (event: ChangeEvent, changes: Record<string, unknown>): SinkRecord => {
  const envelope = event.value as Envelope;
  return sink({ ...event, value: { ...envelope, after: { ...envelope.after, ...changes } } });
};

describe('partitioners', () => {
  it('TimeBasedPartitioner by default: daily directories of the commit time in UTC', () => {
    const daily = partitioner({});
    expect(daily.encodedPartition(sink(created))).toBe('year=2024/month=03/day=05');
    expect(daily.encodedPartition(committedAt(updated, '2024-03-05T23:59:59.999Z'))).toBe('year=2024/month=03/day=05');
    expect(daily.encodedPartition(committedAt(deleted, '2024-03-06T00:00:00Z'))).toBe('year=2024/month=03/day=06');
  });

  it('TimeBasedPartitioner with its own format, duration, zone and locale, by a field of the row', () => {
    const byPlacedAt = partitioner({
      'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
      'path.format': "'month'=MMM/'week_of'=dd",
      'partition.duration.ms': String(7 * 86_400_000),
      timezone: 'Europe/Berlin',
      locale: 'de_DE',
      'timestamp.extractor': 'RecordField',
      'timestamp.field': 'placed_at',
    });
    // placed_at 2024-03-05T09:00:00.5Z; weeks count from Thursday 1970-01-01 in Berlin's wall clock: one starts 2024-03-07 00:00 CET.
    expect(byPlacedAt.encodedPartition(sink(created))).toBe('month=Feb./week_of=29');
    expect(byPlacedAt.encodedPartition(withAfter(created, { placed_at: '2024-03-06T23:00:00Z' }))).toBe('month=März/week_of=07');
    expect(byPlacedAt.encodedPartition(withAfter(created, { placed_at: '2024-03-06T22:59:59Z' }))).toBe('month=Feb./week_of=29');
  });

  it('DailyPartitioner keeps calendar days of Europe/Berlin and America/New_York across DST', () => {
    const berlin = partitioner({ 'partitioner.class': 'DailyPartitioner', timezone: 'Europe/Berlin' });
    expect(['2024-03-30T22:59:59Z', '2024-03-30T23:00:00Z', '2024-03-31T21:59:59Z', '2024-03-31T22:00:00Z'].map((iso) => berlin.encodedPartition(committedAt(created, iso)))).toEqual([
      'year=2024/month=03/day=30',
      'year=2024/month=03/day=31',
      'year=2024/month=03/day=31',
      'year=2024/month=04/day=01',
    ]);
    const newYork = partitioner({ 'partitioner.class': 'io.confluent.connect.storage.partitioner.DailyPartitioner', timezone: 'America/New_York' });
    expect(['2024-11-03T03:59:59Z', '2024-11-03T04:00:00Z', '2024-11-04T04:59:59Z', '2024-11-04T05:00:00Z'].map((iso) => newYork.encodedPartition(committedAt(updated, iso)))).toEqual([
      'year=2024/month=11/day=02',
      'year=2024/month=11/day=03',
      'year=2024/month=11/day=03',
      'year=2024/month=11/day=04',
    ]);
  });

  it('HourlyPartitioner adds the hour, skipping the lost one and merging the repeated one', () => {
    const utc = partitioner({ 'partitioner.class': 'HourlyPartitioner' });
    expect(utc.encodedPartition(sink(created))).toBe('year=2024/month=03/day=05/hour=10');
    const berlin = partitioner({ 'partitioner.class': 'HourlyPartitioner', timezone: 'Europe/Berlin' });
    expect(['2024-03-31T00:59:59Z', '2024-03-31T01:00:00Z', '2024-10-27T00:30:00Z', '2024-10-27T01:30:00Z'].map((iso) => berlin.encodedPartition(committedAt(created, iso)))).toEqual([
      'year=2024/month=03/day=31/hour=01',
      'year=2024/month=03/day=31/hour=03',
      'year=2024/month=10/day=27/hour=02',
      'year=2024/month=10/day=27/hour=02',
    ]);
    const newYork = partitioner({ 'partitioner.class': 'HourlyPartitioner', timezone: 'America/New_York', 'timestamp.extractor': 'RecordField', 'timestamp.field': 'updated_at' });
    // updated_at is a timestamp without zone (MicroTimestamp), read as UTC: 10:15:30 UTC is 05:15 EST.
    expect(newYork.encodedPartition(sink(updated))).toBe('year=2024/month=03/day=05/hour=05');
  });

  it('Wallclock partitions by the sink\'s clock, whatever the record says', () => {
    const hourly = partitioner({ 'partitioner.class': 'HourlyPartitioner', 'timestamp.extractor': 'Wallclock' }, () => Date.parse('2030-01-02T03:04:05Z'));
    expect(hourly.encodedPartition(sink(created))).toBe('year=2030/month=01/day=02/hour=03');
  });

  it('FieldPartitioner names directories by row fields, from the before row of deletes and from flat rows', () => {
    const byRegion = partitioner({ 'partitioner.class': 'FieldPartitioner', 'partition.field.name': 'region,id' });
    expect(byRegion.encodedPartition(sink(articleCreated))).toBe('region=eu/id=9007199254740993');
    expect(byRegion.encodedPartition(sink(articleRetitled))).toBe('region=eu/id=9007199254740993');
    expect(byRegion.encodedPartition(sink(articleDeleted))).toBe('region=eu/id=9007199254740993');
    const byStatus = partitioner({ 'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner', 'partition.field.name': 'status,shipped' });
    expect(byStatus.encodedPartition(sink(updated))).toBe('status=paid/shipped=true');
    expect(byStatus.encodedPartition(sink(createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, {}).apply(created)!))).toBe('status=new/shipped=false');
    expect(byStatus.encodedPartition(sink({ ...created, valueSchema: null, keySchema: null }))).toBe('status=new/shipped=false');
    // REPLICA IDENTITY DEFAULT: a delete's old row holds only the key, so status is null.
    expect(byStatus.encodedPartition(sink(deleted))).toBe('status=__HIVE_DEFAULT_PARTITION__/shipped=__HIVE_DEFAULT_PARTITION__');
  });

  it('FieldPartitioner escapes values so that no value adds or leaves a directory', () => {
    const byStatus = partitioner({ 'partitioner.class': 'FieldPartitioner', 'partition.field.name': 'status' });
    expect(byStatus.encodedPartition(withAfter(created, { status: '../../etc/passwd' }))).toBe('status=..%2F..%2Fetc%2Fpasswd');
    expect(byStatus.encodedPartition(withAfter(created, { status: 'a=b/c\\d' }))).toBe('status=a%3Db%2Fc%5Cd');
    expect(byStatus.encodedPartition(withAfter(created, { status: '..' }))).toBe('status=..');
    expect(byStatus.encodedPartition(withAfter(created, { status: '' }))).toBe('status=__HIVE_DEFAULT_PARTITION__');
    expect(byStatus.encodedPartition(withAfter(created, { status: 'größe 50% #1\n' }))).toBe('status=größe 50%25 %231%0A');
    expect(escapePathName('"#%\'*/:=?\\{[]^\x7f\x01')).toBe('%22%23%25%27%2A%2F%3A%3D%3F%5C%7B%5B%5D%5E%7F%01');
  });

  it('FieldPartitioner refuses fields that are missing, or cannot name a directory', () => {
    const by = (field: string) => partitioner({ 'partitioner.class': 'FieldPartitioner', 'partition.field.name': field });
    expect(thrownBy(() => by('price').encodedPartition(sink(articleCreated))).message).toBe(
      'partition.field.name "price" of record shop.public.articles-0@11 is a bytes (org.apache.kafka.connect.data.Decimal), which cannot name a directory: partition by integer, text or boolean columns.',
    );
    expect(thrownBy(() => by('tags').encodedPartition(sink(articleCreated))).message).toContain('is a array, which cannot name a directory');
    expect(thrownBy(() => by('country').encodedPartition(sink(created))).message).toBe(
      'partition.field.name "country" is not a field of the after row of record shop.public.orders-0@11 (its fields: id, customer, total, status, placed_at, updated_at, shipped, ship_date): set partition.field.name to one of them.',
    );
    expect(thrownBy(() => by('status').encodedPartition(sink(truncated))).message).toBe(
      'Record shop.public.orders-0@11 is a truncate, which has no row, so FieldPartitioner finds no partition.field.name fields in it; keep such records from this sink, or choose another partitioner.class.',
    );
    expect(thrownBy(() => by('status').encodedPartition(sink(tombstone))).code).toBe('S3_PARTITION_FIELD');
  });

  it('DefaultPartitioner names the Kafka partition', () => {
    const byPartition = partitioner({ 'partitioner.class': 'DefaultPartitioner' });
    expect([byPartition.encodedPartition(sink(created, 0)), byPartition.encodedPartition(sink(tombstone, 3))]).toEqual(['partition=0', 'partition=3']);
  });

  it('gives the time-based partitioners\' timestamp extractor for rotate.interval.ms, and none for the others', () => {
    const byPlacement = partitioner({ 'partitioner.class': 'DailyPartitioner', 'timestamp.extractor': 'RecordField', 'timestamp.field': 'placed_at' });
    // placed_at, not the commit time (10:15:30.123) the Record extractor would give.
    expect(byPlacement.timestampOf?.(sink(updated))).toBe(Date.parse('2024-03-05T09:00:00.500Z'));
    expect(partitioner({}).timestampOf?.(committedAt(created, '2024-03-06T01:02:03Z'))).toBe(Date.parse('2024-03-06T01:02:03Z'));
    expect(partitioner({ 'partitioner.class': 'HourlyPartitioner', 'timestamp.extractor': 'Wallclock' }, () => 42).timestampOf?.(sink(created))).toBe(42);
    expect(partitioner({ 'partitioner.class': 'FieldPartitioner', 'partition.field.name': 'status' }).timestampOf).toBeNull();
    expect(partitioner({ 'partitioner.class': 'DefaultPartitioner' }).timestampOf).toBeNull();
  });

  it('time-based partitioners fail on records without the time they need', () => {
    const byField = partitioner({ 'timestamp.extractor': 'RecordField', 'timestamp.field': 'shipped' });
    expect(thrownBy(() => byField.encodedPartition(sink(created))).message).toBe(
      'timestamp.field "shipped" of record shop.public.orders-0@11 holds false, of type boolean, which holds no timestamp (use an int64 of milliseconds, a Debezium or Connect timestamp or date, or ISO-8601 text).',
    );
  });
});
