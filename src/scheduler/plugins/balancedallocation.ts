// NodeResourcesBalancedAllocation [k/k pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go]:
// prefer nodes whose resources are used evenly after placing the pod. For each resource the
// fraction f = requested/allocatable (capped at 1); score = (1 − std(f))·100, truncated. With
// cpu and memory std = |f_cpu − f_mem|/2, so scores run 50..100. Actual requests (no scoring
// defaults) since v1.23 [PR #105845]. v1.32 behaviour: best-effort pods are scored too (the
// Skip for them came in v1.33).

import type { CycleState, Pod, PluginFactory, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { duplicate, invalid, throwIfAny } from "../util/field-errors";
import { ResourceAllocationScorer, type ResourceSpec } from "../util/resource-allocation";
import { DEFAULT_RESOURCES } from "./noderesourcesfit";

export const NodeResourcesBalancedAllocationName = "NodeResourcesBalancedAllocation";
const PRESCORE_KEY = "PreScore" + NodeResourcesBalancedAllocationName;

export interface NodeResourcesBalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export function balancedResourceScorer(requested: number[], allocatable: number[]): number {
  let n = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  const fractions: number[] = [];
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    let f = requested[i] / allocatable[i];
    if (f > 1) f = 1;
    total += f;
    if (n === 0) f0 = f;
    else if (n === 1) f1 = f;
    fractions.push(f);
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((f0 - f1) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NodeResourcesBalancedAllocationName;
  private readonly scorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    // SetDefaults_NodeResourcesBalancedAllocationArgs: no resources = cpu+memory; weight 0 → 1.
    const resources = (args.resources && args.resources.length > 0 ? args.resources : DEFAULT_RESOURCES).map((r) => ({ ...r, weight: r.weight || 1 }));
    const errs: string[] = [];
    const seen = new Set<string>();
    resources.forEach((r, i) => {
      if (seen.has(r.name)) errs.push(duplicate(`resources[${i}].name`, r.name));
      seen.add(r.name);
      if (r.weight !== 1) errs.push(invalid(`resources[${i}].weight`, r.weight, "must be 1"));
    });
    throwIfAny(errs);
    this.scorer = new ResourceAllocationScorer(resources, true, balancedResourceScorer);
  }

  preScore(state: CycleState, pod: Pod): Status {
    state.write(PRESCORE_KEY, this.scorer.podRequestList(pod));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status } {
    const podRequest = state.read<number[]>(PRESCORE_KEY) ?? this.scorer.podRequestList(pod);
    return { score: this.scorer.score(nodeInfo, podRequest), status: Status.success() };
  }
}

export const newNodeResourcesBalancedAllocation: PluginFactory = (args) => new NodeResourcesBalancedAllocation((args ?? {}) as NodeResourcesBalancedAllocationArgs);
