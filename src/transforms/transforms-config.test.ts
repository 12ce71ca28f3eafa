import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from './extract-new-record-state.js';
import { INSERT_FIELD_CLASS } from './insert-field.js';
import { TOPIC_NAME_MATCHES_CLASS } from './predicates.js';
import { REGEX_ROUTER_CLASS } from './regex-router.js';
import { REPLACE_FIELD_CLASS } from './replace-field.js';
import { readTransformStages, transformsDefinition, validateTransforms } from './transforms-config.js';

const UNWRAP = { transforms: 'unwrap', 'transforms.unwrap.type': EXTRACT_NEW_RECORD_STATE_CLASS };

describe('validateTransforms', () => {
  it('finds nothing wrong with a config without transforms, or with valid ones', () => {
    expect(validateTransforms({ name: 'c', 'connector.class': 'x' })).toEqual([]);
    expect(validateTransforms({
      ...UNWRAP,
      'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
      'transforms.unwrap.predicate': 'isOrders',
      'transforms.unwrap.negate': 'true',
      predicates: 'isOrders',
      'predicates.isOrders.type': TOPIC_NAME_MATCHES_CLASS,
      'predicates.isOrders.pattern': 'shop\\.public\\.orders',
    })).toEqual([]);
  });

  it('reports a missing or unknown class per alias, naming the classes it could be', () => {
    expect(validateTransforms({ transforms: 'unwrap' })).toEqual([
      { key: 'transforms.unwrap.type', message: 'Missing required configuration "transforms.unwrap.type" which has no default value.' },
    ]);
    const [unknown] = validateTransforms({ transforms: 'x', 'transforms.x.type': 'com.acme.Unwrap' });
    expect(unknown!.key).toBe('transforms.x.type');
    expect(unknown!.message).toMatch(/^Invalid value com\.acme\.Unwrap for configuration transforms\.x\.type: Class com\.acme\.Unwrap could not be found\. The transformation "x" must name one of: .*io\.debezium\.transforms\.ExtractNewRecordState/);
  });

  it("reports a transform's own keys under its prefix, cross-key checks included", () => {
    expect(validateTransforms({ transforms: 'route', 'transforms.route.type': REGEX_ROUTER_CLASS, 'transforms.route.regex': '(' })).toEqual([
      { key: 'transforms.route.regex', message: expect.stringMatching(/^Invalid value \( for configuration transforms\.route\.regex: Invalid regex/) },
      { key: 'transforms.route.replacement', message: 'Missing required configuration "transforms.route.replacement" which has no default value.' },
    ]);
    expect(validateTransforms({ transforms: 'ins', 'transforms.ins.type': `${INSERT_FIELD_CLASS}$Value` })).toEqual([
      { key: 'transforms.ins.topic.field', message: expect.stringContaining('No field insertion configured') },
    ]);
  });

  it('reports a predicate alias that is not declared, and negate without a predicate', () => {
    expect(validateTransforms({ ...UNWRAP, 'transforms.unwrap.predicate': 'nope' })).toEqual([
      {
        key: 'transforms.unwrap.predicate',
        message: 'Invalid value nope for configuration transforms.unwrap.predicate: Predicate "nope" is not declared; add it to "predicates" and set "predicates.nope.type", or remove "transforms.unwrap.predicate".',
      },
    ]);
    expect(validateTransforms({ ...UNWRAP, 'transforms.unwrap.negate': 'true' })).toEqual([
      { key: 'transforms.unwrap.negate', message: "Config 'transforms.unwrap.negate' was provided but there is no config 'transforms.unwrap.predicate' defining a predicate to be negated." },
    ]);
  });

  it("reports predicates' classes and keys", () => {
    expect(validateTransforms({ predicates: 'p,q', 'predicates.p.type': TOPIC_NAME_MATCHES_CLASS, 'predicates.q.type': 'Nope' })).toEqual([
      { key: 'predicates.p.pattern', message: 'Missing required configuration "predicates.p.pattern" which has no default value.' },
      { key: 'predicates.q.type', message: expect.stringMatching(/^Invalid value Nope for configuration predicates\.q\.type: Class Nope could not be found\. The predicate "q" must name one of: /) },
    ]);
  });

  it('leaves problems of the connector-wide keys to the connector validation', () => {
    expect(validateTransforms({ ...UNWRAP, transforms: 'unwrap,unwrap', 'errors.tolerance': 'some' })).toEqual([]);
  });
});

describe('transformsDefinition', () => {
  it("declares each alias's keys in its own group, with the class names a UI may offer", () => {
    const keys = transformsDefinition({ ...UNWRAP, predicates: 'p', 'predicates.p.type': TOPIC_NAME_MATCHES_CLASS }).keys;
    const byName = new Map(keys.map((key) => [key.name, key]));
    expect(byName.get('transforms.unwrap.type')).toMatchObject({ type: 'CLASS', group: 'Transforms: unwrap', documentation: "Class for the 'unwrap' transformation." });
    expect(byName.get('transforms.unwrap.type')!.validator!.recommended).toContain(`${REPLACE_FIELD_CLASS}$Value`);
    expect(byName.get('transforms.unwrap.delete.tombstone.handling.mode')).toMatchObject({ group: 'Transforms: unwrap' });
    expect(byName.get('predicates.p.pattern')).toMatchObject({ group: 'Predicates: p' });
    expect([...byName.keys()].slice(0, 5)).toEqual(['transforms', 'predicates', 'errors.tolerance', 'errors.log.enable', 'errors.log.include.messages']);
  });
});

describe('readTransformStages', () => {
  it('reads the stages in order with their plugins, values, predicates and error handling', () => {
    const settings = readTransformStages({
      transforms: 'unwrap, route',
      'transforms.unwrap.type': 'io.debezium.transforms.UnwrapFromEnvelope',
      'transforms.unwrap.add.fields': 'op',
      'transforms.route.type': REGEX_ROUTER_CLASS,
      'transforms.route.regex': '.*',
      'transforms.route.replacement': 'all',
      'transforms.route.predicate': 'p',
      predicates: 'p',
      'predicates.p.type': TOPIC_NAME_MATCHES_CLASS,
      'predicates.p.pattern': 'x',
      'errors.tolerance': 'all',
      'errors.log.enable': 'true',
    });
    expect(settings.stages.map((s) => [s.alias, s.plugin.className, s.predicate?.alias ?? null, s.negate])).toEqual([
      ['unwrap', EXTRACT_NEW_RECORD_STATE_CLASS, null, false],
      ['route', REGEX_ROUTER_CLASS, 'p', false],
    ]);
    expect(settings.stages[0]!.values.list('add.fields')).toEqual(['op']);
    expect(settings.stages[1]!.predicate!.values.string('pattern')).toBe('x');
    expect(settings).toMatchObject({ tolerance: 'all', logErrors: true, logMessages: false });
  });

  it('warns about deprecated and unknown keys under their full names', () => {
    const { warnings } = readTransformStages({ transforms: 'rf', 'transforms.rf.type': `${REPLACE_FIELD_CLASS}$Value`, 'transforms.rf.blacklist': 'a', 'transforms.rf.exclud': 'b' });
    expect(warnings).toEqual([
      { key: 'transforms.rf.blacklist', message: 'Configuration "transforms.rf.blacklist" is deprecated; use "transforms.rf.exclude" instead. Kafka 2.7 renamed it.' },
      { key: 'transforms.rf.exclud', message: "The configuration 'transforms.rf.exclud' was supplied but isn't a known config. Did you mean 'transforms.rf.exclude'?" },
    ]);
  });

  it('refuses a config with problems in one ConfigError naming the connector and every key', () => {
    const read = () => readTransformStages({ name: 'orders', transforms: 'a,b,a', 'transforms.b.type': 'Nope', 'transforms.a.predicate': 'p' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/^The configuration of connector "orders" has 4 problems; fix each and try again:\n- transforms: Invalid value a,b,a for configuration transforms: Duplicate alias provided\.\n- transforms\.a\.type: Missing required/);
    expect(read).toThrow(/- transforms\.a\.predicate: Invalid value p .*Predicate "p" is not declared/);
    expect(read).toThrow(/- transforms\.b\.type: Invalid value Nope .*Class Nope could not be found/);
  });
});
