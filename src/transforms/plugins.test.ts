import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineDefinitions } from '../config/config-definition.js';
import type { ChangeEvent } from '../events.js';
import { ALL_EVENTS, created, deletedFullRow } from './debezium-events.fixture.js';
import { createTransform, findTransformPlugin, PREDICATE_PLUGINS, TRANSFORM_PLUGINS } from './plugins.js';

const KAFKA = 'org.apache.kafka.connect.transforms';
const SIDED = ['ReplaceField', 'InsertField', 'MaskField', 'TimestampConverter', 'ExtractField', 'Cast', 'HoistField'];

describe('the plugin lists', () => {
  it("hold Kafka's transforms, both sides where Kafka has two, and Debezium's ExtractNewRecordState", () => {
    const expected = [
      ...SIDED.flatMap((name) => [`${KAFKA}.${name}$Key`, `${KAFKA}.${name}$Value`]),
      ...['RegexRouter', 'Filter', 'ValueToKey', 'TimestampRouter'].map((name) => `${KAFKA}.${name}`),
      'io.debezium.transforms.ExtractNewRecordState',
    ];
    expect(TRANSFORM_PLUGINS.map((p) => p.className).sort()).toEqual(expected.sort());
    expect(PREDICATE_PLUGINS.map((p) => p.className).sort()).toEqual(['HasHeaderKey', 'RecordIsTombstone', 'TopicNameMatches'].map((n) => `${KAFKA}.predicates.${n}`));
    expect(findTransformPlugin('io.debezium.transforms.UnwrapFromEnvelope')?.className).toBe('io.debezium.transforms.ExtractNewRecordState');
  });

  it('declare each key once', () => {
    for (const plugin of [...TRANSFORM_PLUGINS, ...PREDICATE_PLUGINS]) expect(() => combineDefinitions(plugin.definition)).not.toThrow();
  });
});

/** Configs that exercise every transform, key and value side alike. */
const CONFIGS: Readonly<Record<string, readonly Record<string, string>[]>> = {
  [`${KAFKA}.RegexRouter`]: [{ regex: '(.*)\\.(.*)', replacement: '$2' }],
  [`${KAFKA}.TimestampRouter`]: [{}],
  [`${KAFKA}.Filter`]: [{}],
  [`${KAFKA}.ValueToKey`]: [{ fields: 'id,customer' }],
  'io.debezium.transforms.ExtractNewRecordState': [
    { 'delete.tombstone.handling.mode': 'rewrite', 'add.fields': 'op,source.ts_ms,id', 'add.headers': 'op,db', 'route.by.field': 'status' },
    { 'delete.tombstone.handling.mode': 'delete-to-tombstone', 'drop.fields.header.name': 'drop', 'drop.fields.from.key': 'true', 'drop.fields.keep.schema.compatible': 'false' },
    { 'delete.tombstone.handling.mode': 'rewrite-with-tombstone', 'add.headers': 'op' },
  ],
  ...Object.fromEntries(
    ['Key', 'Value'].flatMap((side) => [
      [`${KAFKA}.ReplaceField$${side}`, [{ exclude: 'source,status', renames: 'id:order_id,after:row' }, { include: 'id,after' }]],
      [`${KAFKA}.InsertField$${side}`, [{ 'topic.field': 't', 'timestamp.field': 'ts', 'static.field': 's', 'static.value': 'v' }]],
      [`${KAFKA}.MaskField$${side}`, [{ fields: 'id,op,customer,total,after' }, { fields: 'id,customer', replacement: '7' }]],
      [`${KAFKA}.TimestampConverter$${side}`, [{ field: 'ts_ms', 'target.type': 'string', format: 'yyyy-MM-dd' }, { field: 'placed_at', 'target.type': 'Timestamp' }, { 'target.type': 'unix' }]],
      [`${KAFKA}.ExtractField$${side}`, [{ field: 'after' }, { field: 'id' }]],
      [`${KAFKA}.Cast$${side}`, [{ spec: 'id:string,total:float64,ts_ms:int32' }, { spec: 'string' }]],
      [`${KAFKA}.HoistField$${side}`, [{ field: 'wrapped' }]],
    ]),
  ),
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const row = createTransform('io.debezium.transforms.ExtractNewRecordState', {}).apply(created)!;
const json = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.bigInt({ min: 2n ** 53n, max: 2n ** 62n }));

/** Fixture events (envelopes, rows, tombstones, companion events), as they are or with random values and headers. */
const events: fc.Arbitrary<ChangeEvent> = fc.oneof(
  fc.constantFrom(...ALL_EVENTS, row),
  fc.record({ base: fc.constantFrom(created, deletedFullRow, row), fields: fc.dictionary(fc.constantFrom('id', 'customer', 'total', 'status', 'op', 'after'), json) }).map(({ base, fields }) => ({
    ...base,
    key: { ...(base.key as object), ...fields },
    value: { ...(base.value as object), ...fields },
  })),
  fc.record({ value: fc.dictionary(fc.string({ maxLength: 8 }), json), key: json, headers: fc.dictionary(fc.constantFrom('drop', 'x'), fc.constantFrom('status,id', '["after"]', '')) }).map((r) => ({
    ...row,
    ...r,
    keySchema: null,
    valueSchema: null,
  })),
);

describe('every transform', () => {
  it('has configs exercising it here', () => {
    expect(Object.keys(CONFIGS).sort()).toEqual(TRANSFORM_PLUGINS.map((p) => p.className).sort());
  });

  it('leaves its input untouched, deep-frozen, whatever the record', () => {
    const transforms = Object.entries(CONFIGS).flatMap(([className, configs]) => configs.map((config) => ({ className, config, transform: createTransform(className, config) })));
    fc.assert(
      fc.property(events, fc.constantFrom(...transforms), (event, { transform }) => {
        const original = structuredClone(event);
        const frozen = deepFreeze(structuredClone(event));
        try {
          transform.apply(frozen);
        } catch (error) {
          // A record a transform cannot handle may fail; a write to the frozen input fails differently.
          expect((error as Error).message).not.toMatch(/read[- ]only|not extensible|Cannot (assign|add|delete|define)/);
        }
        expect(frozen).toEqual(original);
      }),
      { numRuns: 2000 },
    );
  });
});
