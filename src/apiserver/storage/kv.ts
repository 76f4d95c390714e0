// What the API server's storage needs from etcd: exactly these EtcdClient calls. Both the
// simulated cluster's EtcdClient and the real-etcd client (src/etcd/real) have this shape, so
// the storage runs on either without knowing which.

import type { Callback } from "../../etcd/client/client";
import type { KvBackend } from "../../etcd/real/backend";

export type { Callback };

/** A watch as the storage uses it: it only ever cancels. */
export interface KvWatch {
  cancel(): void;
}

/** The subset of the etcd client interface (KvBackend) the storage calls. */
export type KvStore = Pick<KvBackend, "range" | "put" | "deleteRange" | "txn" | "compact" | "watch" | "leaseGrant">;
