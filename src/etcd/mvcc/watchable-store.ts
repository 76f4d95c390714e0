// Watch (mvcc/watchable_store.go, watcher.go, watcher_group.go, and the per-stream rules of
// etcdserver/api/v3rpc/watch.go that shape what a client receives).
//
// A watcher wants every change to [key, end) from a start revision on. etcd keeps watchers in
// two groups: *synced* ones are caught up and get each write txn's events as it commits
// (notify); *unsynced* ones started in the past and are fed from history by a background loop
// every 100 ms, at most 1000 revisions per response, until they catch up; one whose start
// revision was compacted away is cancelled with the compact revision instead. Our store applies
// synchronously, so a new watcher catches up at once, in the same batches, and is then synced.
//
// What a client sees on its stream (reference §2.8): a `created` response first; events in
// revision order, all events of one revision in one response, in the txn's op order; DELETE
// events carrying only key and mod_revision; prev_kv (if asked) read at mod_revision - 1 when the
// event is sent (omitted for creations and when that revision is compacted); filters applied
// per watcher (a response whose events are all filtered is not sent); progress notifications.
// Responses queue on the stream until the caller drains them (or go to a callback).

import { Bytes, toBytes } from "./bytes";
import type { StoredChange } from "./backend";
import { WatchErrors } from "./errors";
import type { KVStore } from "./kvstore";
import type { Event, FilterType, KeyValue, ResponseHeader, WatchCreateRequest, WatchResponse } from "./types";

/** watchBatchMaxRevs: revisions per response while replaying history. */
export const WATCH_BATCH_MAX_REVS = 1000;

interface Watcher {
  readonly id: number;
  readonly seq: number;
  readonly key: Bytes;
  /** "" single key, "\0" no upper bound, else exclusive end. */
  readonly end: Bytes;
  /** Next revision this watcher needs. */
  minRev: number;
  readonly filters: ReadonlySet<FilterType>;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly stream: WatchStream;
  /** Cancelled by compaction: gone from the store, its ID still held by the stream until cancel. */
  compacted: boolean;
}

function contains(w: Watcher, key: Bytes): boolean {
  if (w.end === "") return key === w.key;
  if (key < w.key) return false;
  return w.end === "\0" || key < w.end;
}

function emptyResponse(header: ResponseHeader): WatchResponse {
  return { header, watch_id: 0, created: false, canceled: false, compact_revision: 0, cancel_reason: "", fragment: false, events: [] };
}

/** Turns a committed (or stored) change into the event a watcher sees. */
export function changeToEvent(main: number, change: StoredChange): Event {
  if (change.tombstone) {
    return { type: "DELETE", kv: { ...change.kv, mod_revision: main } };
  }
  return { type: "PUT", kv: { ...change.kv } };
}

export type HeaderFn = (revision: number) => ResponseHeader;

export class WatchableStore {
  readonly kv: KVStore;
  readonly header: HeaderFn;
  /** Synced watchers, in creation order (deterministic delivery order). */
  private synced = new Map<number, Watcher>();
  private nextSeq = 0;

  constructor(kv: KVStore, header: HeaderFn) {
    this.kv = kv;
    this.header = header;
    kv.onCommit((rev, changes) => this.notify(rev, changes));
  }

  /** A new stream of watches (one gRPC Watch call; the JSON gateway's one /v3/watch request). */
  newWatchStream(sink?: (resp: WatchResponse) => void): WatchStream {
    return new WatchStream(this, sink);
  }

  /** Number of active (synced) watchers. */
  get watcherCount(): number {
    return this.synced.size;
  }

  /** @internal Registers a watcher and catches it up from history. */
  add(w: Omit<Watcher, "seq" | "compacted">): Watcher {
    const watcher: Watcher = { ...w, seq: this.nextSeq++, compacted: false };
    const cur = this.kv.currentRev;
    if (watcher.minRev > cur) {
      this.synced.set(watcher.seq, watcher);
      return watcher;
    }
    // Unsynced: compacted start, or replay history up to the current revision.
    const compactRev = this.kv.compactMainRev;
    if (watcher.minRev < compactRev) {
      watcher.compacted = true;
      const resp = emptyResponse(this.header(0));
      resp.watch_id = watcher.id;
      resp.compact_revision = compactRev;
      resp.canceled = compactRev !== 0;
      watcher.stream.deliver(resp, watcher);
      return watcher;
    }
    let batch: Event[] = [];
    let revs = 0;
    let lastRev = -1;
    const flush = () => {
      if (batch.length) watcher.stream.sendEvents(watcher, batch, cur);
      batch = [];
      revs = 0;
    };
    this.kv.backend.scan(watcher.minRev, cur, (main, _sub, change) => {
      if (!contains(watcher, change.kv.key)) return;
      if (main !== lastRev) {
        if (revs === WATCH_BATCH_MAX_REVS) flush();
        revs++;
        lastRev = main;
      }
      batch.push(changeToEvent(main, change));
    });
    flush();
    watcher.minRev = cur + 1;
    this.synced.set(watcher.seq, watcher);
    return watcher;
  }

  /** @internal */
  remove(w: Watcher): void {
    this.synced.delete(w.seq);
  }

  /** A write txn committed at `rev`: hand its events to every synced watcher that wants them. */
  private notify(rev: number, changes: StoredChange[]): void {
    const events = changes.map((c) => changeToEvent(rev, c));
    for (const w of this.synced.values()) {
      if (w.minRev > rev) continue;
      const mine = events.filter((ev) => contains(w, ev.kv.key));
      if (mine.length === 0) continue;
      w.stream.sendEvents(w, mine, rev);
      w.minRev = rev + 1;
    }
  }

  /** prev_kv of an event: the key at mod_revision - 1, if still readable. */
  prevKvOf(ev: Event): KeyValue | undefined {
    if (ev.type === "PUT" && ev.kv.create_revision === ev.kv.mod_revision) return undefined;
    try {
      const r = this.kv.rangeKeys(ev.kv.key, "", this.kv.currentRev, { rev: ev.kv.mod_revision - 1 });
      return r.kvs[0];
    } catch {
      return undefined;
    }
  }
}

/**
 * One client's stream of watches: watch IDs are per stream, auto-assigned from 0 (skipping IDs
 * in use); responses are delivered in order to the sink or queued for drain().
 */
export class WatchStream {
  private readonly store: WatchableStore;
  private readonly sink?: (resp: WatchResponse) => void;
  private queue: WatchResponse[] = [];
  private watchers = new Map<number, Watcher>();
  private nextID = 0;
  /** progress[id]: no events sent to it since the last progress tick (v3rpc's sws.progress). */
  private progress = new Map<number, boolean>();
  private closed = false;

  constructor(store: WatchableStore, sink?: (resp: WatchResponse) => void) {
    this.store = store;
    this.sink = sink;
  }

  /**
   * A create_request. Returns the watch ID, or -1 if refused; either way the answer (created, or
   * created + canceled with the reason) is delivered on the stream, as etcd does.
   */
  watch(req: WatchCreateRequest): number {
    const s = this.store;
    let key = toBytes(req.key, "key");
    if (key === "") key = "\0"; // v3rpc: an empty key means "\0"
    const end = toBytes(req.range_end, "range_end");
    const wsrev = s.kv.currentRev;
    const refuse = (reason: string) => {
      const resp = emptyResponse(s.header(wsrev));
      resp.watch_id = -1;
      resp.created = true;
      resp.canceled = true;
      resp.cancel_reason = reason;
      this.deliver(resp);
      return -1;
    };
    if (this.closed) return refuse(WatchErrors.EmptyWatcherRange);
    if (end !== "" && end !== "\0" && key >= end) return refuse(WatchErrors.EmptyWatcherRange);
    let id = req.watch_id ?? 0;
    if (id === 0) {
      while (this.watchers.has(this.nextID)) this.nextID++;
      id = this.nextID++;
    } else if (this.watchers.has(id)) {
      return refuse(WatchErrors.DuplicateID);
    }
    let startRev = req.start_revision ?? 0;
    if (startRev === 0) startRev = wsrev + 1;
    const created = emptyResponse(s.header(wsrev));
    created.watch_id = id;
    created.created = true;
    this.deliver(created);
    if (req.progress_notify) this.progress.set(id, true);
    const w = s.add({
      id,
      key,
      end,
      minRev: startRev,
      filters: new Set(req.filters ?? []),
      prevKv: !!req.prev_kv,
      progressNotify: !!req.progress_notify,
      stream: this,
    });
    this.watchers.set(id, w);
    return id;
  }

  /** A cancel_request: answered with canceled only if the ID exists on this stream. */
  cancel(id: number): boolean {
    const w = this.watchers.get(id);
    if (!w) return false;
    this.store.remove(w);
    this.watchers.delete(id);
    this.progress.delete(id);
    const resp = emptyResponse(this.store.header(this.store.kv.currentRev));
    resp.watch_id = id;
    resp.canceled = true;
    this.deliver(resp);
    return true;
  }

  /** A progress_request: one response with the current revision and watch_id -1 (3.4). */
  requestProgress(): void {
    const resp = emptyResponse(this.store.header(this.store.kv.currentRev));
    resp.watch_id = -1;
    this.deliver(resp);
  }

  /**
   * The server's progress ticker (every --experimental-watch-progress-notify-interval, 10 min
   * by default; the caller drives it on its clock): each progress_notify watcher that got no
   * events since the last tick receives an empty response with the current revision.
   */
  progressTick(): void {
    for (const [id, quiet] of this.progress) {
      const w = this.watchers.get(id);
      if (quiet && w && !w.compacted) {
        const resp = emptyResponse(this.store.header(this.store.kv.currentRev));
        resp.watch_id = id;
        this.deliver(resp);
      }
      this.progress.set(id, true);
    }
  }

  /** Cancels every watch without answering (the client went away). */
  close(): void {
    for (const w of this.watchers.values()) this.store.remove(w);
    this.watchers.clear();
    this.progress.clear();
    this.closed = true;
  }

  /** Takes the queued responses. */
  drain(): WatchResponse[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  /** Watch IDs active on this stream. */
  ids(): number[] {
    return [...this.watchers.keys()];
  }

  /** @internal Events for one watcher at header revision `rev`, after its filters. */
  sendEvents(w: Watcher, events: Event[], rev: number): void {
    const kept = events
      .filter((ev) => !(ev.type === "PUT" ? w.filters.has("NOPUT") : w.filters.has("NODELETE")))
      .map((ev) => {
        if (!w.prevKv) return ev;
        const prev = this.store.prevKvOf(ev);
        return prev ? { ...ev, prev_kv: prev } : ev;
      });
    if (kept.length === 0) return;
    const resp = emptyResponse(this.store.header(rev));
    resp.watch_id = w.id;
    resp.events = kept;
    if (this.progress.has(w.id)) this.progress.set(w.id, false);
    this.deliver(resp, w);
  }

  /** @internal */
  deliver(resp: WatchResponse, _w?: Watcher): void {
    if (this.sink) this.sink(resp);
    else this.queue.push(resp);
  }
}
