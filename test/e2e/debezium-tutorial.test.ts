/**
 * A Debezium 1.x tutorial config, POSTed as users copy it, to the worker running as a process with
 * its REST API on a real port: it creates a running connector that captures public.orders and
 * public.customers. Only the host, port and the secrets file's path are adjusted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/embedded/postgres-server.js';
import { readEvents } from '../support/change-log.js';
import { databaseUrl, serverUrl, withClient } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const SECRET = 's3cr3t-Replicat0r';
const DATABASE = 'production';

describe('a Debezium 1.x tutorial config over the REST API', () => {
  let worker: WorkerProcess;
  let base: string;
  let dir: string;
  const url = () => databaseUrl(serverUrl(), DATABASE);

  beforeAll(async () => {
    await withClient(serverUrl(), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${DATABASE}`);
      await c.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'replicator') THEN CREATE ROLE replicator LOGIN REPLICATION; END IF; END $$`);
      await c.query(`ALTER ROLE replicator PASSWORD '${SECRET}'`);
    });
    await withClient(url(), async (c) => {
      await c.query(`CREATE TABLE orders (id int PRIMARY KEY, item text, qty int)`);
      await c.query(`CREATE TABLE customers (id int PRIMARY KEY, name text)`);
      await c.query(`CREATE TABLE audit (id int PRIMARY KEY)`);
      await c.query(`INSERT INTO orders VALUES (1, 'book', 2)`);
      await c.query(`INSERT INTO customers VALUES (1, 'Ada')`);
      await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO replicator`);
      // As a DBA sets it up for Debezium: the publication exists, made by a superuser.
      await c.query(`CREATE PUBLICATION dbz_publication FOR ALL TABLES`);
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-tutorial-'));
    writeFileSync(path.join(dir, 'postgres.properties'), `password=${SECRET}\n`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(
      path.join(dir, 'worker.properties'),
      [
        `rest.port=${port}`,
        `sluice.data.dir=${path.join(dir, 'data')}`,
        'offset.flush.interval.ms=200',
        'config.providers=file',
        'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
      ].join('\n'),
    );
    worker = startWorkerProcess(path.join(dir, 'worker.properties'), []);
    await waitFor(async () => (await fetch(`${base}/`).catch(() => null))?.ok === true, 60_000, 'the REST API');
  });

  afterAll(async () => {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await withClient(serverUrl(), async (c) => {
      await c.query(`SELECT pg_drop_replication_slot('debezium') FROM pg_replication_slots WHERE slot_name = 'debezium' AND NOT active`);
      await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    });
  });

  it('creates a running connector that captures the two tables, and never shows the secret', { timeout: 120_000 }, async () => {
    try {
      await tutorial();
    } catch (error) {
      process.stderr.write(worker.stderr().slice(-4000));
      throw error;
    }
  });

  async function tutorial() {
    const events = path.join(dir, 'events.jsonl');
    const sink = await fetch(`${base}/connectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'events', config: { 'connector.class': 'FileStreamSink', 'topics.regex': 'prod_pg\\..*', file: events } }),
    });
    expect(sink.status).toBe(201);

    const dbUrl = new URL(url());
    const body = {
      name: 'postgres-cdc',
      config: {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'database.hostname': dbUrl.hostname,
        'database.port': dbUrl.port,
        'database.user': 'replicator',
        'database.password': `\${file:${path.join(dir, 'postgres.properties')}:password}`,
        'database.dbname': 'production',
        'database.server.name': 'prod_pg',
        'table.include.list': 'public.orders,public.customers',
        'plugin.name': 'pgoutput',
        'publication.name': 'dbz_publication',
        'slot.name': 'debezium',
        transforms: 'unwrap',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.drop.tombstones': 'false',
      },
    };
    const created = await fetch(`${base}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/connectors/postgres-cdc');
    expect(await created.json()).toEqual({ name: 'postgres-cdc', config: { ...body.config, name: 'postgres-cdc' }, tasks: [{ connector: 'postgres-cdc', task: 0 }], type: 'source' });

    await waitFor(async () => {
      const status = (await (await fetch(`${base}/connectors/postgres-cdc/status`)).json()) as { tasks: Array<{ state: string; trace?: string }> };
      if (status.tasks[0]?.state === 'FAILED') throw new Error(status.tasks[0].trace);
      return status.tasks[0]?.state === 'RUNNING';
    }, 60_000, 'the connector to run');

    await waitFor(() => readEvents(events).length >= 2, 60_000, 'the snapshot');
    await withClient(url(), async (c: pg.Client) => {
      await c.query(`INSERT INTO orders VALUES (2, 'pen', 1)`);
      await c.query(`UPDATE customers SET name = 'Ada L.' WHERE id = 1`);
      await c.query(`INSERT INTO audit VALUES (1)`);
      await c.query(`DELETE FROM orders WHERE id = 1`);
    });
    await waitFor(() => readEvents(events).length >= 5, 60_000, 'the changes');
    const captured = readEvents(events);
    // Unwrapped by ExtractNewRecordState: flat rows, topics from database.server.name, no audit table.
    expect(captured.map((e) => [e.topic, e.key, e.value])).toEqual([
      ['prod_pg.public.customers', { id: 1 }, { id: 1, name: 'Ada' }],
      ['prod_pg.public.orders', { id: 1 }, { id: 1, item: 'book', qty: 2 }],
      ['prod_pg.public.orders', { id: 2 }, { id: 2, item: 'pen', qty: 1 }],
      ['prod_pg.public.customers', { id: 1 }, { id: 1, name: 'Ada L.' }],
      // Debezium 1.x's unwrap drops the delete event itself and, with drop.tombstones=false, keeps its tombstone.
      ['prod_pg.public.orders', { id: 1 }, null],
    ]);

    const shown = JSON.stringify(await (await fetch(`${base}/connectors/postgres-cdc/config`)).json());
    expect(shown).toContain('${file:');
    for (const text of [shown, worker.stderr(), readFileSync(path.join(dir, 'data', 'connectors.json'), 'utf8')]) expect(text).not.toContain(SECRET);
    expect(worker.stderr()).toMatch(/database\.server\.name.*deprecated/);
  }
});
