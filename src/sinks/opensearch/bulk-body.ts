/**
 * Turns sink records into `_bulk` actions. `BulkPlanner.plan` is called once per record as the sink
 * takes it; it returns the record's action with its NDJSON lines already encoded (action-bytes.ts,
 * so that the writer can fill requests up to `batch.size` and `bulk.size.bytes`), a truncate to
 * carry out between bulk requests, or a skip. `bulkBody` joins actions into one request body; its
 * `items` are the actions in order, matching the response's items one to one (bulk-response.ts).
 * Pure apart from caches, the slabs it encodes into and the topics it has seen flat rows on; never
 * blocks. Throws a SluiceError only for a tombstone under `behavior.on.null.values=fail`.
 *
 * The rules (change-record.ts reads the record, version.ts gives `v`):
 * - a row to write: `index` of the whole document with `version=v, version_type=external_gte`;
 * - a row with unavailable TOAST values (toast.ts) from an update: an `index` of the whole document
 *   at `v` like any other, whose left-out fields the writer takes from the stored document just
 *   before it sends it (`merge`; merged-updates.ts). OpenSearch's update API takes no external
 *   version, and any update, scripted or not, raises the stored version by one: a later change of
 *   the same transaction, which may carry the same `v`, would then be refused as older and lost.
 *   The same row from an insert (a primary-key change moves a row without its unchanged TOAST
 *   values, unless the table has REPLICA IDENTITY FULL) is indexed without those fields, with a
 *   warning: nothing else can be written there. A snapshot read holds every value: its text is
 *   written as it is, even one that reads like the placeholder;
 * - a delete: `delete` with the same version; a tombstone: nothing (`behavior.on.null.values`
 *   ignore), an unversioned `delete` (delete) or an error (fail). Ignoring one on a topic of flat
 *   rows without `__deleted` (ExtractNewRecordState, whose deletes then arrive only as tombstones)
 *   leaves a deleted row's document in the index: that warns, naming the fix;
 * - a truncate: a `truncate` plan for the table's index at the truncate's version
 *   (`truncate.behavior=delete_by_query`); the task must send what came before it first, delete
 *   the index's documents up to that version (client.ts `deleteAll`), then go on. Documents newer
 *   than the truncate stay, so a replayed truncate (offsets reset to before it) leaves the rows
 *   written after it alone, and its tombstones never outrank their replayed writes;
 * - `index.write.method=upsert`: an `update` with `doc` and `doc_as_upsert`, no version (a merge);
 * - `key.ignore=true`, and rows of tables without a key: `index` under topic+partition+offset, no
 *   version; their updates and deletes cannot find the document and are skipped (keyless tables
 *   warn).
 * Without a version (a flat row without `add.fields` LSNs) writes are plain: the last write wins.
 */
import type { ConnectSchema, SinkRecord } from '../../events.js';
import { SluiceError } from '../../errors.js';
import { toJson } from '../../json.js';
import { encodeAction, requestBody, type ActionBytes } from './action-bytes.js';
import { readChange, type Change } from './change-record.js';
import { DocumentIds, offsetDocumentId } from './document-id.js';
import { DocumentConverter, type Document } from './document-values.js';
import { IndexNamer } from './index-name.js';
import type { OpenSearchSinkConfig } from './opensearch-sink-config.js';
import { PlaceholderDetector } from '../toast.js';
import { VERSION_TYPE } from './version.js';

/** Where a record sits in its transport: what its outcome is reported against. */
export interface RecordRef {
  topic: string;
  partition: number;
  offset: number;
}

/** An action's NDJSON lines are its `bytes` (ActionBytes), encoded when it is planned. */
export interface BulkAction extends ActionBytes {
  op: 'index' | 'update' | 'delete';
  index: string;
  id: string;
  version: number | null;
  /** A partial update (a `merge`, or a plain `doc` without a version): a missing document is no error. */
  partial: boolean;
  /**
   * An index whose document lacks unavailable TOAST values: the writer completes it with the stored
   * document's `omitted` fields before sending it (merged-updates.ts), then sets this to null.
   */
  merge: { document: Document; omitted: readonly string[] } | null;
  record: RecordRef;
  /**
   * The record it was planned from, what is reported to the dead-letter queue; kept only where an
   * item can be reported (`behavior.on.malformed.documents` or `behavior.on.version.conflict` is
   * report), else null: the whole event would otherwise live as long as the request.
   */
  source: SinkRecord | null;
  /** The row's schema (a delete's: its before image's), to derive the mapping of an index the sink creates; null when unknown (a tombstone). */
  rowSchema: ConnectSchema | null;
  /**
   * Marked once the action is durable: its request settled with it written or dealt with
   * (written-offsets.ts). Apart from the action, so that what waits for a commit is this alone,
   * not the action's bytes and record.
   */
  receipt: WriteReceipt;
}

export interface WriteReceipt {
  /** The record's offset (RecordRef.offset). */
  offset: number;
  written: boolean;
}

/** Identifies an action's document: index names cannot contain '/', so no two documents share a key. */
export const documentKey = (action: BulkAction): string => `${action.index}/${action.id}`;

export type PlanWarningCode = 'unversioned' | 'toast-fields-dropped' | 'keyless-change' | 'not-a-row-change' | 'tombstone-ignored';

/** Something the sink should log, once per code and topic. */
export interface PlanWarning {
  code: PlanWarningCode;
  message: string;
}

export type RecordPlan =
  | { kind: 'action'; action: BulkAction; warnings: readonly PlanWarning[] }
  | { kind: 'truncate'; index: string; version: number | null; record: RecordRef }
  | { kind: 'skip'; record: RecordRef; warnings: readonly PlanWarning[] };

export interface BulkBody {
  /** The NDJSON bytes: the actions' bytes in order (action-bytes.ts requestBody). */
  body: Buffer;
  bytes: number;
  /** The actions in body order: the response's items[i] answers items[i]. */
  items: readonly BulkAction[];
}

export type BulkPlannerConfig = Pick<OpenSearchSinkConfig, 'documents' | 'indices'>;

const NO_WARNINGS: readonly PlanWarning[] = Object.freeze([]);

export class BulkPlanner {
  private readonly documents: BulkPlannerConfig['documents'];
  private readonly truncate: BulkPlannerConfig['indices']['truncate'];
  private readonly namer: IndexNamer;
  private readonly converter: DocumentConverter;
  private readonly ids = new DocumentIds();
  private readonly placeholders: PlaceholderDetector;
  /** Whether an item can be reported to the dead-letter queue: its action then keeps its record. */
  private readonly reports: boolean;
  /** Topics seen carrying flat rows without `__deleted`: their deletes arrive only as tombstones. */
  private readonly deletedByTombstone = new Set<string>();

  constructor(config: BulkPlannerConfig) {
    this.documents = config.documents;
    this.truncate = config.indices.truncate;
    this.namer = new IndexNamer(config.indices.nameFormat, config.indices.topicToIndex);
    this.converter = new DocumentConverter(config.documents.decimalFormat === 'string');
    this.placeholders = new PlaceholderDetector(config.documents.unavailableValuePlaceholder);
    this.reports = config.documents.onMalformedDocuments === 'report' || config.documents.onVersionConflict === 'report';
  }

  plan(record: SinkRecord): RecordPlan {
    const ref: RecordRef = { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset };
    const change = readChange(record);
    if ((change.kind === 'write' || change.kind === 'delete') && change.deletes === 'tombstone') this.deletedByTombstone.add(ref.topic);
    switch (change.kind) {
      case 'other':
        return skip(ref, [warning('not-a-row-change', `${ref.topic}: ${change.reason}; such records are skipped.`)]);
      case 'tombstone':
        return this.tombstone(record, ref, change);
      case 'truncate':
        if (this.truncate === 'ignore') return skip(ref);
        return { kind: 'truncate', index: this.namer.indexFor(change.table), version: change.version, record: ref };
      case 'delete': {
        if (this.documents.keyIgnore) return skip(ref);
        const id = this.ids.keyId(record.key, record.keySchema);
        if (id === null) return skip(ref, [keyless(ref)]);
        return this.action(record, ref, 'delete', this.namer.indexFor(change.table), id, change.version, change.rowSchema, null, false, [unversioned(ref, change.version)]);
      }
      case 'write':
        return this.write(record, ref, change);
    }
  }

  private tombstone(record: SinkRecord, ref: RecordRef, change: Extract<Change, { kind: 'tombstone' }>): RecordPlan {
    if (this.documents.keyIgnore) return skip(ref);
    if (this.documents.onNullValues === 'ignore') return skip(ref, this.deletedByTombstone.has(ref.topic) ? [tombstoneIgnored(ref)] : NO_WARNINGS);
    if (this.documents.onNullValues === 'fail') {
      throw new SluiceError(
        'OPENSEARCH_NULL_VALUE',
        `Record ${ref.topic}-${ref.partition}@${ref.offset} has a null value (a tombstone) and behavior.on.null.values=fail. Change events delete with their "d" events, so set behavior.on.null.values=ignore, or delete when deletes arrive only as tombstones.`,
        { stage: 'put' },
      );
    }
    const id = this.ids.keyId(record.key, record.keySchema);
    if (id === null) return skip(ref);
    return this.action(record, ref, 'delete', this.namer.indexFor(change.table), id, null, null, null, false, []);
  }

  private write(record: SinkRecord, ref: RecordRef, change: Extract<Change, { kind: 'write' }>): RecordPlan {
    const { row, rowSchema, op, version } = change;
    const { keyIgnore, writeMethod } = this.documents;
    const index = this.namer.indexFor(change.table);
    const omit = this.placeholders.unavailableFields(row, rowSchema, op);
    const dropped = omit.length === 0 ? null : warning('toast-fields-dropped', `${ref.topic}: a new row arrived without its unchanged TOAST values (${omit.join(', ')}), so its document lacks them; REPLICA IDENTITY FULL on the table avoids this.`);
    const keyId = keyIgnore ? null : this.ids.keyId(record.key, record.keySchema);
    if (keyId === null) {
      if (op === 'u' && !keyIgnore) return skip(ref, [keyless(ref)]);
      const warnings = [dropped, keyIgnore || op === 'c' || op === 'r' ? null : keyless(ref)];
      const json = this.converter.documentJson(row, rowSchema, omit);
      return this.action(record, ref, 'index', index, offsetDocumentId(ref.topic, ref.partition, ref.offset), null, rowSchema, json, false, warnings);
    }
    if (writeMethod === 'upsert') {
      const json = toJson({ doc: this.converter.document(row, rowSchema, omit), doc_as_upsert: true });
      return this.action(record, ref, 'update', index, keyId, null, rowSchema, json, false, []);
    }
    if (omit.length > 0 && op !== 'c' && op !== 'r') {
      const document = this.converter.document(row, rowSchema, omit);
      if (version === null) return this.action(record, ref, 'update', index, keyId, null, rowSchema, toJson({ doc: document }), true, [unversioned(ref, version)]);
      const planned = this.action(record, ref, 'index', index, keyId, version, rowSchema, toJson(document), true, []);
      planned.action.merge = { document, omitted: omit };
      return planned;
    }
    const json = this.converter.documentJson(row, rowSchema, omit);
    return this.action(record, ref, 'index', index, keyId, version, rowSchema, json, false, [dropped, unversioned(ref, version)]);
  }

  /** The action with its bytes (actionBytes), keeping its record where it can be reported (`reports`). */
  private action(
    record: SinkRecord,
    ref: RecordRef,
    op: BulkAction['op'],
    index: string,
    id: string,
    version: number | null,
    rowSchema: ConnectSchema | null,
    body: string | null,
    partial: boolean,
    warnings: ReadonlyArray<PlanWarning | null>,
  ): { kind: 'action'; action: BulkAction; warnings: readonly PlanWarning[] } {
    const { slab, start, bytes } = actionBytes(op, index, id, version, body);
    // Most actions warn of nothing: no array is made for them.
    let given: PlanWarning[] | null = null;
    for (const w of warnings) if (w !== null) (given ??= []).push(w);
    return {
      kind: 'action',
      action: { op, index, id, version, partial, merge: null, slab, start, bytes, record: ref, source: this.reports ? record : null, rowSchema, receipt: { offset: ref.offset, written: false } },
      warnings: given ?? NO_WARNINGS,
    };
  }
}

export function bulkBody(actions: readonly BulkAction[]): BulkBody {
  let bytes = 0;
  for (const action of actions) bytes += action.bytes;
  return { body: requestBody(actions, bytes), bytes, items: actions };
}

/** An action's NDJSON lines, encoded: its action line (actionLine), then `body` (JSON text, if any) as the second line. */
export function actionBytes(op: BulkAction['op'], index: string, id: string, version: number | null, body: string | null): ActionBytes {
  return encodeAction(actionLine(op, index, id, version), body);
}

/** The action line of a bulk action, ending in a newline; `version` (if any) is external. */
export function actionLine(op: BulkAction['op'], index: string, id: string, version: number | null): string {
  const end = version === null ? '}}\n' : `,"version":${version},"version_type":"${VERSION_TYPE}"}}\n`;
  return actionLineStart(op, index) + JSON.stringify(id) + end;
}

/** `{"<op>":{"_index":"<index>","_id":`, made once per op and index. */
const lineStarts: Record<BulkAction['op'], Map<string, string>> = { index: new Map(), update: new Map(), delete: new Map() };

function actionLineStart(op: BulkAction['op'], index: string): string {
  const starts = lineStarts[op];
  let start = starts.get(index);
  if (start === undefined) starts.set(index, (start = `{${JSON.stringify(op)}:{"_index":${JSON.stringify(index)},"_id":`));
  return start;
}

function skip(record: RecordRef, warnings: readonly PlanWarning[] = NO_WARNINGS): RecordPlan {
  return { kind: 'skip', record, warnings };
}

function warning(code: PlanWarningCode, message: string): PlanWarning {
  return { code, message };
}

function unversioned(ref: RecordRef, version: number | null): PlanWarning | null {
  if (version !== null) return null;
  return warning('unversioned', `${ref.topic}: changes carry no source position, so they are written without a version and the last write wins; keep the envelope, or add.fields=source.lsn,source.sequence to ExtractNewRecordState.`);
}

function tombstoneIgnored(ref: RecordRef): PlanWarning {
  return warning(
    'tombstone-ignored',
    `${ref.topic}: tombstones are ignored (behavior.on.null.values=ignore), but this topic carries flat rows of ExtractNewRecordState, whose deletes arrive only as tombstones: deleted rows keep their documents. Set behavior.on.null.values=delete (deletes without a version), or delete.tombstone.handling.mode=rewrite on the transform with add.fields=source.lsn,source.sequence (versioned deletes).`,
  );
}

function keyless(ref: RecordRef): PlanWarning {
  return warning('keyless-change', `${ref.topic}: the table has no primary key or replica identity index, so updates and deletes cannot find their document; its rows are indexed as new documents and their changes skipped.`);
}
