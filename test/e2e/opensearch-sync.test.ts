/**
 * Search index sync end to end: a random workload on a real PostgreSQL (inserts, updates that leave
 * a TOASTed column unchanged, deletes, primary-key changes, a truncate), captured by the worker into
 * the fake OpenSearch (test/support/fake-opensearch.ts), or a real cluster when OPENSEARCH_URL is set
 * (test/support/opensearch-target.ts). Afterwards the index holds exactly the table; the same with
 * faults falling throughout the workload (429 storms, 503s, connection resets before and after a
 * bulk request was applied, answers that come after the sink's read timeout, the request applied
 * or not yet), also across a kill -9 of the worker; replaying everything changes nothing; a document
 * OpenSearch rejects goes to the dead-letter file with its reason while the rest is indexed. The
 * tests that inject faults run against the fake only: a real cluster cannot be made to fail on demand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { StandaloneHerder } from '../../src/worker/standalone-herder.js';
import { loadWorkerConfig } from '../../src/worker/worker-config.js';
import { postgresSourceConfig, workerDir } from '../support/connectors.js';
import type { FakeOpenSearch, FakeOpenSearchFaults, InjectedFault } from '../support/fake-opensearch.js';
import { itOnFake } from '../support/opensearch-fixture.js';
import { openSearchTarget, type OpenSearchTarget, type TargetDocument } from '../support/opensearch-target.js';
import { createTestDatabase, writeAndWaitForSlot, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess } from '../support/worker-process.js';

const BIG = `(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400))`;

/** The sink's read.timeout.ms in the fault tests: a delayed answer comes twice as late. */
const READ_TIMEOUT_MS = 1000;
/** Longer than any test: a request held this long waits for `releaseDelayed`. */
const UNTIL_RELEASED_MS = 600_000;

/** The faults armed in turn while a workload runs, by the name the fake's request log gives them. */
const FAULT_TURNS: ReadonlyArray<[InjectedFault, (faults: FakeOpenSearchFaults) => void]> = [
  // a 429 storm: bulk requests turned away whole, then items one by one
  ['rejected', (faults) => faults.rejectBulk(3)],
  ['items rejected', (faults) => faults.rejectItems(20)],
  // any request: index checks, document reads and truncates' deletes too
  ['unavailable', (faults) => faults.unavailable(2)],
  ['reset', (faults) => faults.resetConnection(1)],
  // the write is done, the sink never hears of it and sends it again
  ['reset after applying', (faults) => faults.resetConnection(1, { afterApplying: true, scope: 'bulk' })],
  // the sink gives up on the request: the node applies it once everything else is written (stale by
  // then, if its documents changed again), or had applied it already
  ['delayed', (faults) => faults.delay(UNTIL_RELEASED_MS, 1, 'bulk')],
  ['delayed after applying', (faults) => faults.delay(2 * READ_TIMEOUT_MS, 1, { scope: 'bulk', afterApplying: true })],
];

/**
 * Arms FAULT_TURNS one after the other until `stop`, each once the one before has fallen on a
 * request and a request after it was answered without a fault (so the sink always gets on).
 * `coverAll(poke)` calls `poke` (more writes, so more requests) until every kind has fallen at
 * least once; `fallen()` is every fault the request log shows since the start. `stop` lets the
 * held requests go and returns once every request is answered or reset.
 */
function faultsThroughout(fake: FakeOpenSearch) {
  const firstRequest = fake.requests.length;
  let running = true;
  const fellAndPassed = (from: number, name: InjectedFault) => {
    const fell = fake.requests.findIndex((request, i) => i >= from && request.faults?.includes(name));
    return fell >= 0 && fake.requests.slice(fell + 1).some((request) => request.faults === undefined && request.status !== undefined && request.status < 300);
  };
  const turns = (async () => {
    for (let turn = 0; running; turn++) {
      const [name, arm] = FAULT_TURNS[turn % FAULT_TURNS.length]!;
      const from = fake.requests.length;
      arm(fake.faults);
      await waitFor(() => !running || fellAndPassed(from, name), 300_000, `the ${name} fault to fall on a request, and a request after it to pass`);
    }
  })();
  const fallen = () => new Set(fake.requests.slice(firstRequest).flatMap((request) => request.faults ?? []));
  return {
    fallen,
    async coverAll(poke: () => Promise<void>): Promise<void> {
      await waitFor(async () => fallen().size === FAULT_TURNS.length || (await poke(), false), 90_000, 'every kind of fault to fall on a request');
    },
    async stop(): Promise<void> {
      running = false;
      await turns;
      fake.faults.clear();
      fake.faults.releaseDelayed();
      const answered = () => fake.requests.every((request) => request.status !== undefined || request.faults?.some((fault) => fault.startsWith('reset')));
      await waitFor(answered, 30_000, 'every request to the node answered');
    },
  };
}

/** A table of 100 rows with a TOASTed text column. */
async function createDocumentsTable(client: pg.Client, table: string): Promise<void> {
  await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, title text NOT NULL, body text, price numeric(10,2))`);
}

/** The table's rows as the index must hold them (expectSynced). */
async function tableRows(client: pg.Client, table: string) {
  return (await client.query<{ id: number; title: string; body: string | null; price: string | null }>(`SELECT id, title, body, price::text FROM ${table} ORDER BY id`)).rows;
}

async function createDocuments(client: pg.Client, table: string): Promise<void> {
  await createDocumentsTable(client, table);
  // A primary-key change sends an unchanged TOASTed value only with REPLICA IDENTITY FULL; with
  // DEFAULT the moved row arrives without it (the sink warns), so exact sync needs FULL here.
  await client.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
  await client.query(`INSERT INTO ${table} SELECT g, 'title ' || g, ${BIG}, g * 1.25 FROM generate_series(1, 100) g`);
}

async function runWorkload(client: pg.Client, table: string, from: number, rounds: number, seed: number): Promise<number> {
  let next = from;
  let s = seed;
  const random = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
  const pick = () => 1 + Math.floor(random() * (next - 1));
  for (let round = 0; round < rounds; round++) {
    await client.query('BEGIN');
    for (let i = 0; i < 5; i++) {
      const r = random();
      if (r < 0.3) await client.query(`INSERT INTO ${table} VALUES ($1, $2, ${BIG}, $3) ON CONFLICT DO NOTHING`, [next++, `title ${next}`, (random() * 1000).toFixed(2)]);
      else if (r < 0.6) await client.query(`UPDATE ${table} SET title = title || '+', price = price + 1 WHERE id = $1`, [pick()]);
      else if (r < 0.7) await client.query(`UPDATE ${table} SET body = ${BIG} WHERE id = $1`, [pick()]);
      else if (r < 0.85) await client.query(`DELETE FROM ${table} WHERE id = $1`, [pick()]);
      else await client.query(`UPDATE ${table} SET id = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM ${table} WHERE id = $1)`, [next++, pick()]);
    }
    await client.query('COMMIT');
  }
  return next;
}

describe('OpenSearch sink keeps an index exactly in sync', () => {
  let db: TestDatabase;
  let search: OpenSearchTarget;
  beforeAll(async () => {
    db = await createTestDatabase('ossync');
    search = await openSearchTarget(db.name, { refreshIntervalMs: null });
  });
  afterAll(async () => {
    await search.close();
    await db.drop();
  });

  /**
   * Runs the workload through a worker into `table`'s index, with `maxRetries` the sink's
   * `max.retries`; `faulted`: with faults falling from the moment the connectors are up until every
   * change is confirmed (faultsThroughout), and `fallen` the faults that fell.
   */
  async function sync(table: string, { faulted = false, maxRetries = 20 } = {}) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await createDocuments(client, table);
    const dir = workerDir();
    const deadLetters = path.join(dir.dir, 'dead-letters.jsonl');
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), pino({ level: 'silent' }), {
      restart: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    const topic = `test.public.${table}`;
    const index = search.index(table);
    await herder.start([
      {
        name: 'search',
        config: {
          'connector.class': 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector',
          'connection.url': search.url,
          topics: topic,
          'topic.to.index.map': `${topic}:${index}`,
          'batch.size': '50',
          'retry.backoff.ms': '20',
          'max.retries': String(maxRetries),
          'read.timeout.ms': String(READ_TIMEOUT_MS),
          'behavior.on.malformed.documents': 'report',
          'errors.deadletterqueue.file': deadLetters,
        },
      },
      {
        name: 'source',
        config: postgresSourceConfig(db.url, { 'slot.name': `${db.name}_${table}`, 'table.include.list': `public.${table}`, 'skipped.operations': 'none', 'heartbeat.interval.ms': '0' }),
      },
    ]);
    const faults = faulted ? faultsThroughout(search.fake!) : null;
    try {
      let next = await runWorkload(client, table, 101, 40, 11);
      await client.query(`TRUNCATE ${table}`);
      await client.query(`INSERT INTO ${table} SELECT g, 'after truncate ' || g, ${BIG}, g FROM generate_series($1::int, $1::int + 49) g`, [next]);
      next = await runWorkload(client, table, next + 50, 40, 23);
      let seed = 100;
      await faults?.coverAll(async () => void (next = await runWorkload(client, table, next, 1, seed++)));
      await writeAndWaitForSlot(client, `${db.name}_${table}`, `INSERT INTO ${table} VALUES (-1, 'marker', NULL, 0)`);
    } finally {
      await faults?.stop();
    }
    const docs = () => search.documents(index);
    const rows = await tableRows(client, table);
    await client.end();
    return { herder, rows, docs, index, deadLetters, slot: `${db.name}_${table}`, fallen: faults?.fallen() ?? new Set<InjectedFault>() };
  }

  const expectSynced = (rows: Array<{ id: number; title: string; body: string | null; price: string | null }>, docs: Map<string, TargetDocument>) => {
    expect([...docs.keys()].map(Number).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
    for (const row of rows) {
      const doc = docs.get(String(row.id))!.source;
      expect(doc).toMatchObject({ id: row.id, title: row.title, body: row.body, price: row.price === null ? null : Number(row.price) });
      expect(JSON.stringify(doc)).not.toContain('__debezium_unavailable_value');
    }
  };

  it('holds every row with its latest values, no deleted rows and no placeholder text; a replay changes nothing', { timeout: 120_000 }, async () => {
    const { herder, rows, docs, slot } = await sync('synced');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // Sources by id: a real cluster lists documents in its own order.
    const contents = async () => JSON.stringify([...(await docs())].map(([id, d]) => [id, d.source]).sort(([a], [b]) => Number(a) - Number(b)));
    try {
      expectSynced(rows, await docs());
      const before = await contents();
      await herder.stop('source');
      await herder.resetOffsets('source');
      await herder.resume('source');
      await waitFor(() => (herder.sourceRunner('source')?.counts.events ?? 0) >= rows.length, 60_000, 'the replayed snapshot');
      // A change that leaves the row as it is, confirmed by the slot once the sink holds everything before it.
      await writeAndWaitForSlot(client, slot, `UPDATE synced SET title = title WHERE id = -1`);
      expect(await contents()).toBe(before);
    } finally {
      await client.end();
      await herder.shutdown();
    }
  });

  itOnFake('a real cluster cannot be made to answer 429s and 503s or reset connections on demand')('reaches the same state with 429 storms, 503s, connection resets and read timeouts throughout', { timeout: 180_000 }, async () => {
    // With few retries per request, a request's retries run out during a storm and the runner sends
    // its items again after its own pause, which starts the backoff over: that path is exercised too.
    const { herder, rows, docs, fallen } = await sync('faulted', { faulted: true, maxRetries: 3 });
    try {
      expectSynced(rows, await docs());
      expect([...fallen].sort()).toEqual(FAULT_TURNS.map(([name]) => name).sort());
    } finally {
      await herder.shutdown();
    }
  });

  itOnFake('the rejected document is chosen by the fake\'s failMapping fault')('sends a document OpenSearch rejects to the dead-letter file with its reason, and indexes the rest', { timeout: 120_000 }, async () => {
    const fake = search.fake!;
    fake.faults.failMapping((doc) => doc.source['title'] === 'title 7');
    const { herder, rows, docs, deadLetters } = await sync('poisoned');
    try {
      fake.faults.clear();
      expect(existsSync(deadLetters)).toBe(true);
      const reported = readFileSync(deadLetters, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; error: { type: string } });
      expect(reported.some((r) => r.id === '7' && r.error.type === 'mapper_parsing_exception')).toBe(true);
      const others = rows.filter((r) => r.title !== 'title 7');
      const indexed = await docs();
      for (const row of others) expect(indexed.has(String(row.id))).toBe(true);
    } finally {
      await herder.shutdown();
    }
  });

  /**
   * Runs the workload through a worker process that is killed with SIGKILL once a stream offset is
   * committed (`afterStreamOffset`) or right after the snapshot, and started again, into `table`'s
   * index; `faulted`: with faults falling from the first start, across the kill, until every change
   * is confirmed. The table's rows, the index's documents and the faults that fell.
   */
  async function syncThroughKill(table: string, { afterStreamOffset, faulted }: { afterStreamOffset: boolean; faulted: boolean }) {
    const slot = `${db.name}_${table}`;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await createDocuments(client, table);
    const dir = workerDir(faulted ? { 'task.restart.initial.delay.ms': '100', 'task.restart.max.delay.ms': '500' } : {});
    const topic = `test.public.${table}`;
    const index = search.index(table);
    const retries: Record<string, string> = faulted ? { 'read.timeout.ms': String(READ_TIMEOUT_MS), 'retry.backoff.ms': '20', 'max.retries': '3' } : {};
    const files = [
      dir.connectorFile('search', { 'connector.class': 'OpenSearchSink', 'connection.url': search.url, topics: topic, 'topic.to.index.map': `${topic}:${index}`, 'batch.size': '20', ...retries }),
      dir.connectorFile('source', postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': `public.${table}`, 'heartbeat.interval.ms': '0' })),
    ];
    let worker = startWorkerProcess(dir.configFile, files);
    const faults = faulted ? faultsThroughout(search.fake!) : null;
    try {
      await waitFor(async () => (await search.documents(index)).size >= 100, 60_000, 'the snapshot indexed');
      let next = await runWorkload(client, table, 101, 30, 5);
      if (afterStreamOffset) {
        const offsetsFile = path.join(dir.dir, 'data', 'offsets.json');
        await waitFor(() => existsSync(offsetsFile) && readFileSync(offsetsFile, 'utf8').includes('lsn_commit'), 60_000, 'a committed stream offset');
      }
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
      next = await runWorkload(client, table, next, 30, 6);
      worker = startWorkerProcess(dir.configFile, files);
      next = await runWorkload(client, table, next, 30, 7);
      let seed = 100;
      await faults?.coverAll(async () => void (next = await runWorkload(client, table, next, 1, seed++)));
      await writeAndWaitForSlot(client, slot, `INSERT INTO ${table} VALUES (-1, 'marker', NULL, 0)`);
      await faults?.stop();
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const rows = await tableRows(client, table);
      return { rows, docs: await search.documents(index), fallen: faults?.fallen() ?? new Set<InjectedFault>() };
    } finally {
      await faults?.stop();
      worker.child.kill('SIGKILL');
      await client.end();
    }
  }

  it.each([
    ['right after the snapshot, before a stream offset is committed (the restart snapshots again)', false],
    ['once a stream offset is committed (the restart resumes the stream)', true],
  ])('reaches the same state when the worker is killed with SIGKILL %s', { timeout: 120_000 }, async (_when, afterStreamOffset) => {
    const { rows, docs } = await syncThroughKill(afterStreamOffset ? 'killed_streaming' : 'killed_early', { afterStreamOffset, faulted: false });
    expectSynced(rows, docs);
  });

  itOnFake('the faults are the fake\'s, armed from this process while the worker runs in its own')('reaches the same state when the worker is killed with SIGKILL while faults fall throughout', { timeout: 180_000 }, async () => {
    const { rows, docs, fallen } = await syncThroughKill('killed_faulted', { afterStreamOffset: true, faulted: true });
    expectSynced(rows, docs);
    expect([...fallen].sort()).toEqual(FAULT_TURNS.map(([name]) => name).sort());
  });

  /**
   * A table of 20 rows whose body is `body` (SQL), indexed into an index of its own by a standalone
   * worker (`searchSettings` on top of the sink's); resolves once the snapshot is indexed. `close`
   * ends the client and shuts the worker down.
   */
  async function indexTwentyRows(table: string, body: string, searchSettings: Record<string, string> = {}) {
    const slot = `${db.name}_${table}`;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await createDocumentsTable(client, table);
    await client.query(`INSERT INTO ${table} SELECT g, 'title ' || g, ${body}, g FROM generate_series(1, 20) g`);
    const topic = `test.public.${table}`;
    const index = search.index(table);
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: workerDir().configFile, env: {} }), pino({ level: 'silent' }));
    const close = async () => {
      await client.end();
      await herder.shutdown();
    };
    try {
      await herder.start([
        { name: 'search', config: { 'connector.class': 'OpenSearchSink', 'connection.url': search.url, topics: topic, 'topic.to.index.map': `${topic}:${index}`, ...searchSettings } },
        { name: 'source', config: postgresSourceConfig(db.url, { 'slot.name': slot, 'table.include.list': `public.${table}`, 'heartbeat.interval.ms': '0' }) },
      ]);
      await waitFor(async () => (await search.documents(index)).size === 20, 60_000, 'the snapshot indexed');
    } catch (error) {
      await close();
      throw error;
    }
    return { client, slot, index, close };
  }

  it('keeps stored TOASTed text when an update leaves it unchanged (REPLICA IDENTITY DEFAULT: a partial update)', { timeout: 120_000 }, async () => {
    const table = 'toasted';
    const { client, slot, index, close } = await indexTwentyRows(table, BIG);
    try {
      // Only title and price change: pgoutput marks the TOASTed body unchanged, the event carries the placeholder.
      await client.query(`UPDATE ${table} SET title = 'renamed ' || id, price = price + 0.5 WHERE id <= 10`);
      await writeAndWaitForSlot(client, slot, `INSERT INTO ${table} VALUES (-1, 'marker', NULL, 0)`);
      const rows = await tableRows(client, table);
      const docs = await search.documents(index);
      expectSynced(rows, docs);
      expect(docs.get('3')!.source['title']).toBe('renamed 3');
    } finally {
      await close();
    }
  });

  itOnFake('the node holds the request back until the test lets it go')('keeps the newer change when the node applies a write after the sink gave up on it and wrote a newer one', { timeout: 120_000 }, async () => {
    const fake = search.fake!;
    const table = 'late';
    const { client, slot, index, close } = await indexTwentyRows(table, `'body'`, { 'read.timeout.ms': String(READ_TIMEOUT_MS), 'retry.backoff.ms': '20' });
    try {
      const from = fake.requests.length;
      fake.faults.delay(UNTIL_RELEASED_MS, 1, 'bulk');
      await client.query(`UPDATE ${table} SET title = 'first' WHERE id = 1`);
      // the sink gives up on the held request after read.timeout.ms and sends it again
      await waitFor(async () => (await search.documents(index)).get('1')?.source['title'] === 'first', 60_000, 'the write sent again');
      const held = fake.requests.slice(from).find((request) => request.faults?.includes('delayed'));
      expect(held).toBeDefined();
      await client.query(`UPDATE ${table} SET title = 'second' WHERE id = 1`);
      await writeAndWaitForSlot(client, slot, `INSERT INTO ${table} VALUES (-1, 'marker', NULL, 0)`);
      expect(held!.status).toBeUndefined();
      fake.faults.releaseDelayed();
      await waitFor(() => held!.status !== undefined, 10_000, 'the held write applied');
      expect(held!.status).toBe(200);
      const rows = await tableRows(client, table);
      const docs = await search.documents(index);
      expectSynced(rows, docs);
      expect(docs.get('1')!.source['title']).toBe('second');
    } finally {
      fake.faults.clear();
      fake.faults.releaseDelayed();
      await close();
    }
  });
});
