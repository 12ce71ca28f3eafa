/**
 * Test fixture (not used by the worker): change events of `shop.public.articles`, a table with a
 * composite primary key and TOASTable columns, made by the Postgres source's own table schema and
 * event builder, so keys, placeholders and envelopes are exactly what the source emits. Rows are
 * given as the text Postgres prints; UNCHANGED_TOAST stands where pgoutput sends no value.
 */
import type { ChangeEvent, SinkRecord } from '../../events.js';
import { EventBuilder, type EventOrigin } from '../../sources/postgres/event-builder.js';
import { UNCHANGED_TOAST, type TupleValue } from '../../sources/postgres/replication/pgoutput-decoder.js';
import { buildTableSchema, type TableSchema } from '../../sources/postgres/table-schema.js';
import { DEFAULT_TYPE_MAPPING } from '../../sources/postgres/types/column-mapping.js';
import { PG_OID, type PgType } from '../../sources/postgres/types/type-catalog.js';

const base = (name: keyof typeof PG_OID): PgType => ({ oid: PG_OID[name], schema: 'pg_catalog', name, kind: 'base' });
const TEXT_ARRAY_OID = 1009;
const types = new Map<number, PgType>([
  ...(['int8', 'text', 'varchar', 'bytea', 'numeric', 'date'] as const).map((name): [number, PgType] => [PG_OID[name], base(name)]),
  [TEXT_ARRAY_OID, { oid: TEXT_ARRAY_OID, schema: 'pg_catalog', name: '_text', kind: 'array', element: base('text') }],
]);

/** `CREATE TABLE articles (region text, id bigint, title varchar(200), body text, tags text[], cover bytea, price numeric(10,2), published date, PRIMARY KEY (region, id))` */
export const ARTICLES: TableSchema = buildTableSchema(
  {
    schema: 'public',
    name: 'articles',
    replicaIdentity: 'default',
    keyColumns: ['region', 'id'],
    columns: [
      { name: 'region', typeOid: PG_OID.text, typeMod: -1, notNull: true },
      { name: 'id', typeOid: PG_OID.int8, typeMod: -1, notNull: true },
      { name: 'title', typeOid: PG_OID.varchar, typeMod: 200 + 4, notNull: false },
      { name: 'body', typeOid: PG_OID.text, typeMod: -1, notNull: false },
      { name: 'tags', typeOid: TEXT_ARRAY_OID, typeMod: -1, notNull: false },
      { name: 'cover', typeOid: PG_OID.bytea, typeMod: -1, notNull: false },
      { name: 'price', typeOid: PG_OID.numeric, typeMod: ((10 << 16) | 2) + 4, notNull: false },
      { name: 'published', typeOid: PG_OID.date, typeMod: -1, notNull: false },
    ],
  },
  types,
  { topicPrefix: 'shop', typeMapping: DEFAULT_TYPE_MAPPING, unavailableValuePlaceholder: '__debezium_unavailable_value', excludeColumn: () => false },
);

const builder = new EventBuilder('shop', 'app');

export function origin(lsn: number, lastCommitLsn: number | null, snapshot: 'false' | 'first' | 'true' = 'false'): EventOrigin {
  return { commitTimeUs: 1_709_633_730_123_456, txId: 900, lsn, lastCommitLsn, snapshot, transaction: null };
}

/** Column texts: region, id, title, body, tags, cover, price, published. */
export const WRITTEN: TupleValue[] = ['eu', '9007199254740993', 'Hello', 'A long body', '{search,cdc}', '\\x0102ff', '19.90', '2024-03-07'];
/** An update of the title only: body, tags and cover were TOASTed and unchanged. */
export const RETITLED: TupleValue[] = ['eu', '9007199254740993', 'Hello again', UNCHANGED_TOAST, UNCHANGED_TOAST, UNCHANGED_TOAST, '19.90', '2024-03-07'];
/** The same row after its key changed from id 9007199254740993 to 7, TOAST values unchanged. */
export const MOVED: TupleValue[] = ['eu', '7', 'Hello again', UNCHANGED_TOAST, UNCHANGED_TOAST, UNCHANGED_TOAST, '19.90', '2024-03-07'];

/** The key of a row given as column texts. */
export const articleKey = (values: TupleValue[]) => ARTICLES.key(ARTICLES.row(values));
/** The before image a delete of the row carries (REPLICA IDENTITY DEFAULT: the key columns). */
export const OLD_KEY: TupleValue[] = ['eu', '9007199254740993', null, null, null, null, null, null];

export const articleRead: ChangeEvent = builder.change(ARTICLES, 'r', articleKey(WRITTEN), null, ARTICLES.row(WRITTEN), origin(5_000, null, 'first'));
export const articleCreated: ChangeEvent = builder.change(ARTICLES, 'c', articleKey(WRITTEN), null, ARTICLES.row(WRITTEN), origin(6_000, 5_500));
export const articleRetitled: ChangeEvent = builder.change(ARTICLES, 'u', articleKey(RETITLED), null, ARTICLES.row(RETITLED), origin(6_100, 6_050));
export const articleDeleted: ChangeEvent = builder.change(ARTICLES, 'd', articleKey(OLD_KEY), ARTICLES.row(OLD_KEY), null, origin(6_200, 6_150));
export const articleTombstone: ChangeEvent = builder.tombstone(articleDeleted);
/** A primary-key change: the delete of the old key, then the create of the new one, both at one LSN. */
export const articleMovedAway: ChangeEvent = builder.change(ARTICLES, 'd', articleKey(OLD_KEY), ARTICLES.row(OLD_KEY), null, origin(6_300, 6_250), { '__debezium.newkey': '{"region":"eu","id":7}' });
export const articleMovedHere: ChangeEvent = builder.change(ARTICLES, 'c', articleKey(MOVED), null, ARTICLES.row(MOVED), origin(6_300, 6_250), { '__debezium.oldkey': '{"region":"eu","id":9007199254740993}' });
export const articlesTruncated: ChangeEvent = builder.truncate(ARTICLES, origin(6_400, 6_350));

/** An event as a sink receives it, at an offset of partition 0. */
export function sinkRecord(event: ChangeEvent, offset: number): SinkRecord {
  return { ...event, kafkaPartition: 0, kafkaOffset: offset, position: null };
}
