// What a client and an etcd member say to each other over the simulated network: etcd's gRPC
// services (KV, Lease, Watch) as plain messages. One call, one reply, matched by id; a watch
// stream pushes WatchResponses until it is cancelled or the member goes away.

import type {
  CompactionRequest,
  DeleteRangeRequest,
  LeaseGrantRequest,
  LeaseKeepAliveRequest,
  LeaseRevokeRequest,
  LeaseTimeToLiveRequest,
  PutRequest,
  RangeRequest,
  TxnRequest,
  WatchCreateRequest,
  WatchResponse,
} from "../mvcc/types";

export type Op =
  | { kind: "range"; request: RangeRequest }
  | { kind: "put"; request: PutRequest }
  | { kind: "deleteRange"; request: DeleteRangeRequest }
  | { kind: "txn"; request: TxnRequest }
  | { kind: "compaction"; request: CompactionRequest }
  | { kind: "leaseGrant"; request: LeaseGrantRequest }
  | { kind: "leaseRevoke"; request: LeaseRevokeRequest }
  | { kind: "leaseKeepAlive"; request: LeaseKeepAliveRequest }
  | { kind: "leaseTimeToLive"; request: LeaseTimeToLiveRequest }
  | { kind: "leaseLeases"; request: Record<string, never> }
  | { kind: "watchCreate"; request: WatchCreateRequest }
  | { kind: "watchCancel"; request: { watch_id: number } }
  | { kind: "watchProgress"; request: Record<string, never> };

export type OpKind = Op["kind"];

export interface EtcdCall {
  type: "etcd.call";
  id: string;
  op: Op;
  /** Set by a follower that forwards a leader-only call (lease keep-alive, time-to-live). */
  replyTo?: string;
}

export interface RpcError {
  /** gRPC status code (14 Unavailable, 11 OutOfRange, ...). */
  code: number;
  message: string;
}

export interface EtcdReply {
  type: "etcd.reply";
  id: string;
  /** The member that answered. */
  member: string;
  ok: boolean;
  response?: any;
  error?: RpcError;
  /** Whom the answering member believes leads: clients use it to go to the leader next time. */
  leader?: string;
}

export interface EtcdWatchPush {
  type: "etcd.watch";
  /** The member's stream, per client. */
  member: string;
  response: WatchResponse;
}

export type ClientBound = EtcdReply | EtcdWatchPush;

/** etcd's Unavailable errors: the request did not happen (no leader) or may have (timeout). */
export const Unavailable = 14;
export const ErrNoLeader: RpcError = { code: Unavailable, message: "etcdserver: no leader" };
export const ErrLeaderChanged: RpcError = { code: Unavailable, message: "etcdserver: leader changed" };
export const ErrTimeout: RpcError = { code: Unavailable, message: "etcdserver: request timed out" };
export const ErrTimeoutLeaderFail: RpcError = { code: Unavailable, message: "etcdserver: request timed out, possibly due to previous leader failure" };

/** Ops whose effect goes through the Raft log. */
export const LOGGED: ReadonlySet<OpKind> = new Set(["put", "deleteRange", "txn", "compaction", "leaseGrant", "leaseRevoke"]);
