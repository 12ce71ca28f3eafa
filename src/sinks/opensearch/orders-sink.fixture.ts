/**
 * Test fixture (not used by the worker) for the OpenSearch sink task's tests: change records of
 * `shop.public.orders` (transforms/debezium-events.fixture.ts, made by the Postgres source's own
 * event builder), and a client that wraps the real one (client.ts, talking HTTP to the fake node)
 * and records when each request starts and ends, which documents it carries, and whether two
 * requests in flight ever shared a document. `hold()` keeps bulk responses back (the fake has
 * applied the request, the sink has not seen the answer) until `release` lets them go.
 */
import type { Logger } from 'pino';
import type { SinkRecord } from '../../events.js';
import { EventBuilder, type EventOrigin } from '../../sources/postgres/event-builder.js';
import { ORDERS } from '../../transforms/debezium-events.fixture.js';
import { createOpenSearchClient, type OpenSearchClient } from './client.js';
import { parseOpenSearchSinkConfig } from './opensearch-sink-config.js';
import { OpenSearchSinkTask } from './sink-task.js';
import { sinkTaskContext } from '../../../test/support/sink-context.js';

export const ORDERS_INDEX = 'shop.public.orders';
const builder = new EventBuilder('shop', 'app');

function origin(lsn: number): EventOrigin {
  return { commitTimeUs: 1_709_633_730_123_456, txId: 900, lsn, lastCommitLsn: null, snapshot: 'false', transaction: null };
}

/** An update of order `id` to `status`, versioned by `lsn`, at `offset` of partition 0. */
export function orderUpdate(offset: number, id: number, status: string, lsn = 1_000 + offset): SinkRecord {
  const texts = [String(id), 'Alice', '10.00', status, null, null, null, null];
  return { ...builder.change(ORDERS, 'u', ORDERS.key(ORDERS.row(texts)), null, ORDERS.row(texts), origin(lsn)), kafkaPartition: 0, kafkaOffset: offset, position: null };
}

/** A delete of order `id` (its before image: the key), versioned by `lsn`, at `offset` of partition 0. */
export function orderDeleted(offset: number, id: number, lsn = 1_000 + offset): SinkRecord {
  const before = ORDERS.row([String(id), null, null, null, null, null, null, null]);
  return { ...builder.change(ORDERS, 'd', ORDERS.key(before), before, null, origin(lsn)), kafkaPartition: 0, kafkaOffset: offset, position: null };
}

export function ordersTruncated(offset: number, lsn = 1_000 + offset): SinkRecord {
  return { ...builder.truncate(ORDERS, origin(lsn)), kafkaPartition: 0, kafkaOffset: offset, position: null };
}

export type ClientEvent = { kind: 'bulk-start' | 'bulk-end' | 'delete-start' | 'delete-end'; call: number; ids: readonly string[] };

/** The `_id`s of a bulk body's actions, in order. */
export function bulkIds(body: string): string[] {
  const ids: string[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const [op, meta] = Object.entries(JSON.parse(lines[i]!) as Record<string, { _id: string }>)[0]!;
    ids.push(meta._id);
    if (op !== 'delete') i++;
  }
  return ids;
}

export class RecordingClient implements OpenSearchClient {
  readonly events: ClientEvent[] = [];
  /** Documents that were in two requests in flight at once. */
  readonly overlaps: string[] = [];
  maxInFlight = 0;
  private calls = 0;
  private readonly inFlight = new Map<string, number>();
  private holding = false;
  private held: Array<{ ids: readonly string[]; release: () => void }> = [];

  constructor(private readonly inner: OpenSearchClient) {}

  /** Bulk requests started and not yet answered (to the sink). */
  get requestsInFlight(): number {
    return this.events.filter((e) => e.kind === 'bulk-start').length - this.events.filter((e) => e.kind === 'bulk-end').length;
  }

  get heldResponses(): number {
    return this.held.length;
  }

  /** The bulk calls in start order, as their documents' ids. */
  bulkCalls(): Array<readonly string[]> {
    return this.events.filter((e) => e.kind === 'bulk-start').map((e) => e.ids);
  }

  /** Index in `events` of the first event matching. */
  indexOf(kind: ClientEvent['kind'], match: (ids: readonly string[]) => boolean, from = 0): number {
    return this.events.findIndex((e, i) => i >= from && e.kind === kind && match(e.ids));
  }

  hold(): void {
    this.holding = true;
  }

  /** Lets held responses whose ids `match` go; all of them, and stops holding, without `match`. */
  release(match?: (ids: readonly string[]) => boolean): void {
    if (!match) this.holding = false;
    const going = this.held.filter((h) => !match || match(h.ids));
    this.held = this.held.filter((h) => !going.includes(h));
    for (const h of going) h.release();
  }

  async bulk(body: Buffer): Promise<unknown> {
    const call = this.calls++;
    const ids = bulkIds(body.toString());
    this.events.push({ kind: 'bulk-start', call, ids });
    for (const id of new Set(ids)) {
      if (this.inFlight.has(id)) this.overlaps.push(id);
      this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    }
    this.maxInFlight = Math.max(this.maxInFlight, this.requestsInFlight);
    try {
      const response = await this.inner.bulk(body);
      if (this.holding) await new Promise<void>((release) => this.held.push({ ids, release }));
      return response;
    } finally {
      for (const id of new Set(ids)) {
        const left = this.inFlight.get(id)! - 1;
        if (left === 0) this.inFlight.delete(id);
        else this.inFlight.set(id, left);
      }
      this.events.push({ kind: 'bulk-end', call, ids });
    }
  }

  async deleteAll(index: string, version: number | null, logger: Logger): Promise<void> {
    const call = this.calls++;
    this.events.push({ kind: 'delete-start', call, ids: [] });
    await this.inner.deleteAll(index, version, logger);
    this.events.push({ kind: 'delete-end', call, ids: [] });
  }

  storedDocuments: OpenSearchClient['storedDocuments'] = (refs) => this.inner.storedDocuments(refs);
  ensureIndex: OpenSearchClient['ensureIndex'] = (name, mapping) => this.inner.ensureIndex(name, mapping);
  close = (): Promise<void> => this.inner.close();
}

/** A started task writing to `url` with these settings (and logging to `logger`, silent by default), and the recording client it uses. */
export async function startOrdersSink(url: string, settings: Record<string, string>, logger?: Logger): Promise<{ task: OpenSearchSinkTask; client: RecordingClient }> {
  const config = parseOpenSearchSinkConfig({ name: 'search', 'connector.class': 'OpenSearchSink', topics: ORDERS_INDEX, 'connection.url': url, ...settings });
  let client: RecordingClient | undefined;
  const task = new OpenSearchSinkTask(config, (connection) => (client = new RecordingClient(createOpenSearchClient(connection))));
  await task.start(sinkTaskContext({ connector: 'search', ...(logger && { logger }) }));
  return { task, client: client! };
}
