import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../test/support/source-task-harness.js';
import { isMarker, MARKER_PREFIX, startCapture } from '../../test/support/capture.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres.js';
import { ConfigError, SluiceError } from '../errors.js';
import type { ChangeEvent, Envelope } from '../events.js';
import { CAST_CLASS } from './cast.js';
import { created, deleted, heartbeat, message, tombstone, updated } from './debezium-events.fixture.js';
import { EXTRACT_FIELD_CLASS } from './extract-field.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from './extract-new-record-state.js';
import { FILTER_CLASS } from './filter.js';
import { RECORD_IS_TOMBSTONE_CLASS, TOPIC_NAME_MATCHES_CLASS } from './predicates.js';
import { REGEX_ROUTER_CLASS } from './regex-router.js';
import { TIMESTAMP_ROUTER_CLASS } from './timestamp-router.js';
import { buildTransformChain } from './transform-chain.js';

function chain(config: Record<string, string>) {
  const { logger, lines } = capturingLogger();
  return { chain: buildTransformChain(config, { logger }), lines };
}

const ROUTERS = {
  'transforms.byTable.type': REGEX_ROUTER_CLASS,
  'transforms.byTable.regex': 'shop\\.public\\.([a-z]+)',
  'transforms.byTable.replacement': '$1',
  'transforms.byDay.type': TIMESTAMP_ROUTER_CLASS,
};
const DROP_TOMBSTONES = { predicates: 'isTombstone', 'predicates.isTombstone.type': RECORD_IS_TOMBSTONE_CLASS, 'transforms.dropTombstones.type': FILTER_CLASS, 'transforms.dropTombstones.predicate': 'isTombstone' };
/** A stage that fails on envelopes (which lack the field) and passes rows it is not given. */
const FAILING = { 'transforms.bad.type': `${EXTRACT_FIELD_CLASS}$Value`, 'transforms.bad.field': 'no_such_field' };

describe('the transform chain', () => {
  it('is the identity without transforms', () => {
    expect(chain({}).chain.apply(created)).toBe(created);
  });

  it('applies the transforms in the order listed', () => {
    expect(chain({ transforms: 'byTable,byDay', ...ROUTERS }).chain.apply(created)!.topic).toBe('orders-20240305');
    expect(chain({ transforms: 'byDay,byTable', ...ROUTERS }).chain.apply(created)!.topic).toBe('shop.public.orders-20240305');
  });

  it('applies a transform only to records its predicate accepts, or rejects when negated', () => {
    const dropTombstones = chain({ transforms: 'dropTombstones', ...DROP_TOMBSTONES }).chain;
    expect([created, deleted, tombstone].map((e) => dropTombstones.apply(e))).toEqual([created, deleted, null]);
    const onlyOrders = chain({
      transforms: 'dropOthers',
      'transforms.dropOthers.type': FILTER_CLASS,
      'transforms.dropOthers.predicate': 'isOrders',
      'transforms.dropOthers.negate': 'true',
      predicates: 'isOrders',
      'predicates.isOrders.type': TOPIC_NAME_MATCHES_CLASS,
      'predicates.isOrders.pattern': 'shop\\.public\\.orders',
    }).chain;
    expect([created, heartbeat, message, tombstone].map((e) => onlyOrders.apply(e))).toEqual([created, null, null, tombstone]);
  });

  it('stops at the first transform that drops the record', () => {
    const { chain: c } = chain({ transforms: 'dropTombstones,bad', ...DROP_TOMBSTONES, ...FAILING, 'transforms.bad.predicate': 'isTombstone' });
    // `bad` would fail on the tombstone (no schema has its field); the Filter before it drops the tombstone first.
    expect(c.apply(tombstone)).toBeNull();
    expect(c.skipped).toBe(0);
  });

  it('fails with errors.tolerance=none, naming the transform, its class, the topic and the key', () => {
    const { chain: c } = chain({ name: 'orders', transforms: 'bad', ...FAILING });
    let failure: unknown;
    try {
      c.apply(updated);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(SluiceError);
    expect(failure).toMatchObject({ code: 'TRANSFORM_FAILED', stage: 'transform', retriable: false, cause: expect.objectContaining({ message: 'Unknown field: no_such_field' }) });
    expect((failure as Error).message).toBe(
      `Transform "bad" (${EXTRACT_FIELD_CLASS}$Value) failed on the record of topic "shop.public.orders" with key {"id":1}: Unknown field: no_such_field. ` +
        "Fix the transform's configuration (transforms.bad.*), or set errors.tolerance=all to skip records it cannot transform.",
    );
  });

  it('skips and counts failing records with errors.tolerance=all, logging nothing unless asked', () => {
    const { chain: c, lines } = chain({ transforms: 'bad', ...FAILING, 'errors.tolerance': 'all' });
    expect([c.apply(created), c.apply(updated)]).toEqual([null, null]);
    expect(c.skipped).toBe(2);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('logs a skipped record with errors.log.enable, its contents only with errors.log.include.messages', () => {
    const quiet = chain({ transforms: 'bad', ...FAILING, 'errors.tolerance': 'all', 'errors.log.enable': 'true' });
    quiet.chain.apply(created);
    const [line] = quiet.lines.filter((l) => l.level === 50);
    expect(line).toMatchObject({ transform: 'bad', class: `${EXTRACT_FIELD_CLASS}$Value`, topic: 'shop.public.orders', err: { message: 'Unknown field: no_such_field' } });
    expect(line!.msg).toMatch(/Error encountered executing stage 'TRANSFORMATION'.*transform "bad".*skipped/);
    expect(line).not.toHaveProperty('record');
    const verbose = chain({ transforms: 'bad', ...FAILING, 'errors.tolerance': 'all', 'errors.log.enable': 'true', 'errors.log.include.messages': 'true' });
    verbose.chain.apply(created);
    expect(verbose.lines.find((l) => l.level === 50)).toMatchObject({ record: { topic: created.topic, key: { id: 1 }, value: { op: 'c' }, headers: {}, timestamp: created.timestamp } });
  });

  it('refuses to build from a config with an unknown class, a missing type or an undeclared predicate', () => {
    const build = (config: Record<string, string>) => () => chain({ name: 'orders', ...config });
    expect(build({ transforms: 'x', 'transforms.x.type': 'com.acme.Unwrap' })).toThrow(ConfigError);
    expect(build({ transforms: 'x', 'transforms.x.type': 'com.acme.Unwrap' })).toThrow(/transforms\.x\.type: Invalid value com\.acme\.Unwrap .*Class com\.acme\.Unwrap could not be found\. The transformation "x" must name one of: /);
    expect(build({ transforms: 'x' })).toThrow(/^The configuration of connector "orders" has a problem; fix it and try again:\n- transforms\.x\.type: Missing required configuration "transforms\.x\.type"/);
    expect(build({ transforms: 'x', 'transforms.x.type': FILTER_CLASS, 'transforms.x.predicate': 'p' })).toThrow(/Predicate "p" is not declared; add it to "predicates" and set "predicates\.p\.type"/);
  });

  it('logs deprecations once, when it is built', () => {
    const { lines } = chain({ transforms: 'unwrap', 'transforms.unwrap.type': EXTRACT_NEW_RECORD_STATE_CLASS, 'transforms.unwrap.drop.tombstones': 'false' });
    expect(lines.filter((l) => l.level === 40)).toEqual([expect.objectContaining({ transform: 'unwrap', msg: expect.stringContaining('delete.tombstone.handling.mode=tombstone') })]);
  });
});

describe('the transform chain on events captured from PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('transform_chain');
  });
  afterAll(() => db.drop());

  it('unwraps, casts, routes and filters snapshot reads, inserts, updates and deletes', async () => {
    await db.sql(`CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2), placed_at timestamptz)`);
    await db.sql(`ALTER TABLE orders REPLICA IDENTITY FULL`);
    await db.sql(`INSERT INTO orders VALUES (1, 'Alice', 10.50, '2024-03-05 09:00:00+00')`);
    const capture = await startCapture(db.url, { 'slot.name': 'transform_chain', 'table.include.list': 'public.orders' });
    let events: ChangeEvent[];
    try {
      await db.sql(`INSERT INTO orders VALUES (2, 'Bob', 7.25, NULL)`);
      await db.sql(`UPDATE orders SET total = 12 WHERE id = 1`);
      await db.sql(`DELETE FROM orders WHERE id = 2`);
      await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
      events = await capture.untilMarker('end');
    } finally {
      await capture.stop();
    }
    const { chain: c } = chain({
      transforms: 'dropMessages,unwrap,amount,byTable',
      'transforms.dropMessages.type': FILTER_CLASS,
      'transforms.dropMessages.predicate': 'isMessage',
      'transforms.unwrap.type': EXTRACT_NEW_RECORD_STATE_CLASS,
      'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
      'transforms.unwrap.add.fields': 'op,table,source.ts_ms',
      'transforms.amount.type': `${CAST_CLASS}$Value`,
      'transforms.amount.spec': 'total:float64',
      'transforms.byTable.type': REGEX_ROUTER_CLASS,
      'transforms.byTable.regex': 'test\\.public\\.(.*)',
      'transforms.byTable.replacement': '$1_rows',
      predicates: 'isMessage',
      'predicates.isMessage.type': TOPIC_NAME_MATCHES_CLASS,
      'predicates.isMessage.pattern': 'test\\.message',
    });
    expect(events.some(isMarker)).toBe(true);
    const pairs = events.map((event) => ({ event, out: c.apply(event) })).filter((pair) => pair.out !== null);
    expect(pairs.map(({ out }) => ({ topic: out!.topic, key: out!.key, ...pick(out!.value, ['id', 'customer', 'total', '__deleted', '__op', '__table']) }))).toEqual([
      { topic: 'orders_rows', key: { id: 1 }, id: 1, customer: 'Alice', total: 10.5, __deleted: 'false', __op: 'r', __table: 'orders' },
      { topic: 'orders_rows', key: { id: 2 }, id: 2, customer: 'Bob', total: 7.25, __deleted: 'false', __op: 'c', __table: 'orders' },
      { topic: 'orders_rows', key: { id: 1 }, id: 1, customer: 'Alice', total: 12, __deleted: 'false', __op: 'u', __table: 'orders' },
      { topic: 'orders_rows', key: { id: 2 }, id: 2, customer: 'Bob', total: 7.25, __deleted: 'true', __op: 'd', __table: 'orders' },
    ]);
    for (const { event, out } of pairs) {
      expect((out!.value as Record<string, unknown>)['__source_ts_ms']).toBe((event.value as Envelope).source.ts_ms);
      expect(out!.valueSchema).toMatchObject({ type: 'struct', name: 'test.public.orders.Value' });
      expect(out!.valueSchema!.fields!.find((f) => f.field === 'total')).toEqual({ field: 'total', type: 'double', optional: true });
    }
    // The tombstone after the delete and the marker message were dropped.
    expect(events.filter((e) => e.value === null)).toHaveLength(1);
    expect(c.skipped).toBe(0);
  });
});

function pick(value: unknown, names: readonly string[]): Record<string, unknown> {
  const row = value as Record<string, unknown>;
  return Object.fromEntries(names.map((name) => [name, row[name]]));
}
