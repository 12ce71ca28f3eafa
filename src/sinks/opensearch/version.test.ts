import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, Envelope } from '../../events.js';
import { created, snapshotRead } from '../../transforms/debezium-events.fixture.js';
import { EXTRACT_NEW_RECORD_STATE_CLASS } from '../../transforms/extract-new-record-state.js';
import { createTransform } from '../../transforms/plugins.js';
import { envelope, isMarker, MARKER_PREFIX, startCapture, type Capture } from '../../../test/support/capture.js';
import { withClient, type TestDatabase } from '../../../test/support/postgres.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../embedded/postgres-server.js';
import { waitFor } from '../../../test/support/wait.js';
import { envelopeVersion, flatRowVersion } from './version.js';

// A server of its own: the race below depends on exactly which transactions a slot's creation waits
// for, and on a shared server other test files' transactions would join in (and wait on these).
let server: EmbeddedPostgresServer;
let db: Pick<TestDatabase, 'url' | 'sql'>;
beforeAll(async () => {
  server = await startEmbeddedPostgres();
  db = { url: server.url, sql: (text, values) => withClient(server.url, async (c) => (await c.query(text, values as unknown[])).rows) };
});
afterAll(() => server.stop());

const versionOf = (event: ChangeEvent) => envelopeVersion(event.value as Record<string, unknown>);
const source = (event: ChangeEvent) => envelope(event).source;

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return client;
}

async function changesOf(capture: Capture, table: string, content: string): Promise<ChangeEvent[]> {
  await db.sql(`SELECT pg_logical_emit_message(true, '${MARKER_PREFIX}', '${content}')`);
  const events = await capture.untilMarker(content);
  return events.filter((e) => !isMarker(e) && e.value !== null && source(e).table === table);
}

describe('versions', () => {
  it('are the larger of source.lsn and the last commit LSN of source.sequence', () => {
    expect(source(snapshotRead).sequence).toBe('[null,"33837000"]');
    expect(versionOf(snapshotRead)).toBe(33_837_000);
    expect(source(created).sequence).toBe('["33837376","33837424"]');
    expect(versionOf(created)).toBe(33_837_424);
    const value = created.value as Envelope;
    expect(envelopeVersion({ ...value, source: { ...value.source, lsn: 100, sequence: '["33837376","100"]' } })).toBe(33_837_376);
    expect(envelopeVersion({ ...value, source: { ...value.source, lsn: null } })).toBeNull();
    expect(envelopeVersion({ op: 'c' })).toBeNull();
  });

  it('read the last commit LSN of a sequence in any JSON form, and ignore one that is not an LSN', () => {
    const value = created.value as Envelope;
    const withSequence = (sequence: string) => envelopeVersion({ ...value, source: { ...value.source, lsn: 100, sequence } });
    expect(withSequence('["300","100"]')).toBe(300);
    expect(withSequence('[ "301" , "100" ]')).toBe(301);
    expect(withSequence('[null,"100"]')).toBe(100);
    expect(withSequence('["99999999999999999999","100"]')).toBe(100);
    expect(withSequence('["-5","100"]')).toBe(100);
    expect(withSequence('not json')).toBe(100);
    // The largest LSN a number holds exactly, one past it, a number instead of a string, an empty string.
    expect(withSequence('["9007199254740991","100"]')).toBe(9_007_199_254_740_991);
    expect(withSequence('["9007199254740993","100"]')).toBe(100);
    expect(withSequence('[302,"100"]')).toBe(302);
    expect(withSequence('["","100"]')).toBe(100);
  });

  it('come from the fields add.fields copied into a flat row, else there are none', () => {
    const flat = (fields: string) => createTransform(EXTRACT_NEW_RECORD_STATE_CLASS, { 'add.fields': fields }).apply(created)!.value as Record<string, unknown>;
    expect(flatRowVersion(flat('lsn'))).toBe(33_837_424);
    expect(flatRowVersion(flat('source.lsn,source.sequence'))).toBe(33_837_424);
    expect(flatRowVersion({ ...flat('lsn,sequence'), __lsn: 5 })).toBe(33_837_376);
    expect(flatRowVersion(flat('op,table'))).toBeNull();
  });

  it('grow with commit order per row, and tie only within one transaction (hence external_gte)', async () => {
    await db.sql(`CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)`);
    const capture = await startCapture(db.url, { 'slot.name': 'os_version_counters', 'table.include.list': 'public.counters', 'snapshot.mode': 'no_data' });
    const [a, b] = [await connect(), await connect()];
    try {
      await db.sql(`INSERT INTO counters VALUES (1, 0)`);
      // A changes row 1 twice, B commits meanwhile, then A commits: A's changes were logged before
      // B's commit, which the source saw last when A's changes stream.
      await a.query('BEGIN');
      await a.query('UPDATE counters SET n = 1 WHERE id = 1');
      await a.query('UPDATE counters SET n = 2 WHERE id = 1');
      await b.query('INSERT INTO counters VALUES (2, 0)');
      await a.query('COMMIT');
      await db.sql(`UPDATE counters SET n = 3 WHERE id = 1`);
      const events = await changesOf(capture, 'counters', 'interleaved');
      const row1 = events.filter((e) => (e.key as { id: number }).id === 1);
      expect(row1.map((e) => envelope(e).after!['n'])).toEqual([0, 1, 2, 3]);
      const [insert, first, second, last] = row1.map(versionOf) as [number, number, number, number];
      const lastCommit = (event: ChangeEvent) => Number(JSON.parse(source(event).sequence)[0]);
      // Both changes of A were logged before B's commit, the last the source saw: that commit is their version.
      expect(source(row1[1]!).lsn! < source(row1[2]!).lsn!).toBe(true);
      expect(source(row1[2]!).lsn! < lastCommit(row1[2]!)).toBe(true);
      expect([first, second]).toEqual([lastCommit(row1[2]!), lastCommit(row1[2]!)]);
      expect(insert < first && second < last).toBe(true);
    } finally {
      await Promise.all([a.end(), b.end(), capture.stop()]);
    }
  });

  it('let a transaction left open across the slot\'s creation win over the snapshot that cannot see it', async () => {
    await db.sql(`CREATE TABLE stock (id int PRIMARY KEY, qty int NOT NULL); INSERT INTO stock VALUES (1, 10)`);
    const [t0, a, c, watcher] = [await connect(), await connect(), await connect(), await connect()];
    // Waits until the slot's creation waits on the transaction `xid` to end.
    const slotWaitsOn = (xid: string) =>
      waitFor(
        async () =>
          (
            await watcher.query(
              `SELECT 1 FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
                WHERE s.backend_type = 'walsender' AND l.locktype = 'transactionid' AND NOT l.granted AND l.transactionid::text = $1`,
              [xid],
            )
          ).rowCount === 1,
        20_000,
        `the slot's creation to wait on ${xid}`,
      );
    const xidOf = async (client: pg.Client) => (await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid;
    let capture: Capture | undefined;
    try {
      await t0.query('BEGIN');
      const t0Xid = await xidOf(t0);
      const starting = startCapture(db.url, { 'slot.name': 'os_version_stock', 'table.include.list': 'public.stock' });
      await slotWaitsOn(t0Xid);
      await a.query('BEGIN');
      const aXid = await xidOf(a);
      await t0.query('COMMIT');
      // The snapshot builder has reached its full-snapshot point and now waits for A; C starts after it.
      await slotWaitsOn(aXid);
      await c.query('BEGIN');
      await c.query('UPDATE stock SET qty = 9 WHERE id = 1');
      await a.query('COMMIT');
      capture = await starting;
      await capture.until((events) => events.some((e) => e.value !== null && envelope(e).op === 'r'), 'the snapshot row');
      await c.query('COMMIT');
      const [read, update] = (await changesOf(capture, 'stock', 'race')) as [ChangeEvent, ChangeEvent];
      expect([envelope(read).op, envelope(read).after, envelope(update).op, envelope(update).after]).toEqual(['r', { id: 1, qty: 10 }, 'u', { id: 1, qty: 9 }]);
      // The update was logged before the snapshot's position, so source.lsn alone would lose to the snapshot row.
      expect(source(update).lsn! < source(read).lsn!).toBe(true);
      expect(versionOf(update)! >= versionOf(read)!).toBe(true);
    } finally {
      await Promise.all([t0, a, c, watcher].map((client) => client.end()));
      await capture?.stop();
    }
  });
});
