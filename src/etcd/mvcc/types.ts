// The messages of etcd's v3 API (etcdserverpb/rpc.proto and mvccpb/kv.proto, v3.4) as JS types.
//
// Field names are the proto names, exactly as the JSON gateway spells them (snake_case, and `ID`,
// `TTL`, `grantedTTL` in the lease messages), so a request read from JSON needs no renaming.
// Requests are what a caller writes: every field optional but the key, keys and values as byte
// strings or Uint8Array. Responses are complete: every field present, proto defaults included
// (0, false, "", []); the gateway drops the defaults when it writes JSON, as grpc-gateway does.
// int64 fields are JS numbers: exact up to 2^53, which our own revisions and lease IDs never reach.

import type { ByteInput, Bytes } from "./bytes";

export interface ResponseHeader {
  cluster_id: number;
  member_id: number;
  /** The store revision when the request was served (see reference §2.1 for the txn subtleties). */
  revision: number;
  raft_term: number;
}

/** mvccpb.KeyValue. */
export interface KeyValue {
  key: Bytes;
  /** Revision of the put that created this generation of the key. */
  create_revision: number;
  /** Revision of the last write to the key. */
  mod_revision: number;
  /** Number of puts in this generation: 1 on creation, reset by delete. */
  version: number;
  value: Bytes;
  /** The attached lease, 0 for none. */
  lease: number;
}

export type SortOrder = "NONE" | "ASCEND" | "DESCEND";
export type SortTarget = "KEY" | "VERSION" | "CREATE" | "MOD" | "VALUE";

export interface RangeRequest {
  key: ByteInput;
  /** Empty: the single key. "\0": every key >= key. Otherwise the half-open [key, range_end). */
  range_end?: ByteInput;
  /** 0: no limit. */
  limit?: number;
  /** <= 0: the latest revision. */
  revision?: number;
  sort_order?: SortOrder;
  sort_target?: SortTarget;
  /** Served locally without a ReadIndex round: the caller's concern, ignored by the store. */
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
  min_mod_revision?: number;
  max_mod_revision?: number;
  min_create_revision?: number;
  max_create_revision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** More keys matched than `limit` let through. */
  more: boolean;
  /** Keys in the range at that revision, before limit and before the min/max filters. */
  count: number;
}

export interface PutRequest {
  key: ByteInput;
  value?: ByteInput;
  /** 0: no lease (and a put without ignore_lease detaches the key from its old lease). */
  lease?: number;
  prev_kv?: boolean;
  ignore_value?: boolean;
  ignore_lease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prev_kv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: ByteInput;
  range_end?: ByteInput;
  prev_kv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prev_kvs: KeyValue[];
}

export type CompareResult = "EQUAL" | "GREATER" | "LESS" | "NOT_EQUAL";
export type CompareTarget = "VERSION" | "CREATE" | "MOD" | "VALUE" | "LEASE";

/**
 * One guard of a txn. The proto's target_union is a oneof: the field named by `target` is the one
 * compared (a missing one counts as 0 / empty, as in etcd's compareKV).
 */
export interface Compare {
  result?: CompareResult;
  target?: CompareTarget;
  key: ByteInput;
  range_end?: ByteInput;
  version?: number;
  create_revision?: number;
  mod_revision?: number;
  value?: ByteInput;
  lease?: number;
}

/** A oneof: exactly one field set. An empty RequestOp is refused ("key not found"), as by etcd. */
export interface RequestOp {
  request_range?: RangeRequest;
  request_put?: PutRequest;
  request_delete_range?: DeleteRangeRequest;
  request_txn?: TxnRequest;
}

export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: PutResponse;
  response_delete_range?: DeleteRangeResponse;
  response_txn?: TxnResponse;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  /** Wait for the backend purge: irrelevant in memory. */
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

export interface LeaseGrantRequest {
  /** Seconds. Below the minimum TTL it is raised to it. */
  TTL: number;
  /** 0: the store picks one. */
  ID?: number;
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: number;
  TTL: number;
  error: string;
}

export interface LeaseRevokeRequest {
  ID: number;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader;
}

export interface LeaseKeepAliveRequest {
  ID: number;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: number;
  /** The granted TTL after renewal; 0 for a lease that does not exist (not an error). */
  TTL: number;
}

export interface LeaseTimeToLiveRequest {
  ID: number;
  keys?: boolean;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: number;
  /** Remaining seconds (truncated); -1 for a lease that does not exist. */
  TTL: number;
  grantedTTL: number;
  keys: Bytes[];
}

export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { ID: number }[];
}

export type FilterType = "NOPUT" | "NODELETE";

export interface WatchCreateRequest {
  key: ByteInput;
  range_end?: ByteInput;
  /** Inclusive; 0 = the next revision. */
  start_revision?: number;
  progress_notify?: boolean;
  filters?: FilterType[];
  prev_kv?: boolean;
  /** 0: the stream picks the next free id. */
  watch_id?: number;
  /** Split huge responses: irrelevant in memory. */
  fragment?: boolean;
}

export interface WatchCancelRequest {
  watch_id: number;
}

export type EventType = "PUT" | "DELETE";

export interface Event {
  type: EventType;
  /** For DELETE only key and mod_revision are set (the tombstone). */
  kv: KeyValue;
  prev_kv?: KeyValue;
}

export interface WatchResponse {
  header: ResponseHeader;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  fragment: boolean;
  events: Event[];
}

/**
 * A Raft log entry for the store (etcd's InternalRaftRequest): the writes, plus range for a read
 * that goes through the log. Keep-alive, time-to-live and the lease list are answered by the
 * leader's lessor without the log, as in etcd.
 */
export type InternalRequest =
  | { type: "range"; request: RangeRequest }
  | { type: "put"; request: PutRequest }
  | { type: "deleteRange"; request: DeleteRangeRequest }
  | { type: "txn"; request: TxnRequest }
  | { type: "compaction"; request: CompactionRequest }
  | { type: "leaseGrant"; request: LeaseGrantRequest }
  | { type: "leaseRevoke"; request: LeaseRevokeRequest };

export interface ResponseByType {
  range: RangeResponse;
  put: PutResponse;
  deleteRange: DeleteRangeResponse;
  txn: TxnResponse;
  compaction: CompactionResponse;
  leaseGrant: LeaseGrantResponse;
  leaseRevoke: LeaseRevokeResponse;
}

/** What applying an entry yields on every member: a response, or etcd's error for it. */
export type ApplyResult<T extends InternalRequest["type"] = InternalRequest["type"]> =
  | { type: T; ok: true; response: ResponseByType[T] }
  | { type: T; ok: false; error: { code: number; message: string } };
