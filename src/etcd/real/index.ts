// A real etcd behind the same interface as the simulated one: KvBackend (backend.ts), its
// implementation over etcd 3.4's v3 JSON API (real-client.ts, a LIVE BRIDGE), the JSON codec it
// uses (codec.ts), and a private etcd cluster on loopback for tests and benchmarks (local-etcd.ts).

export type { KvBackend, Callback, Watch } from "./backend";
export { RealEtcdClient, ErrDeadline, ErrClosed } from "./real-client";
export type { RealEtcdClientOptions, Injector } from "./real-client";
export { startLocalEtcd, findEtcd } from "./local-etcd";
export type { LocalEtcd, LocalEtcdOptions } from "./local-etcd";
export * as codec from "./codec";
export { leaseIdString } from "./codec";
