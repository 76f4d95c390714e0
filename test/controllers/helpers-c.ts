// Helpers for the stand-in nodes, binder and node lifecycle tests (engineer C).

import { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { parseTimestamp } from "../../src/apiserver/registry/object";
import { StandInNodes, StandInNodesOptions } from "../../src/standin/nodes";

export function clusterWithNodes(seed: number, nodes: Partial<StandInNodesOptions> & { count: number }): { c: Cluster; nodes: StandInNodes } {
  const c = new Cluster({ seed });
  const set = new StandInNodes(c.sim, (name) => c.client(name, c.adminToken), nodes);
  set.start();
  return { c, nodes: set };
}

export function pod(name: string, extra: { nodeName?: string; tolerations?: unknown[]; annotations?: Record<string, string>; grace?: number; nodeSelector?: Record<string, string> } = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", annotations: extra.annotations },
    spec: {
      nodeName: extra.nodeName,
      tolerations: extra.tolerations,
      nodeSelector: extra.nodeSelector,
      terminationGracePeriodSeconds: extra.grace,
      containers: [{ name: "app", image: "nginx:1.27" }],
    },
  });
}

export function getPod(c: Cluster, name: string): KubeObject | undefined {
  try {
    return c.get("pods", name) as KubeObject;
  } catch (e: any) {
    if (e?.reason === "NotFound") return undefined;
    throw e;
  }
}

export function node(c: Cluster, name: string): KubeObject {
  return c.get("nodes", name) as KubeObject;
}

export function condition(obj: KubeObject, type: string): any {
  return (obj.status?.conditions ?? []).find((x: any) => x.type === type);
}

export function taintKeys(n: KubeObject): string[] {
  return (n.spec?.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();
}

export function ms(ts: string): number {
  return parseTimestamp(ts);
}

/** Runs virtual time in steps until pred holds; returns the virtual time it first held. */
export function runUntil(c: Cluster, pred: () => boolean, limitMs: number, stepMs = 1000): number | undefined {
  const end = c.sim.now + limitMs;
  while (c.sim.now < end) {
    if (pred()) return c.sim.now;
    c.sim.runFor(stepMs);
  }
  return pred() ? c.sim.now : undefined;
}

import { SharedInformerFactory } from "../../src/client/informer-factory";
import { newControllerContext } from "../../src/controllers/controller";
import { nodeLifecycleController, NodeLifecycleController } from "../../src/controllers/nodelifecycle/node-lifecycle-controller";
import { taintEvictionController } from "../../src/controllers/nodelifecycle/taint-eviction-controller";
import type { TraceRow } from "../../src/sim/trace";

/** A cluster with stand-in nodes, the node lifecycle and taint-eviction controllers running. */
export function clusterWithNLC(seed: number, nodes: Partial<StandInNodesOptions> & { count: number }) {
  const { c, nodes: set } = clusterWithNodes(seed, nodes);
  const ctx = newControllerContext(c.sim, c.admin, new SharedInformerFactory(c.sim, c.admin));
  const nlc = nodeLifecycleController(ctx) as NodeLifecycleController;
  const tec = taintEvictionController(ctx);
  ctx.informers.start();
  nlc.start();
  tec.start();
  c.runFor("15s");
  return { c, nodes: set, nlc, tec, ctx };
}

export function rows(c: Cluster, component: string, kind: string, pred: (r: TraceRow) => boolean = () => true): TraceRow[] {
  return c.sim.trace.rows({ component, kind }).filter(pred);
}

export function events(c: Cluster, reason: string): KubeObject[] {
  return ((c.get("events", undefined, "default") as any).items as KubeObject[]).filter((e: any) => e.reason === reason);
}
