// The real kubectl (v1.32, on the machine) against `kubelab serve` with everything chapter 04
// built: kube-controller-manager, kube-scheduler and three stand-in nodes. A Deployment's
// whole life as a user types it — create, rollout status, scale, set image, rollout undo (which
// kubectl does client-side: GET the deployment, list its ReplicaSets, PATCH the template back),
// describe (the deployment controller's Events), expose (the endpoints controller), delete (the
// garbage collector removes ReplicaSets and pods) — with outputs checked.
//
// The server is the `kubelab serve` command itself, as a child process, run with --speed 4 (four
// virtual seconds per wall second) so that rollouts, which take real seconds at wall speed, keep
// this file short. Each kubectl gets its own --cache-dir, so its discovery cache is never stale.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { haveKubectl, kubelabServe, rows } from "./kubelab-serve";

const cluster = kubelabServe({ seed: 11, speed: 4, tmpPrefix: "kubelab-kubectl-ctl-", kubectlTimeoutMs: 30_000 });
const { kubectl, ok, eventually } = cluster;

/** Waits until app=web has n live pods, all Running with image, and returns them. */
const webPods = async (n: number, image: string) =>
  livePods(await eventually(PODS, (o) => livePods(o).length === n && livePods(o).every((p) => p.phase === "Running" && p.image === image)));

/** Pods of app=web as "name phase podIP nodeName image" lines, Terminating pods left out. */
const PODS = ["get", "pods", "-l", "app=web", "-o", 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.podIP} {.spec.nodeName} {.spec.containers[0].image} {.metadata.deletionTimestamp}{"\\n"}{end}'];
const livePods = (out: string) =>
  out
    .split("\n")
    .map((l) => l.trim().split(" "))
    .filter((f) => f.length === 5) // a 6th field is a deletionTimestamp: Terminating
    .map(([name, phase, ip, node, image]) => ({ name, phase, ip, node, image }));

test.before(async () => {
  if (!haveKubectl) return;
  await cluster.start();
  assert.match(cluster.out, /kube-controller-manager, kube-scheduler, 3 stand-in nodes, virtual time at 4x the wall clock\) serving the Kubernetes API on https:/);
});

test.after(() => {
  if (haveKubectl) cluster.stop();
});

test("kubectl get nodes: the three stand-in nodes, Ready", async () => {
  if (!haveKubectl) return console.log("  (kubectl not found: skipped)");
  // The stand-in nodes register themselves right after the API server is ready.
  const out = await eventually(["get", "nodes"], (o) => rows(o).filter((r) => r[1] === "Ready").length === 3);
  assert.equal(rows(out)[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
  assert.equal(rows(out).slice(1).map((r) => r[0]), ["node-1", "node-2", "node-3"]);
  assert.ok(rows(out).slice(1).every((r) => /^v1\.32\.\d+$/.test(r[4])), out);
  const wide = await ok("get", "nodes", "-o", "wide");
  assert.equal(rows(wide)[0].slice(5, 7), ["INTERNAL-IP", "EXTERNAL-IP"]);
  const ips = rows(wide).slice(1).map((r) => r[5]);
  assert.is(new Set(ips).size, 3, wide);
  assert.ok(ips.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)), wide);
  // Each node heartbeats through its Lease in kube-node-lease, as the kubelet does.
  const leases = await ok("get", "leases", "-n", "kube-node-lease", "-o", "name");
  assert.is(leases.trim(), "lease.coordination.k8s.io/node-1\nlease.coordination.k8s.io/node-2\nlease.coordination.k8s.io/node-3");
});

let firstRS = "";

test("kubectl create deployment, rollout status: three Running pods with IPs, spread over the nodes", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")).trim(), "deployment.apps/web created");
  const status = await ok("rollout", "status", "deployment/web", "--timeout=60s");
  assert.match(status, /deployment "web" successfully rolled out\n$/);
  const rs = rows(await ok("get", "rs", "-l", "app=web"));
  assert.equal(rs[0], ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
  assert.is(rs.length, 2);
  firstRS = rs[1][0];
  assert.match(firstRS, /^web-[a-z0-9]{8,10}$/);
  assert.equal(rs[1].slice(1, 4), ["3", "3", "3"]);

  const wide = rows(await ok("get", "pods", "-o", "wide", "-l", "app=web"));
  assert.equal(wide[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
  const pods = wide.slice(1);
  assert.is(pods.length, 3);
  for (const p of pods) {
    assert.ok(p[0].startsWith(`${firstRS}-`), `pod ${p[0]} is not named after its ReplicaSet ${firstRS}`);
    assert.equal(p.slice(1, 4), ["1/1", "Running", "0"]);
    assert.match(p[5], /^10\.244\.\d+\.\d+$/);
  }
  assert.is(new Set(pods.map((p) => p[5])).size, 3, "pod IPs are unique");
  // kube-scheduler spreads them: LeastAllocated and the default topology spread favour empty nodes.
  assert.equal(pods.map((p) => p[6]).sort(), ["node-1", "node-2", "node-3"]);
  const d = rows(await ok("get", "deploy", "web"));
  assert.equal(d[1].slice(0, 4), ["web", "3/3", "3", "3"]);
});

test("kubectl scale deployment: converges to five pods", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("scale", "deployment", "web", "--replicas=5")).trim(), "deployment.apps/web scaled");
  assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /successfully rolled out/);
  const d = rows(await ok("get", "deploy", "web"));
  assert.equal(d[1].slice(0, 4), ["web", "5/5", "5", "5"]);
  const pods = await webPods(5, "nginx:1.27");
  assert.ok(pods.every((p) => p.name.startsWith(`${firstRS}-`)), JSON.stringify(pods));
  // Still one ReplicaSet: scaling is not a new revision.
  assert.is(rows(await ok("get", "rs", "-l", "app=web")).length, 2);
});

let secondRS = "";

test("kubectl set image + rollout status: a new ReplicaSet takes over, the old one is scaled to 0", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("set", "image", "deployment/web", "nginx=nginx:1.28")).trim(), "deployment.apps/web image updated");
  assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /deployment "web" successfully rolled out\n$/);
  const rs = rows(await ok("get", "rs", "-l", "app=web", "-o", "wide")).slice(1);
  assert.is(rs.length, 2);
  const byName = new Map(rs.map((r) => [r[0], r]));
  assert.equal(byName.get(firstRS)!.slice(1, 4), ["0", "0", "0"]);
  secondRS = rs.find((r) => r[0] !== firstRS)![0];
  assert.equal(byName.get(secondRS)!.slice(1, 4), ["5", "5", "5"]);
  assert.is(byName.get(secondRS)![6], "nginx:1.28");
  const rev = await ok("get", "deploy", "web", "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}");
  assert.is(rev, "2");
  const pods = await webPods(5, "nginx:1.28");
  assert.ok(pods.every((p) => p.name.startsWith(`${secondRS}-`)), JSON.stringify(pods));
});

test("kubectl rollout history / undo: back to the first template, as revision 3", async () => {
  if (!haveKubectl) return;
  const history = await ok("rollout", "history", "deployment/web");
  assert.equal(rows(history).slice(1).map((r) => r[0]), ["REVISION", "1", "2"]);
  const bad = await kubectl(["rollout", "undo", "deployment/web", "--to-revision=9"]);
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /unable to find specified revision 9 in history/);

  assert.is((await ok("rollout", "undo", "deployment/web")).trim(), "deployment.apps/web rolled back");
  assert.match(await ok("rollout", "status", "deployment/web", "--timeout=60s"), /successfully rolled out/);
  // The old ReplicaSet (same pod-template-hash) is scaled back up rather than a new one made.
  const rs = rows(await ok("get", "rs", "-l", "app=web")).slice(1);
  assert.equal(rs.map((r) => r.slice(0, 2)).sort(), [[firstRS, "5"], [secondRS, "0"]].sort());
  const image = await ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}");
  assert.is(image, "nginx:1.27 3");
  assert.equal(rows(await ok("rollout", "history", "deployment/web")).slice(1).map((r) => r[0]), ["REVISION", "2", "3"]);
  const pods = await webPods(5, "nginx:1.27");
  assert.ok(pods.every((p) => p.name.startsWith(`${firstRS}-`)), JSON.stringify(pods));
});

test("kubectl describe deployment: conditions and the deployment controller's ScalingReplicaSet events", async () => {
  if (!haveKubectl) return;
  const out = await ok("describe", "deployment", "web");
  assert.match(out, /Replicas:\s+5 desired \| 5 updated \| 5 total \| 5 available \| 0 unavailable/);
  assert.match(out, /Available\s+True\s+MinimumReplicasAvailable/);
  assert.match(out, /Progressing\s+True\s+NewReplicaSetAvailable/);
  assert.match(out, new RegExp(`NewReplicaSet:\\s+${firstRS} \\(5/5 replicas created\\)`));
  assert.match(out, new RegExp(`OldReplicaSets:\\s+${secondRS} \\(0/0 replicas created\\)`));
  const events = out.slice(out.indexOf("Events:"));
  assert.match(events, /Type\s+Reason\s+Age\s+From\s+Message/);
  const scaling = (msg: string) => new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+${msg}\\n`);
  // create and scale: one step each.
  assert.match(events, scaling(`Scaled up replica set ${firstRS} from 0 to 3`));
  assert.match(events, scaling(`Scaled up replica set ${firstRS} from 3 to 5`));
  // A rolling update goes in steps (maxSurge 25% of 5 rounds up to 2, maxUnavailable down to 1):
  // the new set first grows by the surge, and each set ends at 0 in its turn. How the steps in
  // between fall depends on when the pods get ready (wall-clock timing in live mode).
  assert.match(events, scaling(`Scaled up replica set ${secondRS} from 0 to 2`));
  assert.match(events, scaling(`Scaled down replica set ${firstRS} from 5 to 4`));
  assert.match(events, scaling(`Scaled down replica set ${firstRS} from \\d to 0`));
  assert.match(events, scaling(`Scaled up replica set ${firstRS} from 0 to 2`));
  assert.match(events, scaling(`Scaled down replica set ${secondRS} from \\d to 0`));
});

test("kubectl expose deployment: the endpoints controller lists the ready pods", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("expose", "deployment", "web", "--port", "80")).trim(), "service/web exposed");
  const podIPs = (await webPods(5, "nginx:1.27")).map((p) => p.ip).sort();
  const jp = ["get", "endpoints", "web", "-o", 'jsonpath={range .subsets[*].addresses[*]}{.ip}{"\\n"}{end}|{.subsets[*].ports[*].port}'];
  const out = await eventually(jp, (o) => o.split("|")[0].trim().split("\n").filter(Boolean).length === 5);
  const [ips, port] = out.split("|");
  assert.equal(ips.trim().split("\n").sort(), podIPs);
  assert.is(port, "80");
  const table = rows(await ok("get", "endpoints", "web"));
  assert.equal(table[0], ["NAME", "ENDPOINTS", "AGE"]);
  assert.match(table[1][1], /^10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80 \+ 2 more\.\.\.$/);
});

test("kubectl delete deployment: the garbage collector removes its ReplicaSets and pods", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("delete", "deployment", "web")).trim(), 'deployment.apps "web" deleted');
  // kubectl deletes with propagationPolicy=Background: the dependents go after the owner.
  await eventually(["get", "rs,pods", "-l", "app=web", "-o", "name"], (o) => o.trim() === "");
  const ep = await eventually(["get", "endpoints", "web", "-o", "jsonpath={.subsets}"], (o) => o === "");
  assert.is(ep, "");
  const missing = await kubectl(["rollout", "status", "deployment/web", "--timeout=5s"]);
  assert.is.not(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): deployments\.apps "web" not found/);
});

test("kubectl delete --cascade=orphan: the ReplicaSet and pods stay, without an owner", async () => {
  if (!haveKubectl) return;
  await ok("create", "deployment", "api", "--image=nginx:1.27", "--replicas=2");
  assert.match(await ok("rollout", "status", "deployment/api", "--timeout=60s"), /successfully rolled out/);
  assert.is((await ok("delete", "deployment", "api", "--cascade=orphan")).trim(), 'deployment.apps "api" deleted');
  // The garbage collector removes the owner reference (the orphan finalizer), and nothing else.
  const rs = await eventually(["get", "rs", "-l", "app=api", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.replicas} {.metadata.ownerReferences}{\"\\n\"}{end}"], (o) => /^\S+ 2 \n$/.test(o));
  assert.match(rs, /^api-\S+ 2 \n$/);
  const pods = rows(await ok("get", "pods", "-l", "app=api"));
  assert.is(pods.length, 3);
  assert.ok(pods.slice(1).every((p) => p[2] === "Running"), pods.join("\n"));
});

test.run();
