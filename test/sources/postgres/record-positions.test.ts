/**
 * Record positions (SourceRecord.position) on a real stream: every streamed change has one, they
 * sort as the changes come, and a restart that resumes mid-transaction (at the offset of a record
 * inside it, which is the end of the transaction before) reads the same changes again with the
 * same positions. Snapshot rows of a table keyed by integers, uuids or text (read in byte order)
 * have positions too, in key order and before the stream's; a resumed snapshot gives the rows it
 * reads again the same ones, and the same record timestamp (the snapshot's start). Text keys read
 * in their collation (snapshot.text.key.order=collation) leave rows without one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, SourceRecord } from '../../../src/events.js';
import { postgresSourceConfig } from '../../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { MemoryOffsets, startTask, WARN } from '../../support/source-task-harness.js';
import { waitFor } from '../../support/wait.js';
import { readStreamResumeLsn } from '../../../src/sources/postgres/source-offset.js';

const changeRecords = (records: SourceRecord[]) => records.filter((r) => r.event !== null && ['c', 'u', 'd'].includes((r.event.value as Envelope | null)?.op ?? ''));
const identity = (r: SourceRecord) => `${(r.event!.value as Envelope).op}:${JSON.stringify(r.event!.key)}`;

describe('Postgres source record positions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('positions');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('names every streamed change exactly and again the same after a restart mid-transaction', async () => {
    await db.sql(`CREATE TABLE items (id int PRIMARY KEY, note text)`);
    await db.sql(`INSERT INTO items VALUES (1, 'before the slot')`);
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.items', 'slot.name': `${db.name}_items`, 'publication.name': 'items_pub' });
    const offsets = new MemoryOffsets();
    const first = await startTask(config, { offsets });
    await first.pollUntil((records) => records.some((r) => (r.event?.value as Envelope | null)?.op === 'r'));
    // Three transactions: 3 inserts; an update and a delete; 2 inserts (COPY-like multi-row).
    await db.sql(`INSERT INTO items VALUES (10, 'a'), (11, 'b'), (12, 'c')`);
    await db.sql(`BEGIN; UPDATE items SET note = 'changed' WHERE id = 10; DELETE FROM items WHERE id = 11; COMMIT`);
    await db.sql(`INSERT INTO items SELECT g, 'g' FROM generate_series(20, 21) g`);
    const firstRun = changeRecords(await first.pollUntil((records) => changeRecords(records).length >= 7));
    expect(firstRun.map(identity)).toEqual(['c:{"id":10}', 'c:{"id":11}', 'c:{"id":12}', 'u:{"id":10}', 'd:{"id":11}', 'c:{"id":20}', 'c:{"id":21}']);
    const positions = firstRun.map((r) => r.position!);
    expect(positions.every((p) => typeof p === 'string' && p.length === 24)).toBe(true);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    const snapshotRow = first.records.find((r) => (r.event?.value as Envelope | null)?.op === 'r')!;
    expect(snapshotRow.position! < positions[0]!).toBe(true);

    // Commit the offset of the delete (inside the second transaction): the restart resumes after the first.
    const deleteRecord = firstRun[4]!;
    offsets.set(deleteRecord.partition, deleteRecord.offset);
    await first.task.commit(deleteRecord.offset);
    await first.task.stop();

    const second = await startTask(config, { offsets });
    try {
      const replayed = changeRecords(await second.pollUntil((records) => changeRecords(records).length >= 4));
      expect(replayed.map(identity).slice(0, 4)).toEqual(['u:{"id":10}', 'd:{"id":11}', 'c:{"id":20}', 'c:{"id":21}']);
      expect(replayed.slice(0, 4).map((r) => r.position)).toEqual(positions.slice(3, 7));
    } finally {
      await second.task.stop();
    }
  });

  it('names snapshot rows by key in reading order, text keys by their bytes, the same again when a resumed snapshot reads them', async () => {
    await db.sql(`CREATE TABLE accounts (region smallint, id bigint, note text, PRIMARY KEY (region, id))`);
    await db.sql(`INSERT INTO accounts SELECT (g % 3) - 1, (g * 7919) % 1000 - 500, 'n' FROM generate_series(1, 300) g`);
    await db.sql(`CREATE TABLE labels (code text PRIMARY KEY)`);
    await db.sql(`INSERT INTO labels VALUES ('b'), ('a'), ('B'), ('ab'), ('é')`);
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.accounts,public.labels', 'slot.name': `${db.name}_accounts`, 'publication.name': 'accounts_pub', 'snapshot.fetch.size': '50' });
    const snapshotRows = (records: SourceRecord[], table: string) => records.filter((r) => (r.event?.value as Envelope | null)?.op === 'r' && r.event!.topic.endsWith(`.${table}`));
    const isLast = (records: SourceRecord[]) => records.some((r) => (r.event?.value as Envelope | null)?.source.snapshot === 'last');
    const offsets = new MemoryOffsets();
    const first = await startTask(config, { offsets });
    const firstRows = snapshotRows(await first.pollUntil(isLast), 'accounts');
    // Text keys in the order of their UTF-8 bytes, whatever the database's collation, named in that order.
    const labels = snapshotRows(first.records, 'labels');
    expect(labels.map((r) => (r.event!.key as { code: string }).code)).toEqual(['B', 'a', 'ab', 'b', 'é']);
    expect(labels.every((r) => typeof r.position === 'string')).toBe(true);
    expect(labels.map((r) => r.position)).toEqual(labels.map((r) => r.position).sort());
    // In the server's key order, and the positions sort the same way.
    const ordered = await db.sql<{ region: number; id: string }>(`SELECT region, id::text FROM accounts ORDER BY accounts.region, accounts.id`);
    expect(firstRows.map((r) => JSON.stringify(r.event!.key))).toEqual(ordered.map((row) => JSON.stringify({ region: row.region, id: Number(row.id) })));
    const positions = firstRows.map((r) => r.position!);
    expect(positions.every((p) => typeof p === 'string')).toBe(true);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(300);

    // Resume from the offset of the 120th row (a finished chunk: 100 rows), with one row gone.
    await first.task.stop();
    const resumeFrom = firstRows[119]!;
    offsets.set(resumeFrom.partition, resumeFrom.offset);
    await db.sql(`DELETE FROM accounts WHERE (region, id) = (${ordered[150]!.region}, ${ordered[150]!.id})`);
    const second = await startTask(config, { offsets });
    try {
      const resumed = snapshotRows(await second.pollUntil(isLast), 'accounts');
      const expected = firstRows.slice(100).filter((_, i) => i !== 50);
      expect(resumed.map((r) => [JSON.stringify(r.event!.key), r.position])).toEqual(expected.map((r) => [JSON.stringify(r.event!.key), r.position]));
      // Both readings stamp their records with the snapshot's start, not the time they read them.
      const stamps = new Set([...firstRows, ...resumed].map((r) => r.event!.timestamp));
      expect(stamps.size).toBe(1);
      const [start] = stamps;
      const readTimes = resumed.map((r) => (r.event!.value as Envelope).source.ts_ms);
      expect(Math.min(...readTimes)).toBeGreaterThan(Math.max(...firstRows.map((r) => (r.event!.value as Envelope).source.ts_ms)));
      expect(start!).toBeLessThanOrEqual(Math.min(...firstRows.map((r) => (r.event!.value as Envelope).source.ts_ms)));
    } finally {
      await second.task.stop();
    }
  });

  it('leaves rows of a text-keyed table unnamed when the snapshot reads text keys in their collation', async () => {
    await db.sql(`CREATE TABLE tags (code text PRIMARY KEY)`);
    await db.sql(`INSERT INTO tags VALUES ('b'), ('a')`);
    const config = postgresSourceConfig(db.url, {
      'table.include.list': 'public.tags', 'slot.name': `${db.name}_tags`, 'publication.name': 'tags_pub', 'snapshot.text.key.order': 'collation',
    });
    const task = await startTask(config, { offsets: new MemoryOffsets() });
    try {
      const records = await task.pollUntil((all) => all.some((r) => (r.event?.value as Envelope | null)?.source.snapshot === 'last'));
      const rows = records.filter((r) => (r.event?.value as Envelope | null)?.op === 'r');
      expect(rows.map((r) => (r.event!.key as { code: string }).code)).toEqual(['a', 'b']);
      expect(rows.map((r) => r.position)).toEqual([undefined, undefined]);
    } finally {
      await task.task.stop();
    }
  });

  it('names rows of a table without a key by their place, the same again when a resumed snapshot reads them', async () => {
    await db.sql(`CREATE TABLE notes (body text)`);
    await db.sql(`INSERT INTO notes SELECT 'note ' || g || repeat('.', 100) FROM generate_series(1, 2000) g`);
    await db.sql(`ANALYZE notes`);
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.notes', 'slot.name': `${db.name}_notes`, 'publication.name': 'notes_pub', 'snapshot.fetch.size': '200' });
    const rowsOf = (records: SourceRecord[]) => records.filter((r) => (r.event?.value as Envelope | null)?.op === 'r');
    const isLast = (records: SourceRecord[]) => records.some((r) => (r.event?.value as Envelope | null)?.source.snapshot === 'last');
    const named = (records: SourceRecord[]) => records.map((r) => [(r.event!.value as Envelope).after!['body'], r.position]);
    const offsets = new MemoryOffsets();
    const first = await startTask(config, { offsets });
    const firstRows = rowsOf(await first.pollUntil(isLast));
    await first.task.stop();
    const positions = firstRows.map((r) => r.position!);
    expect(positions.every((p) => typeof p === 'string')).toBe(true);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(2000);

    // Resume from the offset of a row in the middle: the rows after the last finished chunk before
    // it are read again, under the same names.
    const resumeFrom = firstRows[1000]!;
    offsets.set(resumeFrom.partition, resumeFrom.offset);
    const second = await startTask(config, { offsets });
    try {
      const resumed = rowsOf(await second.pollUntil(isLast));
      expect(resumed.length).toBeGreaterThan(1000);
      expect(resumed.length).toBeLessThan(2000);
      expect(named(resumed)).toEqual(named(firstRows.slice(2000 - resumed.length)));
    } finally {
      await second.task.stop();
    }
  });

  it('names the changes a restart from offsets older than the slot (restored from a backup) reads first as the run before named them, past every position the backup holds', async () => {
    await db.sql(`CREATE TABLE restored (id int PRIMARY KEY, note text)`);
    await db.sql(`INSERT INTO restored VALUES (1, 'before the slot')`);
    const slot = `${db.name}_restored`;
    const config = postgresSourceConfig(db.url, { 'table.include.list': 'public.restored', 'slot.name': slot, 'publication.name': 'restored_pub' });
    const offsets = new MemoryOffsets();
    const first = await startTask(config, { offsets });
    await first.pollUntil((records) => records.some((r) => (r.event?.value as Envelope | null)?.op === 'r'));
    await db.sql(`INSERT INTO restored VALUES (10, 'a'), (11, 'b')`);
    await db.sql(`BEGIN; UPDATE restored SET note = 'changed' WHERE id = 10; DELETE FROM restored WHERE id = 11; COMMIT`);
    await db.sql(`INSERT INTO restored VALUES (20, 'c'), (21, 'd')`);
    const firstRun = changeRecords(await first.pollUntil((records) => changeRecords(records).length >= 6));
    // The backup: the worker's offsets while it was inside the second transaction, its sinks having written the update and the delete.
    const backup = firstRun[3]!;
    // The worker goes on: everything up to the third transaction is durable, and the slot confirms it.
    const lastRecord = firstRun[5]!;
    offsets.set(lastRecord.partition, lastRecord.offset);
    await first.task.commit(lastRecord.offset);
    const confirmed = readStreamResumeLsn(lastRecord.offset)!;
    await waitFor(async () => {
      const [row] = await db.sql<{ lsn: string }>(`SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::text AS lsn FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
      return Number(row!.lsn) >= confirmed;
    }, 30_000, 'the slot to confirm the third transaction\'s start');
    await first.task.stop();

    // The offsets are restored from the backup; the slot stays where it is.
    offsets.set(backup.partition, backup.offset);
    const second = await startTask(config, { offsets });
    try {
      await db.sql(`INSERT INTO restored VALUES (30, 'e')`);
      const secondRun = changeRecords(await second.pollUntil((records) => changeRecords(records).length >= 3));
      // The server sends what follows the slot's position, named as when first read (not after the older offset,
      // where they would sort among the second transaction's, which a sink restored from the backup holds).
      expect(secondRun.map(identity)).toEqual(['c:{"id":20}', 'c:{"id":21}', 'c:{"id":30}']);
      expect(secondRun.slice(0, 2).map((r) => r.position)).toEqual(firstRun.slice(4, 6).map((r) => r.position));
      expect(secondRun.every((r) => r.position! > backup.position!)).toBe(true);
      expect(second.lines.some((line) => line.level === WARN && line.msg.includes('has confirmed changes past this connector\'s stored offset'))).toBe(true);
    } finally {
      await second.task.stop();
    }
  });
});
