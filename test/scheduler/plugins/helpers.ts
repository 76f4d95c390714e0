// Test wrappers in the spirit of k/k pkg/scheduler/testing/wrappers.go (MakeNode / MakePod) and a
// fake framework.Handle over a fixed snapshot, so each plugin can be driven the way the
// framework drives it: PreFilter → Filter per node; PreScore → Score per node → NormalizeScore.

import { CycleState, type Handle, type NodeScore, type Plugin, type Pod, type Node, type SnapshotLister } from "../../../src/scheduler/framework/interface";
import { NodeInfo } from "../../../src/scheduler/framework/node-info";
import { Status } from "../../../src/scheduler/framework/status";
import type { LabelSelectorObject } from "../../../src/apiserver/registry/selectors";

export interface NodeOpts {
  labels?: Record<string, string>;
  alloc?: Record<string, string | number>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, o: NodeOpts = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: o.labels ?? {} },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: o.alloc ?? {}, images: o.images ?? [] },
  };
}

export type Reqs = Record<string, string | number>;

export interface PodOpts {
  ns?: string;
  labels?: Record<string, string>;
  /** One entry per container: its requests (undefined = a container without requests). */
  reqs?: (Reqs | undefined)[];
  init?: (Reqs | undefined)[];
  images?: string[];
  initImages?: string[];
  overhead?: Reqs;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: any;
  tolerations?: any[];
  tsc?: any[];
  ports?: { hostPort: number; protocol?: string; hostIP?: string }[];
  terminating?: boolean;
  schedulingGates?: { name: string }[];
}

let uid = 0;
export function makePod(name: string, o: PodOpts = {}): Pod {
  const containers = (o.reqs ?? (o.images ? o.images.map(() => undefined) : [])).map((r, i) => ({
    name: `c${i}`,
    image: o.images?.[i] ?? "pause",
    ...(r ? { resources: { requests: r } } : {}),
    ...(i === 0 && o.ports ? { ports: o.ports.map((p) => ({ containerPort: p.hostPort, ...p })) } : {}),
  }));
  if (containers.length === 0 && o.ports) containers.push({ name: "c0", image: "pause", ports: o.ports.map((p) => ({ containerPort: p.hostPort, ...p })) } as any);
  const init = (o.init ?? (o.initImages ? o.initImages.map(() => undefined) : [])).map((r, i) => ({ name: `i${i}`, image: o.initImages?.[i] ?? "pause", ...(r ? { resources: { requests: r } } : {}) }));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.ns ?? "default", uid: `uid-${++uid}`, labels: o.labels ?? {}, ...(o.terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: {
      containers,
      ...(init.length ? { initContainers: init } : {}),
      ...(o.overhead ? { overhead: o.overhead } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.tsc ? { topologySpreadConstraints: o.tsc } : {}),
      ...(o.schedulingGates ? { schedulingGates: o.schedulingGates } : {}),
    },
  };
}

/** NodeInfos for nodes, with pods placed by `onNode` (pod → node name). */
export function nodeInfos(nodes: Node[], pods: { pod: Pod; node: string }[] = []): NodeInfo[] {
  const infos = nodes.map((n) => new NodeInfo(n));
  for (const { pod, node } of pods) {
    const ni = infos.find((i) => i.name === node);
    if (!ni) throw new Error(`no node ${node}`);
    ni.addPod(pod);
  }
  return infos;
}

export function snapshotOf(infos: NodeInfo[]): SnapshotLister {
  return {
    list: () => infos,
    get: (n) => infos.find((i) => i.name === n),
    havePodsWithAffinityList: () => infos.filter((i) => i.podsWithAffinity.length > 0),
    havePodsWithRequiredAntiAffinityList: () => infos.filter((i) => i.podsWithRequiredAntiAffinity.length > 0),
  };
}

export interface HandleOpts {
  namespaceLabels?: Record<string, Record<string, string>>;
  selectorsFor?: (pod: Pod) => LabelSelectorObject[];
}

/** A Handle good enough for plugins: a snapshot and namespace labels; the rest throws if touched. */
export function fakeHandle(infos: NodeInfo[], o: HandleOpts = {}): Handle {
  const unused = () => {
    throw new Error("not available in plugin tests");
  };
  const h = {
    get sim(): never {
      return unused();
    },
    get client(): never {
      return unused();
    },
    get recorder(): never {
      return unused();
    },
    get rng(): never {
      return unused();
    },
    snapshot: () => snapshotOf(infos),
    namespaceLabels: (ns: string) => o.namespaceLabels?.[ns],
    runFilterPlugins: unused,
    runPreFilterExtensionAddPod: unused,
    runPreFilterExtensionRemovePod: unused,
    ...(o.selectorsFor ? { selectorsFor: o.selectorsFor } : {}),
  };
  return h as unknown as Handle;
}

/** PreFilter (if the plugin has it) then Filter on every node: node name → status. Skip ⇒ every node Success. */
export function runFilter(plugin: Plugin, pod: Pod, infos: NodeInfo[], state = new CycleState()): Record<string, Status> {
  const p = plugin as any;
  const out: Record<string, Status> = {};
  if (typeof p.preFilter === "function") {
    const r = p.preFilter(state, pod, infos);
    if (r.status.isSkip()) {
      for (const ni of infos) out[ni.name] = Status.success();
      return out;
    }
    if (!r.status.isSuccess()) {
      for (const ni of infos) out[ni.name] = r.status;
      return out;
    }
  }
  for (const ni of infos) out[ni.name] = p.filter(state, pod, ni);
  return out;
}

/** Filter results as compact strings: "Success" or "<code>: <reasons>". */
export function verdicts(r: Record<string, Status>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(r)) out[k] = s.isSuccess() ? "Success" : `${s.code}: ${s.reasons.join(", ")}`;
  return out;
}

/** PreScore on `filtered` (default: all) → Score → NormalizeScore: node name → final score. */
export function runScore(plugin: Plugin, pod: Pod, infos: NodeInfo[], filtered: NodeInfo[] = infos): Record<string, number> {
  const p = plugin as any;
  const state = new CycleState();
  if (typeof p.preFilter === "function") p.preFilter(state, pod, infos);
  if (typeof p.preScore === "function") {
    const s: Status = p.preScore(state, pod, filtered);
    if (s.isSkip()) return Object.fromEntries(filtered.map((n) => [n.name, -1])); // -1 marks "skipped"
    if (!s.isSuccess()) throw new Error(`preScore: ${s.message()}`);
  }
  const scores: NodeScore[] = filtered.map((ni) => {
    const r = p.score(state, pod, ni);
    if (!r.status.isSuccess()) throw new Error(`score: ${r.status.message()}`);
    return { name: ni.name, score: r.score };
  });
  if (typeof p.normalizeScore === "function") p.normalizeScore(state, pod, scores);
  return Object.fromEntries(scores.map((s) => [s.name, s.score]));
}
