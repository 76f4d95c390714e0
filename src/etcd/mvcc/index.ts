// etcd v3's MVCC key-value store with watch and leases: the state machine kubelab's Raft log
// applies. See store.ts for the entry points and json-gateway.ts for etcd's JSON API encoding.

export { MvccStore } from "./store";
export type { MvccStoreOptions, ApplyContext, MvccSnapshot } from "./store";
export { WatchStream, WatchableStore, WATCH_BATCH_MAX_REVS } from "./watchable-store";
export { Lessor, MAX_LEASE_TTL, EXPIRED_LEASE_RETRY_MS } from "./lessor";
export type { Lease, LessorOptions } from "./lessor";
export { EtcdError, Errors, GrpcCode, WatchErrors, httpStatusFromCode } from "./errors";
export { utf8, text, toBytes, prefixEnd, base64Encode, base64Decode, showBytes, compareBytes } from "./bytes";
export type { Bytes, ByteInput } from "./bytes";
export { DEFAULT_MAX_TXN_OPS } from "./validate";
export * as gateway from "./json-gateway";
export type * from "./types";
