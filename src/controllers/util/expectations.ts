// ControllerExpectations [k/k pkg/controller/controller_utils.go]: how a controller that reads
// from a cache avoids acting twice on the same need.
//
// The ReplicaSet controller creates 3 pods, and its next sync may run before the informer has
// seen them: the cache still shows 0 pods, and a naive controller would create 3 more. So
// before writing, the controller records "I expect 3 creations"; the pod informer lowers the
// count as it observes each new pod; until the count reaches 0 (or 5 minutes pass, in case a
// watch event was lost), syncs do not manage replicas, they only update status.
// Deletions are tracked by pod key (UIDTrackingControllerExpectations), so a deletion the
// controller did not ask for does not count against one it did.

import type { Simulation } from "../../sim/simulation";

/** After this long, unmet expectations are considered stale and the controller syncs anyway. */
export const ExpectationsTimeoutMs = 5 * 60 * 1000;

export interface Expectation {
  add: number;
  del: number;
  /** When the expectation was set (virtual ms). */
  timestamp: number;
}

export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();
  private readonly deleteKeys = new Map<string, Set<string>>();

  constructor(private readonly sim: Simulation, private readonly component = "expectations") {}

  get(controllerKey: string): Expectation | undefined {
    return this.store.get(controllerKey);
  }

  /** True if the controller may act: nothing pending, or the expectation expired. */
  satisfiedExpectations(controllerKey: string): boolean {
    const e = this.store.get(controllerKey);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    if (this.sim.now - e.timestamp > ExpectationsTimeoutMs) {
      this.sim.trace.record(this.component, "expectations-expired", { key: controllerKey, add: e.add, del: e.del });
      return true;
    }
    return false;
  }

  expectCreations(controllerKey: string, adds: number): void {
    this.set(controllerKey, adds, 0);
  }

  /** Expects the deletion of exactly these pods ("ns/name" keys). */
  expectDeletions(controllerKey: string, podKeys: string[]): void {
    this.deleteKeys.set(controllerKey, new Set(podKeys));
    this.set(controllerKey, 0, podKeys.length);
  }

  creationObserved(controllerKey: string): void {
    this.lower(controllerKey, 1, 0);
  }

  /** A pod deletion was observed; it counts only if it was one the controller asked for. */
  deletionObserved(controllerKey: string, podKey: string): void {
    const keys = this.deleteKeys.get(controllerKey);
    if (!keys || !keys.has(podKey)) return;
    keys.delete(podKey);
    this.lower(controllerKey, 0, 1);
  }

  /** The controller is gone: forget it. */
  deleteExpectations(controllerKey: string): void {
    this.store.delete(controllerKey);
    this.deleteKeys.delete(controllerKey);
  }

  private set(controllerKey: string, add: number, del: number): void {
    this.store.set(controllerKey, { add, del, timestamp: this.sim.now });
  }

  private lower(controllerKey: string, add: number, del: number): void {
    const e = this.store.get(controllerKey);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }
}
