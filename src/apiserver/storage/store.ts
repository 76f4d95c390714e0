// ObjectStore: Kubernetes objects on etcd (the real server's storage/etcd3 store). Keys are
// /registry/<resource>/<namespace>/<name>; resourceVersion is the key's mod_revision; creates are
// a txn guarded by create_revision = 0, updates a txn guarded by the mod_revision that was read
// (GuaranteedUpdate: re-read and retry when someone else wrote in between). Watches are etcd
// watches on the resource's prefix, translated to ADDED / MODIFIED / DELETED.
// All calls are callbacks on the simulation's clock; nothing here blocks.

import { prefixEnd, text, utf8 } from "../../etcd/mvcc/bytes";
import type { KeyValue, RangeResponse, WatchResponse } from "../../etcd/mvcc/types";
import type { RpcError } from "../../etcd/server/protocol";
import { Errors, StatusError } from "../registry/errors";
import { deepEqual, KubeObject } from "../registry/object";
import type { ResourceInfo } from "../registry/resources";
import { storageKey } from "../registry/resources";
import { decode, decodeContinue, encode, encodeContinue } from "./codec";
import type { KvStore, KvWatch } from "./kv";
import { LeaseManager } from "./lease-manager";

export type Done<T> = (err: StatusError | undefined, result?: T) => void;

/**
 * Objects parsed for selector tests only (never handed out, never mutated), by stored bytes:
 * the events of one revision reach every watch of a prefix at about the same moment, so a small
 * cache suffices.
 */
const peeked = new Map<string, KubeObject>();
function peek(kv: KeyValue, revision: number): KubeObject {
  let obj = peeked.get(kv.value);
  if (!obj) {
    if (peeked.size >= 4096) peeked.clear();
    obj = decode(kv, revision);
    peeked.set(kv.value, obj);
  }
  return obj;
}

/** The 410 for a paged list whose snapshot etcd compacted away [apiserver@1.32 storage/etcd3/store.go]. */
export const CONTINUE_EXPIRED =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/**
 * A resourceVersion the server has not reached yet: 504 Timeout, retry after a second
 * [apiserver@1.32 pkg/storage/errors.go NewTooLargeResourceVersionError].
 */
export function tooLargeResourceVersion(minimum: number, current: number): StatusError {
  const e = Errors.timeout(`Too large resource version: ${minimum}, current: ${current}`);
  e.status.details = { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 };
  return e;
}

/** etcd's limit on one request (--max-request-bytes): objects above it cannot be stored. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** An etcd failure as the Status the real server answers with. */
export function etcdError(err: RpcError | { code: number; message: string }): StatusError {
  if (/compacted/.test(err.message)) return Errors.expired(`The resourceVersion for the provided list is too old.`);
  if (err.code === 4) return Errors.timeout("request did not complete within requested timeout - context deadline exceeded");
  if (/request is too large/.test(err.message)) return Errors.tooLarge(MAX_OBJECT_BYTES);
  return Errors.internal(err.message);
}

/** The etcd prefix of a resource, or of one namespace of it. */
export function prefixOf(info: ResourceInfo, namespace?: string): string {
  return info.namespaced && namespace ? `/registry/${info.resource}/${namespace}/` : `/registry/${info.resource}/`;
}

export interface ListOptions {
  /** "" (latest), "0" (any), or a revision. */
  resourceVersion?: string;
  resourceVersionMatch?: "" | "Exact" | "NotOlderThan";
  limit?: number;
  continue?: string;
  /** Objects to keep (selectors); the rest are skipped, as the real store filters while paging. */
  filter?: (obj: KubeObject) => boolean;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** What an update function decides, given the current object. */
export type UpdateDecision =
  | { type: "update"; object: KubeObject }
  | { type: "delete"; object: KubeObject }
  | { type: "error"; error: StatusError };

export interface WatchSink {
  event(type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject, revision: number): void;
  /** Any revision the watch has seen on its prefix, matching or not (for bookmarks). */
  progress(revision: number): void;
  /** The watch cannot continue (compacted): the Status to send as an ERROR event. */
  error(status: StatusError): void;
  /** The initial ADDED events (if any were asked for) are all sent; the state is at `revision`. */
  initialEventsEnd?(revision: number): void;
}

export interface WatchOptions {
  /** "" / "0": synthetic ADDED for every existing object first; "N": events after N. */
  resourceVersion?: string;
  filter?: (obj: KubeObject) => boolean;
  /** Narrow the etcd watch to one key (fieldSelector metadata.name=x). */
  name?: string;
  /**
   * Start with synthetic ADDED events for the current state (sendInitialEvents). Default: for
   * resourceVersion "" and "0" only. With it, "N" only asks for a state not older than N.
   */
  initialEvents?: boolean;
}

export interface ObjectStoreOptions {
  /** Seconds an object of this resource lives after each write (Events: --event-ttl), or undefined. */
  ttlSeconds?: (info: ResourceInfo) => number | undefined;
  /** The clock the lease manager reads (virtual ms). */
  now?: () => number;
}

export class ObjectStore {
  private readonly leases: LeaseManager;
  private readonly ttlSeconds: (info: ResourceInfo) => number | undefined;

  constructor(private readonly kv: KvStore, options: ObjectStoreOptions = {}) {
    this.leases = new LeaseManager(kv, options.now ?? (() => 0));
    this.ttlSeconds = options.ttlSeconds ?? (() => undefined);
  }

  /** The lease a write of this resource attaches to (0: none), then go on. */
  private withLease(info: ResourceInfo, done: Done<unknown>, go: (lease: number) => void): void {
    const ttl = this.ttlSeconds(info);
    if (!ttl) return go(0);
    this.leases.getLease(ttl, (err, id) => {
      if (err || id === undefined) return done(etcdError(err ?? { code: 14, message: "no lease" }));
      go(id);
    });
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string, done: Done<KubeObject>): void {
    this.kv.range({ key: utf8(storageKey(info, namespace, name)) }, (err, resp) => {
      if (err || !resp) return done(etcdError(err ?? { code: 14, message: "no response" }));
      const kv = resp.kvs[0];
      if (!kv) return done(Errors.notFound(info, name));
      done(undefined, decode(kv));
    });
  }

  /**
   * A list at one revision, paged through etcd. Which revision [apiserver@1.32 pkg/storage/util.go
   * ValidateListOptions, storage/etcd3/store.go GetList]: a continue token's own (or the latest for
   * its rv -1); resourceVersionMatch=Exact, or the legacy resourceVersion + limit, that exact
   * revision (410 once compacted); otherwise the latest, which must not be older than a given
   * resourceVersion (504 "Too large resource version" if it is).
   */
  list(info: ResourceInfo, namespace: string | undefined, opts: ListOptions, done: Done<ListResult>): void {
    const prefix = prefixOf(info, namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const rvText = opts.resourceVersion ?? "";
    const rvNum = rvText === "" ? 0 : Number(rvText);
    let revision = 0;
    let minimum = 0;
    let start = prefix;
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      if ("error" in tok) return done(Errors.badRequest(`invalid continue token: ${tok.error}`));
      if (tok.rv > 0) revision = tok.rv;
      start = prefix + tok.start;
    } else if (rvNum > 0 && (opts.resourceVersionMatch === "Exact" || (!opts.resourceVersionMatch && limit > 0))) {
      revision = rvNum;
    } else if (rvNum > 0) minimum = rvNum;
    const filter = opts.filter ?? (() => true);
    const items: KubeObject[] = [];
    // Page through etcd until `limit` objects passed the filter (or the prefix is exhausted),
    // all at one revision so the pages form one consistent snapshot.
    const page = (from: string) => {
      const want = limit ? Math.max(limit - items.length, 1) + 1 : 0;
      this.kv.range({ key: utf8(from), range_end: prefixEnd(utf8(prefix)), revision, limit: want }, (err, resp?: RangeResponse) => {
        if (err || !resp) {
          if (err && /compacted/.test(err.message)) {
            // A paged list (limit set) gets the message about continuing, and a token that
            // continues at the latest revision from where this request started
            // [etcd3/store.go handleCompactedErrorForPaging].
            if (!limit) return done(Errors.expired("The resourceVersion for the provided list is too old."));
            const e = Errors.expired(CONTINUE_EXPIRED);
            e.status.metadata = { continue: encodeContinue(-1, start.slice(prefix.length)) };
            return done(e);
          }
          if (err && /future revision/.test(err.message)) return done(tooLargeResourceVersion(revision, 0));
          return done(etcdError(err ?? { code: 14, message: "no response" }));
        }
        if (revision === 0) {
          revision = resp.header.revision;
          if (minimum > revision) return done(tooLargeResourceVersion(minimum, revision));
        }
        let lastKey = "";
        for (const kv of resp.kvs) {
          lastKey = text(kv.key);
          const obj = decode(kv);
          if (!filter(obj)) continue;
          items.push(obj);
          if (limit && items.length === limit) {
            // Is anything after this key? Then hand out a continue token.
            const consumedAll = kv === resp.kvs[resp.kvs.length - 1] && !resp.more;
            if (consumedAll) return done(undefined, { items, resourceVersion: String(revision) });
            return done(undefined, { items, resourceVersion: String(revision), continue: encodeContinue(revision, lastKey.slice(prefix.length) + "\u0000") });
          }
        }
        if (resp.more && lastKey) return page(lastKey + "\u0000");
        done(undefined, { items, resourceVersion: String(revision) });
      });
    };
    page(start);
  }

  /** Creates obj (name already final); AlreadyExists if the key exists. */
  create(info: ResourceInfo, obj: KubeObject, done: Done<KubeObject>): void {
    const key = utf8(storageKey(info, obj.metadata.namespace, obj.metadata.name!));
    const value = encode(obj);
    if (value.length > MAX_OBJECT_BYTES) return done(Errors.tooLarge(MAX_OBJECT_BYTES));
    this.withLease(info, done as Done<unknown>, (lease) =>
      this.kv.txn(
        { compare: [{ key, target: "CREATE", result: "EQUAL", create_revision: 0 }], success: [{ request_put: { key, value, lease } }], failure: [] },
        (err, resp) => {
          if (err || !resp) return done(etcdError(err ?? { code: 14, message: "no response" }));
          if (!resp.succeeded) return done(Errors.alreadyExists(info, obj.metadata.name!));
          const out: KubeObject = JSON.parse(JSON.stringify(obj));
          out.metadata.resourceVersion = String(resp.header.revision);
          done(undefined, out);
        },
      ),
    );
  }

  /**
   * GuaranteedUpdate: read, let `decide` compute the new state from the current one, write it
   * guarded by the mod_revision read; if another write got in first, read again and decide again.
   * `decide` sees undefined when the object does not exist. An update that changes nothing is not
   * written (the resourceVersion stays), as in Kubernetes.
   */
  update(info: ResourceInfo, namespace: string | undefined, name: string, decide: (cur: KubeObject | undefined) => UpdateDecision, done: Done<KubeObject>, options: { dryRun?: boolean } = {}): void {
    const key = utf8(storageKey(info, namespace, name));
    const attempt = (tries: number) => {
      this.kv.range({ key }, (err, resp) => {
        if (err || !resp) return done(etcdError(err ?? { code: 14, message: "no response" }));
        const kv: KeyValue | undefined = resp.kvs[0];
        const cur = kv ? decode(kv) : undefined;
        let d: UpdateDecision;
        try {
          d = decide(cur ? JSON.parse(JSON.stringify(cur)) : undefined);
        } catch (e) {
          // A bug in a decide function must not take the simulation down: the request gets a 500.
          return done(e instanceof StatusError ? e : Errors.internal(e instanceof Error ? e.message : String(e)));
        }
        if (d.type === "error") return done(d.error);
        // dryRun=All: everything but the write.
        if (options.dryRun) return done(undefined, d.object);
        const modRev = kv ? kv.mod_revision : 0;
        const guard = { key, target: "MOD" as const, result: "EQUAL" as const, mod_revision: modRev };
        if (d.type === "delete") {
          const gone = d.object;
          this.kv.txn({ compare: [guard], success: [{ request_delete_range: { key } }], failure: [] }, (err2, r2) => {
            if (err2 || !r2) return done(etcdError(err2 ?? { code: 14, message: "no response" }));
            if (!r2.succeeded) return tries < 16 ? attempt(tries + 1) : done(Errors.conflict(info, name));
            gone.metadata.resourceVersion = String(r2.header.revision);
            done(undefined, gone);
          });
          return;
        }
        const next = d.object;
        if (cur && deepEqual(stripRV(next), stripRV(cur))) return done(undefined, cur);
        const value = encode(next);
        if (value.length > MAX_OBJECT_BYTES) return done(Errors.tooLarge(MAX_OBJECT_BYTES));
        // A TTL'd object gets a fresh lease on every write (an Event's count++ renews its hour).
        this.withLease(info, done as Done<unknown>, (lease) =>
          this.kv.txn({ compare: [guard], success: [{ request_put: { key, value, lease } }], failure: [] }, (err2, r2) => {
            if (err2 || !r2) return done(etcdError(err2 ?? { code: 14, message: "no response" }));
            if (!r2.succeeded) return tries < 16 ? attempt(tries + 1) : done(Errors.conflict(info, name));
            const out: KubeObject = JSON.parse(JSON.stringify(next));
            out.metadata.resourceVersion = String(r2.header.revision);
            done(undefined, out);
          }),
        );
      });
    };
    attempt(0);
  }

  /**
   * Watches a resource (optionally one namespace, one name) from a resourceVersion. Returns a
   * handle whose stop() cancels the etcd watch.
   */
  watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, sink: WatchSink): { stop(): void } {
    const prefix = opts.name ? storageKey(info, namespace, opts.name) : prefixOf(info, namespace);
    const rangeEnd = opts.name ? "" : prefixEnd(utf8(prefix));
    const filter = opts.filter ?? (() => true);
    let stopped = false;
    let w: KvWatch | undefined;
    const startWatch = (fromRev: number) => {
      if (stopped) return;
      w = this.kv.watch({ key: utf8(prefix), range_end: rangeEnd, start_revision: fromRev, prev_kv: true }, (r: WatchResponse) => {
        if (stopped) return;
        if (r.canceled) {
          stopped = true;
          const rv = fromRev - 1;
          // The message of the real watch cache: the RV asked for, and the oldest one still served - 1.
          return sink.error(Errors.expired(r.compact_revision > 0 ? `too old resource version: ${rv} (${r.compact_revision - 1})` : `watch closed: ${r.cancel_reason || "canceled by etcd"}`));
        }
        for (const ev of r.events) {
          if (stopped) return;
          const rev = ev.kv.mod_revision;
          // Selectors are tested on a parse shared by every watch of the prefix (a hundred
          // kubelets watch pods, each for its own node); a watch that sends the object gets its
          // own copy. The real server decodes once too, in its watch cache.
          const hasPrev = !!(ev.prev_kv && ev.prev_kv.value);
          const prevOk = hasPrev ? filter(peek(ev.prev_kv!, rev)) : false;
          if (ev.type === "DELETE") {
            if (prevOk) sink.event("DELETED", decode(ev.prev_kv!, rev), rev);
            else sink.progress(rev);
            continue;
          }
          const curOk = filter(peek(ev.kv, ev.kv.mod_revision));
          if (curOk && prevOk) sink.event("MODIFIED", decode(ev.kv), rev);
          else if (curOk && (hasPrev || ev.kv.version === 1)) sink.event("ADDED", decode(ev.kv), rev);
          else if (curOk) sink.event(ev.kv.version === 1 ? "ADDED" : "MODIFIED", decode(ev.kv), rev);
          else if (prevOk) sink.event("DELETED", decode(ev.prev_kv!, rev), rev);
          else sink.progress(rev);
        }
      });
    };
    const rv = opts.resourceVersion ?? "";
    const initial = opts.initialEvents ?? (rv === "" || rv === "0");
    if (initial || rv === "" || rv === "0") {
      // The current state (as synthetic ADDED events, if asked for), then everything after that revision.
      this.kv.range({ key: utf8(prefix), range_end: rangeEnd, count_only: !initial }, (err, resp) => {
        if (stopped) return;
        if (err || !resp) {
          stopped = true;
          return sink.error(etcdError(err ?? { code: 14, message: "no response" }));
        }
        if (initial && rv !== "" && Number(rv) > resp.header.revision) {
          stopped = true;
          return sink.error(tooLargeResourceVersion(Number(rv), resp.header.revision));
        }
        if (initial) {
          for (const kv of resp.kvs) {
            const obj = decode(kv);
            if (filter(obj)) sink.event("ADDED", obj, kv.mod_revision);
          }
        }
        sink.progress(resp.header.revision);
        sink.initialEventsEnd?.(resp.header.revision);
        startWatch(resp.header.revision + 1);
      });
    } else startWatch(Number(rv) + 1);
    return {
      stop: () => {
        stopped = true;
        w?.cancel();
      },
    };
  }

  /** The store's current revision (a count-only range: cheap). */
  revision(done: Done<number>): void {
    this.kv.range({ key: utf8("/registry/"), range_end: prefixEnd(utf8("/registry/")), count_only: true }, (err, resp) => {
      if (err || !resp) return done(etcdError(err ?? { code: 14, message: "no response" }));
      done(undefined, resp.header.revision);
    });
  }

  /** Compacts etcd's history up to a revision (the real server does it every 5 minutes). */
  compact(revision: number, done: Done<number>): void {
    this.kv.compact({ revision }, (err) => done(err ? etcdError(err) : undefined, revision));
  }
}

function stripRV(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion: undefined } };
}
