// KvBackend: what the API server needs from etcd, whichever etcd it is. Two classes have this
// shape: EtcdClient (src/etcd/client/client.ts), the client of the simulated cluster on the
// virtual clock, and RealEtcdClient (real-client.ts), the client of a real etcd cluster over its
// v3 JSON API in real time. Code written against KvBackend runs on either: a learner starts on
// the simulation and moves to a real, distributed etcd when it outgrows it.
//
// The calls are etcd's KV, Lease and Watch services with etcdserverpb's messages (../mvcc/types).
// Every callback is called exactly once, later (never during the call), with etcd's error or the
// response and the member that answered.

import type { Callback, Watch } from "../client/client";
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

export type { Callback, Watch } from "../client/client";

export interface KvBackend {
  // ---- KV ----
  range(request: RangeRequest, cb: Callback<RangeResponse>): void;
  put(request: PutRequest, cb: Callback<PutResponse>): void;
  deleteRange(request: DeleteRangeRequest, cb: Callback<DeleteRangeResponse>): void;
  txn(request: TxnRequest, cb: Callback<TxnResponse>): void;
  compact(request: CompactionRequest, cb: Callback<CompactionResponse>): void;

  // ---- Lease ----
  leaseGrant(request: LeaseGrantRequest, cb: Callback<LeaseGrantResponse>): void;
  leaseRevoke(request: LeaseRevokeRequest, cb: Callback<LeaseRevokeResponse>): void;
  /** One renewal: answers the granted TTL, or TTL 0 for a lease that does not exist. */
  leaseKeepAlive(request: LeaseKeepAliveRequest, cb: Callback<LeaseKeepAliveResponse>): void;
  leaseTimeToLive(request: LeaseTimeToLiveRequest, cb: Callback<LeaseTimeToLiveResponse>): void;
  leaseLeases(cb: Callback<LeaseLeasesResponse>): void;

  // ---- Watch ----
  /**
   * Watches a key or range; `handler` gets every WatchResponse (created, events, progress,
   * canceled). The watch survives the failure of the member serving it: it resumes elsewhere
   * after the last revision delivered.
   */
  watch(request: WatchCreateRequest, handler: (r: WatchResponse) => void): Watch;
}
