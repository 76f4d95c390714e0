// A fake API for one resource: an in-memory store with a revision counter, a watch history that
// can be compacted (to force 410 Gone), paginated lists at a snapshot revision, bookmarks, and
// watches that can be closed or made to fail. Everything answers after `latency` ms of virtual
// time, as a server over a network would.

import type { Simulation } from "../../src/sim/index";
import type { ListerOptions, ListerWatcher, ListResult, StatusLike, WatcherOptions, WatchEventLike } from "../../src/client/index";

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid: string; resourceVersion: string; labels?: Record<string, string> };
  spec?: any;
}

interface HistoryEvent {
  rev: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  obj: Obj;
}

interface FakeWatch {
  opts: WatcherOptions;
  handler: (ev: WatchEventLike) => void;
  done: (err?: StatusLike) => void;
  open: boolean;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const keyOf = (o: Obj) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

export class FakeApi {
  rev = 1;
  latency = 1;
  /** Live watchers get writes as they happen; false holds them back (a stalled stream). */
  deliver = true;
  /** When false the server forgets timeoutSeconds: a stream that would never end on its own. */
  honorTimeout = true;
  /** When true, a list at a specific RV older than the compaction fails with 410 (no watch cache). */
  exactListRV = false;
  readonly listCalls: ListerOptions[] = [];
  readonly watchCalls: WatcherOptions[] = [];
  readonly listTimes: number[] = [];
  /** Errors the next list calls answer with, in order. */
  failLists: StatusLike[] = [];
  /** Errors the next watch calls end with at once (after latency), in order. */
  failWatches: StatusLike[] = [];
  /** Called after each list page is computed (before it is answered): a hook for mid-list changes. */
  afterListPage: ((opts: ListerOptions) => void) | undefined;

  private objects = new Map<string, Obj>();
  private history: HistoryEvent[] = [];
  private compactedRev = 0;
  private base = new Map<string, Obj>();
  private watches: FakeWatch[] = [];
  private uid = 0;

  constructor(private readonly sim: Simulation) {}

  // ---- writes ----

  create(name: string, namespace = "default", labels: Record<string, string> = {}, spec: any = {}): Obj {
    const o: Obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: namespace || undefined, uid: `uid-${++this.uid}`, resourceVersion: "", labels }, spec };
    if (!namespace) delete o.metadata.namespace;
    return this.write("ADDED", o);
  }

  update(key: string, mutate: (o: Obj) => void): Obj {
    const cur = this.objects.get(key);
    if (!cur) throw new Error(`fake: no ${key}`);
    const o = clone(cur);
    mutate(o);
    return this.write("MODIFIED", o);
  }

  delete(key: string): Obj {
    const cur = this.objects.get(key);
    if (!cur) throw new Error(`fake: no ${key}`);
    return this.write("DELETED", clone(cur));
  }

  /** A write to some other resource: the revision moves, this resource sees no event. */
  bumpRevision(): void {
    this.rev++;
  }

  /** Forgets history up to now: watches from an older RV get 410. */
  compact(): void {
    this.compactedRev = this.rev;
    this.base = new Map(Array.from(this.objects, ([k, v]) => [k, clone(v)]));
    this.history = [];
  }

  /** Sends a BOOKMARK at the current revision to watchers that allow them. */
  bookmark(): void {
    for (const w of this.watches) if (w.open && w.opts.allowWatchBookmarks) this.send(w, { type: "BOOKMARK", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: String(this.rev) } } });
  }

  /** The server ends every watch (as on its timeout). */
  closeWatches(): void {
    for (const w of this.watches) this.end(w);
  }

  get openWatches(): number {
    return this.watches.filter((w) => w.open).length;
  }

  get(key: string): Obj | undefined {
    return this.objects.get(key);
  }

  // ---- the ListerWatcher ----

  readonly lw: ListerWatcher<Obj> = {
    list: (opts, cb) => {
      this.listCalls.push({ ...opts });
      this.listTimes.push(this.sim.now);
      const answer = this.listNow(opts);
      this.afterListPage?.(opts);
      this.sim.after(this.latency, () => (answer.err ? cb(answer.err) : cb(undefined, answer.list)));
    },
    watch: (opts, handler, done) => {
      this.watchCalls.push({ ...opts });
      const w: FakeWatch = { opts, handler, done, open: true };
      this.watches.push(w);
      const fail = this.failWatches.shift();
      const from = Number(opts.resourceVersion);
      if (fail) {
        this.sim.after(this.latency, () => {
          if (!w.open) return;
          w.open = false;
          done(fail);
        });
      } else if (from < this.compactedRev) {
        // What a real API server does: 200, one ERROR event with a 410 Status, end of stream.
        this.send(w, { type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410, message: `too old resource version: ${from} (${this.compactedRev})` } });
        this.end(w);
      } else {
        for (const ev of this.history) if (ev.rev > from) this.send(w, { type: ev.type, object: clone(ev.obj) });
        if (opts.timeoutSeconds && this.honorTimeout) this.sim.after(opts.timeoutSeconds * 1000, () => this.end(w));
      }
      return {
        stop: () => {
          w.open = false;
        },
      };
    },
  };

  private listNow(opts: ListerOptions): { err?: StatusLike; list?: ListResult<Obj> } {
    const fail = this.failLists.shift();
    if (fail) return { err: fail };
    let at = this.rev;
    let after = "";
    if (opts.continue) {
      const [rv, ...rest] = opts.continue.split(":");
      at = Number(rv);
      after = rest.join(":");
      if (at < this.compactedRev) return { err: { code: 410, reason: "Expired", message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter." } };
    } else if (this.exactListRV && opts.resourceVersion && opts.resourceVersion !== "0" && Number(opts.resourceVersion) < this.compactedRev) {
      return { err: { code: 410, reason: "Expired", message: `too old resource version: ${opts.resourceVersion} (${this.compactedRev})` } };
    }
    const state = this.stateAt(at);
    const keys = Array.from(state.keys()).sort().filter((k) => k > after);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length;
    const page = keys.slice(0, limit);
    const more = keys.length > limit;
    return { list: { items: page.map((k) => clone(state.get(k)!)), metadata: { resourceVersion: String(at), continue: more ? `${at}:${page[page.length - 1]}` : undefined } } };
  }

  private stateAt(rev: number): Map<string, Obj> {
    if (rev === this.rev) return this.objects;
    const s = new Map(this.base);
    for (const ev of this.history) {
      if (ev.rev > rev) break;
      if (ev.type === "DELETED") s.delete(keyOf(ev.obj));
      else s.set(keyOf(ev.obj), ev.obj);
    }
    return s;
  }

  private write(type: HistoryEvent["type"], o: Obj): Obj {
    this.rev++;
    o.metadata.resourceVersion = String(this.rev);
    const key = keyOf(o);
    if (type === "DELETED") this.objects.delete(key);
    else this.objects.set(key, o);
    const ev: HistoryEvent = { rev: this.rev, type, obj: clone(o) };
    this.history.push(ev);
    if (this.deliver) for (const w of this.watches) if (w.open) this.send(w, { type, object: clone(o) });
    return clone(o);
  }

  private send(w: FakeWatch, ev: WatchEventLike): void {
    this.sim.after(this.latency, () => {
      if (w.open) w.handler(ev);
    });
  }

  private end(w: FakeWatch): void {
    this.sim.after(this.latency, () => {
      if (!w.open) return;
      w.open = false;
      w.done();
    });
  }
}
