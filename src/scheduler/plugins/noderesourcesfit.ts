// NodeResourcesFit [k/k pkg/scheduler/framework/plugins/noderesources/fit.go, least_allocated.go,
// most_allocated.go, requested_to_capacity_ratio.go].
//
// Filter: does the pod's request fit in allocatable minus what the node's pods (bound and
// assumed) already request? Every shortfall is a reason ("Insufficient cpu", "Too many pods").
// Actual requests only — no defaults here, so a pod without requests always fits resources.
//
// Score, by scoringStrategy.type, over the configured resources (weighted average):
//   LeastAllocated            (alloc − req)·100/alloc   spread pods out (the default)
//   MostAllocated             req·100/alloc             bin-pack
//   RequestedToCapacityRatio  a piecewise-linear shape of utilisation → score
// where req includes the scoring defaults (100m / 200Mi per container that does not say).

import type { CycleState, FilterPlugin, Pod, PluginFactory, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import { podRequests, type NodeInfo, type Resource } from "../framework/node-info";
import { Status } from "../framework/status";
import { invalid, notSupported, required, throwIfAny } from "../util/field-errors";
import { ResourceAllocationScorer, type ResourceSpec } from "../util/resource-allocation";

export const NodeResourcesFitName = "NodeResourcesFit";
const PREFILTER_KEY = "PreFilter" + NodeResourcesFitName;
const PRESCORE_KEY = "PreScore" + NodeResourcesFitName;

/** config.MaxCustomPriorityScore: shape scores are 0..10, scaled ×10 to node scores. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;

export type ScoringStrategyType = "LeastAllocated" | "MostAllocated" | "RequestedToCapacityRatio";

export interface UtilizationShapePoint {
  utilization: number;
  score: number;
}

/** NodeResourcesFitArgs (kubescheduler.config.k8s.io/v1). */
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: ScoringStrategyType;
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: UtilizationShapePoint[] };
  };
}

export const DEFAULT_RESOURCES: ResourceSpec[] = [
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
];

// ---- scorers ----

export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity; // [most_allocated.go] over-committed counts as full
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

/** Σ s·w / Σ w over resources with allocatable > 0 (integer division); 0 if none. */
function weightedAverage(weights: number[], one: (req: number, alloc: number) => number) {
  return (requested: number[], allocatable: number[]): number => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      nodeScore += one(requested[i], allocatable[i]) * weights[i];
      weightSum += weights[i];
    }
    return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
  };
}

/** helper.BuildBrokenLinearFunction: piecewise linear through the points, flat outside them. */
export function brokenLinearFunction(shape: UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      if (p <= shape[i].utilization) {
        if (i === 0) return shape[0].score;
        const a = shape[i - 1];
        const b = shape[i];
        return a.score + Math.trunc(((b.score - a.score) * (p - a.utilization)) / (b.utilization - a.utilization));
      }
    }
    return shape[shape.length - 1].score;
  };
}

function requestedToCapacityRatioScorer(weights: number[], shape: UtilizationShapePoint[]) {
  const scaled = shape.map((p) => ({ utilization: p.utilization, score: p.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE) }));
  const raw = brokenLinearFunction(scaled);
  const resourceScore = (requested: number, capacity: number) => (capacity === 0 || requested > capacity ? raw(100) : raw(Math.trunc((requested * 100) / capacity)));
  return (requested: number[], allocatable: number[]): number => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const s = resourceScore(requested[i], allocatable[i]);
      // Only resources that score above 0 count in the average [requested_to_capacity_ratio.go].
      if (s > 0) {
        nodeScore += s * weights[i];
        weightSum += weights[i];
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

// ---- validation [k/k pkg/scheduler/apis/config/validation/validation_pluginargs.go] ----

export function validateResources(resources: ResourceSpec[], path: string): string[] {
  const errs: string[] = [];
  resources.forEach((r, i) => {
    if (!(r.weight > 0) || r.weight > 100) errs.push(invalid(`${path}[${i}].weight`, r.weight, `resource weight of ${r.name} not in valid range (0, 100]`));
  });
  return errs;
}

export function validateFunctionShape(shape: UtilizationShapePoint[] | undefined, path: string): string[] {
  if (!shape || shape.length === 0) return [required(path, "at least one point must be specified")];
  const errs: string[] = [];
  for (let i = 1; i < shape.length; i++) {
    if (shape[i - 1].utilization >= shape[i].utilization) {
      errs.push(invalid(`${path}[${i}].utilization`, shape[i].utilization, "values must be sorted in increasing order"));
      break;
    }
  }
  shape.forEach((p, i) => {
    if (p.utilization < 0 || p.utilization > 100) errs.push(invalid(`${path}[${i}].utilization`, p.utilization, "not in valid range [0, 100]"));
    if (p.score < 0 || p.score > MAX_CUSTOM_PRIORITY_SCORE) errs.push(invalid(`${path}[${i}].score`, p.score, `not in valid range [0, ${MAX_CUSTOM_PRIORITY_SCORE}]`));
  });
  return errs;
}

/**
 * SetDefaults_NodeResourcesFitArgs [k/k pkg/scheduler/apis/config/v1/defaults.go]: no strategy =
 * LeastAllocated on cpu+memory; no resources = cpu+memory; a weight left out or 0 becomes 1.
 * (An explicit strategy without a type is NOT defaulted: validation rejects it.)
 */
export function defaultNodeResourcesFitArgs(args: NodeResourcesFitArgs): NodeResourcesFitArgs {
  const s = args.scoringStrategy;
  if (!s) return { ...args, scoringStrategy: { type: "LeastAllocated", resources: DEFAULT_RESOURCES.map((r) => ({ ...r })) } };
  const resources = (s.resources && s.resources.length > 0 ? s.resources : DEFAULT_RESOURCES).map((r) => ({ ...r, weight: r.weight || 1 }));
  return { ...args, scoringStrategy: { ...s, resources } };
}

const STRATEGIES: ScoringStrategyType[] = ["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"];

export function validateNodeResourcesFitArgs(args: NodeResourcesFitArgs): void {
  const errs: string[] = [];
  for (const g of args.ignoredResourceGroups ?? []) if (g.includes("/")) errs.push(invalid("ignoredResourceGroups", g, "resource group name can't contain '/'"));
  const s = args.scoringStrategy;
  if (s) {
    if (!STRATEGIES.includes(s.type as ScoringStrategyType)) errs.push(notSupported("scoringStrategy.type", s.type ?? "", STRATEGIES.slice().sort()));
    errs.push(...validateResources(s.resources ?? [], "scoringStrategy.resources"));
    if (s.type === "RequestedToCapacityRatio" || s.requestedToCapacityRatio) errs.push(...validateFunctionShape(s.requestedToCapacityRatio?.shape, "scoringStrategy.shape"));
  }
  throwIfAny(errs);
}

// ---- the plugin ----

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NodeResourcesFitName;
  readonly strategy: ScoringStrategyType;
  private readonly scorer: ResourceAllocationScorer;
  private readonly ignoredResources: Set<string>;
  private readonly ignoredResourceGroups: Set<string>;

  constructor(rawArgs: NodeResourcesFitArgs = {}) {
    const args = defaultNodeResourcesFitArgs(rawArgs);
    validateNodeResourcesFitArgs(args);
    this.ignoredResources = new Set(args.ignoredResources ?? []);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups ?? []);
    const s = args.scoringStrategy!;
    this.strategy = s.type!;
    const resources = s.resources!;
    const weights = resources.map((r) => r.weight);
    const fn =
      this.strategy === "MostAllocated"
        ? weightedAverage(weights, mostRequestedScore)
        : this.strategy === "RequestedToCapacityRatio"
          ? requestedToCapacityRatioScorer(weights, s.requestedToCapacityRatio!.shape!)
          : weightedAverage(weights, leastRequestedScore);
    this.scorer = new ResourceAllocationScorer(resources, false, fn);
  }

  /** The pod's effective request (containers, init containers, overhead), once per attempt. */
  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    state.write(PREFILTER_KEY, podRequests(pod));
    return { status: Status.success() };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const req = state.read<Resource>(PREFILTER_KEY) ?? podRequests(pod);
    const reasons = this.insufficientResources(req, nodeInfo);
    return reasons === undefined ? Status.success() : Status.unschedulable(...reasons);
  }

  /** fitsRequest: every reason the pod does not fit, or undefined when it fits (no allocation then). */
  insufficientResources(req: Resource, nodeInfo: NodeInfo): string[] | undefined {
    let reasons: string[] | undefined;
    const alloc = nodeInfo.allocatable;
    const used = nodeInfo.requested;
    if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) reasons = ["Too many pods"];
    let hasScalar = false;
    for (const _ in req.scalar) {
      hasScalar = true;
      break;
    }
    if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !hasScalar) return reasons;
    if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) (reasons ??= []).push("Insufficient cpu");
    if (req.memory > 0 && req.memory > alloc.memory - used.memory) (reasons ??= []).push("Insufficient memory");
    if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) (reasons ??= []).push("Insufficient ephemeral-storage");
    if (hasScalar) {
      // Go iterates a map here (random order); sorted keeps our messages deterministic.
      for (const name of Object.keys(req.scalar).sort()) {
        const q = req.scalar[name];
        if (q === 0) continue;
        if (isExtendedResourceName(name) && (this.ignoredResources.has(name) || this.ignoredResourceGroups.has(name.split("/")[0]))) continue;
        if (q > (alloc.scalar[name] ?? 0) - (used.scalar[name] ?? 0)) (reasons ??= []).push(`Insufficient ${name}`);
      }
    }
    return reasons;
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

/** v1helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io, not requests.*. */
export function isExtendedResourceName(name: string): boolean {
  if (!name.includes("/") || name.startsWith("requests.")) return false;
  const domain = name.split("/")[0];
  return !(domain === "kubernetes.io" || domain.endsWith(".kubernetes.io"));
}

export const newNodeResourcesFit: PluginFactory = (args) => new NodeResourcesFit((args ?? {}) as NodeResourcesFitArgs);
