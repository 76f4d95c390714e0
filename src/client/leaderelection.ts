// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it
// [client-go tools/leaderelection/leaderelection.go, resourcelock/leaselock.go].
//
// Several copies of a component (kube-controller-manager, kube-scheduler) run for availability,
// but only one may act: two ReplicaSet controllers would each create the missing pods. They
// agree through one Lease object: whoever writes their name into spec.holderIdentity and keeps
// renewing spec.renewTime leads; the others keep trying and take over once the lease expires.
//
// There is no clock shared between the candidates. A candidate never compares renewTime with its
// own clock: it remembers *when it last saw the record change* (observedTime, its local clock)
// and considers the lease expired leaseDuration after that. A leader that cannot renew gives up
// after renewDeadline, which is shorter than leaseDuration: it has stopped acting before anyone
// else can believe the lease expired. That gap (15 s - 10 s, minus one retry) is the safety margin.
//
// The Lease update is optimistic concurrency (resourceVersion): of two candidates racing for an
// expired lease, the API server lets one write and answers 409 Conflict to the other.

import type { Simulation } from "../sim/simulation";
import type { Rng } from "../sim/rng";
import { Duration, parseDuration } from "../sim/duration";
import type { KubeObject } from "../apiserver/registry/object";
import { microTime, timestamp } from "../apiserver/registry/object";
export { microTime };
import type { KubeClient } from "./kube-client";

/** wait.Jitter's factor in the acquire loop: retries wait retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;

/** What a Lease's spec says, in client-go's words (resourcelock.LeaderElectionRecord). */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** MicroTime strings, "2026-01-01T00:00:15.000000Z". */
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
}

export interface LeaderCallbacks {
  /** This candidate now leads: start working. */
  onStartedLeading(): void;
  /**
   * Called when the elector's run ends: the lease was lost, or cancel() was called. As in
   * client-go it is called even if this candidate never led (a real kube-controller-manager exits
   * in it).
   */
  onStoppedLeading(): void;
  /** Someone (maybe this candidate) was observed to hold the lease; "" = nobody. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  client: KubeClient;
  /** The Lease: kube-system/kube-controller-manager for the controller manager. */
  lock: { namespace: string; name: string };
  /** holderIdentity: "<hostname>_<uuid>" for kube-controller-manager. */
  identity: string;
  /** kube-controller-manager defaults: 15s, 10s, 2s. */
  leaseDuration?: Duration;
  renewDeadline?: Duration;
  retryPeriod?: Duration;
  /** On cancel(), write an empty holder with leaseDurationSeconds 1 so a standby takes over at once. */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  /** The random stream of the acquire loop's jitter (default: a fork named after the identity). */
  rng?: Rng;
}

/** A metav1.MicroTime: RFC 3339 with microseconds. */

/** LeaseSpecToLeaderElectionRecord [resourcelock/leaselock.go]. */
export function recordFromLease(lease: KubeObject): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? "",
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? "",
    renewTime: s.renewTime ?? "",
    leaderTransitions: s.leaseTransitions ?? 0,
  };
}

/** LeaderElectionRecordToLeaseSpec. */
function leaseSpec(r: LeaderElectionRecord): Record<string, unknown> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaderTransitions,
  };
}

type Phase = "idle" | "acquiring" | "leading" | "releasing" | "stopped";

export class LeaderElector {
  readonly identity: string;
  readonly leaseDuration: number;
  readonly renewDeadline: number;
  readonly retryPeriod: number;
  private readonly sim: Simulation;
  private readonly rng: Rng;
  private phase: Phase = "idle";
  /** What we last saw in (or wrote to) the Lease, and when it last changed (local clock). */
  private observedRecord: LeaderElectionRecord | undefined;
  private observedRaw = "";
  private observedTime = 0;
  /** The Lease object as last read or written: its resourceVersion guards our next update. */
  private lease: KubeObject | undefined;
  private reportedLeader = "";
  /** Bumped whenever the run ends, so answers to an earlier incarnation are ignored. */
  private epoch = 0;
  private timer: { cancel(): void } | undefined;

  constructor(sim: Simulation, private readonly config: LeaderElectionConfig) {
    this.sim = sim;
    this.identity = config.identity;
    this.leaseDuration = parseDuration(config.leaseDuration ?? "15s");
    this.renewDeadline = parseDuration(config.renewDeadline ?? "10s");
    this.retryPeriod = parseDuration(config.retryPeriod ?? "2s");
    // NewLeaderElector's validation.
    if (!(this.leaseDuration > this.renewDeadline)) throw new Error("leaseDuration must be greater than renewDeadline");
    if (!(this.renewDeadline > JITTER_FACTOR * this.retryPeriod)) throw new Error("renewDeadline must be greater than retryPeriod*JitterFactor");
    if (!config.identity) throw new Error("Lock identity is empty");
    this.rng = config.rng ?? sim.rng.fork(`leaderelection/${config.identity}`);
  }

  /** client-go's IsLeader: the last observed record names us. */
  isLeader(): boolean {
    return this.observedRecord?.holderIdentity === this.identity;
  }

  /** Whether this elector is between onStartedLeading and the end of its run. */
  get leading(): boolean {
    return this.phase === "leading";
  }

  /** The holder in the last observed record ("" = none seen / released). */
  getLeader(): string {
    return this.observedRecord?.holderIdentity ?? "";
  }

  getObservedRecord(): LeaderElectionRecord | undefined {
    return this.observedRecord ? { ...this.observedRecord } : undefined;
  }

  /** Run: try to acquire (every retryPeriod, jittered), then renew until the lease is lost. */
  run(): void {
    if (this.phase !== "idle") throw new Error("leaderelection: run() called twice");
    this.phase = "acquiring";
    this.record("start", {});
    this.acquireLoop();
  }

  /**
   * Cancels the run (the context's cancel in client-go): stops trying; a leader releases the
   * lease if releaseOnCancel, then onStoppedLeading is called.
   */
  cancel(): void {
    if (this.phase === "stopped" || this.phase === "releasing") return;
    const wasLeading = this.phase === "leading";
    this.endRun();
    this.record("cancel", { leading: wasLeading });
    this.finish(wasLeading);
  }

  /** The process died: timers stop, answers are ignored, nothing is released, no callback. */
  kill(): void {
    if (this.phase === "stopped") return;
    this.record("killed", { leading: this.phase === "leading" });
    this.endRun();
    this.phase = "stopped";
  }

  // ---- the two loops ----

  /** wait.JitterUntil(tryAcquireOrRenew, retryPeriod, 1.2, sliding): try now, then wait the jittered period. */
  private acquireLoop(): void {
    const epoch = this.epoch;
    this.tryAcquireOrRenew(undefined, (ok) => {
      if (epoch !== this.epoch) return;
      this.maybeReportTransition();
      if (!ok) {
        const wait = this.retryPeriod + this.rng.next() * JITTER_FACTOR * this.retryPeriod;
        this.timer = this.sim.after(wait, () => this.acquireLoop(), "leaderelection acquire retry");
        return;
      }
      this.phase = "leading";
      this.record("acquired", { transitions: this.observedRecord!.leaderTransitions });
      this.config.callbacks.onStartedLeading();
      if (epoch !== this.epoch) return; // the callback may have cancelled us
      this.timer = this.sim.after(this.retryPeriod, () => this.renewRound(), "leaderelection renew");
    });
  }

  /**
   * One round of wait.Until in renew(): PollUntilContextTimeout(retryPeriod, renewDeadline,
   * immediate) of tryAcquireOrRenew. Every attempt inside the round is bounded by the round's
   * deadline; the round fails when renewDeadline passes without a success.
   */
  private renewRound(): void {
    const epoch = this.epoch;
    const start = this.sim.now;
    const deadline = start + this.renewDeadline;
    const attempt = (attemptStart: number) => {
      this.tryAcquireOrRenew(deadline, (ok) => {
        if (epoch !== this.epoch) return;
        this.maybeReportTransition();
        if (ok) {
          this.record("renewed", { renewTime: this.observedRecord!.renewTime });
          this.timer = this.sim.after(this.retryPeriod, () => this.renewRound(), "leaderelection renew");
          return;
        }
        // The poll's ticker: the next attempt one retryPeriod after this one started.
        const next = Math.max(this.sim.now, attemptStart + this.retryPeriod);
        if (next >= deadline) return this.lost(start);
        this.timer = this.sim.at(next, () => attempt(next), "leaderelection renew retry");
      });
    };
    attempt(start);
  }

  private lost(roundStart: number): void {
    this.record("lost", { reason: "failed to renew lease", roundStart: Math.round(roundStart), renewDeadline: this.renewDeadline });
    this.endRun();
    this.finish(true);
  }

  /** renew() has returned: release if asked to, then Run's deferred OnStoppedLeading. */
  private finish(wasLeading: boolean): void {
    const done = () => {
      this.phase = "stopped";
      this.config.callbacks.onStoppedLeading();
    };
    if (!(wasLeading && this.config.releaseOnCancel === true)) return done();
    this.phase = "releasing";
    this.release(done);
  }

  private endRun(): void {
    this.epoch++;
    this.timer?.cancel();
    this.timer = undefined;
    this.phase = "stopped";
  }

  // ---- one attempt ----

  /**
   * tryAcquireOrRenew: 1. a leader whose lease is still valid updates optimistically; 2. GET the
   * Lease (create it if absent); 3. if someone else holds a lease that has not expired (by our
   * observation), give up; 4. write ourselves in (leaseTransitions + 1 if we were not the holder).
   */
  private tryAcquireOrRenew(deadline: number | undefined, cb: (ok: boolean) => void): void {
    const settle = this.bounded(deadline, cb);
    const now = this.sim.now;
    const desired: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.floor(this.leaseDuration / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaderTransitions: 0,
    };
    const slowPath = () => this.getLease((err, lease) => {
      if (err === "NotFound") {
        return this.createLease(desired, (cerr) => {
          if (cerr) {
            this.record("error", { op: "create", error: cerr });
            return settle(false);
          }
          this.setObservedRecord(desired);
          settle(true);
        });
      }
      if (err || !lease) {
        this.record("error", { op: "get", error: err });
        return settle(false);
      }
      const old = recordFromLease(lease);
      const raw = JSON.stringify(old);
      if (raw !== this.observedRaw) {
        this.setObservedRecord(old);
        this.observedRaw = raw;
      }
      if (old.holderIdentity !== "" && this.isLeaseValid(this.sim.now) && !this.isLeader()) {
        return settle(false); // held by someone else and not yet expired
      }
      if (this.isLeader()) {
        desired.acquireTime = old.acquireTime;
        desired.leaderTransitions = old.leaderTransitions;
      } else {
        desired.leaderTransitions = old.leaderTransitions + 1;
      }
      this.updateLease(desired, (uerr) => {
        if (uerr) {
          this.record("error", { op: "update", error: uerr });
          return settle(false);
        }
        this.setObservedRecord(desired);
        settle(true);
      });
    });
    // 1. the fast path.
    if (this.isLeader() && this.isLeaseValid(now) && this.lease) {
      desired.acquireTime = this.observedRecord!.acquireTime;
      desired.leaderTransitions = this.observedRecord!.leaderTransitions;
      return this.updateLease(desired, (err) => {
        if (!err) {
          this.setObservedRecord(desired);
          return settle(true);
        }
        this.record("error", { op: "update", path: "fast", error: err });
        slowPath();
      });
    }
    slowPath();
  }

  /** release(): an empty holder and leaseDurationSeconds 1, so the next candidate needs no wait. */
  private release(done: () => void): void {
    const settle = this.bounded(this.sim.now + this.renewDeadline, () => done());
    this.getLease((err) => {
      if (err) {
        this.record("error", { op: "release", error: err });
        return settle(false);
      }
      if (!this.isLeader()) return settle(true);
      const now = this.sim.now;
      const rec: LeaderElectionRecord = {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaderTransitions: this.observedRecord!.leaderTransitions,
      };
      this.updateLease(rec, (uerr) => {
        if (uerr) {
          this.record("error", { op: "release", error: uerr });
          return settle(false);
        }
        this.setObservedRecord(rec);
        this.record("released", {});
        settle(true);
      });
    });
  }

  /** Wraps cb so it answers once: with the result, or false when the deadline passes first. */
  private bounded(deadline: number | undefined, cb: (ok: boolean) => void): (ok: boolean) => void {
    let answered = false;
    const timer = deadline === undefined ? undefined : this.sim.at(Math.max(deadline, this.sim.now), () => answer(false), "leaderelection deadline");
    const answer = (ok: boolean) => {
      if (answered) return;
      answered = true;
      timer?.cancel();
      cb(ok);
    };
    return answer;
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + (this.observedRecord?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObservedRecord(r: LeaderElectionRecord): void {
    this.observedRecord = { ...r };
    this.observedTime = this.sim.now;
  }

  private maybeReportTransition(): void {
    const holder = this.observedRecord?.holderIdentity ?? "";
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.record("new-leader", { leader: holder });
    this.config.callbacks.onNewLeader?.(holder);
  }

  // ---- the LeaseLock ----

  private getLease(cb: (err: string | undefined, lease?: KubeObject) => void): void {
    const epoch = this.epoch;
    const { namespace, name } = this.config.lock;
    this.config.client.get("leases", name, namespace, (err, lease) => {
      if (epoch !== this.epoch && this.phase !== "releasing") return;
      if (err) return cb(err.reason === "NotFound" ? "NotFound" : err.reason || err.message);
      this.lease = lease;
      cb(undefined, lease);
    });
  }

  private createLease(r: LeaderElectionRecord, cb: (err?: string) => void): void {
    const epoch = this.epoch;
    const { namespace, name } = this.config.lock;
    const obj = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: leaseSpec(r) } as KubeObject;
    this.config.client.create(obj, (err, lease) => {
      if (epoch !== this.epoch) return;
      if (err) return cb(err.reason || err.message);
      this.lease = lease;
      cb();
    });
  }

  /** Update with the resourceVersion last seen: a concurrent writer makes this a 409 Conflict. */
  private updateLease(r: LeaderElectionRecord, cb: (err?: string) => void): void {
    if (!this.lease) return cb("lease not initialized, call get or create first");
    const epoch = this.epoch;
    const obj = { ...this.lease, spec: { ...(this.lease.spec ?? {}), ...leaseSpec(r) } } as KubeObject;
    this.config.client.update(obj, (err, lease) => {
      if (epoch !== this.epoch && this.phase !== "releasing") return;
      if (err) return cb(err.reason || err.message);
      this.lease = lease;
      cb();
    });
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    const { namespace, name } = this.config.lock;
    this.sim.trace.record("leaderelection", kind, { identity: this.identity, lease: `${namespace}/${name}`, ...fields });
  }
}
