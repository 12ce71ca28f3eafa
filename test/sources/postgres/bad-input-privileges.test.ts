/**
 * Users short of a privilege, and filters or publications that do not fit the database: each start
 * fails with one error naming the fix, and leaves no replication slot or publication behind, even
 * when it fails after it created them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, RetriableError, SluiceError } from '../../../src/errors.js';
import { postgresSourceConfig } from '../../support/connectors.js';
import { createTestDatabase, serverUrl, withClient, type TestDatabase } from '../../support/postgres.js';
import { failedStart, replicationObjects, startTask, urlAs, WARN, type ReplicationObjects } from '../../support/source-task-harness.js';

describe('Postgres source start with missing privileges or unfit filters', () => {
  let db: TestDatabase;
  let before: ReplicationObjects;
  const roles: string[] = [];

  /** A login role for this database only; `attributes` such as REPLICATION or CONNECTION LIMIT 1. */
  async function role(suffix: string, attributes = ''): Promise<{ name: string; url: string }> {
    const name = `${db.name}_${suffix}`;
    await db.sql(`CREATE ROLE "${name}" LOGIN PASSWORD 'pw' ${attributes}`);
    roles.push(name);
    await db.sql(`GRANT SELECT ON items TO "${name}"`);
    return { name, url: urlAs(db.url, name, 'pw') };
  }

  beforeAll(async () => {
    db = await createTestDatabase('badpriv');
    await db.sql(`CREATE TABLE items (id int PRIMARY KEY, note text)`);
    await db.sql(`INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 20) g`);
    before = await replicationObjects(db.url);
  });
  afterAll(async () => {
    await db.drop();
    await withClient(serverUrl(), async (c) => {
      for (const name of roles) await c.query(`DROP ROLE IF EXISTS "${name}"`);
    });
  });

  const leavesNothing = async () => expect(await replicationObjects(db.url)).toEqual(before);

  it('refuses a user without the REPLICATION privilege, naming the ALTER ROLE that grants it', async () => {
    const user = await role('norepl');
    const { error } = await failedStart(postgresSourceConfig(user.url));
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'PG_NO_REPLICATION_PRIVILEGE', retriable: false });
    expect((error as Error).message).toContain(`User "${user.name}" lacks the REPLICATION privilege`);
    expect((error as Error).message).toContain(`ALTER ROLE "${user.name}" WITH REPLICATION;`);
    await leavesNothing();
  });

  it('refuses a user who may not create the FOR ALL TABLES publication, suggesting filtered mode or creating it', async () => {
    const user = await role('nopub', 'REPLICATION');
    const { error } = await failedStart(postgresSourceConfig(user.url, { 'publication.autocreate.mode': 'all_tables' }));
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'PG_PUBLICATION_NOT_PERMITTED', retriable: false });
    const message = (error as Error).message;
    expect(message).toContain(`User "${user.name}" may not create publication "sluice_test" FOR ALL TABLES, which needs a superuser`);
    expect(message).toContain('Set publication.autocreate.mode=filtered');
    expect(message).toContain('CREATE PUBLICATION "sluice_test" FOR ALL TABLES');
    await leavesNothing();
  });

  it('in filtered mode names the grants publishing needs, and starts once they are given', async () => {
    const user = await role('filtered', 'REPLICATION');
    const config = postgresSourceConfig(user.url, { 'publication.autocreate.mode': 'filtered', 'slot.name': `${db.name}_filtered` });
    const { error } = await failedStart(config);
    expect(error).toMatchObject({ code: 'PG_PUBLICATION_NOT_PERMITTED', retriable: false });
    const message = (error as Error).message;
    expect(message).toContain(`GRANT CREATE ON DATABASE "${db.name}" TO "${user.name}"`);
    expect(message).toContain('CREATE PUBLICATION "sluice_test" FOR TABLE "public"."items"');
    await leavesNothing();

    await db.sql(`GRANT CREATE ON DATABASE "${db.name}" TO "${user.name}"`);
    await db.sql(`ALTER TABLE items OWNER TO "${user.name}"`);
    const running = await startTask(config);
    try {
      await running.pollUntil((records) => records.filter((r) => r.event).length === 20);
    } finally {
      await running.task.stop();
      await db.sql(`ALTER TABLE items OWNER TO postgres`);
      await db.sql(`SELECT pg_drop_replication_slot($1)`, [config['slot.name']]);
      await db.sql(`DROP PUBLICATION sluice_test`);
    }
  });

  it('refuses a user who may not read a captured table before creating anything, naming the GRANT', async () => {
    const user = await role('noselect', 'REPLICATION');
    await db.sql(`CREATE TABLE secrets (id int PRIMARY KEY)`);
    try {
      await db.sql(`CREATE PUBLICATION sluice_test FOR TABLE items, secrets`);
      const { error } = await failedStart(postgresSourceConfig(user.url, { 'publication.autocreate.mode': 'disabled' }));
      expect(error).toMatchObject({ code: 'PG_PERMISSION_DENIED', retriable: false });
      expect((error as Error).message).toBe(
        `User "${user.name}" may not read public.secrets, which the snapshot reads. Grant it with: GRANT SELECT ON "public"."secrets" TO "${user.name}"; or leave that table out with table.exclude.list.`,
      );
      expect(await replicationObjects(db.url)).toEqual({ ...before, publications: ['sluice_test'] });
    } finally {
      await db.sql(`DROP PUBLICATION sluice_test`);
      await db.sql(`DROP TABLE secrets`);
    }
  });

  it('refuses publication.autocreate.mode=disabled without the publication, naming how to create it', async () => {
    const { error } = await failedStart(postgresSourceConfig(db.url, { 'publication.autocreate.mode': 'disabled' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'Publication "sluice_test" does not exist and publication.autocreate.mode=disabled. Create it (CREATE PUBLICATION "sluice_test" FOR TABLE ...) or set publication.autocreate.mode to all_tables or filtered.',
    );
    await leavesNothing();
  });

  it('warns when an existing publication leaves a captured table out, naming the table and the fix', async () => {
    await db.sql(`CREATE TABLE unpublished (id int PRIMARY KEY)`);
    await db.sql(`CREATE PUBLICATION sluice_test FOR TABLE items`);
    const config = postgresSourceConfig(db.url, { 'publication.autocreate.mode': 'disabled', 'snapshot.mode': 'no_data', 'slot.name': `${db.name}_unpub` });
    const running = await startTask(config);
    try {
      const warning = running.lines.find((l) => l.level === WARN && Array.isArray(l.tables));
      expect(warning).toMatchObject({ tables: ['public.unpublished'] });
      expect(warning!.msg).toBe(
        'Publication "sluice_test" does not publish public.unpublished, so its changes will not stream. Add them with ALTER PUBLICATION "sluice_test" ADD TABLE ..., or set publication.autocreate.mode=filtered.',
      );
    } finally {
      await running.task.stop();
      await db.sql(`SELECT pg_drop_replication_slot($1)`, [config['slot.name']]);
      await db.sql(`DROP PUBLICATION sluice_test`);
      await db.sql(`DROP TABLE unpublished`);
    }
  });

  it('refuses a table.include.list entry that matches no table, naming the entry', async () => {
    const { error } = await failedStart(postgresSourceConfig(db.url, { 'table.include.list': 'public.items,public.orders' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `table.include.list names "public.orders", but no table in database "${db.name}" matches it. Check the schema and table name (schema.table), or create the table first.`,
    );
    await leavesNothing();
  });

  it('drops the slot and publication it created when a failure comes after them', async () => {
    // The snapshot's own connection is the one a limit of one refuses: after publication and slot.
    const user = await role('limited', 'REPLICATION CONNECTION LIMIT 1');
    await db.sql(`GRANT CREATE ON DATABASE "${db.name}" TO "${user.name}"`);
    await db.sql(`ALTER TABLE items OWNER TO "${user.name}"`);
    try {
      const { error, lines } = await failedStart(postgresSourceConfig(user.url, { 'publication.autocreate.mode': 'filtered' }));
      expect(error).toBeInstanceOf(RetriableError);
      expect(error).toMatchObject({ code: 'PG_TOO_MANY_CONNECTIONS' });
      expect((error as Error).message).toContain(`too many connections for role "${user.name}"`);
      expect((error as Error).message).toContain(`ALTER ROLE "${user.name}" CONNECTION LIMIT`);
      const slotName = postgresSourceConfig(user.url)['slot.name'];
      expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['created publication "sluice_test"', expect.stringMatching(new RegExp(`^created replication slot "${slotName}"`))]));
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      await leavesNothing();
    } finally {
      await db.sql(`ALTER TABLE items OWNER TO postgres`);
    }
  });
});
