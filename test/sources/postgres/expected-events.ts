/**
 * What the Postgres source tests expect of events, and the database facts they compare them with:
 * the slot's position, WAL positions around each statement, a transaction's xid.
 */
import pg from 'pg';
import { expect } from 'vitest';
import type { ChangeEvent, Envelope, SourceInfo } from '../../../src/events.js';
import { CONNECTOR_VERSION } from '../../../src/sources/postgres/event-builder.js';
import { envelope } from '../../support/capture.js';
import type { TestDatabase } from '../../support/postgres.js';

/** The slot's confirmed position: right after start, the snapshot's (and the stream's) starting point. */
export async function slotLsn(db: TestDatabase, slot: string): Promise<number> {
  const [row] = await db.sql<{ lsn: string }>(`SELECT (confirmed_flush_lsn - '0/0')::text AS lsn FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
  if (!row) throw new Error(`no slot ${slot}`);
  return Number(row.lsn);
}

export interface CommittedTransaction {
  xid: number;
  /** Per statement: WAL insert positions before and after it; its records start in between. */
  windows: Array<[number, number]>;
  /** WAL insert position after the commit: the commit record ends at or before it. */
  after: number;
  /** Transaction start (µs): its commit time is later. */
  startedUs: number;
}

/** Runs statements in one transaction on a fresh connection and reports where they landed in the WAL. */
export async function runTransaction(db: TestDatabase, statements: string[]): Promise<CommittedTransaction> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const position = async () => Number((await client.query<{ lsn: string }>(`SELECT (pg_current_wal_insert_lsn() - '0/0')::text AS lsn`)).rows[0]!.lsn);
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ xid: string; started: string }>(`SELECT txid_current()::text AS xid, (extract(epoch FROM now()) * 1000000)::int8::text AS started`);
    const windows: Array<[number, number]> = [];
    for (const statement of statements) {
      const before = await position();
      await client.query(statement);
      windows.push([before, await position()]);
    }
    await client.query('COMMIT');
    return { xid: Number(rows[0]!.xid), windows, after: await position(), startedUs: Number(rows[0]!.started) };
  } finally {
    await client.end();
  }
}

/** The `source` block of a streamed change, times left to `expectTimes`. */
export function streamSource(fields: { prefix: string; db: string; table: string; txId: number; lsn: number; lastCommitLsn: number }): SourceInfo {
  return {
    version: CONNECTOR_VERSION,
    connector: 'postgresql',
    name: fields.prefix,
    ts_ms: expect.any(Number) as unknown as number,
    snapshot: 'false',
    db: fields.db,
    sequence: JSON.stringify([String(fields.lastCommitLsn), String(fields.lsn)]),
    ts_us: expect.any(Number) as unknown as number,
    ts_ns: expect.any(Number) as unknown as number,
    schema: 'public',
    table: fields.table,
    txId: fields.txId,
    lsn: fields.lsn,
    xmin: null,
  };
}

/** The three renderings of each time agree, and the event was processed after its source time. */
export function expectTimes(value: Pick<Envelope, 'source' | 'ts_ms' | 'ts_us' | 'ts_ns'>): void {
  const { source } = value;
  expect(source.ts_ms).toBe(Math.floor(source.ts_us / 1000));
  expect(source.ts_ns).toBe(source.ts_us * 1000);
  expect(value.ts_ms).toBe(Math.floor(value.ts_us / 1000));
  expect(value.ts_ns).toBe(value.ts_us * 1000);
  expect(value.ts_us).toBeGreaterThanOrEqual(source.ts_us);
}

/** A streamed change's LSN lies in its statement's WAL window, and its time is its transaction's commit time. */
export function expectFromTransaction(event: ChangeEvent, tx: CommittedTransaction, statement: number): void {
  const { source } = envelope(event);
  const [from, to] = tx.windows[statement]!;
  expect(source.lsn).toBeGreaterThanOrEqual(from);
  expect(source.lsn).toBeLessThan(to);
  expect(source.txId).toBe(tx.xid);
  expect(source.ts_us).toBeGreaterThanOrEqual(tx.startedUs);
  expect(event.timestamp).toBe(source.ts_ms);
}

/** The envelope minus the fields compared elsewhere, for exact comparison with an expected shape. */
export function shape(event: ChangeEvent): Record<string, unknown> {
  if (event.value === null) return { topic: event.topic, key: event.key, value: null, headers: event.headers };
  const { ts_ms: _ms, ts_us: _us, ts_ns: _ns, ...value } = envelope(event);
  return { topic: event.topic, key: event.key, value, headers: event.headers };
}
