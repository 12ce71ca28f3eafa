/**
 * The faults a test arms on the fake OpenSearch node (fake-opensearch.ts `faults`) and how they fall
 * on requests. Request-level faults are counted: arming one replaces its previous setting, and each
 * request it applies to uses one up (`forRequest`, called once per request as it arrives); item-level
 * faults are taken per bulk item (`itemRefusal` before the item's index is looked up or
 * auto-created, as a node checks blocks and permissions); lost scrolls per scroll page
 * (`takeScrollLoss`, fake-opensearch-search.ts). Nothing here does I/O; `hold` is the delay's wait,
 * which the node awaits before or after applying the request.
 */
import { indexNotFound, OpenSearchError, type Action, type Source } from './fake-opensearch-protocol.js';

/** Which requests a request-level fault counts: every request, or `_bulk` requests only. */
export type FaultScope = 'any' | 'bulk';

/** A fault as the request log (`RequestRecord.faults`) names it: 'items rejected' when some of a bulk request's items were. */
export type InjectedFault = 'rejected' | 'items rejected' | 'unavailable' | 'cluster blocked' | 'delayed' | 'delayed after applying' | 'reset' | 'reset after applying';

export interface DocumentCandidate { index: string; id: string; source: Source }

/**
 * Why an index refuses bulk items (`refuseItems`), as OpenSearch 2.x answers each: `write block` and
 * `read-only block` the index blocks an administrator sets (`index.blocks.write`,
 * `index.blocks.read_only`: 403 cluster_block_exception, every write and delete), `flood-stage block`
 * the block a full disk puts on its indices (429, deletes still allowed), `no permission` a user
 * without the right to write to it (403 security_exception), `index missing` an index deleted while
 * the cluster does not create indices on writes (`action.auto_create_index=false`: 404).
 */
export type ItemRefusal = 'write block' | 'read-only block' | 'flood-stage block' | 'no permission' | 'index missing';

/** Which search contexts a scroll page finds gone (`loseScrolls`): every shard's, or one shard's of two. */
export type ScrollLoss = 'all shards' | 'one shard';

/** Each call replaces the previous setting of the same fault; counts go down as requests use them up. */
export interface FakeOpenSearchFaults {
  /** The next `count` `_bulk` requests answer 429 rejected_execution_exception; nothing is applied. */
  rejectBulk(count: number): void;
  /** The next `count` bulk items (across requests) fail with a per-item 429; the other items are applied. */
  rejectItems(count: number): void;
  /** The next `count` requests answer 503 cluster_block_exception; nothing is applied. */
  unavailable(count: number, scope?: FaultScope): void;
  /**
   * Until cleared, every `_bulk` request answers 403 cluster_block_exception, as under the block an
   * administrator sets on the whole cluster (`cluster.blocks.read_only`); nothing is applied.
   */
  blockCluster(): void;
  /**
   * The next `count` requests are answered `ms` late: they wait before being handled (and are still
   * applied if the client gave up meanwhile), or with `afterApplying` are applied at once and the
   * answer waits (a client that gave up has the write done without knowing it).
   */
  delay(ms: number, count: number, options?: FaultScope | { afterApplying?: boolean; scope?: FaultScope }): void;
  /** The next `count` requests get a TCP reset once their body is read: before anything is applied, or after. */
  resetConnection(count: number, options?: { afterApplying?: boolean; scope?: FaultScope }): void;
  /** Index, create and update items whose resulting document matches fail with a per-item 400 mapper_parsing_exception. */
  failMapping(match: (doc: DocumentCandidate) => boolean): void;
  /** Until cleared, the items on `index` fail as `refusal` says (replacing its earlier refusal); nothing of them is applied. */
  refuseItems(index: string, refusal: ItemRefusal): void;
  /**
   * The next `count` scroll pages (`_search/scroll`) find search contexts of their scroll gone, as
   * once its keep-alive ran out or a node holding it restarted: `all shards` (the default) answers
   * 404 search_context_missing_exception and the scroll is gone; `one shard` leaves the scroll
   * without the hits of one shard of two from that page on, each page answered 200 with
   * `_shards.failed: 1`, as a node answers a search allowed partial results.
   */
  loseScrolls(count: number, shards?: ScrollLoss): void;
  /** Lets every request a delay is holding go on now. */
  releaseDelayed(): void;
  /** Clears every fault (requests held by a delay stay held until their time or `releaseDelayed`). */
  clear(): void;
}

/** What the armed faults do to one request. */
export interface RequestFaults {
  /** The faults that fell on it, in the order they act. */
  names: InjectedFault[];
  /** How long its answer is held back (0: not at all), and whether it is applied first. */
  delayMs: number;
  delayAfterApplying: boolean;
  /** Whether its connection is reset, and when. */
  reset: 'before applying' | 'after applying' | undefined;
  /** The error it is answered with instead of being handled. */
  error: OpenSearchError | undefined;
}

type CountedFault = { remaining: number; scope: FaultScope; afterApplying: boolean };

const none = (scope: FaultScope): CountedFault => ({ remaining: 0, scope, afterApplying: false });

/** Uses up one request of `fault` if it applies to this request. */
function take(fault: CountedFault, isBulk: boolean): boolean {
  if (fault.remaining <= 0 || (fault.scope === 'bulk' && !isBulk)) return false;
  fault.remaining--;
  return true;
}

export class FaultPlan implements FakeOpenSearchFaults {
  private bulkRejections = none('bulk');
  private itemRejections = 0;
  private unavailability = none('any');
  private clusterBlocked = false;
  private delays = { ...none('any'), ms: 0 };
  private resets = none('any');
  private mappingFailures: Array<(doc: DocumentCandidate) => boolean> = [];
  private refusals = new Map<string, ItemRefusal>();
  private scrollLosses: { remaining: number; shards: ScrollLoss } = { remaining: 0, shards: 'all shards' };
  private held = new Set<() => void>();
  /** How many bulk items have failed with an injected 429 so far. */
  itemsRejected = 0;

  rejectBulk(count: number): void { this.bulkRejections = { ...none('bulk'), remaining: count }; }
  rejectItems(count: number): void { this.itemRejections = count; }
  unavailable(count: number, scope: FaultScope = 'any'): void { this.unavailability = { ...none(scope), remaining: count }; }
  blockCluster(): void { this.clusterBlocked = true; }
  delay(ms: number, count: number, options: FaultScope | { afterApplying?: boolean; scope?: FaultScope } = 'any'): void {
    const { scope = 'any', afterApplying = false } = typeof options === 'string' ? { scope: options } : options;
    this.delays = { remaining: count, scope, afterApplying, ms };
  }
  resetConnection(count: number, options: { afterApplying?: boolean; scope?: FaultScope } = {}): void {
    this.resets = { remaining: count, scope: options.scope ?? 'any', afterApplying: options.afterApplying ?? false };
  }
  failMapping(match: (doc: DocumentCandidate) => boolean): void { this.mappingFailures.push(match); }
  refuseItems(index: string, refusal: ItemRefusal): void { this.refusals.set(index, refusal); }
  loseScrolls(count: number, shards: ScrollLoss = 'all shards'): void { this.scrollLosses = { remaining: count, shards }; }
  releaseDelayed(): void {
    for (const release of this.held) release();
  }
  clear(): void {
    this.bulkRejections.remaining = this.unavailability.remaining = this.delays.remaining = this.resets.remaining = this.itemRejections = this.scrollLosses.remaining = 0;
    this.mappingFailures = [];
    this.refusals.clear();
    this.clusterBlocked = false;
  }

  /** The request-level faults falling on a request that has just arrived, using them up. */
  forRequest(isBulk: boolean, bodyBytes: number): RequestFaults {
    const planned: RequestFaults = { names: [], delayMs: 0, delayAfterApplying: false, reset: undefined, error: undefined };
    if (take(this.delays, isBulk)) {
      planned.delayMs = this.delays.ms;
      planned.delayAfterApplying = this.delays.afterApplying;
      planned.names.push(this.delays.afterApplying ? 'delayed after applying' : 'delayed');
    }
    if (take(this.resets, isBulk)) {
      planned.reset = this.resets.afterApplying ? 'after applying' : 'before applying';
      planned.names.push(this.resets.afterApplying ? 'reset after applying' : 'reset');
      if (!this.resets.afterApplying) return planned;
    }
    if (isBulk && this.clusterBlocked) {
      planned.error = new OpenSearchError(403, 'cluster_block_exception', 'blocked by: [FORBIDDEN/6/cluster read-only (api)];');
      planned.names.push('cluster blocked');
    } else if (take(this.unavailability, isBulk)) {
      planned.error = new OpenSearchError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];');
      planned.names.push('unavailable');
    } else if (take(this.bulkRejections, isBulk)) {
      planned.error = new OpenSearchError(429, 'rejected_execution_exception', `rejected execution of coordinating operation [coordinating_operation_bytes=${bodyBytes}]`);
      planned.names.push('rejected');
    }
    return planned;
  }

  /** Resolves after `ms`, or at `releaseDelayed`. */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.held.add(release);
    });
  }

  /** Whether the next bulk item fails with a per-item 429. */
  takeItemRejection(): boolean {
    if (this.itemRejections <= 0) return false;
    this.itemRejections--;
    this.itemsRejected++;
    return true;
  }

  /** The error an item of `action` on `index` fails with under `refuseItems`, if any. */
  itemRefusal(index: string, action: Action): OpenSearchError | undefined {
    const refusal = this.refusals.get(index);
    const blocked = (status: number, block: string) => new OpenSearchError(status, 'cluster_block_exception', `index [${index}] blocked by: [${block}];`);
    switch (refusal) {
      case undefined:
        return undefined;
      case 'write block':
        return blocked(403, 'FORBIDDEN/8/index write (api)');
      case 'read-only block':
        return blocked(403, 'FORBIDDEN/5/index read-only (api)');
      case 'flood-stage block':
        return action === 'delete' ? undefined : blocked(429, 'TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block');
      case 'no permission':
        return new OpenSearchError(403, 'security_exception', 'no permissions for [indices:data/write/bulk[s]] and User [name=sluice, backend_roles=[], requestedTenant=null]');
      case 'index missing':
        return indexNotFound(index);
    }
  }

  /** Which contexts the scroll page now asked for finds gone, if any, using one lost scroll up. */
  takeScrollLoss(): ScrollLoss | undefined {
    if (this.scrollLosses.remaining <= 0) return undefined;
    this.scrollLosses.remaining--;
    return this.scrollLosses.shards;
  }

  /** Whether a document about to be written fails with an injected mapping error. */
  failsMapping(doc: DocumentCandidate): boolean {
    return this.mappingFailures.some((match) => match(doc));
  }
}
