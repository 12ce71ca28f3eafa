/**
 * Decoder for pgoutput, protocol version 1 (PostgreSQL's "Logical Replication Message Formats"),
 * shaped as a pg-logical-replication output plugin: `LogicalReplicationService.subscribe(decoder, slot)`
 * calls `start()` once to issue START_REPLICATION, then `parse()` for every XLogData payload.
 *
 * Contract:
 * - `parse(buffer)` is called synchronously, in stream order, with one whole pgoutput message. It
 *   never blocks and returns one decoded message; nothing it returns refers to `buffer` afterwards
 *   (pg's protocol parser reuses its buffers, so logical-message content is copied).
 * - Values stay exactly as Postgres printed them (utf8 text, in the session's output settings);
 *   tuples are arrays positional to the relation's columns as the last Relation message for that
 *   oid listed them. A 'K' tuple holds the replica-identity columns and null elsewhere.
 *   `UNCHANGED_TOAST` marks a TOASTed value that the update did not change and pgoutput did not send.
 * - The decoder keeps the relation cache pgoutput relies on: a Relation message (re)defines an oid,
 *   and the change messages that follow carry that same object as `relation`. A change for an oid
 *   never defined is a stream out of sync: a RetriableError, since restarting replication makes the
 *   server send every Relation message again.
 * - Malformed input (unknown tags, truncated messages, binary values that proto 1 text mode never
 *   sends) is a permanent SluiceError.
 */
import type pg from 'pg';
import { RetriableError, SluiceError } from '../../../errors.js';
import { readLsn, type Lsn } from '../lsn.js';

export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged TOAST value');
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export type Tuple = TupleValue[];

export type ReplicaIdentity = 'default' | 'nothing' | 'full' | 'index';

export interface RelationColumn {
  readonly name: string;
  /** Part of the replica identity (primary key, the chosen index, or every column when FULL). */
  readonly isKey: boolean;
  readonly typeOid: number;
  readonly typeMod: number;
}

export interface RelationMessage {
  readonly tag: 'relation';
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly replicaIdentity: ReplicaIdentity;
  readonly columns: readonly RelationColumn[];
}

/** Timestamps are microseconds since the Unix epoch; LSNs are byte positions (see ../lsn.ts). */
export interface BeginMessage { tag: 'begin'; finalLsn: Lsn; commitTimeUs: number; xid: number }
export interface CommitMessage { tag: 'commit'; flags: number; commitLsn: Lsn; endLsn: Lsn; commitTimeUs: number }
export interface OriginMessage { tag: 'origin'; lsn: Lsn; name: string }
export interface TypeMessage { tag: 'type'; oid: number; schema: string; name: string }
export interface InsertMessage { tag: 'insert'; relation: RelationMessage; newTuple: Tuple }
export interface UpdateMessage {
  tag: 'update';
  relation: RelationMessage;
  /** Sent when the update changed the replica identity (DEFAULT or INDEX). */
  keyTuple: Tuple | null;
  /** Sent for REPLICA IDENTITY FULL. */
  oldTuple: Tuple | null;
  newTuple: Tuple;
}
export interface DeleteMessage { tag: 'delete'; relation: RelationMessage; keyTuple: Tuple | null; oldTuple: Tuple | null }
export interface TruncateMessage { tag: 'truncate'; cascade: boolean; restartIdentity: boolean; relations: RelationMessage[] }
export interface LogicalMessage { tag: 'message'; transactional: boolean; lsn: Lsn; prefix: string; content: Buffer }

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage;

export interface PgoutputDecoderOptions {
  publicationNames: string[];
  /** Ask for logical decoding messages (pg_logical_emit_message). */
  messages: boolean;
}

const HALF = 0x1_0000_0000;
/** Microseconds from 1970-01-01 to 2000-01-01, the Postgres epoch. */
const PG_EPOCH_US = 946_684_800_000_000;
const EMPTY = Buffer.alloc(0);
const LSN_TEXT = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

const BEGIN = 0x42; // B
const COMMIT = 0x43; // C
const ORIGIN = 0x4f; // O
const RELATION = 0x52; // R
const TYPE = 0x59; // Y
const INSERT = 0x49; // I
const UPDATE = 0x55; // U
const DELETE = 0x44; // D
const TRUNCATE = 0x54; // T
const MESSAGE = 0x4d; // M
const KEY = 0x4b; // K
const OLD = 0x4f; // O
const NEW = 0x4e; // N
const TEXT = 0x74; // t
const NULL = 0x6e; // n
const TOAST = 0x75; // u
const BINARY = 0x62; // b

export class PgoutputDecoder {
  readonly options: PgoutputDecoderOptions;
  private readonly relations = new Map<number, RelationMessage>();
  private buffer: Buffer = EMPTY;
  private offset = 0;

  constructor(options: PgoutputDecoderOptions) {
    this.options = options;
  }

  get name(): string {
    return 'pgoutput';
  }

  /** Issues START_REPLICATION on a `replication: 'database'` connection; resolves when streaming ends. */
  start(client: pg.Client, slotName: string, lsn: string): Promise<pg.QueryResult> {
    if (!LSN_TEXT.test(lsn)) throw new SluiceError('PGOUTPUT_BAD_LSN', `not an LSN to start replication from: ${lsn}`, { stage: 'start' });
    // pgoutput splits publication_names like an identifier list, so each name is quoted as an
    // identifier (keeping case, commas, quotes) and the list as one string literal.
    const publications = this.options.publicationNames.map(quoteIdentifier).join(',');
    const options = [
      `proto_version '1'`,
      `publication_names ${quoteLiteral(publications)}`,
      `messages '${this.options.messages ? 'true' : 'false'}'`,
    ];
    return client.query(`START_REPLICATION SLOT ${quoteIdentifier(slotName)} LOGICAL ${lsn} (${options.join(', ')})`);
  }

  parse(buffer: Buffer): PgoutputMessage {
    this.buffer = buffer;
    this.offset = 1;
    let message: PgoutputMessage;
    try {
      message = this.decode(buffer[0]);
    } catch (error) {
      if (error instanceof RangeError) throw malformed(`message '${tagName(buffer[0])}' ends early (${buffer.length} bytes)`, error);
      throw error;
    }
    if (this.offset !== buffer.length) {
      throw malformed(`message '${tagName(buffer[0])}' has ${buffer.length - this.offset} bytes past its end`);
    }
    this.buffer = EMPTY;
    return message;
  }

  private decode(tag: number | undefined): PgoutputMessage {
    switch (tag) {
      case BEGIN:
        return { tag: 'begin', finalLsn: this.readLsn(), commitTimeUs: this.readTimestamp(), xid: this.readUInt32() };
      case COMMIT:
        return { tag: 'commit', flags: this.readUInt8(), commitLsn: this.readLsn(), endLsn: this.readLsn(), commitTimeUs: this.readTimestamp() };
      case ORIGIN:
        return { tag: 'origin', lsn: this.readLsn(), name: this.readString() };
      case RELATION:
        return this.decodeRelation();
      case TYPE:
        return { tag: 'type', oid: this.readUInt32(), schema: this.readString(), name: this.readString() };
      case INSERT: {
        const relation = this.readRelationRef();
        this.expectKind(NEW);
        return { tag: 'insert', relation, newTuple: this.readTuple(relation) };
      }
      case UPDATE:
        return this.decodeUpdate();
      case DELETE: {
        const relation = this.readRelationRef();
        const kind = this.readUInt8();
        if (kind !== KEY && kind !== OLD) throw malformed(`delete carries tuple kind '${tagName(kind)}', expected 'K' or 'O'`);
        const tuple = this.readTuple(relation);
        return { tag: 'delete', relation, keyTuple: kind === KEY ? tuple : null, oldTuple: kind === OLD ? tuple : null };
      }
      case TRUNCATE:
        return this.decodeTruncate();
      case MESSAGE: {
        const flags = this.readUInt8();
        const lsn = this.readLsn();
        const prefix = this.readString();
        const length = this.readUInt32();
        const start = this.offset;
        this.offset = this.checkedEnd(start, length);
        return { tag: 'message', transactional: (flags & 1) !== 0, lsn, prefix, content: Buffer.from(this.buffer.subarray(start, this.offset)) };
      }
      default:
        throw malformed(`unknown message tag '${tagName(tag)}' (only protocol version 1 without streaming is supported)`);
    }
  }

  private decodeRelation(): RelationMessage {
    const oid = this.readUInt32();
    const schema = this.readString();
    const name = this.readString();
    const replicaIdentity = toReplicaIdentity(this.readUInt8());
    const count = this.readUInt16();
    const columns: RelationColumn[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const flags = this.readUInt8();
      columns[i] = { isKey: (flags & 1) !== 0, name: this.readString(), typeOid: this.readUInt32(), typeMod: this.readInt32() };
    }
    const relation: RelationMessage = { tag: 'relation', oid, schema, name, replicaIdentity, columns };
    this.relations.set(oid, relation);
    return relation;
  }

  private decodeUpdate(): UpdateMessage {
    const relation = this.readRelationRef();
    let keyTuple: Tuple | null = null;
    let oldTuple: Tuple | null = null;
    let kind = this.readUInt8();
    if (kind === KEY || kind === OLD) {
      const tuple = this.readTuple(relation);
      if (kind === KEY) keyTuple = tuple;
      else oldTuple = tuple;
      kind = this.readUInt8();
    }
    if (kind !== NEW) throw malformed(`update carries tuple kind '${tagName(kind)}', expected 'N'`);
    return { tag: 'update', relation, keyTuple, oldTuple, newTuple: this.readTuple(relation) };
  }

  private decodeTruncate(): TruncateMessage {
    const count = this.readUInt32();
    const flags = this.readUInt8();
    const relations: RelationMessage[] = new Array(count);
    for (let i = 0; i < count; i++) relations[i] = this.readRelationRef();
    return { tag: 'truncate', cascade: (flags & 1) !== 0, restartIdentity: (flags & 2) !== 0, relations };
  }

  private readTuple(relation: RelationMessage): Tuple {
    const buffer = this.buffer;
    let offset = this.offset;
    const count = buffer.readUInt16BE(offset);
    offset += 2;
    if (count !== relation.columns.length) {
      throw outOfSync(`a tuple of ${relation.schema}.${relation.name} has ${count} columns, its Relation message ${relation.columns.length}`);
    }
    const tuple: Tuple = new Array(count);
    for (let i = 0; i < count; i++) {
      const kind = buffer[offset++];
      if (kind === TEXT) {
        const length = buffer.readUInt32BE(offset);
        const end = this.checkedEnd(offset + 4, length);
        tuple[i] = buffer.toString('utf8', offset + 4, end);
        offset = end;
      } else if (kind === NULL) {
        tuple[i] = null;
      } else if (kind === TOAST) {
        tuple[i] = UNCHANGED_TOAST;
      } else if (kind === BINARY) {
        throw malformed(`binary value for column ${relation.columns[i]!.name} of ${relation.schema}.${relation.name}: this decoder reads text values only (the slot must not be started with binary 'true')`);
      } else {
        throw malformed(`unknown tuple value kind '${tagName(kind)}' for column ${relation.columns[i]!.name}`);
      }
    }
    this.offset = offset;
    return tuple;
  }

  private readRelationRef(): RelationMessage {
    const oid = this.readUInt32();
    const relation = this.relations.get(oid);
    if (relation === undefined) throw outOfSync(`a change for relation oid ${oid} arrived before any Relation message defined it`);
    return relation;
  }

  private expectKind(kind: number): void {
    const actual = this.readUInt8();
    if (actual !== kind) throw malformed(`expected tuple kind '${tagName(kind)}', found '${tagName(actual)}'`);
  }

  private checkedEnd(start: number, length: number): number {
    const end = start + length;
    if (end > this.buffer.length) throw new RangeError(`value of ${length} bytes at ${start} runs past the message`);
    return end;
  }

  private readString(): string {
    const start = this.offset;
    const end = this.buffer.indexOf(0, start);
    if (end < 0) throw new RangeError('unterminated string');
    this.offset = end + 1;
    return this.buffer.toString('utf8', start, end);
  }

  private readUInt8(): number {
    return this.buffer.readUInt8(this.offset++);
  }

  private readUInt16(): number {
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  private readInt32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  private readUInt32(): number {
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  private readLsn(): Lsn {
    const value = readLsn(this.buffer, this.offset);
    this.offset += 8;
    return value;
  }

  private readTimestamp(): number {
    const value = this.buffer.readInt32BE(this.offset) * HALF + this.buffer.readUInt32BE(this.offset + 4) + PG_EPOCH_US;
    this.offset += 8;
    return value;
  }
}

function toReplicaIdentity(code: number): ReplicaIdentity {
  switch (code) {
    case 0x64: // d
      return 'default';
    case 0x6e: // n
      return 'nothing';
    case 0x66: // f
      return 'full';
    case 0x69: // i
      return 'index';
    default:
      throw malformed(`unknown replica identity '${tagName(code)}'`);
  }
}

function quoteIdentifier(name: string): string {
  return `"${rejectNul(name).replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${rejectNul(text).replaceAll("'", "''")}'`;
}

function rejectNul(text: string): string {
  if (text.includes('\0')) throw new SluiceError('PGOUTPUT_BAD_NAME', `a slot or publication name contains a NUL character: ${JSON.stringify(text)}`, { stage: 'start' });
  return text;
}

function tagName(code: number | undefined): string {
  return code === undefined ? 'nothing' : String.fromCharCode(code);
}

function malformed(detail: string, cause?: unknown): SluiceError {
  return new SluiceError('PGOUTPUT_MALFORMED', `cannot decode pgoutput: ${detail}`, { stage: 'stream', cause });
}

function outOfSync(detail: string): RetriableError {
  return new RetriableError('PGOUTPUT_OUT_OF_SYNC', `pgoutput stream out of sync: ${detail}; restart streaming so the server resends its Relation messages`, { stage: 'stream' });
}
