export { EtcdClient, ErrDeadline } from "./client";
export type { Callback, EtcdClientOptions, Watch } from "./client";
export { Session, EtcdCallError, compare, opPut, opGet, opDelete, kvRow } from "./session";
export { startWorkload, runOperation, outcomeOfError } from "./workload";
export type { KvOperation, WorkloadOptions } from "./workload";
