/**
 * Turns decoded pgoutput messages into source records: Debezium change events plus the offsets at
 * which they become committable.
 *
 * Contract: `handle` is called once per message in WAL order and must be awaited before the next
 * (the stream guarantees it). Records leave through `emit` in batches; `handle` blocks when `emit`
 * does, which pauses the replication socket. Every transaction ends with a record whose offset names
 * its end LSN (the END transaction event, or a position-only record): that offset becomes committable
 * only once every event of the transaction is durable, so the slot is never confirmed past a
 * transaction that is only partly delivered.
 */
import type { Logger } from 'pino';
import type { ChangeEvent, Envelope, OffsetMap, Op, SourceRecord } from '../../../events.js';
import type { EventBuilder, EventOrigin } from '../event-builder.js';
import { nowMicros } from '../event-builder.js';
import type { Lsn } from '../lsn.js';
import { streamOffset } from '../source-offset.js';
import type { TableSchema } from '../table-schema.js';
import { toJson } from '../../../json.js';
import type { PgoutputMessage, RelationMessage, TupleValue } from './pgoutput-decoder.js';

export const HEARTBEAT_PREFIX = 'sluice_heartbeat';

export interface ChangeHandlerOptions {
  topicPrefix: string;
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
  emit(records: SourceRecord[]): Promise<void>;
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

export class ChangeHandler {
  private readonly tables = new Map<number, TableSchema | null>();
  private tx: OpenTransaction | null = null;
  private batch: SourceRecord[] = [];

  constructor(
    private readonly deps: ChangeHandlerDeps,
    /** End LSN of the last transaction delivered before this stream started. */
    private lastCommitLsn: Lsn,
  ) {}

  async handle(message: PgoutputMessage, lsn: Lsn): Promise<void> {
    switch (message.tag) {
      case 'relation':
        this.tables.set(message.oid, await this.deps.resolveTable(message));
        return;
      case 'begin':
        this.begin(message.xid, message.commitTimeUs, message.finalLsn);
        return;
      case 'commit':
        this.commit(message.endLsn, message.commitTimeUs);
        return this.flush();
      case 'insert': {
        const table = this.table(message.relation);
        if (table && !this.skips('c')) this.push(this.change(table, 'c', table.key(message.newTuple), null, table.row(message.newTuple), lsn));
        break;
      }
      case 'update': {
        const table = this.table(message.relation);
        if (table) this.update(table, message.keyTuple, message.oldTuple, message.newTuple, lsn);
        break;
      }
      case 'delete': {
        const table = this.table(message.relation);
        const old = message.oldTuple ?? message.keyTuple;
        if (table && old && !this.skips('d')) {
          const before = message.oldTuple ? table.row(message.oldTuple) : table.keyOnlyRow(old);
          this.deleted(this.change(table, 'd', table.key(old), before, null, lsn));
        }
        break;
      }
      case 'truncate':
        if (!this.skips('t')) {
          for (const relation of message.relations) {
            const table = this.table(relation);
            if (table) this.push(this.change(table, 't', null, undefined, undefined, lsn));
          }
        }
        break;
      case 'message':
        if (message.prefix === HEARTBEAT_PREFIX) {
          if (!message.transactional) this.heartbeat(message.lsn);
        } else if (this.deps.options.acceptMessagePrefix(message.prefix)) {
          this.push(this.logicalMessage(message.prefix, message.content, lsn));
        }
        break;
      case 'type':
      case 'origin':
        return;
    }
    if (this.batch.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    await this.deps.emit(batch);
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
      this.batch.push({ partition: this.deps.partition, offset, event: this.transactionEvent('BEGIN', this.tx, commitTimeUs) });
    }
  }

  private commit(endLsn: Lsn, commitTimeUs: number): void {
    const tx = this.tx;
    this.tx = null;
    this.lastCommitLsn = endLsn;
    const offset = streamOffset({ lsnCommit: endLsn, lsn: endLsn, txId: tx?.xid ?? null, tsUsec: commitTimeUs });
    const event = tx && this.deps.options.provideTransactionMetadata ? this.transactionEvent('END', tx, commitTimeUs) : null;
    this.batch.push({ partition: this.deps.partition, offset, event });
  }

  private heartbeat(lsn: Lsn): void {
    if (lsn <= this.lastCommitLsn) return;
    this.lastCommitLsn = lsn;
    const offset = streamOffset({ lsnCommit: lsn, lsn, txId: null, tsUsec: null });
    const serverName = this.deps.options.topicPrefix;
    const now = Date.now();
    const event: ChangeEvent = {
      topic: `__debezium-heartbeat.${serverName}`,
      key: { serverName },
      value: { ts_ms: now },
      keySchema: { type: 'struct', optional: false, name: 'io.debezium.connector.common.ServerNameKey', fields: [{ field: 'serverName', type: 'string', optional: false }] },
      valueSchema: { type: 'struct', optional: false, name: 'io.debezium.connector.common.Heartbeat', fields: [{ field: 'ts_ms', type: 'int64', optional: false }] },
      headers: {},
      timestamp: now,
    };
    this.batch.push({ partition: this.deps.partition, offset, event });
  }

  private update(table: TableSchema, keyTuple: TupleValue[] | null, oldTuple: TupleValue[] | null, newTuple: TupleValue[], lsn: Lsn): void {
    const old = oldTuple ?? keyTuple;
    if (old && table.keyColumns.length > 0 && !table.sameKey(old, newTuple)) {
      // A key change: consumers keyed by the row see the old key deleted and the new one created.
      const oldKey = table.key(old);
      const newKey = table.key(newTuple);
      if (!this.skips('d')) {
        const before = oldTuple ? table.row(oldTuple) : table.keyOnlyRow(old);
        this.deleted(this.change(table, 'd', oldKey, before, null, lsn, { '__debezium.newkey': toJson(newKey) }));
      }
      if (!this.skips('c')) {
        this.push(this.change(table, 'c', newKey, null, table.row(newTuple, oldTuple), lsn, { '__debezium.oldkey': toJson(oldKey) }));
      }
      return;
    }
    if (this.skips('u')) return;
    const before = oldTuple ? table.row(oldTuple) : table.keyColumns.length > 0 && table.replicaIdentity !== 'nothing' ? table.keyOnlyRow(newTuple) : null;
    this.push(this.change(table, 'u', table.key(newTuple), before, table.row(newTuple, oldTuple), lsn));
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
    op: Op,
    key: Record<string, unknown> | null,
    before: Envelope['before'],
    after: Envelope['after'],
    lsn: Lsn,
    headers?: Record<string, string>,
  ): ChangeEvent {
    const event = this.deps.builder.change(table, op, key, before ?? null, after ?? null, this.origin(lsn, `${table.schema}.${table.table}`), headers);
    if (op === 't') {
      const { before: _b, after: _a, ...rest } = event.value as Envelope;
      return { ...event, value: rest };
    }
    return event;
  }

  private push(event: ChangeEvent): void {
    const offset = this.tx?.offset ?? streamOffset({ lsnCommit: this.lastCommitLsn, lsn: this.lastCommitLsn, txId: null, tsUsec: null });
    this.batch.push({ partition: this.deps.partition, offset, event });
  }

  private logicalMessage(prefix: string, content: Buffer, lsn: Lsn): ChangeEvent {
    const origin = this.origin(lsn, null);
    const topic = `${this.deps.options.topicPrefix}.message`;
    const nowUs = nowMicros();
    const value: Envelope = {
      op: 'm',
      source: this.deps.builder.source({ schema: '', table: '' }, origin),
      transaction: origin.transaction,
      message: { prefix, content: content.toString('base64') },
      ts_ms: Math.floor(nowUs / 1000),
      ts_us: nowUs,
      ts_ns: nowUs * 1000,
    };
    return {
      topic,
      key: { prefix },
      value,
      keySchema: { type: 'struct', optional: false, name: 'io.debezium.connector.postgresql.MessageKey', fields: [{ field: 'prefix', type: 'string', optional: true }] },
      valueSchema: null,
      headers: {},
      timestamp: Math.floor(origin.commitTimeUs / 1000),
    };
  }

  private transactionEvent(status: 'BEGIN' | 'END', tx: OpenTransaction, commitTimeUs: number): ChangeEvent {
    const topic = `${this.deps.options.topicPrefix}.transaction`;
    const value: Record<string, unknown> = { status, id: tx.id, event_count: null, data_collections: null, ts_ms: Math.floor(commitTimeUs / 1000) };
    if (status === 'END') {
      value.event_count = tx.order;
      value.data_collections = [...tx.perTable].map(([data_collection, event_count]) => ({ data_collection, event_count }));
    }
    return {
      topic,
      key: { id: tx.id },
      value,
      keySchema: { type: 'struct', optional: false, name: 'io.debezium.connector.common.TransactionMetadataKey', fields: [{ field: 'id', type: 'string', optional: false }] },
      valueSchema: null,
      headers: {},
      timestamp: Math.floor(commitTimeUs / 1000),
    };
  }
}
