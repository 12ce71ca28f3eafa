/**
 * Reads a partitioned table without a key through its root, for when its partitions cannot each be
 * read on their own (the user may read only the root, or a partition is not a plain table): one
 * COPY of the whole table, handed on in chunks as the rows arrive, each row followed by its ctid,
 * its partition's oid and its place in the scan (below).
 *
 * The scan runs neither in parallel, nor as a synchronized scan (which starts where another scan of
 * the table is), nor with asynchronous appends (foreign partitions read side by side), so it reads
 * the partitions one after another in the plan's order, each in ctid order. A chunk's resume point
 * is then the partitions left behind and the last row read of the current one; a resumed scan goes
 * through the root again but passes over every row up to that point. A partition that comes first
 * in the resumed scan but not in the point (attached since) makes the point's partial one count as
 * unread again: read twice rather than lost.
 *
 * Places. The first reading asks the server for the plan's order of the partitions (EXPLAIN), and
 * every resume point carries that order on, so a row's place, the index of its partition in the
 * order and then its ctid, is the same in every reading resumed from it, and places increase along
 * the scan (row-key-order.ts turns them into positions). A row gets a place only when that holds:
 * the rows of a partition the order does not name (attached since) or of one that is not a plain
 * table (no ctid of its own) get none, and once a partition comes that the order puts before one
 * already read, no row after it does. A resume point written before places existed gives none.
 */
import type pg from 'pg';
import { quoteLiteral } from '../connection.js';
import { streamedChunks, type Rows } from './copy-chunks.js';

export interface RootResumePoint {
  kind: 'root';
  /** The oids of the partitions read whole. */
  done: number[];
  /** The oid of the partition being read, and its last row's ctid. */
  partition: number;
  ctid: string;
  /** The partitions' oids in the first reading's scan order, which places are counted in. */
  order?: number[];
}

/** A plan node of EXPLAIN (FORMAT JSON, VERBOSE), as far as the scan order needs it. */
interface PlanNode {
  'Relation Name'?: string;
  Schema?: string;
  Plans?: PlanNode[];
}

/**
 * The chunks of the table `name` (quoted) with `columns` (quoted, comma-separated), from `from` on.
 * Each row is followed by its ctid, its partition's oid, and its place's partition index (text) or null.
 */
export async function* rootChunks(
  client: pg.Client,
  name: string,
  columns: string,
  chunkSize: number,
  from: RootResumePoint | null,
): AsyncGenerator<{ rows: Rows; after: RootResumePoint | null }> {
  const restore = await setLocally(client, SCAN_SETTINGS);
  const scan = `SELECT ${columns}, ctid, tableoid::oid FROM ${name}`;
  const order = from === null ? await scanOrder(client, scan) : from.order;
  const places = order === undefined ? null : new ScanPlaces(order, await plainTables(client, order));
  const done = from === null ? [] : [...from.done];
  let current: string | null = null;
  let place: string | null = null;
  const where = from === null ? '' : ` WHERE tableoid <> ALL('{${from.done.join(',')}}'::oid[]) AND (tableoid <> ${from.partition} OR ctid > ${quoteLiteral(from.ctid)}::tid)`;
  for await (const { rows, last } of streamedChunks(client, scan + where, chunkSize)) {
    const oidAt = (rows[0]?.length ?? 0) - 1;
    for (const row of rows) {
      const oid = row[oidAt]!;
      if (oid !== current) {
        if (current !== null) done.push(Number(current));
        current = oid;
        place = places?.enter(Number(oid)) ?? null;
      }
      row.push(place);
    }
    const after = last ? null : { kind: 'root' as const, done: [...done], partition: Number(current), ctid: rows[rows.length - 1]![oidAt - 1]!, ...(order && { order }) };
    yield { rows, after };
  }
  await setLocally(client, restore);
}

/** The settings a read through the root runs with (those the server has), so that it reads partition by partition, each in ctid order. */
const SCAN_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['synchronize_seqscans', 'off'],
  ['max_parallel_workers_per_gather', '0'],
  // PostgreSQL 14+
  ['enable_async_append', 'off'],
]);

/** Sets those of `settings` the server has for the rest of the transaction; returns their values before. */
async function setLocally(client: pg.Client, settings: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; before: string }>(
    `SELECT s.name, current_setting(s.name) AS before, set_config(s.name, s.value, true)
       FROM unnest($1::text[], $2::text[]) AS s(name, value) JOIN pg_settings p ON p.name = s.name`,
    [[...settings.keys()], [...settings.values()]],
  );
  return new Map(rows.map((row) => [row.name, row.before]));
}

/** The oids of the relations `query` scans, in the order its plan reads them. */
async function scanOrder(client: pg.Client, query: string): Promise<number[]> {
  const { rows: [explained] } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT JSON, VERBOSE, COSTS OFF) ${query}`);
  const [{ Plan: plan }] = JSON.parse(explained!['QUERY PLAN']) as [{ Plan: PlanNode }];
  const scanned: Array<[string, string]> = [];
  const visit = (node: PlanNode) => {
    if (node['Relation Name'] !== undefined) scanned.push([node.Schema!, node['Relation Name']]);
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan);
  const { rows } = await client.query<{ oid: string }>(
    `SELECT c.oid::int8 AS oid FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS scanned(schema, name, at)
       JOIN pg_namespace n ON n.nspname = scanned.schema JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = scanned.name
      ORDER BY scanned.at`,
    [scanned.map(([schema]) => schema), scanned.map(([, relation]) => relation)],
  );
  return rows.map((row) => Number(row.oid));
}

/** Which of the relations `oids` are plain tables (whose rows have a ctid of their own). */
async function plainTables(client: pg.Client, oids: number[]): Promise<Set<number>> {
  const { rows } = await client.query<{ oid: string }>(`SELECT oid::int8 AS oid FROM pg_class WHERE oid = ANY($1::oid[]) AND relkind = 'r'`, [oids]);
  return new Set(rows.map((row) => Number(row.oid)));
}

/** The places of the partitions a scan enters, one after another, by their index in `order` (see the header). */
class ScanPlaces {
  private readonly indexes: Map<number, number>;
  private lastIndex = -1;
  private ordered = true;

  constructor(
    order: number[],
    private readonly plain: Set<number>,
  ) {
    this.indexes = new Map(order.map((oid, index) => [oid, index]));
  }

  /** The place index of the rows of the partition `oid` the scan has just come to, or null. */
  enter(oid: number): string | null {
    const index = this.indexes.get(oid);
    if (!this.ordered || index === undefined) return null;
    if (index <= this.lastIndex) {
      this.ordered = false;
      return null;
    }
    this.lastIndex = index;
    return this.plain.has(oid) ? String(index) : null;
  }
}
