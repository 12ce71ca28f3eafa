import { describe, expect, it } from 'vitest';
import { SINK_CONNECTOR_CONFIG } from '../config/connector-common.js';
import { parseOrThrow, validateConfig } from '../config/validate-config.js';
import { ConfigError } from '../errors.js';
import { createTopicSelector } from './topic-selector.js';

const SINK = { name: 'audit', 'connector.class': 'FileStreamSink' };

function selector(config: Record<string, string>) {
  return createTopicSelector(parseOrThrow(SINK_CONNECTOR_CONFIG, { ...SINK, ...config }).values);
}

describe('createTopicSelector', () => {
  it('selects exactly the listed topics', () => {
    const accepts = selector({ topics: 'shop.public.orders, shop.public.customers' });
    expect(accepts('shop.public.orders')).toBe(true);
    expect(accepts('shop.public.customers')).toBe(true);
    expect(accepts('shop.public.order')).toBe(false);
    expect(accepts('')).toBe(false);
  });

  it('selects the topics a regex matches whole', () => {
    const accepts = selector({ 'topics.regex': 'shop\\.public\\..*|audit' });
    expect(accepts('shop.public.orders')).toBe(true);
    expect(accepts('audit')).toBe(true);
    expect(accepts('audit_log')).toBe(false);
    expect(accepts('xshop.public.orders')).toBe(false);
  });

  it("throws Connect's messages unless exactly one of topics and topics.regex is set", () => {
    const values = (config: Record<string, string>) => validateConfig(SINK_CONNECTOR_CONFIG, { ...SINK, ...config }).values;
    expect(() => createTopicSelector(values({}))).toThrow(new ConfigError('Must configure one of topics or topics.regex'));
    expect(() => createTopicSelector(values({ topics: 'a', 'topics.regex': 'b' }))).toThrow(
      new ConfigError('topics and topics.regex are mutually exclusive options, but both are set.'),
    );
  });

  it('never gets a regex that does not compile: validation refuses it first', () => {
    expect(() => selector({ 'topics.regex': 'shop(' })).toThrow(ConfigError);
    expect(() => selector({ 'topics.regex': 'shop(' })).toThrow(/- topics\.regex: Invalid value shop\( for configuration topics\.regex: Invalid regex: /);
  });
});
