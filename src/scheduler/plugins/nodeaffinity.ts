// NodeAffinity [k/k pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go].
// Filter: spec.nodeSelector AND required node affinity (AND the scheduler-enforced
// args.addedAffinity). Score: Σ weights of matching preferred terms, normalised so the best node
// gets 100. PreFilter narrows the nodes when every required term pins metadata.name with In
// (what DaemonSet pods do) — the PreFilterResult that makes SchedulingDaemonset fast.

import type { CycleState, FilterPlugin, NodeScore, Pod, PluginFactory, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { defaultNormalizeScore } from "../util/normalize";
import { compileNodeSelector, PreferredSchedulingTerms, RequiredNodeAffinity, type CompiledTerm, type NodeAffinitySpec } from "../util/node-affinity";

export const NodeAffinityName = "NodeAffinity";
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
export const ErrReasonConflict = "pod affinity terms conflict";
const PREFILTER_KEY = "PreFilter" + NodeAffinityName;
const PRESCORE_KEY = "PreScore" + NodeAffinityName;

/** NodeAffinityArgs: a node affinity every pod of this profile gets on top of its own. */
export interface NodeAffinityArgs {
  addedAffinity?: NodeAffinitySpec;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NodeAffinityName;
  private readonly addedNodeSelector: CompiledTerm | undefined;
  private readonly addedPrefSchedTerms: PreferredSchedulingTerms | undefined;

  constructor(args: NodeAffinityArgs = {}) {
    const added = args.addedAffinity;
    this.addedNodeSelector = added?.requiredDuringSchedulingIgnoredDuringExecution ? compileNodeSelector(added.requiredDuringSchedulingIgnoredDuringExecution) : undefined;
    const pref = added?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    this.addedPrefSchedTerms = pref.length > 0 ? new PreferredSchedulingTerms(pref) : undefined;
  }

  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const noNodeAffinity = !required;
    if (noNodeAffinity && !this.addedNodeSelector && !pod.spec?.nodeSelector) return { status: Status.skip() };
    state.write(PREFILTER_KEY, new RequiredNodeAffinity(pod));
    if (noNodeAffinity || this.addedNodeSelector) return { status: Status.success() };
    // Terms are ORed: only if every term names nodes (matchFields metadata.name In) can the
    // node set be narrowed; inside a term the requirements are ANDed (intersection).
    let nodeNames: Set<string> | undefined;
    for (const term of required.nodeSelectorTerms ?? []) {
      let termNames: Set<string> | undefined;
      for (const r of term.matchFields ?? []) {
        if (r.key !== "metadata.name" || r.operator !== "In") continue;
        const s = new Set<string>(r.values ?? []);
        termNames = termNames === undefined ? s : new Set([...termNames].filter((n) => s.has(n)));
      }
      if (termNames === undefined) return { status: Status.success() };
      nodeNames = nodeNames ?? new Set<string>();
      termNames.forEach((n) => nodeNames!.add(n));
    }
    if (nodeNames !== undefined && nodeNames.size === 0) return { status: Status.unresolvable(ErrReasonConflict) };
    if (nodeNames !== undefined) return { result: { nodeNames }, status: Status.success() };
    return { status: Status.success() };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (!node) return Status.error("node not found");
    if (this.addedNodeSelector && !this.addedNodeSelector.matches(node)) return Status.unresolvable(ErrReasonEnforced);
    const required = state.read<RequiredNodeAffinity>(PREFILTER_KEY) ?? new RequiredNodeAffinity(pod);
    if (!required.matches(node)) return Status.unresolvable(ErrReasonPod);
    return Status.success();
  }

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    if (nodes.length === 0) return Status.success();
    const pref = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (pref.length === 0 && !this.addedPrefSchedTerms) return Status.skip();
    state.write(PRESCORE_KEY, new PreferredSchedulingTerms(pref));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status } {
    const node = nodeInfo.node;
    if (!node) return { score: 0, status: Status.error("node not found") };
    let count = 0;
    if (this.addedPrefSchedTerms) count += this.addedPrefSchedTerms.score(node);
    const terms = state.read<PreferredSchedulingTerms>(PRESCORE_KEY) ?? new PreferredSchedulingTerms(pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    count += terms.score(node);
    return { score: count, status: Status.success() };
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    return defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}

export const newNodeAffinity: PluginFactory = (args) => new NodeAffinity((args ?? {}) as NodeAffinityArgs);
