export { EtcdCluster, DEFAULT_CLUSTER_ID } from "./etcd-cluster";
export type { EtcdClusterOptions } from "./etcd-cluster";
export { EtcdMember, REQUEST_TIMEOUT_MS, LEASE_CHECK_MS } from "./member";
export * from "./protocol";
