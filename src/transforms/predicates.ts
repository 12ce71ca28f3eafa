/**
 * Kafka Connect's predicates (org.apache.kafka.connect.transforms.predicates.*), which decide
 * whether a transform applies to a record (`transforms.<alias>.predicate`, optionally negated):
 * TopicNameMatches (the whole topic matches `pattern`), RecordIsTombstone (the value is null) and
 * HasHeaderKey (the record has a header called `name`).
 */
import type { ConfigDefinition, Validator } from '../config/config-definition.js';
import { fullMatch } from '../config/patterns.js';
import { nonEmptyString, regex } from '../config/validators.js';
import type { PredicatePlugin } from './transform-plugin.js';

const PREDICATES_PACKAGE = 'org.apache.kafka.connect.transforms.predicates';
export const TOPIC_NAME_MATCHES_CLASS = `${PREDICATES_PACKAGE}.TopicNameMatches`;
export const RECORD_IS_TOMBSTONE_CLASS = `${PREDICATES_PACKAGE}.RecordIsTombstone`;
export const HAS_HEADER_KEY_CLASS = `${PREDICATES_PACKAGE}.HasHeaderKey`;

function allOf(...validators: Validator[]): Validator {
  return {
    describe: validators.map((v) => v.describe).join(', '),
    check: (value) => validators.map((v) => v.check(value)).find((problem) => problem !== undefined),
  };
}

export const TOPIC_NAME_MATCHES_CONFIG: ConfigDefinition = {
  keys: [
    {
      name: 'pattern', type: 'STRING', importance: 'MEDIUM', group: 'TopicNameMatches', validator: allOf(nonEmptyString(), regex()),
      documentation: "A Java regular expression for matching against the name of a record's topic.",
    },
  ],
};

export const RECORD_IS_TOMBSTONE_CONFIG: ConfigDefinition = { keys: [] };

export const HAS_HEADER_KEY_CONFIG: ConfigDefinition = {
  keys: [{ name: 'name', type: 'STRING', importance: 'MEDIUM', group: 'HasHeaderKey', validator: nonEmptyString(), documentation: 'The header name.' }],
};

export const TOPIC_NAME_MATCHES: PredicatePlugin = {
  className: TOPIC_NAME_MATCHES_CLASS,
  definition: TOPIC_NAME_MATCHES_CONFIG,
  create(values) {
    const pattern = fullMatch(values.string('pattern'));
    return { test: (event) => pattern.test(event.topic) };
  },
};

export const RECORD_IS_TOMBSTONE: PredicatePlugin = {
  className: RECORD_IS_TOMBSTONE_CLASS,
  definition: RECORD_IS_TOMBSTONE_CONFIG,
  create: () => ({ test: (event) => event.value === null }),
};

export const HAS_HEADER_KEY: PredicatePlugin = {
  className: HAS_HEADER_KEY_CLASS,
  definition: HAS_HEADER_KEY_CONFIG,
  create(values) {
    const name = values.string('name');
    return { test: (event) => Object.hasOwn(event.headers, name) };
  },
};
