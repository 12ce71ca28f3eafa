/**
 * The Postgres source task: the initial snapshot, then the logical replication stream of one slot.
 *
 * States (one task object runs through them once):
 *
 *   start() ──► snapshot ──► streaming ──► stopped
 *      │           │  (initial_only: ends here)   ▲
 *      └───────────┴─────────── failed ───────────┘
 *
 * - `start` checks the server, the user's privileges and the config, decides the plan
 *   (./start-plan.ts), and only then creates what is missing (publication, slot). Every failure
 *   is one SluiceError naming the fix (./connection.ts describes driver errors), and a start that
 *   fails drops what it created, so nothing is left half-made. Snapshot and stream then run in the
 *   background, filling a bounded queue.
 * - `poll` takes from that queue; it throws the background's error, if any.
 * - `commit` confirms streaming offsets to the slot (never snapshot offsets: the slot already sits
 *   at the snapshot's hand-over point).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { SourceTask, SourceTaskContext } from '../../contracts/source-task.js';
import type { OffsetMap, SourceRecord } from '../../events.js';
import { fullMatch } from '../../config/patterns.js';
import { ConfigError } from '../../errors.js';
import { BoundedQueue } from '../../util/bounded-queue.js';
import { checkReplicationPrerequisites, checkTablesReadable, currentWalLsn, listTables, tableByOid, type CatalogTable, type ReplicaIdentity } from './catalog.js';
import { clientConfig, connect, connectSettled, describePostgresError, qualifiedName, quoteIdent, type ConnectionSettings } from './connection.js';
import { EventBuilder } from './event-builder.js';
import { parsePostgresSourceConfig, type PostgresSourceConfig } from './postgres-source-config.js';
import { dropPublication, ensurePublication } from './publication.js';
import { ChangeHandler, HEARTBEAT_PREFIX } from './replication/change-handler.js';
import type { RelationMessage } from './replication/pgoutput-decoder.js';
import { ReplicationStream } from './replication/replication-stream.js';
import { checkSlotUsable, claimSlot, createSlot, createSlotWithSnapshot, dropSlot, slotInfo } from './slot.js';
import { runSnapshot } from './snapshot/snapshotter.js';
import type { Lsn } from './lsn.js';
import { newSnapshotId, readSnapshotProgress, readStreamResumeLsn, streamOffset, type SnapshotProgress } from './source-offset.js';
import { planStart, type StartPlan } from './start-plan.js';
import { buildTableSchema, type TableSchema, type TableSchemaOptions } from './table-schema.js';
import { changeHandlerOptions, connectionSettings, tableSchemaOptions } from './task-settings.js';
import { loadTypes, type PgType } from './types/type-catalog.js';

/**
 * Records waiting for poll. Small on purpose: a record waiting here outlives V8's young generation
 * when thousands wait, and copying and promoting such records cost the snapshot a third of its
 * speed in measurements; the worker's channels behind this queue hold more.
 */
const QUEUE_CAPACITY = 128;
const POLL_MAX = 512;
const POLL_WAIT_MS = 200;

export class PostgresSourceTask implements SourceTask {
  private config!: PostgresSourceConfig;
  private tableSchemaOptions!: TableSchemaOptions;
  private settings!: ConnectionSettings;
  private logger!: Logger;
  private context!: SourceTaskContext;
  private partition!: OffsetMap;
  private builder!: EventBuilder;
  private metadata: pg.Client | undefined;
  private snapshotClient: pg.Client | undefined;
  private stream: ReplicationStream | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly queue = new BoundedQueue<SourceRecord>(QUEUE_CAPACITY);
  private readonly types = new Map<number, PgType>();
  private readonly warnedKeyless = new Set<string>();
  private releaseSlotClaim: (() => void) | undefined;
  private failure: unknown;
  private stopped = false;
  private background: Promise<void> = Promise.resolve();

  constructor(private readonly rawConfig: Record<string, string>) {}

  async start(context: SourceTaskContext): Promise<void> {
    this.context = context;
    this.logger = context.logger;
    this.config = parsePostgresSourceConfig(this.rawConfig);
    this.settings = connectionSettings(this.config);
    this.tableSchemaOptions = tableSchemaOptions(this.config);
    for (const warning of this.config.warnings) this.logger.warn({ key: warning.key }, warning.message);
    this.partition = { server: this.config.topicPrefix };
    this.builder = new EventBuilder(this.config.topicPrefix, this.settings.database, this.config.binaryHandlingMode);
    this.releaseSlotClaim = claimSlot(`${this.settings.host}:${this.settings.port}`, this.config.slotName, context.connector);
    const created = { publication: false, slot: false };
    let replicationClient: pg.Client | undefined;
    try {
      ({ client: this.metadata, settings: this.settings } = await connectSettled(this.settings));
      await checkReplicationPrerequisites(this.metadata, this.settings.user);
      const tables = await this.capturedTables(this.metadata);
      const slot = await slotInfo(this.metadata, this.config.slotName);
      if (slot) checkSlotUsable(slot, this.settings.database);
      const offset = await context.offsetOf(this.partition);
      const plan = planStart({
        mode: this.config.snapshotMode,
        slotName: this.config.slotName,
        slotLsn: slot?.confirmedFlushLsn ?? null,
        progress: readSnapshotProgress(offset),
        resumeLsn: readStreamResumeLsn(offset),
      });
      this.logger[plan.level]({ plan: { createSlot: plan.createSlot, snapshot: plan.snapshot !== null, stream: plan.stream !== null } }, plan.reason);
      if (plan.snapshot) await checkTablesReadable(this.metadata, tables, this.settings.user);
      await this.loadTypesOf(tables.flatMap((t) => t.columns.map((c) => c.typeOid)));
      const publication = await ensurePublication(this.metadata, this.config.publicationName, this.config.publicationAutocreateMode, tables, this.settings.user);
      created.publication = publication.created;
      if (publication.created) this.logger.info({ publication: this.config.publicationName }, `created publication "${this.config.publicationName}"`);
      if (publication.unpublished.length > 0) {
        this.logger.warn(
          { tables: publication.unpublished },
          `Publication "${this.config.publicationName}" does not publish ${publication.unpublished.join(', ')}, so ${publication.unpublished.length === 1 ? 'its' : 'their'} changes will not stream. Add them with ALTER PUBLICATION ${quoteIdent(this.config.publicationName)} ADD TABLE ..., or set publication.autocreate.mode=filtered.`,
        );
      }

      let snapshot: SnapshotProgress | null = null;
      if (plan.createSlot) {
        replicationClient = await connect(this.settings, true);
        if (plan.createSlot === 'export') {
          const exported = await createSlotWithSnapshot(replicationClient, this.config.slotName);
          created.slot = true;
          this.logger.info({ slot: this.config.slotName }, `created replication slot "${this.config.slotName}" with snapshot ${exported.snapshotName}`);
          this.snapshotClient = await this.openSnapshotTransaction(exported.snapshotName);
          snapshot = await this.beginSnapshot(plan.snapshot!.progress, exported.consistentPoint, this.snapshotClient);
        } else {
          await createSlot(replicationClient, this.config.slotName);
          created.slot = true;
          this.logger.info({ slot: this.config.slotName }, `created replication slot "${this.config.slotName}"`);
        }
      } else if (plan.snapshot) {
        this.snapshotClient = await this.openSnapshotTransaction(null);
        snapshot = await this.beginSnapshot(plan.snapshot.progress, plan.snapshot.progress.lsn || (await currentWalLsn(this.snapshotClient)), this.snapshotClient);
      }
      await replicationClient?.end();
      replicationClient = undefined;
      this.background = this.run(tables, snapshot, plan).catch((error: unknown) => {
        this.failure ??= error;
        this.queue.close();
      });
    } catch (error) {
      await replicationClient?.end().catch(() => {});
      await this.cleanUpFailedStart(created);
      throw describePostgresError(error, this.settings);
    }
  }

  async poll(): Promise<SourceRecord[]> {
    const records = await this.queue.take(POLL_MAX, POLL_WAIT_MS);
    if (records.length === 0 && this.failure !== undefined) throw describePostgresError(this.failure, this.settings);
    return records;
  }

  async commit(offset: OffsetMap): Promise<void> {
    const lsn = readStreamResumeLsn(offset);
    if (lsn !== null) this.stream?.confirm(lsn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    this.queue.close();
    await this.stream?.stop();
    await this.snapshotClient?.end().catch(() => {});
    await this.background;
    if (this.config?.slotDropOnStop && this.metadata) {
      await dropSlot(this.metadata, this.config.slotName).catch((error: unknown) => this.logger.warn({ err: error }, 'could not drop the replication slot'));
    }
    await this.metadata?.end().catch(() => {});
    this.releaseSlotClaim?.();
  }

  /**
   * The progress a snapshot reads with, once its transaction is open on `client`: at `lsn`, and
   * with the id and text key order it began with, or new ones for a snapshot starting now. Text
   * keys are ordered by their bytes only on a UTF8 database, where bytes sort as the code points
   * row-key-order.ts compares.
   */
  private async beginSnapshot(progress: Omit<SnapshotProgress, 'lsn'>, lsn: Lsn, client: pg.Client): Promise<SnapshotProgress> {
    let textKeyOrder = progress.textKeyOrder;
    if (textKeyOrder === null) {
      const { rows } = await client.query<{ encoding: string }>(`SELECT current_setting('server_encoding') AS encoding`);
      textKeyOrder = this.config.snapshotTextKeyOrder === 'bytes' && rows[0]?.encoding === 'UTF8' ? 'bytes' : 'collation';
    }
    return { ...progress, lsn, id: progress.id ?? newSnapshotId(), textKeyOrder };
  }

  private async run(tables: CatalogTable[], snapshot: SnapshotProgress | null, plan: StartPlan): Promise<void> {
    if (snapshot && this.snapshotClient) {
      const client = this.snapshotClient;
      const schemas = new Map(tables.map((t) => [qualifiedName(t), buildTableSchema(t, this.types, this.tableSchemaOptions)]));
      await runSnapshot({
        client,
        tables,
        schemaOf: (t) => schemas.get(qualifiedName(t))!,
        types: this.types,
        builder: this.builder,
        partition: this.partition,
        progress: snapshot,
        chunkSize: this.config.snapshotFetchSize,
        emit: (records) => this.queue.put(records),
        reporter: this.context.progress,
        stopped: () => this.stopped,
      });
      await client.query('COMMIT');
      await client.end();
      this.snapshotClient = undefined;
      if (this.stopped) return;
      // The hand-over record: once it is committed, a restart streams instead of snapshotting.
      const handOver = streamOffset({ lsnCommit: snapshot.lsn, lsn: snapshot.lsn, txId: null, tsUsec: null });
      await this.queue.put([{ partition: this.partition, offset: { ...handOver, last_snapshot_record: true }, event: null }]);
      this.logger.info({ tables: tables.length }, 'snapshot complete');
    }
    if (!plan.stream || this.stopped) return;
    const from = plan.stream.from ?? snapshot?.lsn ?? 0;
    await this.startStream(from);
  }

  private async startStream(from: number): Promise<void> {
    const handler = new ChangeHandler(
      {
        builder: this.builder,
        partition: this.partition,
        options: changeHandlerOptions(this.config),
        resolveTable: (relation) => this.resolveTable(relation),
        emit: (records) => this.queue.put(records),
        logger: this.logger,
      },
      from,
    );
    const stream = new ReplicationStream({
      clientConfig: clientConfig(this.settings, true),
      slotName: this.config.slotName,
      publicationName: this.config.publicationName,
      statusIntervalMs: this.config.statusUpdateIntervalMs,
      onMessage: (message, lsn) => handler.handle(message, lsn),
    });
    this.stream = stream;
    await stream.start(from);
    this.logger.info({ slot: this.config.slotName, from }, 'streaming changes');
    if (this.config.heartbeatIntervalMs > 0) {
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatIntervalMs);
      this.heartbeatTimer.unref();
    }
    await stream.ended;
  }

  /** Writes a tiny non-transactional message into the WAL, so a quiet database still moves the slot. */
  private async heartbeat(): Promise<void> {
    try {
      await this.metadata?.query(`SELECT pg_logical_emit_message(false, $1, '')`, [HEARTBEAT_PREFIX]);
    } catch (error) {
      this.logger.warn({ err: error }, 'heartbeat failed');
    }
  }

  private async resolveTable(relation: RelationMessage): Promise<TableSchema | null> {
    if (!this.config.tableFilter(relation.schema, relation.name)) return null;
    const catalog = this.metadata ? await tableByOid(this.metadata, relation.oid) : null;
    await this.loadTypesOf(relation.columns.map((c) => c.typeOid));
    const notNull = new Set(catalog?.columns.filter((c) => c.notNull).map((c) => c.name));
    const names = new Set(relation.columns.map((c) => c.name));
    const keyColumns = (catalog?.keyColumns ?? relation.columns.filter((c) => c.isKey).map((c) => c.name)).filter((k) => names.has(k));
    if (keyColumns.length === 0) this.warnKeyless(`${relation.schema}.${relation.name}`, relation.replicaIdentity);
    return buildTableSchema(
      {
        schema: relation.schema,
        name: relation.name,
        columns: relation.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typeMod: c.typeMod, notNull: notNull.has(c.name) })),
        keyColumns,
        replicaIdentity: relation.replicaIdentity,
      },
      this.types,
      this.tableSchemaOptions,
    );
  }

  private async capturedTables(client: pg.Client): Promise<CatalogTable[]> {
    const tables = await listTables(client, this.config.tableFilter);
    const includeList = (this.rawConfig['table.include.list'] ?? '').split(',').map((e) => e.trim()).filter(Boolean);
    for (const entry of includeList) {
      const pattern = fullMatch(entry, 'i');
      if (!tables.some((t) => pattern.test(qualifiedName(t)))) {
        throw new ConfigError(
          `table.include.list names "${entry}", but no table in database "${this.settings.database}" matches it${this.rawConfig['schema.include.list'] || this.rawConfig['schema.exclude.list'] ? ' within the schema filters' : ''}. Check the schema and table name (schema.table), or create the table first.`,
        );
      }
    }
    for (const table of tables) {
      if (table.keyColumns.length === 0) this.warnKeyless(qualifiedName(table), table.replicaIdentity);
      const missing = table.replicaIdentity === 'index' ? table.keyColumns.filter((k) => !table.identityIndexColumns.includes(k)) : [];
      if (missing.length > 0) {
        this.logger.warn(
          { table: qualifiedName(table) },
          `Table ${qualifiedName(table)} has REPLICA IDENTITY USING INDEX on (${table.identityIndexColumns.join(', ')}), which leaves out primary-key column(s) ${missing.join(', ')}: PostgreSQL sends only the index's columns for a DELETE, so delete events of this table get null in those key fields. Run ALTER TABLE ${qualifiedName(table)} REPLICA IDENTITY DEFAULT (or FULL) to give deletes their key.`,
        );
      }
    }
    return tables;
  }

  private warnKeyless(table: string, identity: ReplicaIdentity): void {
    if (this.warnedKeyless.has(table)) return;
    this.warnedKeyless.add(table);
    this.logger.warn(
      { table },
      identity === 'full'
        ? `Table ${table} has no primary key: its events get a null key. Add a primary key to give them one.`
        : `Table ${table} has neither a primary key nor a REPLICA IDENTITY index: its events get a null key, and PostgreSQL rejects its UPDATE and DELETE statements once it is published. Add a primary key, or run ALTER TABLE ${table} REPLICA IDENTITY FULL.`,
    );
  }

  private async loadTypesOf(oids: number[]): Promise<void> {
    const missing = [...new Set(oids)].filter((oid) => !this.types.has(oid));
    if (missing.length === 0 || !this.metadata) return;
    for (const [oid, type] of await loadTypes(this.metadata, missing)) this.types.set(oid, type);
  }

  /** A connection inside a REPEATABLE READ transaction: on the exported snapshot, or a fresh one. */
  private async openSnapshotTransaction(snapshotName: string | null): Promise<pg.Client> {
    const client = await connect(this.settings);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (snapshotName) await client.query(`SET TRANSACTION SNAPSHOT '${snapshotName.replace(/'/g, "''")}'`);
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  /** Undoes a failed start: ends its connections, drops what it created and gives the slot claim back. */
  private async cleanUpFailedStart(created: { publication: boolean; slot: boolean }): Promise<void> {
    await this.snapshotClient?.end().catch(() => {});
    this.snapshotClient = undefined;
    if (this.metadata && (created.slot || created.publication)) {
      try {
        // The catalog connection may be what failed: then a fresh one does the dropping.
        await this.dropCreated(this.metadata, created).catch(async () => {
          const client = await connect(this.settings);
          await this.dropCreated(client, created).finally(() => client.end().catch(() => {}));
        });
      } catch (error) {
        const leftovers = [
          created.slot ? `SELECT pg_drop_replication_slot('${this.config.slotName}');` : null,
          created.publication ? `DROP PUBLICATION ${quoteIdent(this.config.publicationName)};` : null,
        ].filter(Boolean);
        this.logger.error({ err: error }, `The failed start could not remove what it created; remove it by hand: ${leftovers.join(' ')}`);
      }
    }
    await this.metadata?.end().catch(() => {});
    this.metadata = undefined;
    this.releaseSlotClaim?.();
  }

  private async dropCreated(client: pg.Client, created: { publication: boolean; slot: boolean }): Promise<void> {
    if (created.slot) await dropSlot(client, this.config.slotName);
    if (created.publication) await dropPublication(client, this.config.publicationName);
  }
}
