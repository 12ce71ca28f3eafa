/**
 * Reads the captured tables inside one snapshot transaction and hands their rows on as `r` events.
 *
 * Contract: `runSnapshot` is given a connection already inside a REPEATABLE READ transaction on the
 * right snapshot (the slot's exported one, or a fresh one when resuming) and the progress to resume
 * from. It emits records chunk by chunk through `emit`, which blocks while the worker is full. A
 * committed offset always names a finished chunk: records carry the offset of the last finished
 * chunk before them, and the last row of a chunk carries the chunk's own progress. Resolves when
 * every table is read, or early when `stopped()` turns true.
 *
 * `source.snapshot` follows Debezium: `first` on the snapshot's first row, `last` on its very last
 * (even when the tables after it are empty), `last_in_data_collection` / `first_in_data_collection`
 * on each table's last and first rows (in that order of precedence), `true` elsewhere. Knowing a row
 * is a table's last needs the next row, so one row is always held back until the next one is read.
 * Events carry the snapshot transaction's id as `source.txId`, as Debezium's do, and the time each
 * chunk was read as `source.ts_ms` and as their processing time (`ts_ms`); the record's timestamp is the snapshot's start instead, so that
 * sinks partitioning by time put a row read again by a resumed snapshot where they put it before.
 *
 * Rows of a table whose reading order row-key-order.ts reproduces (keyed by types it encodes, in
 * the snapshot's text key order, or without a key: by place, root-chunks.ts says when a row read
 * through a partitioned table's root has none) carry a position (the snapshot's reading and the row's key or place), so that sinks pass over
 * the rows they already hold when a resumed snapshot reads them again; other rows carry none.
 */
import type pg from 'pg';
import type { ProgressReporter } from '../../../contracts/source-task.js';
import type { OffsetMap, SourceInfo, SourceRecord } from '../../../events.js';
import type { CatalogTable } from '../catalog.js';
import { qualifiedName } from '../connection.js';
import { nowMicros, type EventBuilder, type EventOrigin } from '../event-builder.js';
import { readingRowPosition } from '../../../record-position.js';
import { snapshotOffset, snapshotReading, snapshotStartMs, type SnapshotProgress } from '../source-offset.js';
import type { TableSchema } from '../table-schema.js';
import type { PgType } from '../types/type-catalog.js';
import { keyOrder } from './row-key-order.js';
import { readsFromTableStart, readTableChunks } from './table-chunks.js';

export interface SnapshotRun {
  client: pg.Client;
  tables: CatalogTable[];
  schemaOf(table: CatalogTable): TableSchema;
  /** The loaded types of the tables' columns. */
  types: ReadonlyMap<number, PgType>;
  builder: EventBuilder;
  partition: OffsetMap;
  progress: SnapshotProgress;
  chunkSize: number;
  emit(records: SourceRecord[]): Promise<void> | undefined;
  reporter: ProgressReporter;
  stopped(): boolean;
}

/** The last row read, not yet emitted: its marker depends on what comes after it. */
interface HeldRow {
  schema: TableSchema;
  table: string;
  values: Array<string | null>;
  readAt: number;
  firstOfSnapshot: boolean;
  firstOfTable: boolean;
  offset: OffsetMap;
  position: string | undefined;
}

type Next = 'same table' | 'other table' | 'end of snapshot';

const EMIT_BATCH = 256;

export async function runSnapshot(run: SnapshotRun): Promise<void> {
  const progress: SnapshotProgress = { ...run.progress, done: [...run.progress.done] };
  const txId = await snapshotTransactionId(run.client);
  const reading = snapshotReading(progress);
  const startMs = snapshotStartMs(progress.id);
  type Described = { readAt: number; schema: TableSchema; origin: EventOrigin; source: SourceInfo };
  const describe = (schema: TableSchema, readAt: number, snapshot: SourceInfo['snapshot']): Described => {
    const origin: EventOrigin = { commitTimeUs: readAt, processedUs: readAt, recordTimeMs: startMs ?? undefined, txId, lsn: progress.lsn, lastCommitLsn: null, snapshot, transaction: null };
    return { readAt, schema, origin, source: run.builder.source(schema, origin) };
  };
  // Rows read together share their origin and source block unless a marker sets them apart.
  let shared: Described | null = null;
  const toRecord = (schema: TableSchema, values: Array<string | null>, readAt: number, snapshot: SourceInfo['snapshot'], offset: OffsetMap, position: string | undefined): SourceRecord => {
    const { origin, source } =
      snapshot !== 'true' ? describe(schema, readAt, snapshot) : shared?.readAt === readAt && shared.schema === schema ? shared : (shared = describe(schema, readAt, snapshot));
    const row = schema.row(values);
    const event = run.builder.change(schema, 'r', schema.key(row), null, row, origin, undefined, source);
    return position === undefined ? { partition: run.partition, offset, event } : { partition: run.partition, offset, event, position };
  };
  const heldRecord = (row: HeldRow, next: Next): SourceRecord => toRecord(row.schema, row.values, row.readAt, marker(row.firstOfSnapshot, row.firstOfTable, next), row.offset, row.position);

  let offset = snapshotOffset(progress);
  let firstOfSnapshot = progress.done.length === 0 && progress.table === null;
  let held: HeldRow | null = null;
  for (const table of run.tables.filter((t) => !progress.done.includes(qualifiedName(t)))) {
    const name = qualifiedName(table);
    const schema = run.schemaOf(table);
    const resuming = progress.table === name;
    // Rows read before a resume that reads the table again from its start (an offset of an earlier version) are not counted twice.
    let rows = resuming && !readsFromTableStart(progress.after) ? progress.rows : 0;
    const total = table.estimatedRows;
    run.reporter.snapshot(name, rows, total, false);
    let firstOfTable = !resuming;
    const order = keyOrder(table, progress.textKeyOrder ?? 'collation', run.types);
    const sortable = order.sortable;
    const positionOf = (values: Array<string | null>) => {
      const place = sortable?.(values);
      return place == null ? undefined : readingRowPosition(reading, place);
    };
    for await (const chunk of readTableChunks(run.client, table, order, run.chunkSize, resuming ? progress.after : null)) {
      if (run.stopped()) return;
      const readAt = nowMicros();
      const read = chunk.rows;
      let records: SourceRecord[] = [];
      if (held && read.length > 0) records.push(heldRecord(held, held.table === name ? 'same table' : 'other table'));
      for (let i = 0; i < read.length; i++) {
        // Hand on a big chunk in parts, so that fewer events are in memory at once.
        if (records.length === EMIT_BATCH) {
          await run.emit(records);
          records = [];
        }
        const values = read[i]!;
        // Every row but the chunk's last is followed by one of the same table: emitted at once.
        if (i < read.length - 1) records.push(toRecord(schema, values, readAt, marker(firstOfSnapshot, firstOfTable, 'same table'), offset, positionOf(values)));
        else held = { schema, table: name, values, readAt, firstOfSnapshot, firstOfTable, offset, position: positionOf(values) };
        firstOfSnapshot = false;
        firstOfTable = false;
      }
      rows += read.length;
      if (chunk.after === null) {
        progress.done.push(name);
        progress.table = null;
        progress.after = null;
        progress.rows = 0;
      } else {
        progress.table = name;
        progress.after = chunk.after;
        progress.rows = rows;
      }
      offset = snapshotOffset(progress);
      // The last row read so far carries the new progress; with none yet, a record moves it alone.
      if (held) held.offset = offset;
      else records.push({ partition: run.partition, offset, event: null });
      if (records.length > 0) await run.emit(records);
      run.reporter.snapshot(name, rows, total, chunk.after === null);
    }
  }
  if (held) await run.emit([heldRecord(held, 'end of snapshot')]);
}

function marker(firstOfSnapshot: boolean, firstOfTable: boolean, next: Next): SourceInfo['snapshot'] {
  if (next === 'end of snapshot') return 'last';
  if (firstOfSnapshot) return 'first';
  if (next === 'other table') return 'last_in_data_collection';
  if (firstOfTable) return 'first_in_data_collection';
  return 'true';
}

/** The snapshot transaction's id, as Debezium reports it (none on a standby, which cannot assign one). */
async function snapshotTransactionId(client: pg.Client): Promise<number | null> {
  const { rows } = await client.query<{ xid: string | null }>(`SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE txid_current() END::text AS xid`);
  const xid = rows[0]?.xid;
  return xid == null ? null : Number(xid);
}
