/**
 * Partitioned tables, captured as their root (the publication publishes through it): the snapshot
 * reads every row of every partition, keyed or not, into the root's topic, also when it resumes
 * inside a table (one without a key partition by partition, or through its root for a user who may
 * read only the root); streamed changes to any partition come on the root's
 * topic too.
 */
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTables } from '../../../src/sources/postgres/catalog.js';
import type { Envelope, SourceRecord } from '../../../src/events.js';
import { postgresSourceConfig } from '../../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { failedStart, MemoryOffsets, replicationObjects, startTask, urlAs } from '../../support/source-task-harness.js';

const ROWS = 3000;
const op = (record: SourceRecord) => (record.event?.value as Envelope | null)?.op;
const rowsOf = (records: SourceRecord[], topic: string, kind: string) => records.filter((r) => r.event?.topic === topic && op(r) === kind);
/** The rows the snapshot has counted for its current table, per a record's offset. */
const progressRows = (record: SourceRecord) => (JSON.parse(String(record.offset['sluice.snapshot.progress'])) as { rows: number }).rows;
const snapshotDone = (records: SourceRecord[]) => records.some((r) => (r.event?.value as Envelope | null)?.source.snapshot === 'last');

describe('Postgres source: partitioned tables', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('partitioned');
    // Three monthly partitions each, big enough to span many of the snapshot's page ranges.
    for (const [table, columns] of [
      ['events', 'id bigint, at date, note text, PRIMARY KEY (id, at)'],
      ['logs', 'seq bigint, at date, message text'],
    ]) {
      await db.sql(`CREATE TABLE ${table} (${columns}) PARTITION BY RANGE (at)`);
      for (const month of [1, 2, 3]) {
        await db.sql(`CREATE TABLE ${table}_${month} PARTITION OF ${table} FOR VALUES FROM ('2026-0${month}-01') TO ('2026-0${month + 1}-01')`);
      }
      await db.sql(`INSERT INTO ${table} SELECT g, DATE '2026-01-01' + (g % 90), repeat('x', 200) FROM generate_series(1, ${ROWS}) g`);
      await db.sql(`ANALYZE ${table}`);
    }
  });
  afterAll(() => db.drop());

  it('lists a partitioned table as its root, its row estimate summed over its partitions', async () => {
    // The catalog reads every value as text, as the source's own connections do.
    const client = new pg.Client({ connectionString: db.url, types: { getTypeParser: () => (value: string) => value } });
    await client.connect();
    try {
      const tables = await listTables(client, (_schema, table) => table.startsWith('events'));
      expect(tables.map((t) => [t.name, t.partitioned])).toEqual([['events', true]]);
      expect(tables[0]!.estimatedRows).toBeGreaterThanOrEqual(ROWS);
      expect(tables[0]!.estimatedRows).toBeLessThan(ROWS + 10);
    } finally {
      await client.end();
    }
  });

  it('snapshots every row of every partition into the root table’s topic, keyed or not, and streams changes to any partition there', async () => {
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.events,public.logs', 'slot.name': `${db.name}_all`, 'publication.name': 'partitioned_pub', 'snapshot.fetch.size': '100' });
    const task = await startTask(config);
    try {
      const snapshot = await task.pollUntil(snapshotDone);
      const events = rowsOf(snapshot, 'test.public.events', 'r');
      const logs = rowsOf(snapshot, 'test.public.logs', 'r');
      expect(new Set(events.map((r) => JSON.stringify(r.event!.key))).size).toBe(ROWS);
      expect(events).toHaveLength(ROWS);
      expect(new Set(logs.map((r) => (r.event!.value as Envelope).after!['seq'])).size).toBe(ROWS);
      expect(logs).toHaveLength(ROWS);

      await db.sql(`INSERT INTO events VALUES (${ROWS + 1}, '2026-02-10', 'new'), (${ROWS + 2}, '2026-03-10', 'new')`);
      await db.sql(`UPDATE events SET note = 'changed' WHERE id = 5`);
      await db.sql(`DELETE FROM events WHERE id = 6`);
      await db.sql(`INSERT INTO logs VALUES (${ROWS + 1}, '2026-01-20', 'new')`);
      const all = await task.pollUntil((records) => rowsOf(records, 'test.public.events', 'd').length === 1 && rowsOf(records, 'test.public.logs', 'c').length === 1);
      expect(rowsOf(all, 'test.public.events', 'c').map((r) => r.event!.key)).toEqual([{ id: ROWS + 1, at: 20494 }, { id: ROWS + 2, at: 20522 }]);
      expect(rowsOf(all, 'test.public.events', 'u').map((r) => (r.event!.value as Envelope).after!['note'])).toEqual(['changed']);
      expect(rowsOf(all, 'test.public.events', 'd').map((r) => r.event!.key)).toEqual([{ id: 6, at: 20460 }]);
      expect(rowsOf(all, 'test.public.logs', 'c').map((r) => (r.event!.value as Envelope).after!['seq'])).toEqual([ROWS + 1]);
    } finally {
      await task.task.stop();
    }
  });

  it('resumes the snapshot of a partitioned table without a key partition by partition, naming its rows the same again', async () => {
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.logs', 'slot.name': `${db.name}_logs`, 'publication.name': 'logs_pub', 'snapshot.fetch.size': '100' });
    const offsets = new MemoryOffsets();
    const first = await startTask(config, { offsets });
    const firstRows = rowsOf(await first.pollUntil(snapshotDone), 'test.public.logs', 'r');
    await first.task.stop();
    const positions = firstRows.map((r) => r.position!);
    expect(positions.every((p) => typeof p === 'string')).toBe(true);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(firstRows.length);
    // Resume from the offset of a row in the second partition (a finished chunk's): the partitions
    // and pages before it are not read again, the rows after it are, under the same names.
    const resumeFrom = firstRows[Math.floor(firstRows.length * 0.5)]!;
    offsets.set(resumeFrom.partition, resumeFrom.offset);
    const second = await startTask(config, { offsets });
    try {
      const resumed = rowsOf(await second.pollUntil(snapshotDone), 'test.public.logs', 'r');
      expect(resumed.length).toBeGreaterThan(firstRows.length / 2);
      expect(resumed.length).toBeLessThan(firstRows.length * 0.7);
      const named = (rows: SourceRecord[]) => rows.map((r) => [(r.event!.value as Envelope).after!['seq'], r.position]);
      expect(named(resumed)).toEqual(named(firstRows.slice(firstRows.length - resumed.length)));
    } finally {
      await second.task.stop();
    }
  });

  it('reads a partitioned table without a key through its root for a user who may read only the root, and resumes it after its last finished chunk, naming its rows the same again', async () => {
    const user = `${db.name}_rootonly`;
    await db.sql(`CREATE ROLE "${user}" LOGIN REPLICATION PASSWORD 'pw'`);
    try {
      await db.sql(`GRANT SELECT ON logs TO "${user}"`);
      await db.sql(`CREATE PUBLICATION rootonly_pub FOR TABLE logs WITH (publish_via_partition_root = true)`);
      const config = postgresSourceConfig(urlAs(db.url, user, 'pw'), {
        'table.include.list': 'public.logs', 'slot.name': `${db.name}_rootonly`, 'publication.name': 'rootonly_pub', 'publication.autocreate.mode': 'disabled', 'snapshot.fetch.size': '100',
      });
      const offsets = new MemoryOffsets();
      const seqOf = (r: SourceRecord) => Number((r.event!.value as Envelope).after!['seq']);
      const table = (await db.sql<{ seq: string }>(`SELECT seq FROM logs`)).map((row) => Number(row.seq)).sort((a, b) => a - b);
      const first = await startTask(config, { offsets });
      let firstRows: SourceRecord[];
      try {
        firstRows = rowsOf(await first.pollUntil(snapshotDone), 'test.public.logs', 'r');
        expect(firstRows.map(seqOf).sort((a, b) => a - b)).toEqual(table);
        // Each row has a position of its own, in reading order, so a sink can pass over what it holds after a crash.
        const positions = firstRows.map((r) => r.position!);
        expect(positions.every((p) => typeof p === 'string')).toBe(true);
        expect([...positions].sort()).toEqual(positions);
        expect(new Set(positions).size).toBe(firstRows.length);
      } finally {
        await first.task.stop();
      }
      // Resumed from a row in the second partition (a finished chunk's offset): the partition before
      // it and the rows of its own read before that chunk are passed over, the rest read once.
      const at = Math.floor(firstRows.length / 2);
      const middle = firstRows[at]!;
      expect(progressRows(middle)).toBeGreaterThan(ROWS / 3);
      offsets.set(middle.partition, middle.offset);
      const second = await startTask(config, { offsets });
      try {
        const resumed = rowsOf(await second.pollUntil(snapshotDone), 'test.public.logs', 'r');
        // The offset names a finished chunk, and the first row to carry it is that chunk's last (the
        // rows before it carry the chunk before): exactly the rows after that one are read again,
        // the same rows as the first reading's, under the same positions. Chunks end where the
        // server's output arrived, so the row resumed from may itself be a chunk's last.
        const chunkEnd = firstRows.findIndex((r) => isDeepStrictEqual(r.offset, middle.offset));
        expect(chunkEnd).toBeGreaterThan(at - 100);
        expect(chunkEnd).toBeLessThanOrEqual(at);
        const named = (rows: SourceRecord[]) => rows.map((r) => [seqOf(r), r.position]);
        expect(named(resumed)).toEqual(named(firstRows.slice(chunkEnd + 1)));
        // Rows are counted on from the point resumed at (not from 0 again), up to the table's size.
        const counted = [...new Set(resumed.map(progressRows))].filter((rows) => rows > 0);
        expect(counted[0]).toBe(progressRows(middle));
        expect(counted[1]).toBeGreaterThan(counted[0]!);
        expect(Math.max(...counted)).toBeGreaterThan(ROWS - 100);
        expect(Math.max(...counted)).toBeLessThanOrEqual(ROWS);
      } finally {
        await second.task.stop();
        await db.sql(`SELECT pg_drop_replication_slot($1)`, [`${db.name}_rootonly`]);
      }
    } finally {
      await db.sql(`DROP OWNED BY "${user}"`);
      await db.sql(`DROP ROLE "${user}"`);
    }
  });

  it('refuses a publication that would send a partitioned table’s changes as its partitions’, naming the fix, and creates nothing', async () => {
    await db.sql(`CREATE PUBLICATION leaves_pub FOR TABLE events`);
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.events', 'slot.name': `${db.name}_leaves`, 'publication.name': 'leaves_pub' });
    const before = await replicationObjects(db.url);
    const { error } = await failedStart(config);
    expect(String(error)).toContain('Publication "leaves_pub" publishes the partitions of public.events as tables of their own');
    expect(String(error)).toContain('ALTER PUBLICATION "leaves_pub" SET (publish_via_partition_root = true)');
    expect(await replicationObjects(db.url)).toEqual(before);
    // With the option on, the same start goes through.
    await db.sql(`ALTER PUBLICATION leaves_pub SET (publish_via_partition_root = true)`);
    const task = await startTask(config);
    await task.task.stop();
  });
});
