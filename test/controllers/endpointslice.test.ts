// The EndpointSlice controller against the real (simulated) API server
// [k/k pkg/controller/endpointslice/endpointslice_controller.go, staging/src/k8s.io/endpointslice].

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import type { Cluster } from "../../src/cluster/cluster";
import { endpointSliceController } from "../../src/controllers/endpointslice/endpointslice-controller";
import { apiWrites, createNode, createPod, createService, runningPod, setPodStatus, slicesOf, withController } from "./helpers-e";

const WEB = { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] };

function setup(seed = 1) {
  const r = withController(endpointSliceController, seed);
  createNode(r.c, "node-1", "zone-a");
  createNode(r.c, "node-2"); // no zone label
  return r;
}

/** A running pod on node-1 offering http on 8080. */
function webPod(c: Cluster, name: string, ip: string, o: { ready?: boolean; nodeName?: string; labels?: Record<string, string>; port?: number } = {}): KubeObject {
  return runningPod(c, name, ip, { ports: [["http", o.port ?? 8080]], nodeName: o.nodeName ?? "node-1", ready: o.ready, labels: o.labels });
}

const ips = (slices: KubeObject[]) => slices.flatMap((s) => (s.endpoints ?? []).map((e: any) => e.addresses[0])).sort();
const sizes = (slices: KubeObject[]) => slices.map((s) => (s.endpoints ?? []).length).sort((a, b) => b - a);

test("slice shape: generateName, labels, controller ownerReference, IPv4, endpoints with conditions, node, zone, targetRef; ports", () => {
  const { c } = setup();
  const svc = createService(c, "web", WEB, { tier: "frontend" });
  const p1 = webPod(c, "web-1", "10.244.1.5");
  webPod(c, "web-2", "10.244.2.5", { ready: false, nodeName: "node-2" });
  c.runFor("2s");
  const [s, ...more] = slicesOf(c, "web");
  assert.is(more.length, 0);
  assert.ok(s.metadata.name!.startsWith("web-") && s.metadata.name!.length === "web-".length + 5, s.metadata.name);
  assert.is(s.metadata.generateName, "web-");
  assert.equal(s.metadata.labels, { tier: "frontend", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
  assert.equal(s.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "web", uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.is(s.addressType, "IPv4");
  assert.equal(s.ports, [{ name: "http", protocol: "TCP", port: 8080 }]);
  const byPod = Object.fromEntries(s.endpoints.map((e: any) => [e.targetRef.name, e]));
  assert.equal(byPod["web-1"], {
    addresses: ["10.244.1.5"],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: "Pod", namespace: "default", name: "web-1", uid: p1.metadata.uid },
    nodeName: "node-1",
    zone: "zone-a",
  });
  assert.equal(byPod["web-2"].conditions, { ready: false, serving: false, terminating: false });
  assert.is(byPod["web-2"].nodeName, "node-2");
  assert.is(byPod["web-2"].zone, undefined, "the node has no topology.kubernetes.io/zone label");
  assert.ok(s.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"]);
});

test("no endpoints: one empty placeholder slice, reused (updated, not replaced) when pods arrive", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  c.runFor("2s");
  const [placeholder, ...rest] = slicesOf(c, "web");
  assert.is(rest.length, 0);
  assert.equal([placeholder.endpoints, placeholder.ports], [[], []]);
  webPod(c, "web-1", "10.0.0.1");
  c.runFor("3s");
  const [s, ...more] = slicesOf(c, "web");
  assert.is(more.length, 0);
  assert.is(s.metadata.name, placeholder.metadata.name, "the placeholder became the slice: a create + delete turned into an update");
  assert.is(s.metadata.uid, placeholder.metadata.uid);
  assert.equal(ips([s]), ["10.0.0.1"]);
  assert.equal(s.ports, [{ name: "http", protocol: "TCP", port: 8080 }]);
  assert.is(apiWrites(c, "endpointslices").filter((w) => w.verb === "delete").length, 0);
});

test("terminating pods stay, marked terminating (ready false, serving as before); publishNotReadyAddresses keeps them ready; no IP: left out", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  createService(c, "web-all", { ...WEB, publishNotReadyAddresses: true });
  webPod(c, "going", "10.0.0.1");
  webPod(c, "unready", "10.0.0.2", { ready: false });
  createPod(c, "no-ip", { ports: [["http", 8080]], nodeName: "node-1" });
  c.runFor("2s");
  c.delete("pods", "going", "default", { gracePeriodSeconds: 30 });
  c.runFor("3s");
  const cond = (svc: string) => Object.fromEntries(slicesOf(c, svc).flatMap((s) => s.endpoints.map((e: any) => [e.targetRef.name, e.conditions])));
  assert.equal(cond("web"), {
    going: { ready: false, serving: true, terminating: true },
    unready: { ready: false, serving: false, terminating: false },
  });
  assert.equal(cond("web-all"), {
    going: { ready: true, serving: true, terminating: true },
    unready: { ready: true, serving: false, terminating: false },
  });
});

test("250 pods → slices of 100/100/50; scaling down keeps every endpoint, empties are deleted, partial slices are not repacked (less churn)", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  const ipOf = (i: number) => `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`;
  const name = (i: number) => `web-${String(i).padStart(3, "0")}`;
  for (let i = 0; i < 250; i++) webPod(c, name(i), ipOf(i));
  c.runFor("5s");
  let slices = slicesOf(c, "web");
  assert.equal(sizes(slices), [100, 100, 50]);
  assert.equal(ips(slices), Array.from({ length: 250 }, (_, i) => ipOf(i)).sort());
  assert.ok(slices.every((s) => s.metadata.ownerReferences?.[0]?.kind === "Service"));

  // Delete every pod of one full slice: that slice is deleted, the others are untouched.
  const full = slices.find((s) => s.endpoints.length === 100)!;
  const gone = new Set<string>(full.endpoints.map((e: any) => e.targetRef.name));
  const otherRVs = slices.filter((s) => s !== full).map((s) => s.metadata.resourceVersion);
  // Force deletion (grace 0): with no kubelet to confirm, a graceful delete would leave the
  // pods terminating — and still listed, as terminating endpoints.
  for (const p of gone) c.delete("pods", p, "default", { gracePeriodSeconds: 0 });
  c.runFor("5s");
  slices = slicesOf(c, "web");
  assert.equal(sizes(slices), [100, 50]);
  assert.ok(!slices.some((s) => s.metadata.name === full.metadata.name), "the emptied slice was deleted");
  assert.equal(slices.map((s) => s.metadata.resourceVersion).sort(), otherRVs.sort(), "the other slices were not rewritten");
  const left = Array.from({ length: 250 }, (_, i) => i).filter((i) => !gone.has(name(i)));
  assert.equal(ips(slices), left.map(ipOf).sort(), "no endpoint lost");

  // Delete half of the full slice's pods: it shrinks to 50; nothing is moved between slices.
  const full2 = slices.find((s) => s.endpoints.length === 100)!;
  const half = full2.endpoints.slice(0, 50).map((e: any) => e.targetRef.name as string);
  for (const p of half) c.delete("pods", p, "default", { gracePeriodSeconds: 0 });
  c.runFor("5s");
  slices = slicesOf(c, "web");
  assert.equal(sizes(slices), [50, 50], "two half-full slices stay two: repacking would rewrite both");

  // 40 new pods: fewer than a slice's worth, so they go into one existing slice (one write), no new slice.
  const writes = apiWrites(c, "endpointslices").length;
  for (let i = 300; i < 340; i++) webPod(c, name(i), ipOf(i));
  c.runFor("5s");
  slices = slicesOf(c, "web");
  assert.equal(sizes(slices), [90, 50]);
  assert.is(slices.length, 2);
  const newWrites = apiWrites(c, "endpointslices").slice(writes);
  assert.ok(newWrites.every((w) => w.verb === "update"), JSON.stringify(newWrites));
  assert.is(new Set(newWrites.map((w) => w.name)).size, 1, "only one slice was written");
});

test("a pod's IP changes: the endpoint is replaced in place; the Service's selector changes: the slices follow", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  webPod(c, "w", "10.0.0.1");
  webPod(c, "a", "10.0.1.1", { labels: { app: "api" }, port: 9090 });
  c.runFor("2s");
  const [before] = slicesOf(c, "web");
  setPodStatus(c, "w", { ip: "10.0.0.99" });
  c.runFor("2s");
  const after = slicesOf(c, "web");
  assert.equal(ips(after), ["10.0.0.99"]);
  assert.is(after.length, 1);
  assert.is(after[0].metadata.name, before.metadata.name, "same slice, updated");
  c.patch("services", "web", { spec: { selector: { app: "api" } } }, "merge");
  c.runFor("3s");
  const s = slicesOf(c, "web");
  assert.equal(ips(s), ["10.0.1.1"]);
  assert.equal(s[0].ports, [{ name: "http", protocol: "TCP", port: 9090 }]);
});

test("named targetPort: pods offering different port numbers, or lacking the port, get slices of their own port mapping", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  webPod(c, "old", "10.0.0.1", { port: 8080 });
  webPod(c, "new", "10.0.0.2", { port: 8081 });
  runningPod(c, "bare", "10.0.0.3", { ports: [], nodeName: "node-1" });
  c.runFor("2s");
  const view = slicesOf(c, "web")
    .map((s) => `${JSON.stringify(s.ports.map((p: any) => p.port))}:${s.endpoints.map((e: any) => e.targetRef.name).join(",")}`)
    .sort();
  assert.equal(view, ["[8080]:old", "[8081]:new", "[]:bare"]);
});

test("headless Service: slices labelled service.kubernetes.io/headless", () => {
  const { c } = setup();
  createService(c, "db", { clusterIP: "None", selector: { app: "db" } });
  runningPod(c, "db-0", "10.0.0.1", { labels: { app: "db" }, nodeName: "node-1" });
  c.runFor("2s");
  const [s] = slicesOf(c, "db");
  assert.is(s.metadata.labels!["service.kubernetes.io/headless"], "");
  assert.equal(s.ports, []);
  assert.equal(ips([s]), ["10.0.0.1"]);
});

test("no-op: a sync that would change nothing writes nothing", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  webPod(c, "w1", "10.0.0.1");
  webPod(c, "w2", "10.0.0.2");
  c.runFor("3s");
  const rvs = slicesOf(c, "web").map((s) => s.metadata.resourceVersion);
  const writes = apiWrites(c, "endpointslices").length;
  const syncs = c.sim.trace.rows({ component: "endpointslice-controller", kind: "sync" }).length;
  c.patch("services", "web", { metadata: { annotations: { note: "hello" } } }, "merge");
  c.patch("pods", "w1", { metadata: { annotations: { note: "hello" } } }, "merge");
  c.runFor("3s");
  const newSyncs = c.sim.trace.rows({ component: "endpointslice-controller", kind: "sync" }).slice(syncs);
  assert.is(newSyncs.length, 1, "the Service update is synced; the pod annotation is not even queued");
  assert.equal([newSyncs[0].create, newSyncs[0].update, newSyncs[0].delete], [0, 0, 0]);
  assert.is(apiWrites(c, "endpointslices").length, writes);
  assert.equal(slicesOf(c, "web").map((s) => s.metadata.resourceVersion), rvs);
});

test("a Service without a selector: no slices from the controller, user slices left alone", () => {
  const { c } = setup();
  createService(c, "external", { ports: [{ port: 5432 }] });
  const mine = c.wait<KubeObject>((cb) =>
    c.admin.create(
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: "external-1", namespace: "default", labels: { "kubernetes.io/service-name": "external" } },
        addressType: "IPv4",
        endpoints: [{ addresses: ["192.168.0.10"] }],
        ports: [{ port: 5432 }],
      },
      cb,
    ),
  );
  runningPod(c, "anything", "10.0.0.1", { nodeName: "node-1" });
  c.patch("services", "external", { metadata: { labels: { touched: "yes" } } }, "merge");
  c.runFor("3s");
  const slices = slicesOf(c, "external");
  assert.equal(slices.map((s) => [s.metadata.name, s.metadata.resourceVersion]), [["external-1", mine.metadata.resourceVersion]]);
});

test("a pod on a node that does not exist is left out, the sync fails (Warning event) and is retried until the node appears", () => {
  const { c } = setup();
  createService(c, "web", WEB);
  webPod(c, "here", "10.0.0.1");
  webPod(c, "lost", "10.0.0.2", { nodeName: "node-9" });
  c.runFor("2s");
  assert.equal(ips(slicesOf(c, "web")), ["10.0.0.1"]);
  assert.ok(c.sim.trace.rows({ component: "endpointslice-controller", kind: "skip-pod" }).some((r) => r.pod === "default/lost"));
  const events = c.wait<any>((cb) => c.admin.list("events", "default", {}, cb)).items.filter((e: any) => e.reason === "FailedToUpdateEndpointSlices");
  assert.is(events.length, 1);
  assert.is(events[0].type, "Warning");
  assert.is(events[0].involvedObject.kind, "Service");
  assert.is(events[0].source.component, "endpoint-slice-controller");
  createNode(c, "node-9", "zone-b");
  c.runFor("10s"); // back-off 1 s, 2 s, 4 s...
  const eps = slicesOf(c, "web").flatMap((s) => s.endpoints);
  assert.equal(eps.map((e: any) => [e.addresses[0], e.zone ?? ""]).sort(), [["10.0.0.1", "zone-a"], ["10.0.0.2", "zone-b"]]);
});

test("a slice deleted by someone else is recreated; after the Service is deleted the controller writes nothing (the GC owns the rest)", () => {
  const { c } = setup();
  const svc = createService(c, "web", WEB);
  webPod(c, "w", "10.0.0.1");
  c.runFor("2s");
  const [s] = slicesOf(c, "web");
  c.delete("endpointslices", s.metadata.name!);
  c.runFor("3s");
  const [again, ...more] = slicesOf(c, "web");
  assert.is(more.length, 0);
  assert.is.not(again.metadata.uid, s.metadata.uid);
  assert.equal(ips([again]), ["10.0.0.1"]);
  assert.is(again.metadata.ownerReferences![0].uid, svc.metadata.uid, "the garbage collector deletes it with the Service by this reference");
  const writes = apiWrites(c, "endpointslices").length;
  c.delete("services", "web");
  webPod(c, "w2", "10.0.0.2");
  c.runFor("3s");
  assert.is(apiWrites(c, "endpointslices").length, writes);
});

test("deterministic: same seed, same slices, byte for byte", () => {
  const run = () => {
    const { c } = setup(11);
    createService(c, "web", WEB);
    for (let i = 0; i < 12; i++) webPod(c, `w${i}`, `10.0.0.${20 - i}`, { ready: i % 3 !== 0, port: 8080 + (i % 2) });
    c.runFor("3s");
    return JSON.stringify(slicesOf(c, "web"));
  };
  assert.is(run(), run());
});

test.run();
