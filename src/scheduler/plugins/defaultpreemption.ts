// DefaultPreemption: the default PostFilter plugin [k/k pkg/scheduler/framework/plugins/
// defaultpreemption/default_preemption.go, pkg/scheduler/framework/preemption/preemption.go].
//
// When no node fits, a pod may evict lower-priority pods to make room:
//   1. the pod must be eligible (preemptionPolicy is not Never; no victim of an earlier
//      preemption is still terminating on its nominated node);
//   2. only nodes rejected as Unschedulable are worth it (UnschedulableAndUnresolvable — a
//      taint, a selector — cannot be fixed by removing pods);
//   3. per node (a sample starting at a random offset: max(10% of nodes, 100)): remove every
//      lower-priority pod; if the pod still does not fit, the node is out; otherwise give back
//      ("reprieve") the removed pods one by one — first those whose eviction would violate a
//      PodDisruptionBudget, then the others, each group most important first — keeping each
//      that still lets the pod fit; the rest are the victims, and the violating ones among them
//      are the node's PDB violations;
//   4. choose the node by: fewest PodDisruptionBudget violations → lowest highest-victim
//      priority → smallest sum of victim priorities → fewest victims → latest start of the
//      highest-priority victims → first;
//   5. mark the victims (condition DisruptionTarget), delete them through the API server, event
//      "Preempted" on each, clear lower-priority nominations to that node, and return the node
//      as the pod's nominatedNodeName. The pod itself goes back to the queue and lands on a
//      later attempt, once the victims are gone.
//
// PDBs are read from the handle's PDB lister (handle.pdbs; the scheduler gives it an informer
// on poddisruptionbudgets). A PDB only steers the choice: preemption deletes its
// victims directly, never through the eviction subresource, so a budget can still be violated
// when every candidate violates one — as in Kubernetes.

import type { CycleState, Handle, NodeToStatusMap, PluginFactory, Pod, PostFilterPlugin, PostFilterResult } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { podKey } from "../framework/node-info";
import { Status } from "../framework/status";
import { fitErrorMessage, newDiagnosis } from "../framework/fit-error";
import { podPriority } from "./queuesort";
import { timestamp } from "../../apiserver/registry/object";
import type { KubeObject } from "../../apiserver/registry/object";
import { pdbMatchesPod } from "../../apiserver/registry/pdb";

export const DEFAULT_PREEMPTION = "DefaultPreemption";

/** [default_preemption.go] DefaultPreemptionArgs defaults. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface Candidate {
  node: string;
  /** Most important first. */
  victims: Pod[];
  numPDBViolations: number;
}

/** The framework's filter with nominated pods, when the handle offers it. */
interface FilterWithNominated {
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

/** The PodDisruptionBudgets each framework handle can see (all namespaces), by handle. */
/**
 * Splits potential victims (most important first) into those whose eviction would violate a
 * PDB and the rest. Each matching PDB's disruptionsAllowed is spent pod by pod; a pod already in
 * the PDB's disruptedPods was counted by the API server and spends nothing
 * [default_preemption.go filterPodsWithPDBViolation].
 */
export function filterPodsWithPDBViolation(pods: Pod[], pdbs: KubeObject[]): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = pdbs.map((pdb) => (pdb.status?.disruptionsAllowed as number | undefined) ?? 0);
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const pod of pods) {
    let violated = false;
    // A pod with no labels matches no PDB.
    if (Object.keys(pod.metadata.labels ?? {}).length > 0) {
      pdbs.forEach((pdb, i) => {
        if (!pdbMatchesPod(pdb, pod as KubeObject)) return;
        if ((pdb.status?.disruptedPods ?? {})[pod.metadata.name!] !== undefined) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  private readonly minPercentage: number;
  private readonly minAbsolute: number;

  constructor(readonly handle: Handle, args: Record<string, unknown> = {}) {
    this.minPercentage = (args.minCandidateNodesPercentage as number) ?? MIN_CANDIDATE_NODES_PERCENTAGE;
    this.minAbsolute = (args.minCandidateNodesAbsolute as number) ?? MIN_CANDIDATE_NODES_ABSOLUTE;
  }

  postFilter(state: CycleState, pod: Pod, m: NodeToStatusMap): { result?: PostFilterResult; status: Status } {
    const r = this.preempt(state, pod, m);
    const msg = r.status.message();
    const status = msg ? new Status(r.status.code, [`preemption: ${msg}`]) : r.status;
    return { result: r.result, status };
  }

  /** [preemption.go Evaluator.Preempt] */
  preempt(state: CycleState, pod: Pod, m: NodeToStatusMap): { result?: PostFilterResult; status: Status } {
    const eligible = this.podEligibleToPreemptOthers(pod, m);
    if (eligible !== "") return { status: Status.unschedulable(eligible) };
    const allNodes = this.handle.snapshot().list();
    const { candidates, statuses } = this.findCandidates(state, pod, allNodes, m);
    if (candidates.length === 0) {
      const d = newDiagnosis();
      d.nodeToStatus = statuses;
      // Clears a stale nominatedNodeName, if any.
      return { result: { nominatedNodeName: "" }, status: Status.unschedulable(fitErrorMessage(statuses.size, d)) };
    }
    const best = this.selectCandidate(candidates);
    this.prepareCandidate(best, pod);
    this.handle.sim.trace.record("kube-scheduler", "preemption", {
      pod: podKey(pod),
      node: best.node,
      victims: best.victims.map(podKey).join(","),
      candidates: candidates.length,
    });
    return { result: { nominatedNodeName: best.node }, status: Status.success() };
  }

  /** "" if eligible, else why not [default_preemption.go PodEligibleToPreemptOthers]. */
  podEligibleToPreemptOthers(pod: Pod, m: NodeToStatusMap): string {
    if ((pod as any).spec?.preemptionPolicy === "Never") return "not eligible due to preemptionPolicy=Never.";
    const nominated = (pod as any).status?.nominatedNodeName as string | undefined;
    if (nominated) {
      // Its nominated node no longer fits for reasons preemption cannot fix: try again.
      if (m.get(nominated)?.code === "UnschedulableAndUnresolvable") return "";
      const ni = this.handle.snapshot().get(nominated);
      if (ni) {
        const prio = podPriority(pod);
        for (const p of ni.pods) {
          if (podPriority(p) < prio && podTerminatingByPreemption(p)) return "not eligible due to a terminating pod on the nominated node.";
        }
      }
    }
    return "";
  }

  /** How many candidates to look for, and where to start [GetOffsetAndNumCandidates]. */
  offsetAndNumCandidates(numNodes: number): { offset: number; numCandidates: number } {
    let n = Math.floor((numNodes * this.minPercentage) / 100);
    if (n < this.minAbsolute) n = this.minAbsolute;
    if (n > numNodes) n = numNodes;
    return { offset: numNodes > 0 ? this.handle.rng.int(numNodes) : 0, numCandidates: n };
  }

  /** [preemption.go findCandidates, dryRunPreemption] */
  findCandidates(state: CycleState, pod: Pod, allNodes: NodeInfo[], m: NodeToStatusMap): { candidates: Candidate[]; statuses: NodeToStatusMap } {
    const statuses: NodeToStatusMap = new Map();
    const potential: NodeInfo[] = [];
    for (const ni of allNodes) {
      const s = m.get(ni.name);
      if (s && s.code === "UnschedulableAndUnresolvable") statuses.set(ni.name, Status.unresolvable("Preemption is not helpful for scheduling"));
      else potential.push(ni);
    }
    if (potential.length === 0) return { candidates: [], statuses };
    const { offset, numCandidates } = this.offsetAndNumCandidates(potential.length);
    const pdbs = this.handle.pdbs?.() ?? [];
    // dryRunPreemption: enough candidates once at least one violates no PDB.
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    for (let i = 0; i < potential.length; i++) {
      if (nonViolating.length > 0 && nonViolating.length + violating.length >= numCandidates) break;
      const ni = potential[(offset + i) % potential.length];
      const s = state.clone();
      const r = this.selectVictimsOnNode(s, pod, ni.clone(), pdbs);
      if (!r.status.isSuccess()) {
        statuses.set(ni.name, r.status);
        continue;
      }
      const c = { node: ni.name, victims: r.victims, numPDBViolations: r.numPDBViolations };
      (c.numPDBViolations === 0 ? nonViolating : violating).push(c);
    }
    return { candidates: [...nonViolating, ...violating], statuses };
  }

  /** [default_preemption.go SelectVictimsOnNode] */
  selectVictimsOnNode(state: CycleState, pod: Pod, nodeInfo: NodeInfo, pdbs: KubeObject[] = []): { victims: Pod[]; numPDBViolations: number; status: Status } {
    const prio = podPriority(pod);
    const potentialVictims: Pod[] = [];
    const fail = (status: Status) => ({ victims: [], numPDBViolations: 0, status });
    for (const p of nodeInfo.pods.slice()) {
      if (podPriority(p) >= prio) continue;
      potentialVictims.push(p);
      nodeInfo.removePod(p);
      const s = this.handle.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
      if (!s.isSuccess()) return fail(s);
    }
    if (potentialVictims.length === 0) return fail(Status.unresolvable("No preemption victims found for incoming pod"));
    const fits = this.fitsOnNode(state, pod, nodeInfo);
    if (!fits.isSuccess()) return fail(fits);
    potentialVictims.sort(byImportance);
    const victims: Pod[] = [];
    let numPDBViolations = 0;
    // Reprieve: give pods back while the pod still fits, PDB-protected ones first.
    const reprieve = (p: Pod): boolean | Status => {
      nodeInfo.addPod(p);
      const s = this.handle.runPreFilterExtensionAddPod(state, pod, p, nodeInfo);
      if (!s.isSuccess()) return s;
      if (this.fitsOnNode(state, pod, nodeInfo).isSuccess()) return true;
      nodeInfo.removePod(p);
      this.handle.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
      victims.push(p);
      return false;
    };
    const { violating, nonViolating } = filterPodsWithPDBViolation(potentialVictims, pdbs);
    for (const p of violating) {
      const r = reprieve(p);
      if (r instanceof Status) return fail(r);
      if (!r) numPDBViolations++;
    }
    for (const p of nonViolating) {
      const r = reprieve(p);
      if (r instanceof Status) return fail(r);
    }
    // The two passes each went most important first; the victims as a whole are kept that way.
    if (violating.length > 0 && nonViolating.length > 0) victims.sort(byImportance);
    return { victims, numPDBViolations, status: Status.success() };
  }

  private fitsOnNode(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const h = this.handle as unknown as Partial<FilterWithNominated>;
    return h.runFilterPluginsWithNominatedPods ? h.runFilterPluginsWithNominatedPods(state, pod, nodeInfo) : this.handle.runFilterPlugins(state, pod, nodeInfo);
  }

  /** [preemption.go pickOneNodeForPreemption] */
  selectCandidate(candidates: Candidate[]): Candidate {
    for (const c of candidates) if (c.victims.length === 0) return c;
    const keep = (list: Candidate[], score: (c: Candidate) => number): Candidate[] => {
      let best = -Infinity;
      let out: Candidate[] = [];
      for (const c of list) {
        const s = score(c);
        if (s > best) {
          best = s;
          out = [c];
        } else if (s === best) out.push(c);
      }
      return out;
    };
    let list = candidates;
    // 1. fewest PDB violations
    list = keep(list, (c) => -c.numPDBViolations);
    // 2. lowest priority of the most important victim
    if (list.length > 1) list = keep(list, (c) => -podPriority(c.victims[0]));
    // 3. smallest sum of priorities, each shifted by MaxInt32+1 so negatives count (fewer victims win ties of sign)
    if (list.length > 1) list = keep(list, (c) => -c.victims.reduce((s, p) => s + podPriority(p) + 2147483648, 0));
    // 4. fewest victims
    if (list.length > 1) list = keep(list, (c) => -c.victims.length);
    // 5. the latest start among each node's highest-priority victims
    if (list.length > 1) {
      list = keep(list, (c) => {
        const top = podPriority(c.victims[0]);
        let earliest = Infinity;
        for (const v of c.victims) if (podPriority(v) === top) earliest = Math.min(earliest, startTime(v));
        return earliest;
      });
    }
    return list[0];
  }

  /** [preemption.go prepareCandidate] */
  prepareCandidate(c: Candidate, pod: Pod): void {
    const client = this.handle.client;
    const schedulerName = ((pod as any).spec?.schedulerName as string) || "default-scheduler";
    for (const victim of c.victims) {
      const ns = victim.metadata.namespace || "default";
      // The victim learns why it goes [PodDisruptionConditions, GA in v1.31].
      const condition = {
        type: "DisruptionTarget",
        status: "True",
        reason: "PreemptionByScheduler",
        message: `${schedulerName}: preempting to accommodate a higher priority pod`,
        lastTransitionTime: timestampOf(this.handle),
      };
      const conditions = [...(((victim as any).status?.conditions ?? []) as any[]).filter((x) => x.type !== "DisruptionTarget"), condition];
      client.patch("pods", victim.metadata.name!, ns, "merge", { status: { conditions } }, () => {
        client.delete("pods", victim.metadata.name!, ns, {}, (err) => {
          if (err && err.reason !== "NotFound") this.handle.sim.trace.record("kube-scheduler", "preemption-delete-failed", { pod: podKey(victim), error: err.message });
        });
      }, "status");
      this.handle.recorder.event(
        { ...victim, apiVersion: victim.apiVersion ?? "v1", kind: victim.kind ?? "Pod" },
        "Normal",
        "Preempted",
        `Preempted by pod ${pod.metadata.uid} on node ${c.node}`,
      );
    }
    // Lower-priority pods nominated to this node lose the nomination: the room is this pod's.
    const prio = podPriority(pod);
    const nominator = this.handle as unknown as { nominatedPodsOnNode?(node: string): Pod[] };
    for (const p of nominator.nominatedPodsOnNode?.(c.node) ?? []) {
      if (podPriority(p) >= prio || p.metadata.uid === pod.metadata.uid) continue;
      client.patch("pods", p.metadata.name!, p.metadata.namespace || "default", "merge", { status: { nominatedNodeName: null } }, () => {}, "status");
    }
  }
}

/**
 * Terminating because a preemption deleted it (DisruptionTarget=True, PreemptionByScheduler);
 * a pod terminating for any other reason (a rollout, a drain) does not hold the preemptor back
 * [default_preemption.go podTerminatingByPreemption].
 */
export function podTerminatingByPreemption(p: Pod): boolean {
  if (!p.metadata.deletionTimestamp) return false;
  const c = (((p as any).status?.conditions ?? []) as any[]).find((x) => x.type === "DisruptionTarget");
  return !!c && c.status === "True" && c.reason === "PreemptionByScheduler";
}

/** Higher priority first; equal priority: the one that started earlier [util.MoreImportantPod]. */
export function moreImportantPod(a: Pod, b: Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTime(a) < startTime(b);
}

function byImportance(a: Pod, b: Pod): number {
  return moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0;
}

function startTime(p: Pod): number {
  const t = ((p as any).status?.startTime as string | undefined) ?? p.metadata.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

function timestampOf(handle: Handle): string {
  return timestamp(handle.sim.now);
}

export const newDefaultPreemption: PluginFactory = (args, handle) => new DefaultPreemption(handle, args ?? {});
