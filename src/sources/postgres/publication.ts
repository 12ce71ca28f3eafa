/**
 * The publication names the tables pgoutput sends. Per `publication.autocreate.mode`: all_tables
 * creates it FOR ALL TABLES when missing; filtered creates it for exactly the captured tables and
 * keeps its table list in step with the filter; disabled requires it to exist already.
 */
import type pg from 'pg';
import { ConfigError } from '../../errors.js';
import type { CatalogTable } from './catalog.js';
import { quoteIdent } from './connection.js';

export type PublicationMode = 'all_tables' | 'filtered' | 'disabled';

/** Makes the publication match the mode; returns true when this call created it. */
export async function ensurePublication(client: pg.Client, name: string, mode: PublicationMode, tables: CatalogTable[]): Promise<boolean> {
  const { rows } = await client.query<{ puballtables: string }>(`SELECT puballtables::text FROM pg_publication WHERE pubname = $1`, [name]);
  const exists = rows.length > 0;
  const tableList = tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`).join(', ');
  switch (mode) {
    case 'disabled':
      if (!exists) {
        throw new ConfigError(
          `Publication "${name}" does not exist and publication.autocreate.mode=disabled. Create it (CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ...) or set publication.autocreate.mode to all_tables or filtered.`,
        );
      }
      return false;
    case 'all_tables':
      if (exists) return false;
      await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES WITH (publish_via_partition_root = true)`);
      return true;
    case 'filtered':
      if (tables.length === 0) {
        throw new ConfigError(`No table matches the table and schema filters, so publication "${name}" would be empty. Check table.include.list and schema.include.list.`);
      }
      if (!exists) {
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tableList} WITH (publish_via_partition_root = true)`);
        return true;
      }
      if (rows[0]!.puballtables !== 'true') await client.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${tableList}`);
      return false;
  }
}

export async function dropPublication(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`);
}
