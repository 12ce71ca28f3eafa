/**
 * The events beside row changes, against a real PostgreSQL: logical decoding messages on
 * `<prefix>.message`, transaction metadata on `<prefix>.transaction`, and heartbeats on
 * `__debezium-heartbeat.<prefix>` that let a quiet database's slot advance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/events.js';
import { CONNECTOR_VERSION } from '../../../src/sources/postgres/event-builder.js';
import { envelope, isMarker, MARKER_PREFIX, onTopic, startCapture } from '../../support/capture.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { waitFor } from '../../support/wait.js';
import { runTransaction, slotLsn, streamSource } from './expected-events.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('companion_events');
});
afterAll(() => db.drop());

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('logical decoding messages', () => {
  it('become m events on <prefix>.message keyed by prefix, content in base64, filtered by message.prefix.include.list', async () => {
    await db.sql(`CREATE TABLE msg_quiet (id int PRIMARY KEY)`);
    const c = await startCapture(db.url, { 'slot.name': 'messages', 'table.include.list': 'public.msg_quiet', 'message.prefix.include.list': `audit,${MARKER_PREFIX}` });
    try {
      const start = await slotLsn(db, 'messages');
      const tx = await runTransaction(db, [`SELECT pg_logical_emit_message(true, 'audit', 'in a transaction')`, `SELECT pg_logical_emit_message(true, 'other', 'filtered out')`]);
      await db.sql(`SELECT pg_logical_emit_message(false, 'audit', 'right away')`);
      await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
      const events = (await c.untilMarker('end')).filter((e) => !isMarker(e));
      expect(events).toHaveLength(2);
      const [transactional, immediate] = events as [ChangeEvent, ChangeEvent];
      const shapeOf = (e: ChangeEvent) => ({ topic: e.topic, key: e.key, keySchema: e.keySchema?.name, valueSchema: e.valueSchema?.name, headers: e.headers, value: e.value });
      const lsnOf = (e: ChangeEvent) => envelope(e).source.lsn!;
      const source = { ...streamSource({ prefix: 'test', db: db.name, table: '', txId: tx.xid, lsn: lsnOf(transactional), lastCommitLsn: start }), schema: '' };
      expect(shapeOf(transactional)).toEqual({
        topic: 'test.message',
        key: { prefix: 'audit' },
        keySchema: 'io.debezium.connector.postgresql.MessageKey',
        valueSchema: 'io.debezium.connector.postgresql.MessageValue',
        headers: {},
        value: { op: 'm', ts_ms: expect.any(Number), source, transaction: null, message: { prefix: 'audit', content: base64('in a transaction') } },
      });
      // A message's LSN is where its WAL record ends (as pgoutput reports it, and Debezium with it).
      expect(lsnOf(transactional)).toBeGreaterThan(tx.windows[0]![0]);
      expect(lsnOf(transactional)).toBeLessThanOrEqual(tx.windows[0]![1]);
      // A non-transactional message is decoded at once, outside any transaction.
      expect(envelope(immediate).source).toMatchObject({ txId: null, snapshot: 'false', schema: '', table: '', version: CONNECTOR_VERSION });
      expect(envelope(immediate).message).toEqual({ prefix: 'audit', content: base64('right away') });
      expect(lsnOf(immediate)).toBeGreaterThan(tx.after - 1);
    } finally {
      await c.stop();
    }
  });
  it('write their content as binary.handling.mode says, as bytea columns are', async () => {
    await db.sql(`CREATE TABLE msg_hex (id int PRIMARY KEY)`);
    const c = await startCapture(db.url, {
      'slot.name': 'messages_hex',
      'table.include.list': 'public.msg_hex',
      'message.prefix.include.list': `audit,${MARKER_PREFIX}`,
      'binary.handling.mode': 'hex',
    });
    try {
      await db.sql(`SELECT pg_logical_emit_message(true, 'audit', 'hi')`);
      await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
      // The marker's content is hex here too, so wait for any marker.
      const [event] = (await c.until((all) => all.some(isMarker), 'marker')).filter((e) => !isMarker(e)) as [ChangeEvent];
      expect(envelope(event).message).toEqual({ prefix: 'audit', content: '6869' });
      const message = event.valueSchema!.fields!.find((f) => f.field === 'message')!;
      expect(message.fields!.find((f) => f.field === 'content')).toEqual({ field: 'content', type: 'string', optional: true });
    } finally {
      await c.stop();
    }
  });
});

describe('transaction metadata', () => {
  it('adds BEGIN and END events with counts per data collection, and a transaction block to each event', async () => {
    await db.sql(`CREATE TABLE tm_a (id int PRIMARY KEY)`);
    await db.sql(`CREATE TABLE tm_b (id int PRIMARY KEY)`);
    const c = await startCapture(db.url, { 'slot.name': 'tx_metadata', 'table.include.list': 'public.tm_a,public.tm_b', 'provide.transaction.metadata': 'true' });
    try {
      const tx = await runTransaction(db, [
        `INSERT INTO tm_a VALUES (1)`,
        `INSERT INTO tm_b VALUES (1)`,
        `INSERT INTO tm_a VALUES (2)`,
        `SELECT pg_logical_emit_message(true, 'audit', 'x')`,
      ]);
      await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', 'end')`);
      await c.untilMarker('end');
      const boundaries = onTopic(c.events(), 'test.transaction');
      const mine = boundaries.filter((e) => (e.key as { id: string }).id.startsWith(`${tx.xid}:`));
      expect(mine).toHaveLength(2);
      const id = (mine[0]!.key as { id: string }).id;
      // The id's LSN is the commit's, which follows every statement of the transaction.
      const commitLsn = Number(id.split(':')[1]);
      expect(commitLsn).toBeGreaterThanOrEqual(tx.windows[3]![1]);
      expect(commitLsn).toBeLessThan(tx.after);

      const data = c.events().filter((e) => e.topic !== 'test.transaction' && envelope(e).source.txId === tx.xid);
      const commitMs = envelope(data[0]!).source.ts_ms;
      expect(mine.map((e) => ({ key: e.key, value: e.value, keySchema: e.keySchema?.name, valueSchema: e.valueSchema?.name }))).toEqual([
        {
          key: { id },
          value: { status: 'BEGIN', id, event_count: null, data_collections: null, ts_ms: commitMs },
          keySchema: 'io.debezium.connector.common.TransactionMetadataKey',
          valueSchema: 'io.debezium.connector.common.TransactionMetadataValue',
        },
        {
          key: { id },
          value: {
            status: 'END',
            id,
            event_count: 4,
            data_collections: [
              { data_collection: 'public.tm_a', event_count: 2 },
              { data_collection: 'public.tm_b', event_count: 1 },
              { data_collection: 'LOGICAL_DECODING_MESSAGE', event_count: 1 },
            ],
            ts_ms: commitMs,
          },
          keySchema: 'io.debezium.connector.common.TransactionMetadataKey',
          valueSchema: 'io.debezium.connector.common.TransactionMetadataValue',
        },
      ]);
      expect(data.map((e) => [e.topic, envelope(e).transaction])).toEqual([
        ['test.public.tm_a', { id, total_order: 1, data_collection_order: 1 }],
        ['test.public.tm_b', { id, total_order: 2, data_collection_order: 1 }],
        ['test.public.tm_a', { id, total_order: 3, data_collection_order: 2 }],
        ['test.message', { id, total_order: 4, data_collection_order: 1 }],
      ]);
      // In stream order: BEGIN, the data events, END.
      const order = c.events().filter((e) => mine.includes(e) || data.includes(e));
      expect(order).toEqual([mine[0], ...data, mine[1]]);
    } finally {
      await c.stop();
    }
  });
});

describe('heartbeats', () => {
  it('appear on __debezium-heartbeat.<prefix> on a quiet database, and move the slot once committed', async () => {
    await db.sql(`CREATE TABLE hb_quiet (id int PRIMARY KEY)`);
    const c = await startCapture(db.url, { 'slot.name': 'heartbeats', 'table.include.list': 'public.hb_quiet', 'heartbeat.interval.ms': '200' });
    try {
      const start = await slotLsn(db, 'heartbeats');
      const events = await c.until((all) => onTopic(all, '__debezium-heartbeat.test').length >= 2, 'two heartbeats');
      const heartbeat = onTopic(events, '__debezium-heartbeat.test')[0]!;
      expect({ key: heartbeat.key, value: heartbeat.value, headers: heartbeat.headers, keySchema: heartbeat.keySchema?.name, valueSchema: heartbeat.valueSchema?.name }).toEqual({
        key: { serverName: 'test' },
        value: { ts_ms: heartbeat.timestamp },
        headers: {},
        keySchema: 'io.debezium.connector.common.ServerNameKey',
        valueSchema: 'io.debezium.connector.common.Heartbeat',
      });
      // Heartbeats are not logical-message events, and nothing else was emitted.
      expect(events.every((e) => e.topic === '__debezium-heartbeat.test')).toBe(true);

      // Nothing committed yet: the slot has not moved.
      expect(await slotLsn(db, 'heartbeats')).toBeLessThanOrEqual(start);
      const committed = c.records[c.records.length - 1]!.offset.lsn_commit as number;
      expect(committed).toBeGreaterThan(start);
      await c.commitAll();
      await waitFor(async () => (await slotLsn(db, 'heartbeats')) > start, 30_000, 'the slot to advance');
      expect(await slotLsn(db, 'heartbeats')).toBeLessThanOrEqual(committed);
    } finally {
      await c.stop();
    }
  });
});
