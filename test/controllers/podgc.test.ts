// PodGC against stand-in nodes: a dead node's pods stay Terminating until its Node object is
// deleted, then are force-deleted after the 40 s quarantine; terminated pods beyond the threshold
// (evicted first, then oldest); unscheduled terminating pods; out-of-service nodes.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import type { ClusterOptions } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { DeletedFinalStateUnknown } from "../../src/client/lister";
import { COMPONENT_IDENTITIES } from "../../src/apiserver/server/bootstrap";
import { newControllerContext } from "../../src/controllers/controller";
import { podGCController, PodGCController } from "../../src/controllers/podgc/gc-controller";
import type { PodGCControllerOptions } from "../../src/controllers/podgc/gc-controller";

const PGC = "pod-garbage-collector";

function setup(seed: number, clusterOptions: ClusterOptions = {}, options?: PodGCControllerOptions) {
  const c = new Cluster({ seed, ...clusterOptions });
  const client = c.componentClient("kcm-podgc", COMPONENT_IDENTITIES.kubeControllerManager);
  const ctx = newControllerContext(c.sim, client, new SharedInformerFactory(c.sim, client));
  const gc = options ? new PodGCController(ctx, options) : (podGCController(ctx) as PodGCController);
  gc.start();
  ctx.informers.start();
  // The last state of every deleted pod, as a watcher sees it.
  const finals = new Map<string, KubeObject>();
  const watcher = new SharedInformerFactory(c.sim, c.admin).informerFor<KubeObject>("pods");
  watcher.addEventHandler({ onDelete: (o) => { const p = o instanceof DeletedFinalStateUnknown ? (o.obj as KubeObject) : o; finals.set(p.metadata.name!, p); } });
  watcher.run();
  c.runFor("1s");
  return { c, gc, finals };
}

function pod(name: string, nodeName?: string, meta: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", ...meta }, spec: { nodeName, containers: [{ name: "app", image: "nginx:1.27" }] } });
}

function tryGet(c: Cluster, name: string): KubeObject | undefined {
  try {
    return c.get("pods", name) as KubeObject;
  } catch (e) {
    if ((e as { reason?: string }).reason === "NotFound") return undefined;
    throw e;
  }
}

/** Writes pod status as a kubelet would (the status subresource). */
function setStatus(c: Cluster, name: string, status: Record<string, unknown>): void {
  c.wait<KubeObject>((cb) => c.admin.patch("pods", name, "default", "merge", { status }, cb, "status"));
}

const rows = (c: Cluster, kind: string) => c.sim.trace.rows({ component: PGC, kind });

function runUntil(c: Cluster, pred: () => boolean, limitMs: number, stepMs = 500): number | undefined {
  const end = c.sim.now + limitMs;
  while (c.sim.now < end) {
    if (pred()) return c.sim.now;
    c.sim.runFor(stepMs);
  }
  return pred() ? c.sim.now : undefined;
}

test("a dead node's pods stay Terminating until the Node is deleted; then PodGC force-deletes them after the quarantine", () => {
  const { c, finals } = setup(1, { nodes: 3 });
  c.apply(pod("web-1", "node-1"));
  c.apply(pod("web-2", "node-1"));
  c.apply(pod("api", "node-2"));
  c.runFor("5s");
  assert.is(tryGet(c, "web-2")!.status.phase, "Running");
  c.nodes!.stop("node-1");
  c.delete("pods", "web-1");
  c.runFor("2m");
  // Long past its 30 s grace period: the API server waits for a kubelet that will not answer.
  const stuck = tryGet(c, "web-1")!;
  assert.ok(stuck.metadata.deletionTimestamp, "web-1 Terminating");
  assert.equal(rows(c, "deleting"), [], "PodGC leaves pods of an existing node alone");
  c.delete("nodes", "node-1", "");
  const tDel = c.sim.now;
  const tGone = runUntil(c, () => !tryGet(c, "web-1") && !tryGet(c, "web-2"), 120_000);
  assert.ok(tGone, "both pods removed");
  // Noticed at the next pass (≤ 20 s), quarantined 40 s, removed at the first pass after that.
  assert.ok(tGone! - tDel >= 40_000 && tGone! - tDel <= 81_000, `removed ${tGone! - tDel} ms after the node`);
  // (A pass re-adds a name still missing; the delaying queue keeps the earliest deadline.)
  const q = rows(c, "quarantine").filter((r) => r.node === "node-1");
  assert.ok(q.length >= 1 && q[0].t > tDel && q[0].t <= tDel + 20_500, "quarantined at the next pass");
  const gone = rows(c, "node-gone").find((r) => r.node === "node-1")!;
  assert.ok(gone.t >= q[0].t + 40_000, "the node is fetched only after the quarantine");
  const deleting = rows(c, "deleting").map((r) => [r.pod, r.reason, r.phase]);
  assert.equal(deleting, [["default/web-1", "orphaned", "Running"], ["default/web-2", "orphaned", "Running"]]);
  // Marked before it went: phase Failed, DisruptionTarget/DeletionByPodGC.
  const last = finals.get("web-2")!;
  assert.is(last.status.phase, "Failed");
  const dt = last.status.conditions.find((x: any) => x.type === "DisruptionTarget");
  assert.equal([dt.status, dt.reason, dt.message], ["True", "DeletionByPodGC", "PodGC: node no longer exists"]);
  // The other node's pod is untouched.
  assert.is(tryGet(c, "api")!.status.phase, "Running");
});

test("a node that shows up within the quarantine saves its pods", () => {
  const { c } = setup(2);
  c.apply(pod("early", "node-9"));
  c.apply(pod("lost", "node-8"));
  c.runFor("25s");
  assert.equal(rows(c, "quarantine").map((r) => r.node).sort(), ["node-8", "node-9"]);
  // node-9 registers late (the informer had not seen it yet: exactly what the quarantine is for).
  c.apply(JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: "node-9" } }));
  c.runFor("100s");
  assert.ok(tryGet(c, "early"), "pod of the late node kept");
  assert.is(tryGet(c, "lost"), undefined, "pod of the missing node deleted");
  assert.equal([...new Set(rows(c, "node-gone").map((r) => r.node))], ["node-8"]);
});

test("terminated pods beyond the threshold are deleted: evicted first, then the oldest", () => {
  const { c } = setup(3, {}, { terminatedPodGCThreshold: 3 });
  const phases: [string, string, string?][] = [
    ["t1", "Succeeded"],
    ["t2", "Failed"],
    ["t3", "Succeeded"],
    ["running", "Running"],
    ["t4", "Failed", "Evicted"],
    ["t5", "Succeeded"],
  ];
  for (const [name] of phases) {
    c.apply(pod(name));
    c.runFor("1s");
  }
  for (const [name, phase, reason] of phases) setStatus(c, name, { phase, reason });
  c.runFor("25s");
  const left = ((c.get("pods") as any).items as KubeObject[]).map((p) => p.metadata.name).sort();
  // 5 terminated, threshold 3: the evicted t4 and the oldest t1 go.
  assert.equal(left, ["running", "t2", "t3", "t5"]);
  assert.equal(rows(c, "deleting").map((r) => [r.pod, r.reason]).sort(), [["default/t1", "terminated"], ["default/t4", "terminated"]]);
  assert.is(rows(c, "gc-terminated")[0].deleting, 2);
  // At the threshold: nothing more.
  c.runFor("60s");
  assert.is(rows(c, "deleting").length, 2);
});

test("with the default threshold (12500) terminated pods are kept", () => {
  const { c } = setup(4);
  c.apply(pod("done"));
  setStatus(c, "done", { phase: "Succeeded" });
  c.runFor("45s");
  assert.is(tryGet(c, "done")!.status.phase, "Succeeded");
  assert.equal(rows(c, "deleting"), []);
});

test("an unscheduled pod stuck terminating (a finalizer) is marked Failed and force-deleted", () => {
  const { c } = setup(5);
  c.apply(pod("held", undefined, { finalizers: ["example.com/hold"] }));
  c.apply(pod("pending"));
  c.delete("pods", "held");
  const p = tryGet(c, "held")!;
  assert.ok(p.metadata.deletionTimestamp);
  c.runFor("25s");
  const after = tryGet(c, "held")!;
  assert.is(after.status.phase, "Failed", "marked Failed");
  assert.equal(rows(c, "deleting").map((r) => [r.pod, r.reason]), [["default/held", "terminating-unscheduled"]]);
  assert.ok(rows(c, "deleted").some((r) => r.pod === "default/held"));
  // The finalizer still holds it; once its owner removes it, the earlier force delete has done its part.
  c.patch("pods", "held", { metadata: { finalizers: null } }, "merge", "default");
  c.runFor("1s");
  assert.is(tryGet(c, "held"), undefined);
  assert.ok(tryGet(c, "pending"), "an unscheduled pod not being deleted is left alone");
});

test("terminating pods on a NotReady node with the out-of-service taint are force-deleted", () => {
  const { c } = setup(6, { nodes: 2 });
  c.apply(pod("db", "node-1"));
  c.runFor("5s");
  c.nodes!.stop("node-1");
  c.delete("pods", "db");
  // The taint alone (the node's last report still says Ready) is not enough.
  c.patch("nodes", "node-1", { spec: { taints: [{ key: "node.kubernetes.io/out-of-service", value: "nodeshutdown", effect: "NoExecute" }] } }, "merge", "");
  c.runFor("45s");
  assert.ok(tryGet(c, "db"), "Ready node: kept");
  const node = c.get("nodes", "node-1", "") as KubeObject;
  const conditions = node.status.conditions.map((x: any) => (x.type === "Ready" ? { ...x, status: "False", reason: "KubeletNotReady" } : x));
  c.wait<KubeObject>((cb) => c.admin.patch("nodes", "node-1", undefined, "merge", { status: { conditions } }, cb, "status"));
  const t = runUntil(c, () => !tryGet(c, "db"), 30_000);
  assert.ok(t, "force-deleted");
  assert.equal(rows(c, "deleting").map((r) => [r.pod, r.reason]), [["default/db", "terminating-out-of-service"]]);
});

test.run();
