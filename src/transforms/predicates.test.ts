import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/validate-config.js';
import { created, heartbeat, message, tombstone } from './debezium-events.fixture.js';
import { createPredicate } from './plugins.js';
import { HAS_HEADER_KEY_CLASS, HAS_HEADER_KEY_CONFIG, RECORD_IS_TOMBSTONE_CLASS, TOPIC_NAME_MATCHES_CLASS, TOPIC_NAME_MATCHES_CONFIG } from './predicates.js';

describe('TopicNameMatches', () => {
  it('is true when the pattern matches the whole topic', () => {
    const matches = createPredicate(TOPIC_NAME_MATCHES_CLASS, { pattern: 'shop\\.public\\..*' });
    expect([created, tombstone, message, heartbeat].map((e) => matches.test(e))).toEqual([true, true, false, false]);
    expect(createPredicate(TOPIC_NAME_MATCHES_CLASS, { pattern: 'public' }).test(created)).toBe(false);
  });

  it('refuses an empty or invalid pattern', () => {
    expect(validateConfig(TOPIC_NAME_MATCHES_CONFIG, {}).problems).toEqual([{ key: 'pattern', message: 'Missing required configuration "pattern" which has no default value.' }]);
    expect(validateConfig(TOPIC_NAME_MATCHES_CONFIG, { pattern: '[' }).problems[0]!.message).toMatch(/^Invalid value \[ for configuration pattern: Invalid regex/);
  });
});

describe('RecordIsTombstone', () => {
  it('is true for a null value only', () => {
    const isTombstone = createPredicate(RECORD_IS_TOMBSTONE_CLASS, {});
    expect([created, tombstone, message, heartbeat].map((e) => isTombstone.test(e))).toEqual([false, true, false, false]);
  });
});

describe('HasHeaderKey', () => {
  it('is true when the record has a header of that name, whatever its value', () => {
    const hasKey = createPredicate(HAS_HEADER_KEY_CLASS, { name: '__debezium.oldkey' });
    expect(hasKey.test(created)).toBe(false);
    expect(hasKey.test({ ...created, headers: { '__debezium.oldkey': '' } })).toBe(true);
  });

  it('needs a name', () => {
    expect(validateConfig(HAS_HEADER_KEY_CONFIG, { name: '' }).problems).toEqual([{ key: 'name', message: 'Missing required configuration "name" which has no default value.' }]);
  });
});
