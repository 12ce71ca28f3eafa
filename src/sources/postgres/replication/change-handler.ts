/**
 * Turns decoded pgoutput messages into source records: Debezium change events plus the offsets at
 * which they become committable.
 *
 * Contract: `handle` is called once per message in WAL order and must be awaited before the next
 * (the stream guarantees it). Records leave through `emit` in batches; `handle` blocks when `emit`
 * does, which pauses the replication socket. Every transaction ends with a record whose offset names
 * its end LSN (the END transaction event, or a position-only record): that offset becomes committable
 * only once every event of the transaction is durable, so the slot is never confirmed past a
 * transaction that is only partly delivered. A non-transactional message (a heartbeat, whose record
 * moves the position on a quiet database, or a user's `m` event) is handed over at once.
 */
import type { Logger } from 'pino';
import type { ChangeEvent, Envelope, OffsetMap, Op, Row, SourceRecord } from '../../../events.js';
import type { EventBuilder, EventOrigin } from '../event-builder.js';
import { nowMicros } from '../event-builder.js';
import type { Lsn } from '../lsn.js';
import { streamOffset, streamPosition } from '../source-offset.js';
import type { TableSchema } from '../table-schema.js';
import { toJson } from '../../../json.js';
import type { PgoutputMessage, RelationMessage, UpdateMessage } from './pgoutput-decoder.js';

export const HEARTBEAT_PREFIX = 'sluice_heartbeat';

export interface ChangeHandlerOptions {
  tombstonesOnDelete: boolean;
  skippedOperations: ReadonlySet<Op>;
  provideTransactionMetadata: boolean;
  /** Whether to emit logical decoding messages with this prefix (message.prefix.*.list). */
  acceptMessagePrefix(prefix: string): boolean;
}

export interface ChangeHandlerDeps {
  builder: EventBuilder;
  partition: OffsetMap;
  options: ChangeHandlerOptions;
  /** The schema of a published relation, or null when the table is not captured. Called on every Relation message. */
  resolveTable(relation: RelationMessage): Promise<TableSchema | null>;
  emit(records: SourceRecord[]): Promise<void> | undefined;
  logger: Logger;
}

interface OpenTransaction {
  xid: number;
  commitTimeUs: number;
  finalLsn: Lsn;
  offset: OffsetMap;
  id: string;
  order: number;
  perTable: Map<string, number>;
}

const BATCH = 512;
/** Debezium's data collection name for logical decoding messages in transaction metadata. */
const MESSAGE_DATA_COLLECTION = 'LOGICAL_DECODING_MESSAGE';

export class ChangeHandler {
  private readonly tables = new Map<number, TableSchema | null>();
  private tx: OpenTransaction | null = null;
  private batch: SourceRecord[] = [];
  /** Records emitted since `lastCommitLsn` last moved: the second half of their positions. */
  private ordinal = 0;

  constructor(
    private readonly deps: ChangeHandlerDeps,
    /** End LSN of the last transaction delivered before this stream started. */
    private lastCommitLsn: Lsn,
  ) {}

  /** Returns a promise only when the caller must wait: a relation to look up, or a full queue. */
  handle(message: PgoutputMessage, lsn: Lsn): Promise<void> | undefined {
    switch (message.tag) {
      case 'relation':
        return this.deps.resolveTable(message).then((table) => {
          this.tables.set(message.oid, table);
        });
      case 'begin':
        this.begin(message.xid, message.commitTimeUs, message.finalLsn);
        return undefined;
      case 'commit':
        this.commit(message.endLsn, message.commitTimeUs);
        return this.flush();
      case 'insert': {
        const table = this.table(message.relation);
        if (table && !this.skips('c')) {
          const row = table.row(message.newTuple);
          this.push(this.change(table, 'c', table.key(row), null, row, lsn));
        }
        break;
      }
      case 'update': {
        const table = this.table(message.relation);
        if (table) this.update(table, message, lsn);
        break;
      }
      case 'delete': {
        const table = this.table(message.relation);
        const old = message.oldTuple ?? message.keyTuple;
        if (table && old && !this.skips('d')) {
          const row = table.row(old);
          this.deleted(this.change(table, 'd', table.key(row), row, null, lsn));
        }
        break;
      }
      case 'truncate':
        if (!this.skips('t')) {
          for (const relation of message.relations) {
            const table = this.table(relation);
            if (table) this.push(this.deps.builder.truncate(table, this.origin(lsn, dataCollection(table))));
          }
        }
        break;
      case 'message':
        if (message.prefix === HEARTBEAT_PREFIX) {
          if (!message.transactional) this.heartbeat(message.lsn);
        } else if (this.deps.options.acceptMessagePrefix(message.prefix)) {
          // Debezium counts a transactional message among its transaction's events.
          const origin = this.origin(lsn, message.transactional ? MESSAGE_DATA_COLLECTION : null);
          this.push(this.deps.builder.message(message.prefix, message.content, origin));
        }
        // A non-transactional message has no commit to flush it: without this, a quiet database's
        // heartbeats would wait in the batch and never move the slot.
        if (!this.tx) return this.flush();
        break;
      case 'type':
      case 'origin':
        return undefined;
    }
    return this.batch.length >= BATCH ? this.flush() : undefined;
  }

  flush(): Promise<void> | undefined {
    if (this.batch.length === 0) return undefined;
    const batch = this.batch;
    this.batch = [];
    return this.deps.emit(batch);
  }

  private table(relation: RelationMessage): TableSchema | null {
    return this.tables.get(relation.oid) ?? null;
  }

  private skips(op: Op): boolean {
    return this.deps.options.skippedOperations.has(op);
  }

  private begin(xid: number, commitTimeUs: number, finalLsn: Lsn): void {
    const offset = streamOffset({ lsnCommit: this.lastCommitLsn, lsn: this.lastCommitLsn, txId: xid, tsUsec: commitTimeUs });
    this.tx = { xid, commitTimeUs, finalLsn, offset, id: `${xid}:${finalLsn}`, order: 0, perTable: new Map() };
    if (this.deps.options.provideTransactionMetadata) {
      this.append(offset, this.deps.builder.transaction({ status: 'BEGIN', id: this.tx.id, commitTimeUs }));
    }
  }

  private commit(endLsn: Lsn, commitTimeUs: number): void {
    const tx = this.tx;
    this.tx = null;
    this.moveCommitLsn(endLsn);
    const offset = streamOffset({ lsnCommit: endLsn, lsn: endLsn, txId: tx?.xid ?? null, tsUsec: commitTimeUs });
    const event =
      tx && this.deps.options.provideTransactionMetadata ? this.deps.builder.transaction({ status: 'END', id: tx.id, commitTimeUs, counts: tx.perTable }) : null;
    this.append(offset, event);
  }

  private heartbeat(lsn: Lsn): void {
    if (lsn <= this.lastCommitLsn) return;
    this.moveCommitLsn(lsn);
    const offset = streamOffset({ lsnCommit: lsn, lsn, txId: null, tsUsec: null });
    this.append(offset, this.deps.builder.heartbeat());
  }

  /**
   * The old image pgoutput sends: the whole row (REPLICA IDENTITY FULL), or the identity columns
   * when the update changed them. Otherwise the identity columns are unchanged, so the new row
   * supplies them; NOTHING has no old image at all.
   */
  private update(table: TableSchema, message: UpdateMessage, lsn: Lsn): void {
    const { keyTuple, oldTuple, newTuple } = message;
    const old = oldTuple ?? keyTuple;
    if (old && table.holdsKey(old) && !table.sameKey(old, newTuple)) {
      // A key change: consumers keyed by the row see the old key deleted and the new one created.
      const oldRow = table.row(old);
      const newRow = table.row(newTuple, oldTuple);
      const oldKey = table.key(oldRow);
      const newKey = table.key(newRow);
      if (!this.skips('d')) this.deleted(this.change(table, 'd', oldKey, oldRow, null, lsn, { '__debezium.newkey': toJson(newKey) }));
      if (!this.skips('c')) this.push(this.change(table, 'c', newKey, null, newRow, lsn, { '__debezium.oldkey': toJson(oldKey) }));
      return;
    }
    if (this.skips('u')) return;
    const identity = message.relation.columns.map((column) => column.isKey);
    const before = old ? table.row(old) : identity.includes(true) ? table.row(newTuple.map((value, i) => (identity[i] ? value : null))) : null;
    const after = table.row(newTuple, oldTuple);
    this.push(this.change(table, 'u', table.key(after), before, after, lsn));
  }

  private deleted(event: ChangeEvent): void {
    this.push(event);
    if (this.deps.options.tombstonesOnDelete && event.key !== null) this.push(this.deps.builder.tombstone(event));
  }

  private origin(lsn: Lsn, table: string | null): EventOrigin {
    const tx = this.tx;
    let transaction: Envelope['transaction'] = null;
    if (tx && table !== null && this.deps.options.provideTransactionMetadata) {
      const inTable = (tx.perTable.get(table) ?? 0) + 1;
      tx.perTable.set(table, inTable);
      transaction = { id: tx.id, total_order: ++tx.order, data_collection_order: inTable };
    }
    return { commitTimeUs: tx?.commitTimeUs ?? nowMicros(), txId: tx?.xid ?? null, lsn, lastCommitLsn: this.lastCommitLsn, snapshot: 'false', transaction };
  }

  private change(
    table: TableSchema,
    op: 'c' | 'u' | 'd',
    key: Record<string, unknown> | null,
    before: Row | null,
    after: Row | null,
    lsn: Lsn,
    headers?: Record<string, string>,
  ): ChangeEvent {
    return this.deps.builder.change(table, op, key, before, after, this.origin(lsn, dataCollection(table)), headers);
  }

  private push(event: ChangeEvent): void {
    const offset = this.tx?.offset ?? streamOffset({ lsnCommit: this.lastCommitLsn, lsn: this.lastCommitLsn, txId: null, tsUsec: null });
    this.append(offset, event);
  }

  private append(offset: OffsetMap, event: ChangeEvent | null): void {
    if (event === null) this.batch.push({ partition: this.deps.partition, offset, event });
    else this.batch.push({ partition: this.deps.partition, offset, event, position: streamPosition(this.lastCommitLsn, this.ordinal++) });
  }

  private moveCommitLsn(lsn: Lsn): void {
    this.lastCommitLsn = lsn;
    this.ordinal = 0;
  }
}

/** How transaction metadata names a table: "schema.table". */
function dataCollection(table: TableSchema): string {
  return `${table.schema}.${table.table}`;
}
