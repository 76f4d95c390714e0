// MvccStore: the whole etcd v3 state machine of one member, as a deterministic object.
//
// Raft applies committed entries with apply(entry): the store is a pure function of the log (and
// of a snapshot it may start from), so every member that applies the same entries holds the same
// keys, revisions and leases and gives the same answers. Nothing here reads a clock: the lease
// deadlines of the leader's lessor use the `nowMs` the caller passes (the simulation's virtual
// time), and only leader-side calls use it (see lessor.ts).
//
// The direct methods (range, put, ..., leaseTimeToLive) return etcd's response or throw an
// EtcdError with etcd's message and gRPC code; apply() never throws for a bad request but
// returns the error as its result, the same on every member.

import { toBytes } from "./bytes";
import { Applier, revHeader } from "./apply";
import { EtcdError, Errors, GrpcCode } from "./errors";
import { KVStore } from "./kvstore";
import { Lessor } from "./lessor";
import type {
  ApplyResult,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  InternalRequest,
  KeyValue,
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
  ResponseByType,
  ResponseHeader,
  TxnRequest,
  TxnResponse,
  WatchResponse,
} from "./types";
import { DEFAULT_MAX_TXN_OPS, int64, normalizeDelete, normalizePut, normalizeRange, normalizeTxn } from "./validate";
import { WatchableStore, WatchStream } from "./watchable-store";

export interface MvccStoreOptions {
  /** Header fields; etcd derives them from the member's name and cluster token. */
  clusterId?: number;
  memberId?: number;
  /** Current Raft term for headers; the caller updates `store.raftTerm` as terms change. */
  raftTerm?: number;
  /** --max-txn-ops (128). */
  maxTxnOps?: number;
  /** Minimum lease TTL in seconds (2, from etcd's default election timeout). */
  minLeaseTTL?: number;
  /** Whether this member's lessor starts as primary (leader); a standalone store is. */
  primary?: boolean;
}

/** Leader-side context: the virtual time at which a request is served or applied. */
export interface ApplyContext {
  nowMs?: number;
}

/** A JSON-able image of the replicated state (what Raft's InstallSnapshot carries). */
export interface MvccSnapshot {
  format: "kubelab-mvcc/1";
  currentRev: number;
  compactMainRev: number;
  nextLeaseId: number;
  leases: { ID: number; TTL: number }[];
  /** Every surviving change in revision order: [main, sub, kv, tombstone]. */
  changes: [number, number, KeyValue, boolean][];
}

export class MvccStore {
  readonly clusterId: number;
  readonly memberId: number;
  raftTerm: number;
  readonly maxTxnOps: number;
  readonly lessor: Lessor;
  readonly kv: KVStore;
  readonly watchable: WatchableStore;
  private readonly applier: Applier;
  /** Lease IDs the store hands out for grants with ID 0 (etcd's server picks one before proposing). */
  private nextLeaseId = 1;

  constructor(options: MvccStoreOptions = {}) {
    this.clusterId = options.clusterId ?? 0;
    this.memberId = options.memberId ?? 0;
    this.raftTerm = options.raftTerm ?? 0;
    this.maxTxnOps = options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    this.lessor = new Lessor({ minLeaseTTL: options.minLeaseTTL, primary: options.primary });
    this.kv = new KVStore(this.lessor);
    this.watchable = new WatchableStore(this.kv, (r) => this.header(r));
    this.applier = new Applier(this.kv, this.lessor);
  }

  /** The store revision: the revision of the last write that changed something. */
  get rev(): number {
    return this.kv.currentRev;
  }

  /** The last compaction revision, -1 before any. */
  get compactRev(): number {
    return this.kv.compactMainRev;
  }

  /** A full response header at `revision` (etcd's header.fill). */
  header(revision = this.kv.currentRev): ResponseHeader {
    return { cluster_id: this.clusterId, member_id: this.memberId, revision, raft_term: this.raftTerm };
  }

  private top<T extends { header: ResponseHeader }>(resp: T): T {
    resp.header = this.header(resp.header.revision || this.kv.currentRev);
    return resp;
  }

  // ---- the log's entry point ----

  /** Applies one committed log entry. Never throws for a bad request: the error is the result. */
  apply<T extends InternalRequest["type"]>(entry: Extract<InternalRequest, { type: T }>, ctx: ApplyContext = {}): ApplyResult<T> {
    const type = entry.type as T;
    try {
      const response = this.applyOrThrow(entry, ctx) as ResponseByType[T];
      return { type, ok: true, response };
    } catch (err) {
      if (err instanceof EtcdError) return { type, ok: false, error: err.toJSON() };
      throw err;
    }
  }

  private applyOrThrow(entry: InternalRequest, ctx: ApplyContext): ResponseByType[InternalRequest["type"]] {
    switch (entry.type) {
      case "range":
        return this.range(entry.request);
      case "put":
        return this.put(entry.request);
      case "deleteRange":
        return this.deleteRange(entry.request);
      case "txn":
        return this.txn(entry.request);
      case "compaction":
        return this.compact(entry.request);
      case "leaseGrant":
        return this.leaseGrant(entry.request, ctx);
      case "leaseRevoke":
        return this.leaseRevoke(entry.request);
      default:
        throw new EtcdError(GrpcCode.InvalidArgument, `kubelab: unknown request type ${JSON.stringify((entry as { type?: unknown }).type)}`);
    }
  }

  // ---- KV ----

  range(req: RangeRequest): RangeResponse {
    return this.top(this.applier.range(normalizeRange(req)));
  }

  put(req: PutRequest): PutResponse {
    return this.top(this.applier.put(normalizePut(req)));
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    return this.top(this.applier.deleteRange(normalizeDelete(req)));
  }

  txn(req: TxnRequest): TxnResponse {
    return this.top(this.applier.txn(normalizeTxn(req, this.maxTxnOps)));
  }

  /** Compaction: the revision does not change; the header carries the current one. */
  compact(req: CompactionRequest): CompactionResponse {
    this.kv.compact(int64(req?.revision, "revision"));
    return { header: this.header() };
  }

  // ---- leases: grant and revoke go through the log ----

  leaseGrant(req: LeaseGrantRequest, ctx: ApplyContext = {}): LeaseGrantResponse {
    let id = int64(req?.ID, "ID");
    const ttl = int64(req?.TTL, "TTL");
    if (id === 0) {
      while (this.lessor.has(this.nextLeaseId)) this.nextLeaseId++;
      id = this.nextLeaseId++;
    }
    const l = this.lessor.grant(id, ttl, ctx.nowMs ?? 0);
    return { header: this.header(), ID: l.ID, TTL: l.ttl, error: "" };
  }

  /** Deletes the lease's keys in one write txn (one revision, sorted keys), then the lease. */
  leaseRevoke(req: LeaseRevokeRequest): LeaseRevokeResponse {
    const id = int64(req?.ID, "ID");
    if (!this.lessor.has(id)) throw Errors.LeaseNotFound();
    const t = this.kv.write();
    for (const key of this.lessor.keysOf(id)) t.deleteRange(key, "");
    this.lessor.revoke(id);
    t.end();
    return { header: this.header() };
  }

  // ---- leases: leader-only, not through the log ----

  /** Renews on the leader's clock. An unknown (or run-out) lease answers TTL 0, not an error. */
  leaseKeepAlive(req: LeaseKeepAliveRequest, ctx: ApplyContext = {}): LeaseKeepAliveResponse {
    const id = int64(req?.ID, "ID");
    let ttl = 0;
    try {
      ttl = this.lessor.renew(id, ctx.nowMs ?? 0);
    } catch (err) {
      if (!(err instanceof EtcdError) || err.message !== Errors.LeaseNotFound().message) throw err;
    }
    return { header: this.header(), ID: id, TTL: ttl };
  }

  /** Remaining TTL on the leader's clock; an unknown lease answers TTL -1, not an error. */
  leaseTimeToLive(req: LeaseTimeToLiveRequest, ctx: ApplyContext = {}): LeaseTimeToLiveResponse {
    const id = int64(req?.ID, "ID");
    const l = this.lessor.lookup(id);
    if (!l) return { header: this.header(), ID: id, TTL: -1, grantedTTL: 0, keys: [] };
    return {
      header: this.header(),
      ID: id,
      TTL: this.lessor.remainingSeconds(id, ctx.nowMs ?? 0),
      grantedTTL: l.ttl,
      keys: req.keys ? this.lessor.keysOf(id) : [],
    };
  }

  leaseLeases(): LeaseLeasesResponse {
    return { header: this.header(), leases: this.lessor.leases().map((l) => ({ ID: l.ID })) };
  }

  // ---- watch ----

  /**
   * A new watch stream; responses queue until drain(), or go to `sink` as they happen. A sink is
   * called while a write is being applied: it must not write to the store itself (queue the
   * work instead), or events would reach the other watchers out of order.
   */
  watchStream(sink?: (resp: WatchResponse) => void): WatchStream {
    return this.watchable.newWatchStream(sink);
  }

  // ---- snapshot ----

  snapshot(): MvccSnapshot {
    return {
      format: "kubelab-mvcc/1",
      currentRev: this.kv.currentRev,
      compactMainRev: this.kv.compactMainRev,
      nextLeaseId: this.nextLeaseId,
      leases: this.lessor.snapshot(),
      changes: this.kv.backend.all().map(({ main, sub, change }) => [main, sub, { ...change.kv }, change.tombstone]),
    };
  }

  /**
   * A store rebuilt from a snapshot, as etcd restores from its backend: the index is replayed
   * from the stored changes, leases come back with their keys attached again. Lease deadlines
   * are not in a snapshot: if the new store is primary its lessor is promoted at ctx.nowMs
   * (every lease restarts its full TTL), otherwise leases wait until it is promoted.
   */
  static restore(snap: MvccSnapshot, options: MvccStoreOptions = {}, ctx: ApplyContext = {}): MvccStore {
    if (!snap || snap.format !== "kubelab-mvcc/1") throw new Error("MvccStore.restore: not a kubelab-mvcc/1 snapshot");
    const s = new MvccStore({ ...options, primary: false });
    s.kv.currentRev = snap.currentRev;
    s.kv.compactMainRev = snap.compactMainRev;
    s.nextLeaseId = snap.nextLeaseId;
    s.lessor.restoreLeases(snap.leases);
    for (const [main, sub, kvIn, tombstone] of snap.changes) {
      const kv: KeyValue = { ...kvIn, key: toBytes(kvIn.key, "key"), value: toBytes(kvIn.value, "value") };
      s.kv.backend.put(main, sub, { kv, tombstone });
      const r = { main, sub };
      if (tombstone) {
        if (s.kv.index.keyIndex(kv.key)) s.kv.index.tombstone(kv.key, r);
      } else if (s.kv.index.keyIndex(kv.key)) {
        s.kv.index.put(kv.key, r);
      } else {
        s.kv.index.restore(kv.key, { main: kv.create_revision, sub: 0 }, r, kv.version);
      }
    }
    // Attach each live key to its lease (etcd re-attaches while restoring the index).
    for (const [, , kv, tombstone] of snap.changes) {
      if (tombstone) continue;
      const latest = s.kv.index.get(kv.key, snap.currentRev);
      if (!latest) continue;
      const cur = s.kv.backend.get(latest.modified)!.kv;
      if (cur.mod_revision === kv.mod_revision && cur.lease !== 0 && s.lessor.has(cur.lease)) s.lessor.attach(cur.lease, kv.key);
    }
    if (options.primary ?? true) s.lessor.promote(ctx.nowMs ?? 0);
    return s;
  }
}

export { revHeader };
