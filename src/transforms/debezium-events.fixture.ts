/**
 * Test fixture (not used by the worker): change events for one table, `shop.public.orders`, made by
 * the Postgres source's own table schema and event builder, so the envelopes, key and value schemas
 * and column encodings (Decimal in base64, MicroTimestamp, ZonedTimestamp, Date in days) are exactly
 * what the source emits. Rows are given as the text Postgres prints, as the source receives them.
 */
import type { ChangeEvent } from '../events.js';
import { EventBuilder, type EventOrigin } from '../sources/postgres/event-builder.js';
import { buildTableSchema, type TableSchema } from '../sources/postgres/table-schema.js';
import { DEFAULT_TYPE_MAPPING } from '../sources/postgres/types/column-mapping.js';
import { PG_OID, type PgType } from '../sources/postgres/types/type-catalog.js';

const base = (name: keyof typeof PG_OID): PgType => ({ oid: PG_OID[name], schema: 'pg_catalog', name, kind: 'base' });
const types = new Map<number, PgType>(
  (['int4', 'text', 'numeric', 'timestamptz', 'timestamp', 'bool', 'date'] as const).map((name) => [PG_OID[name], base(name)]),
);
const NUMERIC_10_2 = ((10 << 16) | 2) + 4;

/** `CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2), status text, placed_at timestamptz, updated_at timestamp, shipped boolean, ship_date date)` */
export const ORDERS: TableSchema = buildTableSchema(
  {
    schema: 'public',
    name: 'orders',
    replicaIdentity: 'default',
    keyColumns: ['id'],
    columns: [
      { name: 'id', typeOid: PG_OID.int4, typeMod: -1, notNull: true },
      { name: 'customer', typeOid: PG_OID.text, typeMod: -1, notNull: true },
      { name: 'total', typeOid: PG_OID.numeric, typeMod: NUMERIC_10_2, notNull: false },
      { name: 'status', typeOid: PG_OID.text, typeMod: -1, notNull: false },
      { name: 'placed_at', typeOid: PG_OID.timestamptz, typeMod: -1, notNull: false },
      { name: 'updated_at', typeOid: PG_OID.timestamp, typeMod: -1, notNull: false },
      { name: 'shipped', typeOid: PG_OID.bool, typeMod: -1, notNull: false },
      { name: 'ship_date', typeOid: PG_OID.date, typeMod: -1, notNull: false },
    ],
  },
  types,
  { topicPrefix: 'shop', typeMapping: DEFAULT_TYPE_MAPPING, unavailableValuePlaceholder: '__debezium_unavailable_value', excludeColumn: () => false },
);

const builder = new EventBuilder('shop', 'app');

/** Commit time of every fixture event: 2024-03-05T10:15:30.123456Z. */
const COMMIT_TIME_US = 1_709_633_730_123_456;

const streamOrigin: EventOrigin = { commitTimeUs: COMMIT_TIME_US, txId: 771, lsn: 33_837_424, lastCommitLsn: 33_837_376, snapshot: 'false', transaction: { id: '771:33837424', total_order: 1, data_collection_order: 1 } };
const snapshotOrigin: EventOrigin = { commitTimeUs: COMMIT_TIME_US, txId: 770, lsn: 33_837_000, lastCommitLsn: null, snapshot: 'first', transaction: null };

/** Row texts in column order: id, customer, total, status, placed_at, updated_at, shipped, ship_date. */
const PLACED = ['1', 'Alice', '5094.61', 'new', '2024-03-05 09:00:00.5+00', '2024-03-05 09:00:00.250001', 'f', '2024-03-07'];
const PAID = ['1', 'Alice', '5094.61', 'paid', '2024-03-05 09:00:00.5+00', '2024-03-05 10:15:30.123456', 't', '2024-03-07'];

const row = (texts: readonly (string | null)[]) => ORDERS.row(texts);
const key = ORDERS.key(row(PLACED));

export const snapshotRead: ChangeEvent = builder.change(ORDERS, 'r', key, null, row(PLACED), snapshotOrigin);
export const created: ChangeEvent = builder.change(ORDERS, 'c', key, null, row(PLACED), streamOrigin);
/** REPLICA IDENTITY DEFAULT: no old row image for an update. */
export const updated: ChangeEvent = builder.change(ORDERS, 'u', key, null, row(PAID), streamOrigin);
/** REPLICA IDENTITY DEFAULT: the old row holds the key columns only. */
export const deleted: ChangeEvent = builder.change(ORDERS, 'd', key, row(['1', null, null, null, null, null, null, null]), null, streamOrigin);
/** REPLICA IDENTITY FULL: the old row is whole. */
export const deletedFullRow: ChangeEvent = builder.change(ORDERS, 'd', key, row(PAID), null, streamOrigin);
export const tombstone: ChangeEvent = builder.tombstone(deleted);
export const truncated: ChangeEvent = builder.truncate(ORDERS, streamOrigin);
export const message: ChangeEvent = builder.message('audit', Buffer.from('hello'), streamOrigin);
export const heartbeat: ChangeEvent = builder.heartbeat();

/** Every fixture event, for checks that must hold for all of them. */
export const ALL_EVENTS: readonly ChangeEvent[] = [snapshotRead, created, updated, deleted, deletedFullRow, tombstone, truncated, message, heartbeat];

