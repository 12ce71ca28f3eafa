/**
 * A replication slot someone else reads: another replication client on the server, or another
 * connector of the same worker. Each start fails with one error saying who holds the slot and what
 * to do, and creates nothing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isRetriable, RetriableError } from '../../../src/errors.js';
import { StandaloneHerder } from '../../../src/worker/standalone-herder.js';
import { BadRequestError } from '../../../src/worker/herder-errors.js';
import { loadWorkerConfig } from '../../../src/worker/worker-config.js';
import { fileSinkConfig, postgresSourceConfig, workerDir } from '../../support/connectors.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { capturingLogger, failedStart, replicationObjects } from '../../support/source-task-harness.js';
import { waitFor } from '../../support/wait.js';

describe('Postgres source start on a slot another reader holds', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('badslot');
    await db.sql(`CREATE TABLE items (id int PRIMARY KEY, note text)`);
    await db.sql(`INSERT INTO items VALUES (1, 'one')`);
  });
  afterAll(() => db.drop());

  it('refuses a slot another replication client streams from, naming that reader and the ways out', async () => {
    const slot = `${db.name}_held`;
    await db.sql(`CREATE PUBLICATION holder_pub FOR TABLE items`);
    await db.sql(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    const holder = new pg.Client({ connectionString: db.url, replication: 'database', application_name: 'other_reader' } as pg.ClientConfig);
    await holder.connect();
    holder.on('error', () => {});
    const streaming = holder.query(`START_REPLICATION SLOT "${slot}" LOGICAL 0/0 (proto_version '1', publication_names 'holder_pub')`).catch(() => {});
    try {
      await waitFor(async () => (await db.sql(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [slot])).length === 1, 10_000, 'the holder to stream');
      const [{ pid }] = (await db.sql<{ pid: number }>(`SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1`, [slot])) as [{ pid: number }];
      const before = await replicationObjects(db.url);

      const { error } = await failedStart(postgresSourceConfig(db.url, { 'slot.name': slot }));
      expect(error).toBeInstanceOf(RetriableError);
      expect(error).toMatchObject({ code: 'PG_SLOT_IN_USE' });
      expect(isRetriable(error)).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(`Replication slot "${slot}" is held by another reader (process ${pid}, application "other_reader", from 127.0.0.1)`);
      expect(message).toContain('Stop that reader, or give this connector its own slot.name.');
      expect(message).toContain(`SELECT pg_terminate_backend(${pid});`);
      // The slot check comes before the publication: sluice_test was never created.
      expect(await replicationObjects(db.url)).toEqual(before);
      expect(before.publications).toEqual(['holder_pub']);
    } finally {
      await holder.end().catch(() => {});
      await streaming;
      await waitFor(async () => (await db.sql(`SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active`, [slot])).length === 0, 10_000, 'the holder to let go');
      await db.sql(`SELECT pg_drop_replication_slot($1)`, [slot]);
      await db.sql(`DROP PUBLICATION holder_pub`);
    }
  });

  it('refuses a second connector of the same worker on the same slot, naming the first, before anything is made', async () => {
    const dir = workerDir();
    const { logger } = capturingLogger();
    const herder = await StandaloneHerder.open(await loadWorkerConfig({ file: dir.configFile, env: {} }), logger);
    const slot = `${db.name}_shared`;
    const before = await replicationObjects(db.url);
    try {
      const refused = await herder
        .start([
          { name: 'sink', config: fileSinkConfig(dir.eventsFile) },
          { name: 'first', config: postgresSourceConfig(db.url, { 'slot.name': slot, 'topic.prefix': 'first' }) },
          { name: 'second', config: postgresSourceConfig(db.url, { 'slot.name': slot, 'topic.prefix': 'second', 'publication.name': 'second_pub' }) },
        ])
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BadRequestError);
      expect((refused as Error).message).toBe(
        `Connector first already reads replication slot "${slot}" of database ${db.name} on 127.0.0.1: a slot allows one reader. Give this connector its own slot.name.`,
      );
      // Nothing ran and nothing was stored: no slot, no publication, no connector config.
      expect(await replicationObjects(db.url)).toEqual(before);
      expect(herder.connectors()).toEqual([]);
    } finally {
      await herder.shutdown();
    }
  });

  it('gives the slot back when a start fails, so the next start is judged on its own', async () => {
    const slot = `${db.name}_reused`;
    const config = postgresSourceConfig(db.url, { 'slot.name': slot });
    const { error } = await failedStart({ ...config, 'table.include.list': 'public.missing' });
    expect(error).toBeInstanceOf(ConfigError);
    // The failed start gave its claim back: the same slot is free for the next start.
    const { error: again } = await failedStart({ ...config, 'table.include.list': 'public.missing' }, 'other');
    expect(again).toBeInstanceOf(ConfigError);
    expect((again as Error).message).toContain('table.include.list names "public.missing"');
  });
});
