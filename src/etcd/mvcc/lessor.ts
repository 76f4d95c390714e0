// Leases (lease/lessor.go). A lease is an ID with a TTL and a set of attached keys; when it is
// revoked, or expires, its keys are deleted in one write txn (one revision).
//
// What is replicated and what is not, as in etcd:
// - Replicated (applied from the Raft log on every member): grant (ID, granted TTL), revoke,
//   and which keys are attached (that follows from the puts). This is the lessor's part of a
//   snapshot.
// - Leader only, never in the log: the expiry clock. Only the primary lessor (the leader's) has
//   deadlines; a follower's leases never expire ("forever"). The leader renews on keep-alive,
//   answers time-to-live from its own clock, and when a lease runs out it does not delete
//   anything itself: `expired(now)` hands the IDs to the caller, which proposes a LeaseRevoke
//   through Raft like any write (etcd's revokeExpiredLeases -> expiredC -> LeaseRevoke). A new
//   leader `promote()`s its lessor, restarting every deadline at now + TTL + extend, so leases
//   are not lost to the election (lessor.go Promote). Keep-alive and time-to-live on a follower
//   are forwarded to the leader by the server; this lessor only answers as the primary would.
//
// Time is the caller's virtual clock in milliseconds; TTLs are seconds, as in the API.
// Left out: 3.4's optional lease checkpointing (--experimental-enable-lease-checkpoint) and
// Promote's spreading of deadlines when very many leases would expire at once.

import type { Bytes } from "./bytes";
import { Errors } from "./errors";
import type { LeaseAttacher } from "./kvstore";

/** lease.MaxLeaseTTL: 9,000,000,000 s (about 285 years). */
export const MAX_LEASE_TTL = 9_000_000_000;
/** How long an expired lease waits before it is offered for revocation again (3 s). */
export const EXPIRED_LEASE_RETRY_MS = 3000;
/** leaseRevokeRate / 2: expired leases handed out per check (etcd checks every 500 ms). */
export const REVOKE_LIMIT_PER_CHECK = 500;

export interface Lease {
  readonly ID: number;
  /** Granted TTL in seconds, after raising it to the minimum. */
  readonly ttl: number;
  /** Attached keys (itemSet). */
  readonly keys: Set<Bytes>;
  /** Deadline on the leader's clock in ms; Infinity on a follower ("forever"). */
  expiry: number;
  /** When the leader may offer this expired lease for revocation again. */
  retryAt: number;
}

export interface LessorOptions {
  /**
   * Minimum TTL in seconds: etcd uses ceil(1.5 * election timeout), 2 s with the defaults
   * (10 ticks of 100 ms).
   */
  minLeaseTTL?: number;
  /** Whether this lessor is primary (the leader's) from the start; a standalone store is. */
  primary?: boolean;
}

export class Lessor implements LeaseAttacher {
  readonly minLeaseTTL: number;
  private primary: boolean;
  private leaseMap = new Map<number, Lease>();
  /** key -> lease (itemMap). */
  private itemMap = new Map<Bytes, number>();

  constructor(options: LessorOptions = {}) {
    this.minLeaseTTL = options.minLeaseTTL ?? 2;
    this.primary = options.primary ?? true;
  }

  isPrimary(): boolean {
    return this.primary;
  }

  /** Applied from the log. Throws LeaseExist, LeaseTTLTooLarge; ID 0 is the caller's to replace. */
  grant(id: number, ttl: number, nowMs: number): Lease {
    if (id === 0) throw Errors.LeaseNotFound();
    if (ttl > MAX_LEASE_TTL) throw Errors.LeaseTTLTooLarge();
    if (this.leaseMap.has(id)) throw Errors.LeaseExist();
    const granted = ttl < this.minLeaseTTL ? this.minLeaseTTL : ttl;
    const l: Lease = { ID: id, ttl: granted, keys: new Set(), expiry: Infinity, retryAt: -Infinity };
    if (this.primary) l.expiry = nowMs + granted * 1000;
    this.leaseMap.set(id, l);
    return l;
  }

  /**
   * Applied from the log, after the caller has deleted the lease's keys (keysOf, sorted, in one
   * write txn, as lessor.go Revoke does) in the same apply step: forgets the lease.
   */
  revoke(id: number): void {
    const l = this.leaseMap.get(id);
    if (!l) throw Errors.LeaseNotFound();
    for (const k of l.keys) if (this.itemMap.get(k) === id) this.itemMap.delete(k);
    this.leaseMap.delete(id);
  }

  lookup(id: number): Lease | undefined {
    return this.leaseMap.get(id);
  }

  has(id: number): boolean {
    return this.leaseMap.has(id);
  }

  /** Leader only. Returns the granted TTL; throws LeaseNotFound for an unknown or run-out lease. */
  renew(id: number, nowMs: number): number {
    if (!this.primary) throw Errors.NotPrimary();
    const l = this.leaseMap.get(id);
    if (!l) throw Errors.LeaseNotFound();
    // An expired lease is on its way to revocation; etcd waits for that and then says not found.
    if (l.expiry <= nowMs) throw Errors.LeaseNotFound();
    l.expiry = nowMs + l.ttl * 1000;
    l.retryAt = -Infinity;
    return l.ttl;
  }

  /** Remaining seconds as etcd reports them: truncated toward zero; the "forever" of a follower is int64 max ns. */
  remainingSeconds(id: number, nowMs: number): number {
    const l = this.leaseMap.get(id);
    if (!l) throw Errors.LeaseNotFound();
    if (l.expiry === Infinity) return 9223372036;
    const s = Math.trunc((l.expiry - nowMs) / 1000);
    return s === 0 ? 0 : s; // no -0
  }

  /** All leases, ordered by deadline then ID (etcd sorts Leases() by expiry). */
  leases(): Lease[] {
    return [...this.leaseMap.values()].sort((a, b) => (a.expiry === b.expiry ? a.ID - b.ID : a.expiry < b.expiry ? -1 : 1));
  }

  /** Sorted keys attached to a lease. */
  keysOf(id: number): Bytes[] {
    const l = this.leaseMap.get(id);
    return l ? [...l.keys].sort() : [];
  }

  /**
   * Leader only: leases whose deadline is at or before nowMs, oldest deadline first, at most
   * `limit`. Each is offered once and again only after EXPIRED_LEASE_RETRY_MS if its revoke has
   * not been applied by then (a lost proposal). The caller proposes a LeaseRevoke for each.
   */
  expired(nowMs: number, limit = REVOKE_LIMIT_PER_CHECK): number[] {
    if (!this.primary) return [];
    const due = [...this.leaseMap.values()]
      .filter((l) => l.expiry <= nowMs && l.retryAt <= nowMs)
      .sort((a, b) => (a.expiry === b.expiry ? a.ID - b.ID : a.expiry - b.expiry))
      .slice(0, limit);
    for (const l of due) l.retryAt = nowMs + EXPIRED_LEASE_RETRY_MS;
    return due.map((l) => l.ID);
  }

  /** This member became leader: every lease gets a fresh deadline of now + extend + TTL. */
  promote(nowMs: number, extendMs = 0): void {
    this.primary = true;
    for (const l of this.leaseMap.values()) {
      l.expiry = nowMs + extendMs + l.ttl * 1000;
      l.retryAt = -Infinity;
    }
  }

  /** This member lost leadership: its leases stop expiring. */
  demote(): void {
    this.primary = false;
    for (const l of this.leaseMap.values()) l.expiry = Infinity;
  }

  // ---- LeaseAttacher: the store's puts and deletes keep the key <-> lease maps current ----

  getLease(key: Bytes): number {
    return this.itemMap.get(key) ?? 0;
  }

  attach(id: number, key: Bytes): void {
    const l = this.leaseMap.get(id);
    if (!l) throw Errors.LeaseNotFound();
    l.keys.add(key);
    this.itemMap.set(key, id);
  }

  detach(id: number, key: Bytes): void {
    const l = this.leaseMap.get(id);
    if (l) l.keys.delete(key);
    if (this.itemMap.get(key) === id) this.itemMap.delete(key);
  }

  // ---- snapshot: only the replicated part ----

  snapshot(): { ID: number; TTL: number }[] {
    return [...this.leaseMap.values()].sort((a, b) => a.ID - b.ID).map((l) => ({ ID: l.ID, TTL: l.ttl }));
  }

  /** Restores leases from a snapshot; their keys are attached again as the KVs are restored. */
  restoreLeases(leases: { ID: number; TTL: number }[]): void {
    this.leaseMap.clear();
    this.itemMap.clear();
    for (const { ID, TTL } of leases) {
      // A restored lessor is not primary until promoted: leases wait "forever" (lessor.go initAndRecover).
      this.leaseMap.set(ID, { ID, ttl: TTL, keys: new Set(), expiry: Infinity, retryAt: -Infinity });
    }
  }
}
