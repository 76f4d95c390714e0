// TaintToleration [k/k pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go].
// Filter: a NoSchedule/NoExecute taint the pod does not tolerate keeps it off the node
// (Unresolvable: evicting pods does not remove taints). Score: fewer untolerated
// PreferNoSchedule taints is better — raw = their count, normalised reversed (0 taints = 100).

import type { CycleState, FilterPlugin, NodeScore, Pod, PluginFactory, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { defaultNormalizeScore } from "../util/normalize";
import { findUntoleratedTaint, isDoNotScheduleTaint, tolerationsTolerateTaint, type Taint, type Toleration } from "../util/tolerations";

export const TaintTolerationName = "TaintToleration";
const PRESCORE_KEY = "PreScore" + TaintTolerationName;

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TaintTolerationName;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (!node) return Status.error("invalid nodeInfo");
    const taint = findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint);
    if (!taint) return Status.success();
    return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
  }

  /** Only the pod's tolerations with effect PreferNoSchedule or empty matter for scoring. */
  preScore(state: CycleState, pod: Pod): Status {
    const tols: Toleration[] = (pod.spec?.tolerations ?? []).filter((t: Toleration) => !t.effect || t.effect === "PreferNoSchedule");
    state.write(PRESCORE_KEY, tols);
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status } {
    const tols = state.read<Toleration[]>(PRESCORE_KEY) ?? (pod.spec?.tolerations ?? []);
    const taints: Taint[] = nodeInfo.node?.spec?.taints ?? [];
    let n = 0;
    for (const t of taints) if (t.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tols, t)) n++;
    return { score: n, status: Status.success() };
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    return defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}

export const newTaintToleration: PluginFactory = () => new TaintToleration();
