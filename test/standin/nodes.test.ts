// Stand-in nodes: registration, heartbeats, pods run and stopped, faults, bad input.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { clusterWithNodes, condition, getPod, node, pod, runUntil } from "../controllers/helpers-c";
import { StandInNode } from "../../src/standin/nodes";

test("a stand-in node registers a real-shaped Node and renews its Lease every 10 s", () => {
  const { c } = clusterWithNodes(1, { count: 2, zones: ["zone-a"], instanceType: "m5.large" });
  c.runFor("3s");
  const n = node(c, "node-2");
  assert.is(n.metadata.labels!["kubernetes.io/hostname"], "node-2");
  assert.is(n.metadata.labels!["kubernetes.io/os"], "linux");
  assert.is(n.metadata.labels!["kubernetes.io/arch"], "amd64");
  assert.is(n.metadata.labels!["topology.kubernetes.io/zone"], "zone-a");
  assert.is(n.metadata.labels!["node.kubernetes.io/instance-type"], "m5.large");
  assert.is(n.spec.podCIDR, "10.244.1.0/24");
  assert.equal(n.status.capacity, { cpu: "4", memory: "16Gi", pods: "110", "ephemeral-storage": "100Gi" });
  const ready = condition(n, "Ready");
  assert.equal([ready.status, ready.reason, ready.message], ["True", "KubeletReady", "kubelet is posting ready status"]);
  assert.is(condition(n, "MemoryPressure").reason, "KubeletHasSufficientMemory");
  assert.is(condition(n, "DiskPressure").status, "False");
  assert.is(condition(n, "PIDPressure").reason, "KubeletHasSufficientPID");
  assert.equal(n.status.addresses, [{ type: "InternalIP", address: "172.18.0.3" }, { type: "Hostname", address: "node-2" }]);
  assert.match(n.status.nodeInfo.kubeletVersion, /^v1\.32\./);
  const lease1 = c.get("leases", "node-2", "kube-node-lease") as any;
  assert.is(lease1.spec.holderIdentity, "node-2");
  assert.is(lease1.spec.leaseDurationSeconds, 40);
  c.runFor("10s");
  const lease2 = c.get("leases", "node-2", "kube-node-lease") as any;
  assert.ok(lease2.spec.renewTime > lease1.spec.renewTime, "renewed");
});

test("a pod bound to the node runs: Running, Ready, an IP from the node's podCIDR", () => {
  const { c } = clusterWithNodes(2, { count: 2 });
  c.runFor("2s");
  c.apply(pod("web", { nodeName: "node-2" }));
  const t0 = c.sim.now;
  const t = runUntil(c, () => getPod(c, "web")?.status?.phase === "Running", 10_000, 100)!;
  assert.ok(t - t0 >= 1000 && t - t0 <= 2200, `started after ${t - t0} ms (1 s + jitter < 1 s)`);
  const p = getPod(c, "web")!;
  assert.match(p.status.podIP, /^10\.244\.1\.\d+$/);
  assert.is(p.status.hostIP, "172.18.0.3");
  assert.ok(p.status.startTime);
  for (const type of ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"]) assert.is(condition(p, type).status, "True", type);
  const cs = p.status.containerStatuses[0];
  assert.is(cs.name, "app");
  assert.ok(cs.state.running.startedAt);
  assert.equal([cs.ready, cs.started, cs.restartCount], [true, true, 0]);
  assert.is(cs.image, "docker.io/library/nginx:1.27");
  assert.match(cs.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.match(cs.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
  c.apply(pod("web2", { nodeName: "node-2" }));
  c.runFor("3s");
  assert.not.equal(getPod(c, "web2")!.status.podIP, p.status.podIP, "each pod its own IP");
});

test("readiness can be held off per pod with the kubelab.dev/ready annotation", () => {
  const { c } = clusterWithNodes(3, { count: 1 });
  c.apply(pod("stuck", { nodeName: "node-1", annotations: { "kubelab.dev/ready": "false" } }));
  c.runFor("5s");
  let p = getPod(c, "stuck")!;
  assert.is(p.status.phase, "Running");
  assert.is(condition(p, "Ready").status, "False");
  assert.is(condition(p, "ContainersReady").reason, "ContainersNotReady");
  assert.is(condition(p, "ContainersReady").message, "containers with unready status: [app]");
  assert.is(p.status.containerStatuses[0].ready, false);
  c.patch("pods", "stuck", { metadata: { annotations: { "kubelab.dev/ready": "true" } } }, "merge");
  c.runFor("2s");
  p = getPod(c, "stuck")!;
  assert.is(condition(p, "Ready").status, "True");
});

test("a deleted pod is stopped, then removed with grace period 0", () => {
  const { c } = clusterWithNodes(4, { count: 1 });
  c.apply(pod("web", { nodeName: "node-1" }));
  c.runFor("5s");
  c.delete("pods", "web");
  const p = getPod(c, "web");
  assert.ok(p && p.metadata.deletionTimestamp, "Terminating first (graceful)");
  const t0 = c.sim.now;
  const gone = runUntil(c, () => getPod(c, "web") === undefined, 35_000, 100)!;
  assert.ok(gone - t0 >= 900 && gone - t0 <= 1500, `gone after ${gone - t0} ms`);
  // A pod with a grace period shorter than the stop delay goes sooner.
  c.apply(pod("quick", { nodeName: "node-1", grace: 0 }));
  c.runFor("5s");
  c.delete("pods", "quick");
  assert.is(getPod(c, "quick"), undefined);
});

test("a pod naming a node that does not exist stays Pending", () => {
  const { c } = clusterWithNodes(5, { count: 2 });
  c.apply(pod("lost", { nodeName: "node-9" }));
  c.runFor("30s");
  const p = getPod(c, "lost")!;
  assert.is(p.status.phase, "Pending");
  assert.is(p.status.podIP, undefined);
});

test("a node with an invalid name is refused by the API server and nothing is stored", () => {
  const { c } = clusterWithNodes(6, { count: 0 });
  const bad = new StandInNode(c.sim, (name) => c.client(name, c.adminToken), { name: "Node_1", index: 0 });
  bad.start();
  c.runFor("5s");
  assert.is(bad.registered, false);
  assert.is(bad.lastError?.reason, "Invalid");
  assert.match(bad.lastError!.message, /Node_1/);
  assert.is((c.get("nodes", undefined) as any).items.length, 0);
  assert.is((c.get("leases", undefined, "kube-node-lease") as any).items.length, 0);
  bad.stop();
});

test("stop() ends the heartbeats and leaves pods as they are; start() resumes", () => {
  const { c, nodes } = clusterWithNodes(7, { count: 1 });
  c.apply(pod("web", { nodeName: "node-1" }));
  c.runFor("5s");
  nodes.stop("node-1");
  const renew = (c.get("leases", "node-1", "kube-node-lease") as any).spec.renewTime;
  c.runFor("60s");
  assert.is((c.get("leases", "node-1", "kube-node-lease") as any).spec.renewTime, renew, "no renewals while stopped");
  // A pod deleted while the kubelet is down stays Terminating.
  c.delete("pods", "web");
  c.runFor("60s");
  assert.ok(getPod(c, "web")?.metadata.deletionTimestamp);
  nodes.start("node-1");
  c.runFor("12s");
  assert.ok((c.get("leases", "node-1", "kube-node-lease") as any).spec.renewTime > renew, "renewing again");
  assert.is(getPod(c, "web"), undefined, "the kubelet finished the deletion when it came back");
  assert.throws(() => nodes.get("node-7"), /no stand-in node/);
});

test("same seed, same pod IPs and container IDs", () => {
  const run = () => {
    const { c } = clusterWithNodes(8, { count: 2 });
    c.apply(pod("a", { nodeName: "node-1" }));
    c.apply(pod("b", { nodeName: "node-2" }));
    c.runFor("5s");
    return JSON.stringify(["a", "b"].map((n) => [getPod(c, n)!.status.podIP, getPod(c, n)!.status.containerStatuses[0].containerID, getPod(c, n)!.status.startTime]));
  };
  assert.is(run(), run());
});

test.run();
