// The shared informer, client-go's way for a component to know the cluster without asking the
// API server every time [tools/cache/{reflector.go, delta_fifo.go, shared_informer.go,
// controller.go}]:
//
//   Reflector ── list, then watch from the list's resourceVersion ──▶ DeltaFIFO ──▶ indexer
//                                                                        └──▶ handlers
//
// - The Reflector lists (in pages), replaces the store with the result, then watches from the
//   list's resourceVersion. A watch the server closes is re-opened from the last resourceVersion
//   seen (bookmarks move it too); a 410 Gone means the history we need is compacted away, so it
//   lists again. Between failed rounds it backs off: 800 ms doubling to 30 s, with jitter.
// - The DeltaFIFO turns what the reflector sees into per-object deltas. A re-list becomes
//   Replaced deltas plus, for every cached object absent from the new list, a Deleted delta
//   whose object is a DeletedFinalStateUnknown tombstone: the delete we missed.
// - The informer applies each delta to the indexer (the cache the listers read) and calls
//   every handler, in the order they were added.
//
// What differs from client-go, and why: the DeltaFIFO is drained synchronously, as soon as the
// reflector hands it something, and handlers are called directly rather than through a buffered
// channel per listener. In a single-threaded simulation that is the same order of effects with
// no goroutines to model; a slow handler simply takes no virtual time.

import type { Simulation, Timer } from "../sim/simulation";
import { Duration, parseDuration } from "../sim/duration";
import type { Rng } from "../sim/rng";
import {
  isConnectionRefused,
  isExpired,
  isTooLargeResourceVersion,
  isTooManyRequests,
  KubeObjectLike,
  ListerWatcher,
  StatusLike,
  WatchEventLike,
  WatchStopper,
} from "./list-watch";
import { DeletedFinalStateUnknown, Indexer, Indexers, KeyFunc, Lister, metaNamespaceIndexFunc, metaNamespaceKeyFunc, NamespaceIndex } from "./lister";
import { ExponentialBackoffManager } from "./rate-limiter";

export { DeletedFinalStateUnknown };

// ---------------------------------------------------------------------------------------------
// DeltaFIFO

export type DeltaType = "Added" | "Updated" | "Deleted" | "Replaced" | "Sync";

export interface Delta<T> {
  type: DeltaType;
  object: T | DeletedFinalStateUnknown<T>;
}

/**
 * A queue of keys, each with the list of deltas that happened to it since it was last popped.
 * knownObjects is the informer's indexer: Replace and Resync consult it to know what exists.
 */
export class DeltaFIFO<T> {
  private readonly items = new Map<string, Delta<T>[]>();
  private queue: string[] = [];
  private head = 0;
  private populated = false;
  private initialPopulationCount = 0;

  constructor(private readonly keyFunc: KeyFunc<T>, private readonly knownObjects: Indexer<T>) {}

  keyOf(obj: T | DeletedFinalStateUnknown<T>): string {
    return obj instanceof DeletedFinalStateUnknown ? obj.key : this.keyFunc(obj);
  }

  add(obj: T): void {
    this.populated = true;
    this.queueAction("Added", obj);
  }

  update(obj: T): void {
    this.populated = true;
    this.queueAction("Updated", obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    this.populated = true;
    // Deleted already (by a re-list that noticed it gone): do not report the same deletion twice.
    if (this.knownObjects.getByKey(key) === undefined && !this.items.has(key)) return;
    this.queueAction("Deleted", obj);
  }

  /**
   * The result of a (re-)list: a Replaced delta for every listed object, then a tombstone
   * Deleted delta for every object we knew (queued or cached) that the list no longer has.
   */
  replace(list: T[]): void {
    const keys = new Set<string>();
    for (const item of list) {
      const key = this.keyFunc(item);
      keys.add(key);
      this.queueAction("Replaced", item);
    }
    let queuedDeletions = 0;
    for (const [key, deltas] of Array.from(this.items)) {
      if (keys.has(key)) continue;
      let last = deltas[deltas.length - 1]?.object;
      if (last instanceof DeletedFinalStateUnknown) last = last.obj;
      queuedDeletions++;
      this.queueAction("Deleted", new DeletedFinalStateUnknown(key, last as T));
    }
    for (const key of this.knownObjects.listKeys()) {
      if (keys.has(key) || (this.items.get(key)?.length ?? 0) > 0) continue;
      queuedDeletions++;
      this.queueAction("Deleted", new DeletedFinalStateUnknown(key, this.knownObjects.getByKey(key)!));
    }
    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = keys.size + queuedDeletions;
    }
  }

  /** A Sync delta for every cached object that has nothing queued already. */
  resync(): void {
    for (const key of this.knownObjects.listKeys()) {
      if ((this.items.get(key)?.length ?? 0) > 0) continue;
      this.queueAction("Sync", this.knownObjects.getByKey(key)!);
    }
  }

  /** Pops the oldest key and gives its deltas to process; false when empty. */
  pop(process: (deltas: Delta<T>[], isInInitialList: boolean) => void): boolean {
    if (this.head >= this.queue.length) return false;
    const key = this.queue[this.head++];
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    const isInInitialList = !this.hasSynced();
    if (this.initialPopulationCount > 0) this.initialPopulationCount--;
    const deltas = this.items.get(key)!;
    this.items.delete(key);
    process(deltas, isInInitialList);
    return true;
  }

  /** True once the first replace (or any add/update/delete) has been popped completely. */
  hasSynced(): boolean {
    return this.populated && this.initialPopulationCount === 0;
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  private queueAction(type: DeltaType, obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    const old = this.items.get(key);
    const deltas = dedupDeltas([...(old ?? []), { type, object: obj }]);
    if (!old) this.queue.push(key);
    this.items.set(key, deltas);
  }
}

/** Two deletes in a row collapse into one, keeping the one that knows the final state. */
function dedupDeltas<T>(deltas: Delta<T>[]): Delta<T>[] {
  const n = deltas.length;
  if (n < 2) return deltas;
  const a = deltas[n - 1];
  const b = deltas[n - 2];
  if (a.type !== "Deleted" || b.type !== "Deleted") return deltas;
  const keep = b.object instanceof DeletedFinalStateUnknown ? a : b;
  return [...deltas.slice(0, n - 2), keep];
}

// ---------------------------------------------------------------------------------------------
// Reflector

/** Where a reflector puts what it sees: the DeltaFIFO in an informer. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  replace(list: T[], resourceVersion: string): void;
  resync(): void;
}

export interface ReflectorOptions {
  name?: string;
  /** Page size of the initial list (client-go's pager default: 500). 0 = unpaginated. */
  pageSize?: number;
  /** Watches ask the server to end after minWatchTimeout × [1, 2) (client-go: 5 min). */
  minWatchTimeout?: Duration;
  /** How often to ask shouldResync whether to resync the store (0 = never). */
  resyncPeriod?: Duration;
  shouldResync?: () => boolean;
}

export type ReflectorPhase = "idle" | "listing" | "watching" | "backoff" | "stopped";

/** Counters a notebook can show without reading the trace. */
export interface ReflectorStats {
  lists: number;
  listPages: number;
  listErrors: number;
  watches: number;
  watchEvents: number;
  expired: number;
  backoffs: number;
}

export class Reflector<T extends KubeObjectLike> {
  readonly name: string;
  readonly stats: ReflectorStats = { lists: 0, listPages: 0, listErrors: 0, watches: 0, watchEvents: 0, expired: 0, backoffs: 0 };
  phase: ReflectorPhase = "idle";
  private lastSyncRV = "";
  private lastSyncRVUnavailable = false;
  private paginatedResult = false;
  private readonly pageSize: number;
  private readonly minWatchTimeoutMs: number;
  private resyncPeriodMs: number;
  private readonly backoff: ExponentialBackoffManager;
  private readonly rng: Rng;
  private running = false;
  /** Incremented by every round and by stop(): callbacks of an older round are ignored. */
  private round = 0;
  private timer: Timer | undefined;
  private resyncTimer: Timer | undefined;
  private watchStopper: WatchStopper | undefined;

  constructor(
    private readonly sim: Simulation,
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly options: ReflectorOptions = {},
  ) {
    this.name = options.name ?? "reflector";
    this.pageSize = options.pageSize ?? 500;
    this.minWatchTimeoutMs = parseDuration(options.minWatchTimeout ?? "5m");
    this.resyncPeriodMs = parseDuration(options.resyncPeriod ?? 0);
    // Its own random stream: jitter here does not shift what other components draw.
    const rng = sim.rng.fork(`reflector/${this.name}`);
    this.backoff = new ExponentialBackoffManager(sim, rng, 800, 30_000, 120_000, 2.0, 1.0);
    this.rng = rng;
  }

  /** The resourceVersion of the last list or event seen ("" before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  setResyncPeriod(d: Duration): void {
    this.resyncPeriodMs = parseDuration(d);
  }

  run(): void {
    if (this.running) return;
    this.running = true;
    this.listAndWatch();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.round++;
    this.phase = "stopped";
    this.timer?.cancel();
    this.resyncTimer?.cancel();
    const w = this.watchStopper;
    this.watchStopper = undefined;
    w?.stop();
  }

  // One round of client-go's ListAndWatch: list, then watch until something needs a re-list.
  private listAndWatch(): void {
    const round = ++this.round;
    this.phase = "listing";
    this.list(round, (err) => {
      if (!this.alive(round)) return;
      if (err) return this.endRound(round, err);
      this.startResync();
      this.watch(round);
    });
  }

  private alive(round: number): boolean {
    return this.running && round === this.round;
  }

  /** ListAndWatch returned: wait the back-off (wait.BackoffUntil, sliding), then a new round. */
  private endRound(round: number, err: StatusLike): void {
    if (!this.alive(round)) return;
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
    const delay = this.backoff.backoff();
    this.stats.backoffs++;
    this.phase = "backoff";
    this.record("backoff", { delay, code: err.code, reason: err.reason ?? "", message: err.message ?? "" });
    this.timer = this.sim.after(delay, () => this.listAndWatch(), `reflector ${this.name} relist`);
  }

  /** "" after a 410 (read the latest), "0" for the first list (any, may come from a cache), else the last RV. */
  private relistResourceVersion(): string {
    if (this.lastSyncRVUnavailable) return "";
    if (this.lastSyncRV === "") return "0";
    return this.lastSyncRV;
  }

  private list(round: number, cb: (err?: StatusLike) => void): void {
    const rv = this.relistResourceVersion();
    // client-go turns pagination off for a re-list at a specific RV, so that it can be served
    // from the watch cache, unless the server paginated the first list (no watch cache then).
    const pageSize = !this.paginatedResult && rv !== "" && rv !== "0" ? 0 : this.pageSize;
    this.stats.lists++;
    this.listPaged(round, rv, pageSize, (err, items, listRV, paginated) => {
      if (!this.alive(round)) return;
      if (err && (isExpired(err) || isTooLargeResourceVersion(err))) {
        // The RV we asked for is gone (or not there yet): retry at once, from the latest.
        this.lastSyncRVUnavailable = true;
        this.record("list-error", { rv, code: err.code, reason: err.reason ?? "", retry: "resourceVersion=\"\"" });
        return this.listPaged(round, this.relistResourceVersion(), pageSize, (err2, items2, listRV2, paginated2) => {
          if (!this.alive(round)) return;
          this.listed(rv, err2, items2, listRV2, paginated2, cb);
        });
      }
      this.listed(rv, err, items, listRV, paginated, cb);
    });
  }

  private listed(requested: string, err: StatusLike | undefined, items: T[] | undefined, listRV: string | undefined, paginated: boolean, cb: (err?: StatusLike) => void): void {
    if (err) {
      this.stats.listErrors++;
      this.record("list-error", { rv: requested, code: err.code, reason: err.reason ?? "", message: err.message ?? "" });
      return cb(err);
    }
    if (requested === "0" && paginated) this.paginatedResult = true;
    this.lastSyncRVUnavailable = false;
    this.record("list", { requested, rv: listRV, items: items!.length });
    this.store.replace(items!, listRV!);
    this.lastSyncRV = listRV!;
    cb();
  }

  /**
   * client-go's ListPager: pages of `limit` following continue tokens (each later page carries
   * only the token: the RV is in it). If a token expires (410 on page 2+), fall back to one
   * full, unpaginated list at the originally requested RV (FullListIfExpired).
   */
  private listPaged(round: number, rv: string, pageSize: number, cb: (err: StatusLike | undefined, items: T[] | undefined, rv: string | undefined, paginated: boolean) => void): void {
    const items: T[] = [];
    let firstRV: string | undefined;
    let paginated = false;
    const page = (opts: { resourceVersion?: string; limit?: number; continue?: string }) => {
      this.stats.listPages++;
      this.lw.list(opts, (err, list) => {
        if (!this.alive(round)) return;
        if (err) {
          if (isExpired(err) && opts.continue) {
            this.record("list-error", { rv, code: err.code, reason: err.reason ?? "", retry: "full list" });
            this.stats.listPages++;
            return this.lw.list({ resourceVersion: rv }, (err2, full) => {
              if (!this.alive(round)) return;
              if (err2) return cb(err2, undefined, undefined, paginated);
              cb(undefined, full!.items.slice(), full!.metadata.resourceVersion, paginated);
            });
          }
          return cb(err, undefined, undefined, paginated);
        }
        const l = list!;
        if (firstRV === undefined) firstRV = l.metadata.resourceVersion;
        for (const it of l.items) items.push(it);
        if (l.metadata.continue) {
          paginated = true;
          return page({ limit: pageSize, continue: l.metadata.continue });
        }
        cb(undefined, items, firstRV, paginated);
      });
    };
    page(pageSize > 0 ? { resourceVersion: rv, limit: pageSize } : { resourceVersion: rv });
  }

  private startResync(): void {
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
    if (this.resyncPeriodMs <= 0) return;
    this.resyncTimer = this.sim.every(this.resyncPeriodMs, () => {
      if (!this.options.shouldResync || this.options.shouldResync()) this.store.resync();
    }, `reflector ${this.name} resync`);
  }

  /** One watch from the last RV; its end decides: re-watch, back off and re-watch, or re-list. */
  private watch(round: number): void {
    if (!this.alive(round)) return;
    this.phase = "watching";
    // Spread the load: every client asks for a different timeout in [min, 2·min).
    const timeoutSeconds = Math.floor((this.minWatchTimeoutMs / 1000) * (this.rng.next() + 1));
    const start = this.sim.now;
    const fromRV = this.lastSyncRV;
    let events = 0;
    let finished = false;
    let stopper: WatchStopper | undefined;
    this.stats.watches++;
    this.record("watch", { rv: fromRV, timeoutSeconds });

    // The request carries timeoutSeconds as its own deadline too (client-go's typed Watch sets the
    // HTTP timeout from it), so a stream that died silently (a partition, a crashed server)
    // still ends, and is re-opened. A second of grace lets the server's own close come first.
    const deadline = this.sim.after(timeoutSeconds * 1000 + 1000, () => {
      if (finished || !this.alive(round)) return;
      this.record("watch-deadline", { rv: fromRV, timeoutSeconds });
      finish(undefined, true);
    }, `reflector ${this.name} watch deadline`);

    const finish = (err: StatusLike | undefined, stopStream: boolean) => {
      if (finished) return;
      finished = true;
      deadline.cancel();
      if (stopStream) stopper?.stop();
      if (this.watchStopper === stopper) this.watchStopper = undefined;
      if (!this.alive(round)) return;
      if (!err && this.sim.now - start < 1000 && events === 0) {
        // client-go treats this as an error that ends the round (back off, re-list): a server
        // that closes watches at once should not be hammered with new ones.
        const short = { code: 500, reason: "VeryShortWatch", message: `very short watch: ${this.name}: Unexpected watch close - watch lasted less than a second and no items received` };
        this.record("watch-end", { rv: fromRV, events, code: short.code, reason: short.reason });
        return this.endRound(round, short);
      }
      this.record("watch-end", { rv: fromRV, events, code: err?.code ?? 200, reason: err?.reason ?? "" });
      if (!err) return this.watch(round);
      if (isExpired(err)) {
        this.stats.expired++;
        return this.endRound(round, err);
      }
      if (isTooManyRequests(err) || isConnectionRefused(err)) {
        // The server still has our history; wait, then watch again from where we were.
        const delay = this.backoff.backoff();
        this.stats.backoffs++;
        this.phase = "backoff";
        this.record("backoff", { delay, code: err.code, reason: err.reason ?? "", message: err.message ?? "", then: "watch" });
        this.timer = this.sim.after(delay, () => this.watch(round), `reflector ${this.name} rewatch`);
        return;
      }
      this.endRound(round, err);
    };

    const onEvent = (ev: WatchEventLike) => {
      if (finished || !this.alive(round)) return;
      if (ev.type === "ERROR") {
        const s = ev.object ?? {};
        return finish({ code: typeof s.code === "number" ? s.code : 500, reason: s.reason, message: s.message }, true);
      }
      const obj = ev.object as T;
      switch (ev.type) {
        case "ADDED":
          this.store.add(obj);
          break;
        case "MODIFIED":
          this.store.update(obj);
          break;
        case "DELETED":
          this.store.delete(obj);
          break;
        case "BOOKMARK":
          // Nothing changed; only the resourceVersion moves, so a re-watch starts later.
          break;
        default:
          this.record("watch-unknown-event", { type: String((ev as WatchEventLike).type) });
          return;
      }
      const rv = obj?.metadata?.resourceVersion;
      if (rv) this.lastSyncRV = rv;
      events++;
      this.stats.watchEvents++;
    };

    stopper = this.lw.watch({ resourceVersion: fromRV, allowWatchBookmarks: true, timeoutSeconds }, onEvent, (err) => finish(err, false));
    if (finished) {
      // The stream ended inside watch() itself (a synchronous fake): make sure it is closed.
      stopper.stop();
    } else if (this.alive(round)) {
      this.watchStopper = stopper;
    }
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record("reflector", kind, { name: this.name, ...fields });
  }
}

// ---------------------------------------------------------------------------------------------
// SharedIndexInformer

export interface ResourceEventHandler<T> {
  /** isInInitialList: the object came with the first list (or is replayed to a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called on resync with oldObj and newObj the same object (same resourceVersion). */
  onUpdate?(oldObj: T, newObj: T): void;
  /** obj is the last state seen, or a DeletedFinalStateUnknown when the delete itself was missed. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface ResourceEventHandlerRegistration {
  /** Whether this handler has been told about everything of the initial list. */
  hasSynced(): boolean;
}

export interface SharedIndexInformerOptions<T> {
  /** Names the informer in the trace and seeds its reflector's random stream. */
  name?: string;
  /** Default resync period of handlers (0 = no resync). */
  resyncPeriod?: Duration;
  /** Extra indices; the "namespace" index is always there. */
  indexers?: Indexers<T>;
  keyFunc?: KeyFunc<T>;
  /** Page size of lists (default 500). */
  pageSize?: number;
  minWatchTimeout?: Duration;
}

/** client-go's minimumResyncPeriod: asking for less gets 1 s. */
const MINIMUM_RESYNC_PERIOD = 1000;

class ProcessorListener<T> {
  nextResync: number;
  /** Whether the last resync check found this listener due (client-go keeps the flag until the next check). */
  syncing = false;
  constructor(readonly handler: ResourceEventHandler<T>, public resyncPeriod: number, now: number) {
    this.nextResync = now + resyncPeriod;
  }
}

export class SharedIndexInformer<T extends KubeObjectLike = KubeObjectLike> {
  readonly name: string;
  readonly indexer: Indexer<T>;
  readonly reflector: Reflector<T>;
  private readonly fifo: DeltaFIFO<T>;
  private listeners: ProcessorListener<T>[] = [];
  private readonly defaultResyncPeriod: number;
  private resyncCheckPeriod: number;
  private started = false;
  private stopped = false;
  private draining = false;

  constructor(private readonly sim: Simulation, lw: ListerWatcher<T>, options: SharedIndexInformerOptions<T> = {}) {
    this.name = options.name ?? "informer";
    const keyFunc = options.keyFunc ?? (metaNamespaceKeyFunc as unknown as KeyFunc<T>);
    this.indexer = new Indexer<T>(keyFunc, { [NamespaceIndex]: metaNamespaceIndexFunc as unknown as (o: T) => string[], ...(options.indexers ?? {}) });
    this.fifo = new DeltaFIFO<T>(keyFunc, this.indexer);
    this.defaultResyncPeriod = parseDuration(options.resyncPeriod ?? 0);
    this.resyncCheckPeriod = this.defaultResyncPeriod;
    const fifo = this.fifo;
    const store: ReflectorStore<T> = {
      add: (o) => (fifo.add(o), this.drain()),
      update: (o) => (fifo.update(o), this.drain()),
      delete: (o) => (fifo.delete(o), this.drain()),
      replace: (list) => (fifo.replace(list), this.drain()),
      resync: () => (fifo.resync(), this.drain()),
    };
    this.reflector = new Reflector<T>(sim, lw, store, {
      name: this.name,
      pageSize: options.pageSize,
      minWatchTimeout: options.minWatchTimeout,
      resyncPeriod: this.resyncCheckPeriod,
      shouldResync: () => this.shouldResync(),
    });
  }

  /** Adds a handler with the informer's default resync period. */
  addEventHandler(handler: ResourceEventHandler<T>): ResourceEventHandlerRegistration {
    return this.addEventHandlerWithResyncPeriod(handler, this.defaultResyncPeriod);
  }

  /**
   * Adds a handler. A handler added after the informer started is first told about every cached
   * object as an add, so it starts from the same picture as the others.
   */
  addEventHandlerWithResyncPeriod(handler: ResourceEventHandler<T>, resyncPeriod: Duration): ResourceEventHandlerRegistration {
    if (this.stopped) throw new Error(`handler was not added to informer "${this.name}" because it has stopped already`);
    let period = parseDuration(resyncPeriod);
    if (period > 0) {
      if (period < MINIMUM_RESYNC_PERIOD) period = MINIMUM_RESYNC_PERIOD;
      // Differs from client-go on purpose: there, an informer created with resync 0 never
      // resyncs, whatever its handlers ask for (a known trap). Here a handler's period, asked for
      // before the informer starts, turns the resync check on.
      if (period < this.resyncCheckPeriod || this.resyncCheckPeriod === 0) {
        if (this.started) {
          // The reflector's resync ticker runs already; a faster handler gets the ticker's pace.
          period = Math.max(period, this.resyncCheckPeriod);
        } else {
          this.resyncCheckPeriod = period;
          this.reflector.setResyncPeriod(period);
        }
      }
    }
    const listener = new ProcessorListener<T>(handler, period, this.sim.now);
    this.listeners.push(listener);
    if (this.started) for (const obj of this.indexer.list()) handler.onAdd?.(obj, true);
    return { hasSynced: () => this.hasSynced() };
  }

  /** Stops calling a handler. */
  removeEventHandler(handler: ResourceEventHandler<T>): void {
    this.listeners = this.listeners.filter((l) => l.handler !== handler);
  }

  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  getIndexer(): Indexer<T> {
    return this.indexer;
  }

  /** A lister over this informer's cache. */
  lister(): Lister<T> {
    return new Lister<T>(this.indexer);
  }

  /** True once the first list has been delivered to the cache and every handler. */
  hasSynced(): boolean {
    return this.fifo.hasSynced();
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  run(): void {
    if (this.stopped) throw new Error(`informer "${this.name}" was stopped; a stopped informer cannot run again: create a new one`);
    if (this.started) return;
    this.started = true;
    this.reflector.run();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reflector.stop();
  }

  isStopped(): boolean {
    return this.stopped;
  }

  // Which listeners are due for a resync now; true if any (then the reflector resyncs the store).
  private shouldResync(): boolean {
    const now = this.sim.now;
    let needed = false;
    for (const l of this.listeners) {
      l.syncing = l.resyncPeriod > 0 && now >= l.nextResync;
      if (l.syncing) {
        needed = true;
        l.nextResync = now + l.resyncPeriod;
      }
    }
    return needed;
  }

  private drain(): void {
    // A handler whose work feeds the reflector synchronously must not start a nested drain.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.fifo.pop((deltas, initial) => this.handleDeltas(deltas, initial))) {}
    } finally {
      this.draining = false;
    }
  }

  // client-go's processDeltas + the informer's OnAdd / OnUpdate / OnDelete.
  private handleDeltas(deltas: Delta<T>[], isInInitialList: boolean): void {
    for (const d of deltas) {
      if (d.type === "Deleted") {
        this.indexer.delete(d.object);
        for (const l of this.listeners.slice()) l.handler.onDelete?.(d.object);
        continue;
      }
      const obj = d.object as T;
      const old = this.indexer.get(obj);
      if (old !== undefined) {
        this.indexer.update(obj);
        // An update that did not change the resourceVersion is a resync: it goes only to the
        // listeners that asked for resyncs and are due.
        const isSync = old.metadata.resourceVersion === obj.metadata.resourceVersion;
        for (const l of this.listeners.slice()) if (!isSync || l.syncing) l.handler.onUpdate?.(old, obj);
      } else {
        this.indexer.add(obj);
        for (const l of this.listeners.slice()) l.handler.onAdd?.(obj, isInInitialList);
      }
    }
  }
}
