// The node lifecycle and taint-eviction controllers against stand-in nodes: heartbeats stop →
// Unknown + taints → pods evicted after their tolerationSeconds; recovery; rate limits.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { clusterWithNLC, condition, events, getPod, node, pod, rows, runUntil, taintKeys } from "./helpers-c";
import { microTime } from "../../src/apiserver/registry/object";

const NLC = "node-lifecycle-controller";
const TEC = "taint-eviction-controller";

function renewMs(c: any, name: string): number {
  const lease = c.get("leases", name, "kube-node-lease");
  const m = /T(\d\d):(\d\d):(\d\d)\.(\d{6})Z$/.exec(lease.spec.renewTime)!;
  return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4] / 1000;
}

test("a node whose kubelet stops goes Unknown after the 50 s grace period, then gets tainted", () => {
  const { c, nodes } = clusterWithNLC(11, { count: 3 });
  c.apply(pod("web", { nodeName: "node-1" }));
  c.runFor("5s");
  assert.is(condition(getPod(c, "web")!, "Ready").status, "True");
  nodes.stop("node-1");
  const lastRenew = renewMs(c, "node-1");
  const tUnknown = runUntil(c, () => condition(node(c, "node-1"), "Ready").status === "Unknown", 120_000, 100)!;
  assert.ok(tUnknown, "node went Unknown");
  // Not before the grace period since the last heartbeat; within grace + 2 monitor periods.
  assert.ok(tUnknown > lastRenew + 50_000, `Unknown at ${tUnknown}, last renew ${lastRenew}`);
  assert.ok(tUnknown <= lastRenew + 50_000 + 10_000 + 500, `Unknown at ${tUnknown}, last renew ${lastRenew}`);
  const n = node(c, "node-1");
  for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]) {
    const cond = condition(n, type);
    assert.is(cond.status, "Unknown", type);
    assert.is(cond.reason, "NodeStatusUnknown");
    assert.is(cond.message, "Kubelet stopped posting node status.");
  }
  // The other nodes keep heartbeating and stay Ready.
  assert.is(condition(node(c, "node-2"), "Ready").status, "True");
  // NoSchedule at once, NoExecute through the rate limiter at the next pass.
  const tTaint = runUntil(c, () => taintKeys(node(c, "node-1")).includes("node.kubernetes.io/unreachable:NoExecute"), 20_000, 100)!;
  assert.ok(tTaint - tUnknown <= 5_000 + 500, `NoExecute taint ${tTaint - tUnknown} ms after Unknown`);
  assert.equal(taintKeys(node(c, "node-1")), ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  assert.equal(taintKeys(node(c, "node-2")), []);
  // Pods on it are marked not ready (Services stop routing to them); events say why.
  assert.is(condition(getPod(c, "web")!, "Ready").status, "False");
  assert.ok(events(c, "NodeNotReady").some((e: any) => e.involvedObject.kind === "Node" && e.message === "Node node-1 status is now: NodeNotReady"));
  assert.ok(events(c, "NodeNotReady").some((e: any) => e.involvedObject.kind === "Pod" && e.involvedObject.name === "web" && e.type === "Warning"));
});

test("pods are evicted after their tolerationSeconds; tolerating forever means never", () => {
  const { c, nodes } = clusterWithNLC(12, { count: 3 });
  c.apply(pod("default-300", { nodeName: "node-1" }));
  c.apply(pod("short-10", { nodeName: "node-1", tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 }] }));
  c.apply(pod("forever", { nodeName: "node-1", tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }] }));
  c.apply(pod("elsewhere", { nodeName: "node-2" }));
  // DefaultTolerationSeconds gave the first pod its 300 s tolerations.
  assert.ok(getPod(c, "default-300")!.spec.tolerations.some((t: any) => t.key === "node.kubernetes.io/unreachable" && t.tolerationSeconds === 300));
  c.runFor("5s");
  nodes.stop("node-1");
  const tainted = runUntil(c, () => rows(c, NLC, "no-execute-taint").length > 0, 120_000, 500);
  assert.ok(tainted);
  const tTaint = rows(c, NLC, "no-execute-taint")[0].t;
  c.runFor("400s");
  const evicting = (p: string) => rows(c, TEC, "evicting", (r) => r.pod === `default/${p}`).map((r) => r.t);
  const [t10] = evicting("short-10");
  const [t300] = evicting("default-300");
  assert.ok(t10 - tTaint >= 10_000 && t10 - tTaint < 10_500, `short-10 evicted ${t10 - tTaint} ms after the taint`);
  assert.ok(t300 - tTaint >= 300_000 && t300 - tTaint < 300_500, `default-300 evicted ${t300 - tTaint} ms after the taint`);
  assert.equal(evicting("forever"), []);
  assert.equal(evicting("elsewhere"), []);
  // Deleted with the pod's grace period; the dead kubelet never confirms, so it stays Terminating.
  const p = getPod(c, "short-10")!;
  assert.ok(p.metadata.deletionTimestamp, "deletionTimestamp set");
  const dt = condition(p, "DisruptionTarget");
  assert.is(dt.status, "True");
  assert.is(dt.reason, "DeletionByTaintManager");
  assert.is(getPod(c, "forever")!.metadata.deletionTimestamp, undefined);
  assert.ok(events(c, "TaintManagerEviction").some((e: any) => e.message === "Marking for deletion Pod default/short-10"));
});

test("a node that comes back gets its taints removed and its pods keep running", () => {
  const { c, nodes } = clusterWithNLC(13, { count: 3 });
  c.apply(pod("web", { nodeName: "node-1" }));
  c.runFor("5s");
  nodes.stop("node-1");
  runUntil(c, () => taintKeys(node(c, "node-1")).includes("node.kubernetes.io/unreachable:NoExecute"), 120_000, 500);
  c.runFor("100s");
  assert.ok(rows(c, TEC, "scheduled", (r) => r.pod === "default/web").length === 1);
  nodes.start("node-1");
  const back = runUntil(c, () => taintKeys(node(c, "node-1")).length === 0, 30_000, 500);
  assert.ok(back, "taints removed");
  assert.is(condition(node(c, "node-1"), "Ready").status, "True");
  c.runFor("300s");
  assert.equal(rows(c, TEC, "evicting"), []);
  const web = getPod(c, "web")!;
  assert.is(web.metadata.deletionTimestamp, undefined);
  assert.is(condition(web, "Ready").status, "True", "the kubelet reports the pod ready again");
  assert.ok(events(c, "TaintManagerEviction").some((e: any) => e.message === "Cancelling deletion of Pod default/web"));
});

test("a kubelet reporting Ready=False gets not-ready taints, not unreachable", () => {
  const { c, nodes } = clusterWithNLC(14, { count: 3 });
  nodes.setReady("node-2", false);
  runUntil(c, () => taintKeys(node(c, "node-2")).includes("node.kubernetes.io/not-ready:NoExecute"), 30_000, 500);
  assert.equal(taintKeys(node(c, "node-2")), ["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]);
  const ready = condition(node(c, "node-2"), "Ready");
  assert.is(ready.status, "False");
  assert.is(ready.reason, "KubeletNotReady");
  // The kubelet still heartbeats: the controller does not overwrite its conditions with Unknown.
  c.runFor("120s");
  assert.is(condition(node(c, "node-2"), "Ready").status, "False");
  nodes.setReady("node-2", true);
  assert.ok(runUntil(c, () => taintKeys(node(c, "node-2")).length === 0, 30_000, 500));
});

test("many nodes down in one zone: NoExecute taints are rate limited, one per 10 s", () => {
  const { c, nodes } = clusterWithNLC(15, { count: 10 });
  for (const n of ["node-1", "node-2", "node-3", "node-4"]) nodes.stop(n);
  runUntil(c, () => rows(c, NLC, "no-execute-taint").length >= 4, 200_000, 1000);
  const ts = rows(c, NLC, "no-execute-taint").map((r) => r.t);
  assert.is(ts.length, 4);
  for (let i = 1; i < ts.length; i++) assert.ok(ts[i] - ts[i - 1] >= 9_900 && ts[i] - ts[i - 1] <= 10_300, `gap ${ts[i] - ts[i - 1]} ms`);
  assert.is(rows(c, NLC, "zone-state", (r) => r.to === "PartialDisruption").length, 0, "4 of 10 is below the 0.55 threshold");
});

test("a partially disrupted small zone stops tainting; a fully disrupted cluster too", () => {
  const partial = clusterWithNLC(16, { count: 10 });
  for (let i = 1; i <= 6; i++) partial.nodes.stop(`node-${i}`);
  partial.c.runFor("120s");
  assert.ok(rows(partial.c, NLC, "zone-state", (r) => r.to === "PartialDisruption").length === 1);
  assert.equal(rows(partial.c, NLC, "no-execute-taint"), []);
  assert.ok(taintKeys(node(partial.c, "node-1")).includes("node.kubernetes.io/unreachable:NoSchedule"));

  const full = clusterWithNLC(17, { count: 3 });
  full.c.apply(pod("web", { nodeName: "node-1" }));
  full.c.runFor("5s");
  full.nodes.stop();
  full.c.runFor("420s");
  assert.is(condition(node(full.c, "node-1"), "Ready").status, "Unknown");
  assert.ok(rows(full.c, NLC, "disruption-mode", (r) => r.entering === true).length === 1);
  assert.equal(rows(full.c, NLC, "no-execute-taint"), []);
  assert.equal(rows(full.c, TEC, "evicting"), []);
  assert.is(getPod(full.c, "web")!.metadata.deletionTimestamp, undefined);
});

test("one zone down while another is healthy is evicted at the normal rate", () => {
  const { c, nodes } = clusterWithNLC(18, { count: 6, zones: ["zone-a", "zone-b"] });
  // zone-a has node-1, node-3, node-5.
  for (const n of ["node-1", "node-3", "node-5"]) nodes.stop(n);
  runUntil(c, () => rows(c, NLC, "no-execute-taint").length >= 3, 200_000, 1000);
  assert.ok(rows(c, NLC, "zone-state", (r) => r.to === "FullDisruption").length === 1);
  assert.equal(rows(c, NLC, "no-execute-taint").map((r) => r.node).sort(), ["node-1", "node-3", "node-5"]);
  assert.equal(taintKeys(node(c, "node-2")), []);
});

test("a node that never posted a status is Unknown after the 60 s startup grace period", () => {
  const { c } = clusterWithNLC(19, { count: 1 });
  c.apply(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"ghost"}}`);
  const t0 = c.sim.now;
  const t = runUntil(c, () => condition(node(c, "ghost"), "Ready")?.status === "Unknown", 120_000, 500)!;
  assert.ok(t - t0 > 60_000 && t - t0 <= 66_000, `after ${t - t0} ms`);
  const ready = condition(node(c, "ghost"), "Ready");
  assert.is(ready.reason, "NodeStatusNeverUpdated");
  assert.is(ready.message, "Kubelet never posted node status.");
});

test("same seed, same trace", () => {
  const run = () => {
    const { c, nodes } = clusterWithNLC(20, { count: 3 });
    c.apply(pod("web", { nodeName: "node-1" }));
    nodes.stop("node-1");
    c.runFor("120s");
    return JSON.stringify(c.sim.trace.rows((r) => r.component === NLC || r.component === TEC || r.component === "kubelet-standin"));
  };
  assert.is(run(), run());
  assert.ok(microTime(1500).endsWith(":01.500000Z"));
});

test.run();
