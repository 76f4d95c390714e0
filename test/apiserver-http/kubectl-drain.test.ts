// The real kubectl (v1.32) drains a node of `kubelab serve` while a PodDisruptionBudget guards
// the workload: cordon (PATCH spec.unschedulable), list the node's pods (fieldSelector
// spec.nodeName), POST pods/<name>/eviction for each — the API server answers 429 while the
// budget has no disruption left, and kubectl retries every 5 s as it does against a real
// cluster — wait for each pod to be gone, then uncordon. Meanwhile the ReplicaSet controller
// replaces the pods on the other node, the stand-in nodes make them Ready, and the disruption
// controller recomputes the budget (kubectl get pdb shows it).
//
// Two stand-in nodes and three replicas: one node holds two pods, and that node is drained, so
// the second eviction has to wait for the first pod's replacement.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { haveKubectl, kubelabServe, rows } from "./kubelab-serve";

const cluster = kubelabServe({ seed: 5, nodes: 2, speed: 4, tmpPrefix: "kubelab-kubectl-drain-" });
const { kubectl, ok, eventually } = cluster;

/** Live (not terminating) pods of app=web as [name, node, ready]. */
const PODS = ["get", "pods", "-l", "app=web", "-o", 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\\n"}{end}'];
const live = (out: string) =>
  out
    .split("\n")
    .map((l) => l.trim().split(" "))
    .filter((f) => f.length === 3 && f[0])
    .map(([name, node, ready]) => ({ name, node, ready }));

test.before(async () => {
  if (haveKubectl) await cluster.start();
});

test.after(() => {
  if (haveKubectl) cluster.stop();
});

test("kube-controller-manager runs the disruption controller (kubelab serve runs every controller in all.ts)", () => {
  const { KUBE_CONTROLLERS } = require("../../src/controllers/all");
  assert.ok("disruption" in KUBE_CONTROLLERS, "wire disruptionController (src/controllers/disruption/disruption-controller.ts) into src/controllers/all.ts as \"disruption\"");
});

let busy = "";
let other = "";

test("a Deployment of 3 and a PodDisruptionBudget minAvailable 2: kubectl get pdb shows 1 allowed disruption", async () => {
  if (!haveKubectl) return console.log("  (kubectl not found: skipped)");
  await eventually(["get", "nodes"], (o) => rows(o).filter((r) => r[1] === "Ready").length === 2);
  await ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3");
  assert.is((await ok("create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=2")).trim(), "poddisruptionbudget.policy/web created");
  assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /successfully rolled out/);
  const out = await eventually(["get", "pdb"], (o) => rows(o)[1]?.[3] === "1");
  assert.equal(rows(out)[0], ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]);
  assert.equal(rows(out)[1].slice(0, 4), ["web", "2", "N/A", "1"]);
  const status = JSON.parse(await ok("get", "pdb", "web", "-o", "json")).status;
  assert.equal([status.expectedPods, status.desiredHealthy, status.currentHealthy, status.disruptionsAllowed], [3, 2, 3, 1]);
  // The scheduler spread three pods over two nodes: one node holds two of them.
  const pods = live(await ok(...PODS));
  const count = (n: string) => pods.filter((p) => p.node === n).length;
  busy = count("node-1") === 2 ? "node-1" : "node-2";
  other = busy === "node-1" ? "node-2" : "node-1";
  assert.is(count(busy), 2, JSON.stringify(pods));
});

test("kubectl drain: cordons, evicts (the second eviction waits on the budget: 429, retried), the pods come back on the other node", async () => {
  if (!haveKubectl) return;
  const r = await kubectl(["drain", busy, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s"]);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const all = r.stdout + r.stderr;
  assert.match(all, new RegExp(`node/${busy} cordoned`));
  assert.match(all, /evicting pod default\/web-/);
  // The budget refused one eviction at first; kubectl said so and tried again.
  assert.match(all, /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  assert.equal((all.match(/pod\/web-[a-z0-9-]+ evicted/g) ?? []).length, 2, all);
  assert.match(all, new RegExp(`node/${busy} drained`));
  const nodes = rows(await ok("get", "nodes"));
  assert.equal(nodes.find((n) => n[0] === busy)!.slice(0, 2), [busy, "Ready,SchedulingDisabled"]);
  // Three Ready pods again, all on the node that was not drained.
  const out = await eventually(PODS, (o) => live(o).length === 3 && live(o).every((p) => p.ready === "True"));
  assert.ok(live(out).every((p) => p.node === other), out);
  const pdb = await eventually(["get", "pdb", "web"], (o) => rows(o)[1]?.[3] === "1");
  assert.equal(rows(pdb)[1].slice(0, 4), ["web", "2", "N/A", "1"]);
});

test("kubectl uncordon: the node is schedulable again", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("uncordon", busy)).trim(), `node/${busy} uncordoned`);
  const nodes = rows(await ok("get", "nodes"));
  assert.equal(nodes.find((n) => n[0] === busy)!.slice(0, 2), [busy, "Ready"]);
});

test.run();
