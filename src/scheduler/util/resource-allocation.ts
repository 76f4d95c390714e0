// The scoring half of NodeResourcesFit and NodeResourcesBalancedAllocation
// [k/k pkg/scheduler/framework/plugins/noderesources/resource_allocation.go]: for each configured
// resource, (allocatable, requested-after-placing-the-pod) on a node, handed to a scorer.
// Fit's strategies count the scoring defaults (100m CPU / 200Mi for a container that does not
// say: NodeInfo.nonZeroRequested); BalancedAllocation counts actual requests (useRequested).

import type { Pod } from "../framework/interface";
import { podRequests, type NodeInfo, type Resource } from "../framework/node-info";

export interface ResourceSpec {
  name: string;
  weight: number;
}

const enum Kind {
  Cpu,
  Memory,
  Ephemeral,
  Scalar,
}

function kindOf(name: string): Kind {
  if (name === "cpu") return Kind.Cpu;
  if (name === "memory") return Kind.Memory;
  if (name === "ephemeral-storage") return Kind.Ephemeral;
  return Kind.Scalar;
}

function resourceValue(r: Resource, kind: Kind, name: string): number {
  switch (kind) {
    case Kind.Cpu:
      return r.milliCPU;
    case Kind.Memory:
      return r.memory;
    case Kind.Ephemeral:
      return r.ephemeralStorage;
    default:
      return r.scalar[name] ?? 0;
  }
}

export class ResourceAllocationScorer {
  private readonly kinds: Kind[];
  private readonly names: string[];
  readonly weights: number[];
  /** Scratch arrays reused on every call: Score runs for hundreds of nodes per pod. */
  private readonly requested: number[];
  private readonly allocatable: number[];

  constructor(
    readonly resources: ResourceSpec[],
    private readonly useRequested: boolean,
    private readonly scorer: (requested: number[], allocatable: number[]) => number,
  ) {
    this.kinds = resources.map((r) => kindOf(r.name));
    this.names = resources.map((r) => r.name);
    this.weights = resources.map((r) => r.weight);
    this.requested = resources.map(() => 0);
    this.allocatable = resources.map(() => 0);
  }

  /** The pod's request of each configured resource (non-zero defaults unless useRequested). */
  podRequestList(pod: Pod): number[] {
    const r = podRequests(pod, { nonZero: !this.useRequested });
    return this.kinds.map((k, i) => resourceValue(r, k, this.names[i]));
  }

  score(nodeInfo: NodeInfo, podRequest: number[]): number {
    const requestedSum = this.useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
    for (let i = 0; i < this.kinds.length; i++) {
      const kind = this.kinds[i];
      let alloc = 0;
      let req = 0;
      switch (kind) {
        case Kind.Cpu:
          alloc = nodeInfo.allocatable.milliCPU;
          req = requestedSum.milliCPU + podRequest[i];
          break;
        case Kind.Memory:
          alloc = nodeInfo.allocatable.memory;
          req = requestedSum.memory + podRequest[i];
          break;
        case Kind.Ephemeral:
          alloc = nodeInfo.allocatable.ephemeralStorage;
          req = nodeInfo.requested.ephemeralStorage + podRequest[i];
          break;
        default: {
          // An extended resource the pod does not ask for is not scored at all.
          const name = this.names[i];
          if (podRequest[i] !== 0 && nodeInfo.allocatable.scalar[name] !== undefined) {
            alloc = nodeInfo.allocatable.scalar[name];
            req = (nodeInfo.requested.scalar[name] ?? 0) + podRequest[i];
          }
        }
      }
      // alloc 0 = "skip this resource" for the scorers.
      this.allocatable[i] = alloc;
      this.requested[i] = alloc === 0 ? 0 : req;
    }
    return this.scorer(this.requested, this.allocatable);
  }
}
