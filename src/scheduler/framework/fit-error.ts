// FitError: why no node fits [k/k pkg/scheduler/framework/types.go FitError, Diagnosis].
// Its text is what `kubectl describe pod` shows under FailedScheduling:
//
//   0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {...}.
//
// Each node contributes its rejecting plugin's reasons; equal reasons are counted; the
// "<count> <reason>" strings are sorted as strings (so "10 ..." sorts before "2 ..."). If
// PreFilter rejected the pod, its message replaces the per-node histogram. PostFilter's message
// (preemption's verdict) follows as its own sentence — and because preemption's message is
// itself a FitError ending in ".", real clusters print "..": kept, it is what users see.

import type { NodeToStatusMap, Pod } from "./interface";

export interface Diagnosis {
  nodeToStatus: NodeToStatusMap;
  /** Plugins that rejected the pod on some node (decides which events move it back). */
  unschedulablePlugins: Set<string>;
  preFilterMsg?: string;
  postFilterMsg?: string;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
}

export const NO_NODE_AVAILABLE_MSG = "0/%v nodes are available";

export class FitError {
  constructor(readonly pod: Pod, readonly numAllNodes: number, readonly diagnosis: Diagnosis) {}

  /** The text of the FailedScheduling event and of the PodScheduled condition. */
  error(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const status of d.nodeToStatus.values()) for (const r of status.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(", ")}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}
