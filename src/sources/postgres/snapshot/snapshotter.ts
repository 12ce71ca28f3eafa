/**
 * Reads the captured tables inside one snapshot transaction and hands their rows on as `r` events.
 *
 * Contract: `runSnapshot` is given a connection already inside a REPEATABLE READ transaction on the
 * right snapshot (the slot's exported one, or a fresh one when resuming) and the progress to resume
 * from. It emits records chunk by chunk through `emit`, which blocks while the worker is full. Every
 * record of a chunk carries the offset of the previous chunk's end except the chunk's last, which
 * carries the new progress: a committed offset therefore always names a finished chunk. Resolves
 * when every table is read, or early when `stopped()` turns true.
 */
import type pg from 'pg';
import type { ProgressReporter } from '../../../contracts/source-task.js';
import type { OffsetMap, SourceInfo, SourceRecord } from '../../../events.js';
import type { CatalogTable } from '../catalog.js';
import { nowMicros, type EventBuilder, type EventOrigin } from '../event-builder.js';
import { snapshotOffset, type SnapshotProgress } from '../source-offset.js';
import type { TableSchema } from '../table-schema.js';
import { readTableChunks } from './table-chunks.js';

export interface SnapshotRun {
  client: pg.Client;
  tables: CatalogTable[];
  schemaOf(table: CatalogTable): TableSchema;
  builder: EventBuilder;
  partition: OffsetMap;
  progress: SnapshotProgress;
  chunkSize: number;
  emit(records: SourceRecord[]): Promise<void>;
  reporter: ProgressReporter;
  stopped(): boolean;
}

export async function runSnapshot(run: SnapshotRun): Promise<void> {
  const progress: SnapshotProgress = { ...run.progress, done: [...run.progress.done] };
  let offset = snapshotOffset(progress);
  let firstOfSnapshot = progress.done.length === 0 && progress.table === null;
  const pending = run.tables.filter((t) => !progress.done.includes(qualified(t)));
  for (const [tableIndex, table] of pending.entries()) {
    const name = qualified(table);
    const schema = run.schemaOf(table);
    const resuming = progress.table === name;
    let rows = resuming ? progress.rows : 0;
    const from = resuming ? progress.after : null;
    const total = table.estimatedRows;
    run.reporter.snapshot(name, rows, total, false);
    let firstOfTable = !resuming;
    for await (const chunk of readTableChunks(run.client, table, run.chunkSize, from)) {
      if (run.stopped()) return;
      const readAt = nowMicros();
      const lastTable = tableIndex === pending.length - 1;
      const records: SourceRecord[] = [];
      chunk.rows.forEach((values, i) => {
        const lastOfTable = chunk.after === null && i === chunk.rows.length - 1;
        const marker: SourceInfo['snapshot'] = firstOfSnapshot
          ? 'first'
          : lastOfTable && lastTable
            ? 'last'
            : firstOfTable
              ? 'first_in_data_collection'
              : lastOfTable
                ? 'last_in_data_collection'
                : 'true';
        firstOfSnapshot = false;
        firstOfTable = false;
        const origin: EventOrigin = { commitTimeUs: readAt, txId: null, lsn: progress.lsn, lastCommitLsn: null, snapshot: marker, transaction: null };
        const event = run.builder.change(schema, 'r', schema.key(values), null, schema.row(values), origin);
        records.push({ partition: run.partition, offset, event });
      });
      rows += chunk.rows.length;
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
      // The chunk's last record carries the new progress; a chunk without rows moves it alone.
      const last = records[records.length - 1];
      if (last) records[records.length - 1] = { ...last, offset };
      else records.push({ partition: run.partition, offset, event: null });
      await run.emit(records);
      run.reporter.snapshot(name, rows, total, chunk.after === null);
    }
  }
}

export function qualified(table: { schema: string; name: string }): string {
  return `${table.schema}.${table.name}`;
}
