/**
 * What a record asks of a search index, whether it carries a Debezium envelope or a flat row left
 * by ExtractNewRecordState:
 * - envelope `c`, `r`, `u`: write the `after` row; `d`: delete; `t`: truncate the table; `m`
 *   (logical decoding messages) is not a row change;
 * - flat row: write it, or delete it when it carries `__deleted` = "true" (the unwrap transform's
 *   rewrite modes); its op is known only if `add.fields` copied `op` (`__op`);
 * - null value: a tombstone;
 * - heartbeats, transaction metadata and other values that are not rows: nothing to do.
 * A write or delete also says how its stream delivers deletes (`deletes`): as `d` events (an
 * envelope), as rows marked `__deleted` (a flat row that has the field), or else only as tombstones.
 * The table comes from the envelope's `source` block, else from the schema names Debezium gives
 * (`<prefix>.<schema>.<table>.Value` / `.Key`), else from the topic (`<prefix>.<schema>.<table>`).
 * Pure; called per record.
 */
import type { ChangeEvent, ConnectSchema, Row } from '../../events.js';
import { findField, isPlainObject } from '../../transforms/connect-data.js';
import type { TableRef } from './index-name.js';
import { envelopeVersion, flatRowVersion } from './version.js';

export type WriteOp = 'c' | 'r' | 'u';

/** How the stream a write or delete came from delivers its deletes. */
export type DeleteForm = 'event' | 'marked-row' | 'tombstone';

export type Change =
  | { kind: 'write'; op: WriteOp | null; row: Row; rowSchema: ConnectSchema | null; version: number | null; table: TableRef; deletes: DeleteForm }
  /** `rowSchema`: the table's row schema (the `before` image's), for the mapping of an index a delete creates. */
  | { kind: 'delete'; version: number | null; table: TableRef; rowSchema: ConnectSchema | null; deletes: DeleteForm }
  | { kind: 'truncate'; version: number | null; table: TableRef }
  | { kind: 'tombstone'; table: TableRef }
  | { kind: 'other'; reason: string };

const WRITE_OPS = new Set<unknown>(['c', 'r', 'u']);
const NOT_ROWS = /^io\.debezium\.connector\.(common\.|postgresql\.Message)/;

export function readChange(event: ChangeEvent): Change {
  const { value, valueSchema } = event;
  if (value === null || value === undefined) return { kind: 'tombstone', table: tableOf(event, null) };
  if (!isPlainObject(value)) return { kind: 'other', reason: 'the value is not a row' };
  if (isEnvelope(value, valueSchema)) return envelopeChange(event, value);
  if (valueSchema?.name !== undefined && NOT_ROWS.test(valueSchema.name)) return { kind: 'other', reason: `${valueSchema.name} is not a row change` };
  const table = tableOf(event, null);
  const version = flatRowVersion(value);
  const deletes: DeleteForm = '__deleted' in value ? 'marked-row' : 'tombstone';
  if (value['__deleted'] === 'true' || value['__deleted'] === true) return { kind: 'delete', version, table, rowSchema: valueSchema, deletes };
  const op = WRITE_OPS.has(value['__op']) ? (value['__op'] as WriteOp) : null;
  return { kind: 'write', op, row: value, rowSchema: valueSchema, version, table, deletes };
}

function isEnvelope(value: Record<string, unknown>, schema: ConnectSchema | null): boolean {
  if (schema !== null) return schema.name?.endsWith('.Envelope') === true;
  return typeof value['op'] === 'string' && isPlainObject(value['source']);
}

function envelopeChange(event: ChangeEvent, envelope: Record<string, unknown>): Change {
  const op = envelope['op'];
  const source = isPlainObject(envelope['source']) ? envelope['source'] : null;
  const table = tableOf(event, source);
  const version = envelopeVersion(envelope);
  if (WRITE_OPS.has(op)) {
    const after = envelope['after'];
    if (!isPlainObject(after)) return { kind: 'other', reason: `a "${String(op)}" event without an after row` };
    return { kind: 'write', op: op as WriteOp, row: after, rowSchema: imageSchema(event, 'after'), version, table, deletes: 'event' };
  }
  if (op === 'd') return { kind: 'delete', version, table, rowSchema: imageSchema(event, 'before'), deletes: 'event' };
  if (op === 't') return { kind: 'truncate', version, table };
  return { kind: 'other', reason: `"${String(op)}" events are not row changes` };
}

function imageSchema(event: ChangeEvent, image: 'before' | 'after'): ConnectSchema | null {
  return event.valueSchema === null ? null : (findField(event.valueSchema, image) ?? null);
}

function tableOf(event: ChangeEvent, source: Record<string, unknown> | null): TableRef {
  if (source !== null && typeof source['schema'] === 'string' && typeof source['table'] === 'string') {
    return { topic: event.topic, prefix: typeof source['name'] === 'string' ? source['name'] : '', schema: source['schema'], table: source['table'] };
  }
  const named = schemaNameBase(event.valueSchema, '.Value') ?? schemaNameBase(event.keySchema, '.Key') ?? event.topic;
  const parts = named.split('.');
  const table = parts.pop()!;
  const schema = parts.pop() ?? '';
  return { topic: event.topic, prefix: parts.join('.'), schema, table };
}

function schemaNameBase(schema: ConnectSchema | null, suffix: string): string | undefined {
  const name = schema?.name;
  return name !== undefined && name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
}
