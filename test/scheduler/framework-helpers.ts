// Shared builders for the scheduler framework / queue / cache / preemption tests.
import { Simulation } from "../../src/sim/index";
import { KubeClient } from "../../src/client/kube-client";
import { EventRecorder } from "../../src/client/events";
import { Framework, FrameworkDeps, PodNominator } from "../../src/scheduler/framework/runtime";
import type { Plugin, PluginFactory, Profile, Pod, Node } from "../../src/scheduler/framework/interface";
import { NodeInfo } from "../../src/scheduler/framework/node-info";
import { newSnapshot, Snapshot } from "../../src/scheduler/cache/snapshot";
import { newPrioritySort } from "../../src/scheduler/plugins/queuesort";
import { newDefaultBinder } from "../../src/scheduler/plugins/defaultbinder";

export function makeNode(name: string, cpu = "4", memory = "32Gi", pods = "110", extra: Record<string, unknown> = {}): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, spec: {}, status: { allocatable: { cpu, memory, pods }, capacity: { cpu, memory, pods } }, ...extra } as Node;
}

let uid = 0;
export function makePod(name: string, opts: { cpu?: string; memory?: string; priority?: number; node?: string; ns?: string; created?: string; extraSpec?: Record<string, unknown>; labels?: Record<string, string> } = {}): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  const spec: Record<string, unknown> = { containers: [{ name: "c", image: "nginx", resources: { requests } }], ...opts.extraSpec };
  if (opts.priority !== undefined) spec.priority = opts.priority;
  if (opts.node) spec.nodeName = opts.node;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: opts.ns ?? "default", uid: `uid-${name}-${++uid}`, labels: opts.labels ?? {}, creationTimestamp: opts.created ?? "2026-01-01T00:00:00Z" },
    spec,
    status: { phase: "Pending" },
  } as Pod;
}

/** A framework over a fixed snapshot, with test plugins in `registry` plus PrioritySort and DefaultBinder. */
export function makeFramework(
  plugins: { name: string; weight?: number }[],
  registry: Record<string, PluginFactory>,
  nodes: NodeInfo[],
  opts: { seed?: number | string; percentageOfNodesToScore?: number; nominator?: PodNominator; sim?: Simulation; disabled?: Profile["disabled"]; pdbs?: () => Pod[] } = {},
): { fw: Framework; snapshot: Snapshot; sim: Simulation } {
  const sim = opts.sim ?? new Simulation({ seed: opts.seed ?? 1 });
  const client = new KubeClient(sim, { name: "kube-scheduler", token: "t" });
  const snapshot = newSnapshot(nodes);
  const deps: FrameworkDeps = { sim, client, recorder: new EventRecorder(sim, client, "default-scheduler"), rng: sim.rng.fork("kube-scheduler"), snapshot: () => snapshot, nominator: opts.nominator, pdbs: opts.pdbs };
  const profile: Profile = {
    schedulerName: "default-scheduler",
    plugins: [{ name: "PrioritySort" }, ...plugins, { name: "DefaultBinder" }],
    percentageOfNodesToScore: opts.percentageOfNodesToScore,
    disabled: opts.disabled,
  };
  const fw = new Framework(profile, { PrioritySort: newPrioritySort, DefaultBinder: newDefaultBinder, ...registry }, deps);
  return { fw, snapshot, sim };
}

export function nodeInfos(nodes: Node[], pods: Pod[] = []): NodeInfo[] {
  const byName = new Map(nodes.map((n) => [n.metadata.name!, new NodeInfo(n)]));
  for (const p of pods) byName.get((p as any).spec.nodeName)?.addPod(p);
  return [...byName.values()];
}

/** A plugin factory from a literal object. */
export function plugin<T extends Plugin>(p: T): PluginFactory {
  return () => p;
}
