// EtcdClient: what the API server (and a notebook) uses to talk to etcd, in the manner of
// etcd's clientv3. It is an endpoint on the simulated network, like any process, and:
//   - sends each call to one member, preferring the one it last heard is the leader
//     (followers would forward writes to the leader anyway: this saves a hop);
//   - retries on another member when a call certainly did not happen ("no leader"), and for
//     reads (idempotent) also after a timeout; a write whose fate is unknown (timed out) is NOT
//     retried — it might have been applied — and its caller gets the error, as clientv3 does;
//   - keeps watches alive across member failures: it checks a watch's member every few seconds
//     and re-creates the watch elsewhere from the next revision it has not seen.
// Everything is callbacks on the virtual clock; Session (session.ts) wraps it for notebooks.

import { Duration, parseDuration, Simulation, Timer } from "../../sim/index";
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "../mvcc/types";
import { ClientBound, EtcdCall, LOGGED, Op, RpcError, Unavailable } from "../server/protocol";

/** A call's outcome; `member` is the etcd member that answered (if any did). */
export type Callback<T> = (err: RpcError | undefined, response?: T, member?: string) => void;

export interface EtcdClientOptions {
  /** The client's endpoint name on the network, e.g. "apiserver". */
  name: string;
  /** Member names to talk to, e.g. ["etcd-1", "etcd-2", "etcd-3"]. */
  endpoints: string[];
  /** Deadline of one call, retries included (etcdctl's --command-timeout: 5s). */
  timeout?: Duration;
  /** How long one attempt of an idempotent call may take before trying another member. */
  attemptTimeout?: Duration;
  /** Pause before a retry. */
  backoff?: Duration;
  /** How often a watch checks that its member still answers. */
  watchKeepAlive?: Duration;
}

/** The call's deadline passed (gRPC DeadlineExceeded): for a write, the outcome is unknown. */
export const ErrDeadline: RpcError = { code: 4, message: "context deadline exceeded" };

interface Call {
  id: string;
  op: Op;
  cb: Callback<any>;
  deadline: number;
  attempt: Timer | undefined;
  member: string | undefined;
  attempts: number;
  /** Only this member will do (a watch's liveness probe): never retried elsewhere. */
  pinned?: boolean;
}

/** A watch that survives member failures. */
export interface Watch {
  readonly request: WatchCreateRequest;
  /** The last revision delivered to the handler (0 before any event). */
  readonly lastRevision: number;
  readonly member: string | undefined;
  cancel(): void;
}

interface WatchState extends Watch {
  request: WatchCreateRequest;
  lastRevision: number;
  member: string | undefined;
  watchId: number | undefined;
  handler: (r: WatchResponse) => void;
  cancelled: boolean;
  keepAlive: Timer | undefined;
}

export class EtcdClient {
  readonly name: string;
  private readonly endpoints: string[];
  private readonly timeoutMs: number;
  private readonly attemptMs: number;
  private readonly backoffMs: number;
  private readonly keepAliveMs: number;
  private preferred: string | undefined;
  private next = 0;
  private seq = 0;
  private readonly calls = new Map<string, Call>();
  private readonly watches: WatchState[] = [];

  constructor(private readonly sim: Simulation, options: EtcdClientOptions) {
    if (!options.endpoints?.length) throw new Error("EtcdClient: endpoints must name at least one etcd member");
    this.name = options.name;
    this.endpoints = options.endpoints.slice();
    this.timeoutMs = parseDuration(options.timeout ?? "5s");
    this.attemptMs = parseDuration(options.attemptTimeout ?? "1s");
    this.backoffMs = parseDuration(options.backoff ?? "50ms");
    this.keepAliveMs = parseDuration(options.watchKeepAlive ?? "2s");
    sim.network.register(this.name, {
      deliver: (env) => this.receive(env.payload as ClientBound),
      refused: (env) => this.refused(env.payload as EtcdCall, env.to),
    });
  }

  // ---- KV ----
  range(request: RangeRequest, cb: Callback<RangeResponse>): void {
    this.call({ kind: "range", request }, cb);
  }
  put(request: PutRequest, cb: Callback<PutResponse>): void {
    this.call({ kind: "put", request }, cb);
  }
  deleteRange(request: DeleteRangeRequest, cb: Callback<DeleteRangeResponse>): void {
    this.call({ kind: "deleteRange", request }, cb);
  }
  txn(request: TxnRequest, cb: Callback<TxnResponse>): void {
    this.call({ kind: "txn", request }, cb);
  }
  compact(request: CompactionRequest, cb: Callback<CompactionResponse>): void {
    this.call({ kind: "compaction", request }, cb);
  }

  // ---- Lease ----
  leaseGrant(request: LeaseGrantRequest, cb: Callback<LeaseGrantResponse>): void {
    this.call({ kind: "leaseGrant", request }, cb);
  }
  leaseRevoke(request: LeaseRevokeRequest, cb: Callback<LeaseRevokeResponse>): void {
    this.call({ kind: "leaseRevoke", request }, cb);
  }
  leaseKeepAlive(request: LeaseKeepAliveRequest, cb: Callback<LeaseKeepAliveResponse>): void {
    this.call({ kind: "leaseKeepAlive", request }, cb);
  }
  leaseTimeToLive(request: LeaseTimeToLiveRequest, cb: Callback<LeaseTimeToLiveResponse>): void {
    this.call({ kind: "leaseTimeToLive", request }, cb);
  }
  leaseLeases(cb: Callback<LeaseLeasesResponse>): void {
    this.call({ kind: "leaseLeases", request: {} }, cb);
  }

  // ---- Watch ----

  /**
   * Watches a key or range. `handler` gets every WatchResponse (created, events, progress,
   * canceled). If the member fails, the watch moves to another member and resumes after the
   * last revision it delivered, so no event is lost or repeated (unless that revision has been
   * compacted meanwhile: then the handler gets etcd's cancellation with compact_revision).
   */
  watch(request: WatchCreateRequest, handler: (r: WatchResponse) => void): Watch {
    const w: WatchState = {
      request: { ...request },
      lastRevision: request.start_revision ? request.start_revision - 1 : 0,
      member: undefined,
      watchId: undefined,
      handler,
      cancelled: false,
      keepAlive: undefined,
      cancel: () => this.cancelWatch(w),
    };
    this.watches.push(w);
    this.startWatch(w);
    return w;
  }

  // ---- calls ----

  private call(op: Op, cb: Callback<any>): void {
    const id = `${this.name}/${++this.seq}`;
    const c: Call = { id, op, cb, deadline: this.sim.now + this.timeoutMs, attempt: undefined, member: undefined, attempts: 0 };
    this.calls.set(id, c);
    this.attempt(c);
  }

  private attempt(c: Call): void {
    const member = this.pick(c.attempts);
    c.member = member;
    c.attempts++;
    const msg: EtcdCall = { type: "etcd.call", id: c.id, op: c.op };
    this.sim.network.send(this.name, member, msg, { kind: "etcd.call" });
    const idempotent = !LOGGED.has(c.op.kind);
    const wait = Math.min(idempotent ? this.attemptMs : this.timeoutMs, c.deadline - this.sim.now);
    c.attempt = this.sim.after(Math.max(0, wait), () => {
      // No answer. A read may be tried elsewhere; a write may have happened: give up.
      if (idempotent && this.sim.now < c.deadline) return this.retry(c, member);
      this.finish(c, ErrDeadline);
    }, `etcd-client attempt ${c.id}`);
  }

  private retry(c: Call, failed: string): void {
    if (this.preferred === failed) this.preferred = undefined;
    c.attempt?.cancel();
    c.attempt = this.sim.after(this.backoffMs, () => {
      if (this.sim.now >= c.deadline) return this.finish(c, ErrDeadline);
      this.attempt(c);
    }, `etcd-client backoff ${c.id}`);
  }

  private finish(c: Call, err: RpcError | undefined, response?: unknown, member?: string): void {
    c.attempt?.cancel();
    this.calls.delete(c.id);
    c.cb(err, response, member);
  }

  /** The known leader first; otherwise round robin over the endpoints. */
  private pick(attempt: number): string {
    if (this.preferred && attempt === 0) return this.preferred;
    const m = this.endpoints[this.next % this.endpoints.length];
    this.next++;
    return m;
  }

  private receive(msg: ClientBound): void {
    if (msg.type === "etcd.watch") return this.onWatchResponse(msg.member, msg.response);
    if (msg.type !== "etcd.reply") return;
    if (msg.leader && this.endpoints.includes(msg.leader)) this.preferred = msg.leader;
    const c = this.calls.get(msg.id);
    if (!c) return; // an answer to an attempt we gave up on
    if (msg.ok) return this.finish(c, undefined, msg.response, msg.member);
    const err = msg.error!;
    // "no leader": the request never entered the log, so any call may be retried.
    const notHappened = err.code === Unavailable && err.message === "etcdserver: no leader";
    const idempotent = !LOGGED.has(c.op.kind);
    if ((notHappened || (idempotent && err.code === Unavailable)) && this.sim.now < c.deadline && !c.pinned) return this.retry(c, msg.member);
    this.finish(c, err, undefined, msg.member);
  }

  /** The member's process is down: the call was never processed, so it can go elsewhere. */
  private refused(msg: EtcdCall, member: string): void {
    const c = this.calls.get(msg.id);
    if (!c || c.member !== member) return;
    if (this.sim.now < c.deadline && !c.pinned) this.retry(c, member);
    else this.finish(c, { code: Unavailable, message: `connection refused by ${member}` });
  }

  // ---- watches ----

  private startWatch(w: WatchState): void {
    if (w.cancelled) return;
    const request = { ...w.request, start_revision: w.lastRevision > 0 ? w.lastRevision + 1 : w.request.start_revision ?? 0 };
    w.watchId = undefined;
    this.call({ kind: "watchCreate", request }, (err, resp?: { watch_id: number }, member?: string) => {
      if (w.cancelled) return;
      if (err || resp === undefined) {
        this.sim.after(this.backoffMs, () => this.startWatch(w), "etcd-client rewatch");
        return;
      }
      // The member answers the call first, then streams the created response and any history.
      // A refused watch (id -1) gets its created + canceled response the same way.
      w.watchId = resp.watch_id;
      w.member = member;
      if (resp.watch_id >= 0) this.keepWatchAlive(w);
    });
  }

  private keepWatchAlive(w: WatchState): void {
    w.keepAlive?.cancel();
    w.keepAlive = this.sim.after(this.keepAliveMs, () => {
      if (w.cancelled || !w.member) return;
      const member = w.member;
      const id = `${this.name}/${++this.seq}`;
      // Ask that member, and only that member, whether it still answers.
      const probe: Call = {
        id,
        op: { kind: "watchProgress", request: {} },
        deadline: this.sim.now + this.attemptMs,
        attempt: undefined,
        member,
        attempts: 1,
        pinned: true,
        cb: (err) => {
          if (w.cancelled) return;
          if (err) return this.moveWatch(w);
          this.keepWatchAlive(w);
        },
      };
      this.calls.set(id, probe);
      this.sim.network.send(this.name, member, { type: "etcd.call", id, op: probe.op } as EtcdCall, { kind: "etcd.call" });
      probe.attempt = this.sim.after(this.attemptMs, () => this.finish(probe, ErrDeadline), "etcd-client watch probe");
    }, "etcd-client watch keepalive");
  }

  private moveWatch(w: WatchState): void {
    if (this.preferred === w.member) this.preferred = undefined;
    w.member = undefined;
    w.watchId = undefined;
    this.sim.trace.record("etcd-client", "rewatch", { client: this.name, from: w.lastRevision + 1 });
    this.startWatch(w);
  }

  private onWatchResponse(member: string, r: WatchResponse): void {
    const w = this.watches.find((x) => !x.cancelled && x.watchId === r.watch_id && x.member === member);
    if (!w) return;
    if (r.canceled && r.compact_revision === 0 && /snapshot restored/.test(r.cancel_reason)) return this.moveWatch(w);
    for (const ev of r.events) w.lastRevision = Math.max(w.lastRevision, ev.kv.mod_revision);
    if (r.canceled) {
      w.cancelled = true;
      w.keepAlive?.cancel();
    }
    w.handler(r);
  }

  private cancelWatch(w: WatchState): void {
    if (w.cancelled) return;
    w.cancelled = true;
    w.keepAlive?.cancel();
    if (w.watchId !== undefined) this.call({ kind: "watchCancel", request: { watch_id: w.watchId } }, () => {});
  }
}
