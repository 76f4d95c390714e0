// The chapter-04 cluster: a controller manager (every controller, logged in as
// system:kube-controller-manager), stand-in nodes (system:node:<name>) and the stand-in binder.
// A Deployment applied by the admin ends as Running, Ready pods spread over the nodes, with its
// ReplicaSet, Endpoints and EndpointSlice — each component doing its part through the API
// server with only the permissions RBAC gives it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`;

function assembled(seed = 4) {
  const c = new Cluster({ seed, controllers: true, nodes: 3 });
  c.apply(APP);
  c.runFor("30s");
  return c;
}

test("a Deployment becomes Running, Ready pods on the stand-in nodes, with endpoints", () => {
  const c = assembled();
  const pods = (c.get("pods") as any).items.filter((p: any) => p.metadata.labels?.app === "web");
  assert.is(pods.length, 4);
  for (const p of pods) {
    assert.is(p.status.phase, "Running", p.metadata.name);
    assert.ok(p.spec.nodeName, "bound");
    assert.ok(p.status.podIP, "has an IP");
  }
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  assert.is(perNode.size, 3, "spread over the three nodes");
  const d = c.get("deployments", "web") as any;
  assert.is(d.status.availableReplicas, 4);
  assert.is(d.status.observedGeneration, d.metadata.generation);
  assert.ok(d.status.conditions.some((x: any) => x.type === "Available" && x.status === "True"));
  const rs = (c.get("replicasets") as any).items;
  assert.is(rs.length, 1);
  assert.is(rs[0].metadata.ownerReferences[0].name, "web");
  const ep = c.get("endpoints", "web") as any;
  assert.is(ep.subsets[0].addresses.length, 4);
  assert.equal(ep.subsets[0].ports, [{ port: 80, protocol: "TCP" }]);
  const slices = (c.get("endpointslices") as any).items.filter((s: any) => s.metadata.labels["kubernetes.io/service-name"] === "web");
  assert.is(slices.length, 1);
  assert.is(slices[0].endpoints.length, 4);
  // No component was refused by RBAC on the way.
  const denied = c.sim.trace.rows((r) => r.component === "apiserver" && r.kind === "authz" && r.outcome !== "allowed");
  assert.equal(denied.map((r) => `${r.user} ${r.verb} ${r.resource}`), []);
});

test("deleting the Deployment takes its ReplicaSet and pods with it (garbage collector)", () => {
  const c = assembled(5);
  c.delete("deployments", "web");
  c.runFor("20s");
  assert.is((c.get("replicasets") as any).items.length, 0);
  assert.is((c.get("pods") as any).items.length, 0);
});

test("a deleted default ServiceAccount is recreated by the controller manager", () => {
  const c = new Cluster({ seed: 6, controllers: ["serviceaccount"] });
  const before = c.get("serviceaccounts", "default") as any;
  c.delete("serviceaccounts", "default");
  c.runFor("5s");
  const after = c.get("serviceaccounts", "default") as any;
  assert.is.not(after.metadata.uid, before.metadata.uid);
});

test("with kube-scheduler instead of the stand-in binder, pods are scheduled by the default profile", () => {
  const c = new Cluster({ seed: 9, controllers: true, nodes: 3, scheduler: true });
  assert.is(c.binder, undefined);
  c.apply(APP);
  c.runFor("30s");
  const pods = (c.get("pods") as any).items.filter((p: any) => p.metadata.labels?.app === "web");
  assert.is(pods.length, 4);
  for (const p of pods) assert.is(p.status.phase, "Running");
  const scheduled = (c.get("events") as any).items.filter((e: any) => e.reason === "Scheduled");
  assert.is(scheduled.length, 4);
  assert.match(scheduled[0].message, /^Successfully assigned default\/web-[a-z0-9]+-[a-z0-9]+ to node-\d$/);
  assert.is(scheduled[0].source.component, "default-scheduler");
  const denied = c.sim.trace.rows((r) => r.component === "apiserver" && r.kind === "authz" && r.outcome !== "allowed");
  assert.equal(denied.map((r) => `${r.user} ${r.verb} ${r.resource}`), []);
});

test("two kube-schedulers: one leads the kube-scheduler Lease and binds; the standby takes over when it dies", () => {
  const c = new Cluster({ seed: 10, controllers: true, nodes: 2, scheduler: true, schedulers: 2 });
  c.runFor("3s");
  const [a, b] = c.schedulers;
  assert.is([a, b].filter((s) => s.isLeader).length, 1);
  const leader = a.isLeader ? a : b;
  const standby = leader === a ? b : a;
  const lease = c.get("leases", "kube-scheduler", "kube-system") as any;
  assert.is(lease.spec.holderIdentity, leader.leaseIdentity);
  leader.stop();
  c.apply(APP);
  c.runFor("40s");
  assert.ok(standby.isLeader, "the standby took the lease");
  const pods = (c.get("pods") as any).items.filter((p: any) => p.metadata.labels?.app === "web");
  assert.is(pods.length, 4);
  for (const p of pods) assert.ok(p.spec.nodeName, `${p.metadata.name} bound by the new leader`);
});

test("same seed, same cluster", () => {
  const a = assembled(7);
  const b = assembled(7);
  assert.is(JSON.stringify(a.get("pods")), JSON.stringify(b.get("pods")));
});

test.run();
