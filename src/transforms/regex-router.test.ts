import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { validateConfig } from '../config/validate-config.js';
import { created, tombstone } from './debezium-events.fixture.js';
import { createTransform } from './plugins.js';
import { REGEX_ROUTER_CLASS, REGEX_ROUTER_CONFIG } from './regex-router.js';

const router = (regex: string, replacement: string) => createTransform(REGEX_ROUTER_CLASS, { regex, replacement });

describe('RegexRouter', () => {
  it('renames a topic the regex matches whole, with Java group references', () => {
    expect(router('shop\\.public\\.(.*)', 'orders-db.$1').apply(created)!.topic).toBe('orders-db.orders');
    expect(router('(?<prefix>[^.]+)\\.(?<schema>[^.]+)\\.(?<table>.*)', '${table}_${schema}').apply(created)!.topic).toBe('orders_public');
    expect(router('shop\\.(.*)', 'cost\\$-$1').apply(created)!.topic).toBe('cost$-public.orders');
  });

  it('leaves the rest of the record, tombstones included, as it was', () => {
    const routed = router('shop\\.public\\.(.*)', '$1').apply(tombstone)!;
    expect(routed).toEqual({ ...tombstone, topic: 'orders' });
  });

  it('passes a record whose topic the regex matches only in part', () => {
    expect(router('public', 'x').apply(created)).toBe(created);
    expect(router('shop\\.public', 'x').apply(created)).toBe(created);
  });

  it('takes a multi-digit group reference only while the group exists, as Java does', () => {
    expect(router('(shop)\\.(public)\\.(orders)', '$10').apply(created)!.topic).toBe('shop0');
  });

  it('refuses an invalid regex and a replacement naming a group the regex lacks', () => {
    const problems = (regex: string, replacement: string) => validateConfig(REGEX_ROUTER_CONFIG, { regex, replacement }).problems;
    expect(problems('(unclosed', '$1')).toEqual([{ key: 'regex', message: expect.stringMatching(/^Invalid value \(unclosed for configuration regex: Invalid regex: /) }]);
    expect(problems('shop\\.(.*)', '$2')).toEqual([{ key: 'replacement', message: 'Replacement $2 does not fit the regex: No group 2' }]);
    expect(problems('shop\\.(.*)', '${nope}')).toEqual([{ key: 'replacement', message: 'Replacement ${nope} does not fit the regex: No group with name {nope}' }]);
    expect(problems('shop', 'x$')).toEqual([{ key: 'replacement', message: 'Replacement x$ does not fit the regex: Illegal group reference' }]);
    expect(() => createTransform(REGEX_ROUTER_CLASS, { regex: 'a' })).toThrow(ConfigError);
    expect(() => createTransform(REGEX_ROUTER_CLASS, { regex: 'a' })).toThrow('Missing required configuration "replacement" which has no default value.');
  });
});
