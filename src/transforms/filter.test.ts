import { describe, expect, it } from 'vitest';
import { ALL_EVENTS } from './debezium-events.fixture.js';
import { FILTER_CLASS } from './filter.js';
import { createTransform } from './plugins.js';

describe('Filter', () => {
  it('drops every record it is given (a predicate decides which, see the chain tests)', () => {
    const filter = createTransform(FILTER_CLASS, {});
    expect(ALL_EVENTS.map((event) => filter.apply(event))).toEqual(ALL_EVENTS.map(() => null));
  });
});
