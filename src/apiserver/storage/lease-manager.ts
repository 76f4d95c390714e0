// LeaseManager: how the API server stores objects with a time to live (Events, --event-ttl=1h).
// Each such write is attached to an etcd lease; etcd deletes the key when the lease expires, and
// the watchers see a DELETED. Granting one lease per Event would flood etcd with leases, so the
// real server reuses the last lease for writes that come within a short window: the lease is
// granted for ttl + reuse (reuse = min(5% of ttl, 60 s)), and a write may join it while it still
// outlives the write's ttl [k8s.io/apiserver pkg/storage/etcd3/lease_manager.go]. An object
// therefore lives between ttl and ttl + 60 s.

import type { Callback, KvStore } from "./kv";

const REUSE_PERCENT = 0.05;
const REUSE_MAX_SECONDS = 60;
/** At most this many objects share one lease (--lease-reuse-duration... defaultLeaseMaxObjectCount). */
const MAX_OBJECTS_PER_LEASE = 1000;

export class LeaseManager {
  private prevLeaseID = 0;
  private prevExpiresMs = 0;
  private attached = 0;

  constructor(private readonly kv: Pick<KvStore, "leaseGrant">, private readonly now: () => number) {}

  /** A lease that lives at least ttlSeconds from now: reused (answered at once) or newly granted. */
  getLease(ttlSeconds: number, cb: Callback<number>): void {
    const now = this.now();
    const reuse = Math.min(Math.floor(REUSE_PERCENT * ttlSeconds), REUSE_MAX_SECONDS);
    const valid = now + ttlSeconds * 1000 < this.prevExpiresMs;
    const sufficient = now + (ttlSeconds + reuse) * 1000 > this.prevExpiresMs;
    this.attached++;
    if (this.prevLeaseID && valid && sufficient && this.attached <= MAX_OBJECTS_PER_LEASE) {
      return cb(undefined, this.prevLeaseID);
    }
    const ttl = ttlSeconds + reuse;
    this.kv.leaseGrant({ TTL: ttl }, (err, resp) => {
      if (err || !resp) return cb(err ?? { code: 14, message: "no response" });
      if (resp.error) return cb({ code: 2, message: resp.error });
      this.prevLeaseID = resp.ID;
      this.prevExpiresMs = now + ttl * 1000;
      this.attached = 1;
      cb(undefined, resp.ID);
    });
  }
}
