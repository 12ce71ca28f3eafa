import pg from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import { RetriableError, SluiceError } from '../../../errors.js';
import { parseLsn } from '../lsn.js';
import { sessionOptions } from '../session.js';
import {
  PgoutputDecoder,
  UNCHANGED_TOAST,
  type PgoutputMessage,
  type RelationColumn,
  type RelationMessage,
  type Tuple,
} from './pgoutput-decoder.js';

interface Row {
  lsn: string;
  xid: string;
  data: Buffer;
}

const RANDOM_TEXT = `(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 3200))`;
const TEXT = 'Zoë 🚀 ünïcödé';
const STAMP = '2024-02-29 12:34:56.789012+00';

let db: TestDatabase;
let client: pg.Client;
let slot: string;
let rows: Row[];
let doc1: string;
let doc2: string;
let startedUs: number;
let finishedUs: number;

async function serverNowUs(): Promise<number> {
  const { rows } = await client.query<{ us: string }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS us`);
  return Number(rows[0]!.us);
}

async function peek(...options: string[]): Promise<Row[]> {
  const params = options.map((_, i) => `$${i + 2}`).join(', ');
  const result = await client.query<Row>(
    `SELECT lsn::text, xid::text, data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, ${params})`,
    [slot, ...options],
  );
  return result.rows;
}

/** The Relation message we expect for a table, with column types read from the catalog. */
async function relationOf(schema: string, name: string, replicaIdentity: RelationMessage['replicaIdentity'], keys: string[]): Promise<RelationMessage> {
  const table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
  const { rows } = await client.query<{ oid: number; attname: string; atttypid: number; atttypmod: number }>(
    `SELECT c.oid::int AS oid, attname, atttypid::int AS atttypid, atttypmod
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  const columns: RelationColumn[] = rows.map((r) => ({ name: r.attname, isKey: keys.includes(r.attname), typeOid: r.atttypid, typeMod: r.atttypmod }));
  return { tag: 'relation', oid: rows[0]!.oid, schema, name, replicaIdentity, columns };
}

beforeAll(async () => {
  db = await createTestDatabase('pgoutput');
  slot = db.name;
  client = new pg.Client({ connectionString: db.url, options: sessionOptions() });
  await client.connect();
  // The test server runs with synchronous_commit off; peeking reads only flushed WAL.
  await client.query(`SET synchronous_commit = on`);
  await client.query(`
    CREATE TYPE mood AS ENUM ('happy', 'sad');
    CREATE SCHEMA "App";
    CREATE TABLE keyed (id int PRIMARY KEY, gone int, name text, big bigint, amount numeric(30, 9), at timestamptz, doc text);
    ALTER TABLE keyed DROP COLUMN gone;
    CREATE TABLE full_rows (id int, note text, doc text);
    ALTER TABLE full_rows REPLICA IDENTITY FULL;
    CREATE TABLE by_index (id int NOT NULL, code varchar(20) NOT NULL, note text);
    CREATE UNIQUE INDEX by_index_code ON by_index (code);
    ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_code;
    CREATE TABLE "App"."No Identity" (id int, feeling mood);
    ALTER TABLE "App"."No Identity" REPLICA IDENTITY NOTHING;
    CREATE PUBLICATION pub FOR ALL TABLES;
  `);
  await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  startedUs = await serverNowUs();
  const inserted = await client.query<{ doc: string }>(
    `INSERT INTO keyed VALUES (1, $1, 9007199254740993, 12345678901234567890.123456789, $2, ${RANDOM_TEXT}), (2, NULL, NULL, NULL, NULL, 'short') RETURNING doc`,
    [TEXT, STAMP],
  );
  doc1 = inserted.rows[0]!.doc;
  await client.query(`UPDATE keyed SET name = 'renamed' WHERE id = 1`);
  await client.query(`UPDATE keyed SET id = 10 WHERE id = 2`);
  doc2 = (await client.query<{ doc: string }>(`INSERT INTO full_rows VALUES (1, 'a', ${RANDOM_TEXT}) RETURNING doc`)).rows[0]!.doc;
  await client.query(`UPDATE full_rows SET note = 'b'`);
  await client.query(`DELETE FROM full_rows`);
  await client.query(`INSERT INTO by_index VALUES (1, 'c1', 'n1')`);
  await client.query(`UPDATE by_index SET note = 'n2'`);
  await client.query(`UPDATE by_index SET code = 'c2'`);
  await client.query(`DELETE FROM by_index`);
  await client.query(`ALTER TABLE by_index ADD COLUMN extra int`);
  await client.query(`INSERT INTO by_index VALUES (2, 'c3', NULL, 7)`);
  await client.query(`INSERT INTO "App"."No Identity" VALUES (1, 'happy')`);
  await client.query(`DELETE FROM keyed WHERE id = 10`);
  await client.query(`TRUNCATE keyed, full_rows RESTART IDENTITY CASCADE`);
  // Last comes a commit, which flushes the non-transactional message too.
  await client.query(`SELECT pg_logical_emit_message(false, 'p', '\\x00ff'::bytea)`);
  await client.query(`BEGIN; SELECT pg_logical_emit_message(true, 'p', 'hello'); INSERT INTO "App"."No Identity" VALUES (2, NULL); COMMIT`);
  finishedUs = await serverNowUs();
  rows = await peek('proto_version', '1', 'publication_names', 'pub', 'messages', 'true');
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('PgoutputDecoder.parse', () => {
  it('decodes every message of a pgoutput stream exactly', async () => {
    const decoder = new PgoutputDecoder({ publicationNames: ['pub'], messages: true });
    const decoded = rows.map((row) => decoder.parse(row.data));

    const keyed = await relationOf('public', 'keyed', 'default', ['id']);
    const full = await relationOf('public', 'full_rows', 'full', ['id', 'note', 'doc']);
    const byIndexNow = await relationOf('public', 'by_index', 'index', ['code']);
    const byIndexBefore: RelationMessage = { ...byIndexNow, columns: byIndexNow.columns.slice(0, 3) };
    const noIdentity = await relationOf('App', 'No Identity', 'nothing', []);
    const moodOid = Number((await client.query<{ oid: string }>(`SELECT 'mood'::regtype::oid::text AS oid`)).rows[0]!.oid);

    const begin = { tag: 'begin', finalLsn: expect.any(Number), commitTimeUs: expect.any(Number), xid: expect.any(Number) };
    const commit = { tag: 'commit', flags: 0, commitLsn: expect.any(Number), endLsn: expect.any(Number), commitTimeUs: expect.any(Number) };
    const insert = (relation: RelationMessage, newTuple: Tuple) => ({ tag: 'insert', relation, newTuple });
    const update = (relation: RelationMessage, keyTuple: Tuple | null, oldTuple: Tuple | null, newTuple: Tuple) => ({ tag: 'update', relation, keyTuple, oldTuple, newTuple });
    const del = (relation: RelationMessage, keyTuple: Tuple | null, oldTuple: Tuple | null) => ({ tag: 'delete', relation, keyTuple, oldTuple });
    const row1 = ['1', TEXT, '9007199254740993', '12345678901234567890.123456789', STAMP, doc1];

    expect(decoded).toEqual([
      begin, keyed, insert(keyed, row1), insert(keyed, ['2', null, null, null, null, 'short']), commit,
      begin, update(keyed, null, null, ['1', 'renamed', ...row1.slice(2, 5), UNCHANGED_TOAST]), commit,
      begin, update(keyed, ['2', null, null, null, null, null], null, ['10', null, null, null, null, 'short']), commit,
      begin, full, insert(full, ['1', 'a', doc2]), commit,
      begin, update(full, null, ['1', 'a', doc2], ['1', 'b', UNCHANGED_TOAST]), commit,
      begin, del(full, null, ['1', 'b', doc2]), commit,
      begin, byIndexBefore, insert(byIndexBefore, ['1', 'c1', 'n1']), commit,
      begin, update(byIndexBefore, null, null, ['1', 'c1', 'n2']), commit,
      begin, update(byIndexBefore, [null, 'c1', null], null, ['1', 'c2', 'n2']), commit,
      begin, del(byIndexBefore, [null, 'c2', null], null), commit,
      begin, byIndexNow, insert(byIndexNow, ['2', 'c3', null, '7']), commit,
      begin, { tag: 'type', oid: moodOid, schema: 'public', name: 'mood' }, noIdentity, insert(noIdentity, ['1', 'happy']), commit,
      begin, del(keyed, ['10', null, null, null, null, null], null), commit,
      // TRUNCATE gives the tables new storage, which makes pgoutput send their Relation messages again.
      begin, keyed, full, { tag: 'truncate', cascade: true, restartIdentity: true, relations: [keyed, full] }, commit,
      { tag: 'message', transactional: false, lsn: expect.any(Number), prefix: 'p', content: Buffer.from([0x00, 0xff]) },
      begin, { tag: 'message', transactional: true, lsn: expect.any(Number), prefix: 'p', content: Buffer.from('hello') }, insert(noIdentity, ['2', null]), commit,
    ]);
  });

  it('gives changes the Relation message last sent for their oid', () => {
    const decoder = new PgoutputDecoder({ publicationNames: ['pub'], messages: true });
    const decoded = rows.map((row) => decoder.parse(row.data));
    const byIndex = decoded.filter((m): m is RelationMessage => m.tag === 'relation' && m.name === 'by_index');
    expect(byIndex.map((r) => r.columns.length)).toEqual([3, 4]);
    const changes = decoded.filter((m) => 'relation' in m && m.relation.name === 'by_index');
    expect(changes.map((m) => 'relation' in m && m.relation === byIndex[0])).toEqual([true, true, true, true, false]);
    expect(changes.at(-1)).toMatchObject({ tag: 'insert', relation: byIndex[1] });
  });

  it('reports LSNs, xids and commit times consistent with the server', () => {
    const decoder = new PgoutputDecoder({ publicationNames: ['pub'], messages: true });
    let transaction: { begin: Extract<PgoutputMessage, { tag: 'begin' }>; beginLsn: number; xid: string } | null = null;
    let lastCommitUs = startedUs;
    let transactions = 0;
    for (const row of rows) {
      const message = decoder.parse(row.data);
      const lsn = parseLsn(row.lsn);
      if (message.tag === 'begin') {
        expect(transaction).toBeNull();
        expect(message.xid).toBe(Number(row.xid));
        expect(message.finalLsn).toBeGreaterThanOrEqual(lsn);
        transaction = { begin: message, beginLsn: lsn, xid: row.xid };
      } else if (message.tag === 'commit') {
        expect(transaction).not.toBeNull();
        const { begin, xid } = transaction!;
        expect(row.xid).toBe(xid);
        expect(message.commitLsn).toBe(begin.finalLsn);
        expect(message.endLsn).toBe(lsn);
        expect(message.endLsn).toBeGreaterThan(message.commitLsn);
        expect(message.commitTimeUs).toBe(begin.commitTimeUs);
        expect(message.commitTimeUs).toBeGreaterThanOrEqual(lastCommitUs);
        expect(message.commitTimeUs).toBeLessThanOrEqual(finishedUs);
        lastCommitUs = message.commitTimeUs;
        transaction = null;
        transactions++;
      } else if (transaction !== null) {
        expect(row.xid).toBe(transaction.xid);
        expect(lsn).toBeGreaterThanOrEqual(transaction.beginLsn);
        expect(lsn).toBeLessThanOrEqual(transaction.begin.finalLsn);
        if (message.tag === 'message') expect(message.lsn).toBe(lsn);
      } else {
        expect(message).toMatchObject({ tag: 'message', transactional: false, lsn });
      }
    }
    expect(transactions).toBe(15);
  });

  it('rejects a change for a relation it has not seen as out of sync', () => {
    const insertRow = rows.find((row) => row.data[0] === 0x49)!;
    const decoder = new PgoutputDecoder({ publicationNames: ['pub'], messages: true });
    let error: unknown;
    try {
      decoder.parse(insertRow.data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RetriableError);
    expect(error).toMatchObject({ code: 'PGOUTPUT_OUT_OF_SYNC', message: expect.stringContaining('out of sync') });
  });

  it('rejects truncated and overlong messages', () => {
    const decoder = new PgoutputDecoder({ publicationNames: ['pub'], messages: true });
    const relationRow = rows.find((row) => row.data[0] === 0x52)!;
    decoder.parse(relationRow.data);
    const insertRow = rows.find((row) => row.data[0] === 0x49)!;
    expect(() => decoder.parse(insertRow.data.subarray(0, insertRow.data.length - 1))).toThrow(
      expect.objectContaining({ code: 'PGOUTPUT_MALFORMED', message: expect.stringContaining('ends early') }),
    );
    expect(() => decoder.parse(Buffer.concat([insertRow.data, Buffer.from([0])]))).toThrow(
      expect.objectContaining({ code: 'PGOUTPUT_MALFORMED', message: expect.stringContaining('past its end') }),
    );
  });

  it('refuses binary values with a clear error', async () => {
    const binaryRows = await peek('proto_version', '1', 'publication_names', 'pub', 'binary', 'true');
    const decoder = new PgoutputDecoder({ publicationNames: ['pub'], messages: false });
    let error: unknown;
    try {
      for (const row of binaryRows) decoder.parse(row.data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'PGOUTPUT_MALFORMED', message: expect.stringContaining('binary value for column id of public.keyed') });
  });
});

describe('PgoutputDecoder.start', () => {
  it('starts streaming that LogicalReplicationService decodes with it', async () => {
    const streamSlot = `${db.name}_stream`;
    const first = `Odd, "it's" pub`;
    await client.query(`
      CREATE TABLE streamed_a (id int PRIMARY KEY, note text);
      CREATE TABLE streamed_b (id int PRIMARY KEY);
      CREATE PUBLICATION ${pg.escapeIdentifier(first)} FOR TABLE streamed_a;
      CREATE PUBLICATION "Second" FOR TABLE streamed_b;
    `);
    await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [streamSlot]);
    await client.query(`INSERT INTO "App"."No Identity" VALUES (3, 'sad')`);
    await client.query(`INSERT INTO streamed_b VALUES (1)`);
    await client.query(`INSERT INTO streamed_a VALUES (1, $1)`, [TEXT]);

    const service = new LogicalReplicationService({ connectionString: db.url }, { acknowledge: { auto: false, timeoutSeconds: 0 } });
    const decoder = new PgoutputDecoder({ publicationNames: [first, 'Second'], messages: false });
    const received: PgoutputMessage[] = [];
    try {
      const twoInserts = new Promise<void>((resolve, reject) => {
        service.on('error', reject);
        service.on('data', (_lsn: string, message: PgoutputMessage) => {
          received.push(message);
          if (received.filter((m) => m.tag === 'insert').length === 2) resolve();
        });
      });
      const ended = service.subscribe(decoder, streamSlot).then(() => 'ended');
      expect(await Promise.race([twoInserts.then(() => 'two inserts'), ended])).toBe('two inserts');
      await service.stop();
      await ended;
    } finally {
      await service.destroy();
    }
    const inserts = received.filter((m) => m.tag === 'insert');
    expect(inserts.map((m) => [m.relation.name, m.newTuple])).toEqual([
      ['streamed_b', ['1']],
      ['streamed_a', ['1', TEXT]],
    ]);
  });
});
