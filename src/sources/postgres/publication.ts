/**
 * The publication names the tables pgoutput sends. Per `publication.autocreate.mode`: all_tables
 * creates it FOR ALL TABLES when missing; filtered creates it for exactly the captured tables and
 * keeps its table list in step with the filter; disabled requires it to exist already.
 *
 * Called at start, after the checks and before the slot is created. A refused CREATE or ALTER
 * becomes one error naming the privilege and the other ways out; a publication that exists but
 * leaves captured tables out is reported back, so the task can warn that they will not stream; one
 * that would send a captured partitioned table's changes as its partitions' is refused.
 */
import type pg from 'pg';
import { ConfigError, SluiceError } from '../../errors.js';
import type { CatalogTable } from './catalog.js';
import { qualifiedName, quoteIdent, quoteTable } from './connection.js';

export type PublicationMode = 'all_tables' | 'filtered' | 'disabled';

export interface PublicationState {
  /** This call created the publication (a failed start drops it again). */
  created: boolean;
  /** Captured tables ("schema.table") the publication does not publish. */
  unpublished: string[];
}

/** Makes the publication match the mode, as `user`. */
export async function ensurePublication(client: pg.Client, name: string, mode: PublicationMode, tables: CatalogTable[], user: string): Promise<PublicationState> {
  const { rows } = await client.query<{ database: string; all_tables: string | null }>(
    `SELECT current_database() AS database, (SELECT puballtables::text FROM pg_publication WHERE pubname = $1) AS all_tables`,
    [name],
  );
  const { database, all_tables: allTables } = rows[0]!;
  const exists = allTables !== null;
  const publication = quoteIdent(name);
  const tableList = tables.map(quoteTable).join(', ');
  if (exists) await requireRootPublishing(client, name, tables);
  const refused = (action: string, fix: string) => (error: unknown) => {
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new SluiceError('PG_PUBLICATION_NOT_PERMITTED', `User "${user}" may not ${action} (${(error as Error).message}). ${fix}`, { stage: 'start', cause: error });
  };

  switch (mode) {
    case 'disabled':
      if (!exists) {
        throw new ConfigError(
          `Publication "${name}" does not exist and publication.autocreate.mode=disabled. Create it (CREATE PUBLICATION ${publication} FOR TABLE ...) or set publication.autocreate.mode to all_tables or filtered.`,
        );
      }
      return { created: false, unpublished: await unpublished(client, name, tables) };
    case 'all_tables':
      if (exists) return { created: false, unpublished: allTables === 'true' ? [] : await unpublished(client, name, tables) };
      await client
        .query(`CREATE PUBLICATION ${publication} FOR ALL TABLES WITH (publish_via_partition_root = true)`)
        .catch(
          refused(
            `create publication "${name}" FOR ALL TABLES, which needs a superuser`,
            `Set publication.autocreate.mode=filtered to publish only the captured tables (the user then needs CREATE on database "${database}" and must own those tables), ` +
              `or have a superuser create it: CREATE PUBLICATION ${publication} FOR ALL TABLES WITH (publish_via_partition_root = true);`,
          ),
        );
      return { created: true, unpublished: [] };
    case 'filtered':
      if (tables.length === 0) {
        throw new ConfigError(`No table matches the table and schema filters, so publication "${name}" would be empty. Check table.include.list and schema.include.list.`);
      }
      if (!exists) {
        await client
          .query(`CREATE PUBLICATION ${publication} FOR TABLE ${tableList} WITH (publish_via_partition_root = true)`)
          .catch(
            refused(
              `create publication "${name}" for the captured tables`,
              `Publishing a table needs CREATE on the database and ownership of the table: GRANT CREATE ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(user)}; and make "${user}" the tables' owner, ` +
                `or have their owner create it: CREATE PUBLICATION ${publication} FOR TABLE ${tableList} WITH (publish_via_partition_root = true); and set publication.autocreate.mode=disabled.`,
            ),
          );
        return { created: true, unpublished: [] };
      }
      if (allTables !== 'true' && !(await publishesExactly(client, name, tables))) {
        await client
          .query(`ALTER PUBLICATION ${publication} SET TABLE ${tableList}`)
          .catch(
            refused(
              `change publication "${name}" to the captured tables; only its owner may`,
              `Have the owner run: ALTER PUBLICATION ${publication} SET TABLE ${tableList}; or set publication.autocreate.mode=disabled to use the publication as it is.`,
            ),
          );
      }
      return { created: false, unpublished: [] };
  }
}

/**
 * Refuses an existing publication that would send the changes of captured partitioned tables as
 * changes of their partitions (publish_via_partition_root off): those would not reach the
 * partitioned table's topic. The connector creates its publications with the option on.
 */
async function requireRootPublishing(client: pg.Client, name: string, tables: CatalogTable[]): Promise<void> {
  const partitioned = tables.filter((t) => t.partitioned).map(qualifiedName);
  if (partitioned.length === 0) return;
  const { rows } = await client.query<{ via_root: string | null }>(`SELECT to_jsonb(p) ->> 'pubviaroot' AS via_root FROM pg_publication p WHERE pubname = $1`, [name]);
  if (rows[0]?.via_root === 'true') return;
  throw new ConfigError(
    `Publication "${name}" publishes the partitions of ${partitioned.join(', ')} as tables of their own (publish_via_partition_root is off), so their changes would not reach ${partitioned.length === 1 ? 'its topic' : 'their topics'}. ` +
      `Have its owner run ALTER PUBLICATION ${quoteIdent(name)} SET (publish_via_partition_root = true); or drop it and let the connector create it (publication.autocreate.mode all_tables or filtered).`,
  );
}

/** The tables ("schema.table") the publication sends changes of, as pgoutput names them. */
async function publishedTables(client: pg.Client, name: string): Promise<Set<string>> {
  const { rows } = await client.query<{ schemaname: string; tablename: string }>(`SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1`, [name]);
  return new Set(rows.map((r) => `${r.schemaname}.${r.tablename}`));
}

async function publishesExactly(client: pg.Client, name: string, tables: CatalogTable[]): Promise<boolean> {
  const published = await publishedTables(client, name);
  return published.size === tables.length && tables.every((t) => published.has(qualifiedName(t)));
}

async function unpublished(client: pg.Client, name: string, tables: CatalogTable[]): Promise<string[]> {
  const published = await publishedTables(client, name);
  return tables.map(qualifiedName).filter((t) => !published.has(t));
}

export async function dropPublication(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`);
}
