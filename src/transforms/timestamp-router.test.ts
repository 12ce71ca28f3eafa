import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { createTransform } from './plugins.js';
import { TIMESTAMP_ROUTER_CLASS, TIMESTAMP_ROUTER_CONFIG } from './timestamp-router.js';

describe('TimestampRouter', () => {
  it('by default appends the record timestamp as yyyyMMdd in UTC', () => {
    // The fixture commits at 2024-03-05T10:15:30.123Z.
    expect(createTransform(TIMESTAMP_ROUTER_CLASS, {}).apply(created)).toEqual({ ...created, topic: 'shop.public.orders-20240305' });
  });

  it('follows topic.format and timestamp.format, for tombstones too', () => {
    const router = createTransform(TIMESTAMP_ROUTER_CLASS, { 'topic.format': 'idx_${timestamp}_${topic}', 'timestamp.format': "yyyy.MM'w'" });
    expect(router.apply(tombstone)!.topic).toBe('idx_2024.03w_shop.public.orders');
  });

  it('refuses a timestamp.format SimpleDateFormat would refuse', () => {
    expect(validateConfig(TIMESTAMP_ROUTER_CONFIG, { 'timestamp.format': 'yyyy-qq' }).problems).toEqual([
      { key: 'timestamp.format', message: "Invalid value yyyy-qq for configuration timestamp.format: Illegal pattern character 'q'" },
    ]);
  });
});
