// What the API server's storage needs from etcd: exactly these EtcdClient calls. Both the
// simulated cluster's EtcdClient and the real-etcd client (src/etcd/real) have this shape, so
// the storage runs on either without knowing which.

import type { Callback } from "../../etcd/client/client";
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchCreateRequest,
  WatchResponse,
} from "../../etcd/mvcc/types";

export type { Callback };

export interface KvWatch {
  cancel(): void;
}

export interface KvStore {
  range(request: RangeRequest, cb: Callback<RangeResponse>): void;
  put(request: PutRequest, cb: Callback<PutResponse>): void;
  deleteRange(request: DeleteRangeRequest, cb: Callback<DeleteRangeResponse>): void;
  txn(request: TxnRequest, cb: Callback<TxnResponse>): void;
  compact(request: CompactionRequest, cb: Callback<CompactionResponse>): void;
  watch(request: WatchCreateRequest, handler: (r: WatchResponse) => void): KvWatch;
}
