// The Endpoints controller against the real (simulated) API server. Each test names the
// Kubernetes behaviour it pins [k/k pkg/controller/endpoint/endpoints_controller.go].

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { newControllerContext } from "../../src/controllers/controller";
import { endpointsController, truncateEndpoints, MAX_CAPACITY } from "../../src/controllers/endpoints/endpoints-controller";
import { repackSubsets } from "../../src/controllers/endpoints/repack";
import { addressesOf, apiWrites, createPod, createService, getEndpoints, runningPod, setPodStatus, withController } from "./helpers-e";

const WEB = { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] };

test("ready pods under addresses, not-ready under notReadyAddresses; targetRef, nodeName, port, labels, trigger time", () => {
  const { c } = withController(endpointsController);
  const svc = createService(c, "web", WEB, { tier: "frontend" });
  const p1 = runningPod(c, "web-1", "10.244.1.5", { ports: [["http", 8080]], nodeName: "node-a" });
  runningPod(c, "web-2", "10.244.1.6", { ports: [["http", 8080]], ready: false });
  createPod(c, "other", { labels: { app: "db" }, ports: [["http", 8080]] });
  setPodStatus(c, "other", { ip: "10.244.1.7" });
  c.runFor("1s");
  const ep = getEndpoints(c, "web")!;
  assert.equal(addressesOf(ep), ["10.244.1.5/web-1"]);
  assert.equal(addressesOf(ep, "notReadyAddresses"), ["10.244.1.6/web-2"]);
  assert.is(ep.subsets.length, 1, "both pods offer the same port: one subset");
  const a = ep.subsets[0].addresses[0];
  assert.equal(a.targetRef, { kind: "Pod", namespace: "default", name: "web-1", uid: p1.metadata.uid });
  assert.is(a.nodeName, "node-a");
  assert.equal(ep.subsets[0].ports, [{ name: "http", port: 8080, protocol: "TCP" }], "the named targetPort resolved to the container port");
  assert.equal(ep.metadata.labels, { tier: "frontend" }, "the Service's labels are copied");
  assert.is(ep.metadata.labels[`service.kubernetes.io/headless`], undefined);
  // First sync of a Service: the trigger time is the Service's creation.
  assert.is(ep.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"] !== undefined, true);
  assert.ok(ep.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"] >= svc.metadata.creationTimestamp!);

  // Readiness flips: the address moves, and the trigger time is the Ready transition.
  c.runFor("3s");
  const flipped = setPodStatus(c, "web-2", { ready: true });
  c.runFor("1s");
  const ep2 = getEndpoints(c, "web")!;
  assert.equal(addressesOf(ep2), ["10.244.1.5/web-1", "10.244.1.6/web-2"]);
  assert.equal(addressesOf(ep2, "notReadyAddresses"), []);
  const ready = flipped.status.conditions.find((x: any) => x.type === "Ready");
  assert.is(ep2.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"], ready.lastTransitionTime);
});

test("named targetPort: resolved per pod; a pod lacking the named port gets no address; numeric targetPort taken as is", () => {
  const { c } = withController(endpointsController);
  createService(c, "web", {
    selector: { app: "web" },
    ports: [
      { name: "http", port: 80, targetPort: "http" },
      { name: "metrics", port: 9100, targetPort: 9100 },
    ],
  });
  runningPod(c, "old", "10.0.0.1", { ports: [["http", 8080]] });
  runningPod(c, "new", "10.0.0.2", { ports: [["http", 8081]] });
  runningPod(c, "bare", "10.0.0.3", { ports: [] });
  runningPod(c, "udp", "10.0.0.4", { ports: [["http", 8080, "UDP"]] }); // protocol must match too
  c.runFor("1s");
  const ep = getEndpoints(c, "web")!;
  const view = ep.subsets.map((s: any) => [s.addresses.map((a: any) => a.targetRef.name), s.ports.map((p: any) => `${p.name}:${p.port}`)]);
  // Repacked [RepackSubsets]: each distinct set of addresses becomes one subset with every
  // port that exactly this set offers. metrics:9100 is offered by all four pods; http by
  // "old" (8080) and "new" (8081) only; "bare" and "udp" (wrong protocol) lack the named port.
  const sortView = (v: any[]) => v.map((x) => JSON.stringify(x)).sort();
  assert.equal(
    sortView(view),
    sortView([
      [["old", "new", "bare", "udp"], ["metrics:9100"]],
      [["old"], ["http:8080"]],
      [["new"], ["http:8081"]],
    ]),
  );
});

test("pods without an IP, terminal pods and terminating pods are excluded; publishNotReadyAddresses keeps terminating and not-ready ones in addresses", () => {
  const { c } = withController(endpointsController);
  createService(c, "web", WEB);
  createService(c, "web-all", { ...WEB, publishNotReadyAddresses: true });
  createPod(c, "no-ip", { ports: [["http", 80]] });
  setPodStatus(c, "no-ip", { ready: false, phase: "Pending" }); // scheduled, no IP yet
  runningPod(c, "done", "10.0.0.9", { ports: [["http", 80]] });
  setPodStatus(c, "done", { phase: "Succeeded", ready: false });
  runningPod(c, "going", "10.0.0.2", { ports: [["http", 80]], nodeName: "node-a" });
  runningPod(c, "unready", "10.0.0.3", { ports: [["http", 80]], ready: false });
  runningPod(c, "fine", "10.0.0.1", { ports: [["http", 80]] });
  c.runFor("1s");
  assert.equal(addressesOf(getEndpoints(c, "web")), ["10.0.0.1/fine", "10.0.0.2/going"]);
  // Graceful deletion of a scheduled pod: it stays, with a deletionTimestamp, until its kubelet confirms.
  const deleting = c.delete("pods", "going", "default", { gracePeriodSeconds: 30 });
  assert.ok(deleting.metadata.deletionTimestamp);
  c.runFor("1s");
  const ep = getEndpoints(c, "web")!;
  assert.equal(addressesOf(ep), ["10.0.0.1/fine"], "the terminating pod left");
  assert.equal(addressesOf(ep, "notReadyAddresses"), ["10.0.0.3/unready"]);
  const all = getEndpoints(c, "web-all")!;
  assert.equal(addressesOf(all), ["10.0.0.1/fine", "10.0.0.2/going", "10.0.0.3/unready"], "publishNotReadyAddresses: every pod with an IP, even terminating");
  assert.equal(addressesOf(all, "notReadyAddresses"), []);
  // The pod gets its IP: it appears (not ready yet).
  setPodStatus(c, "no-ip", { ip: "10.0.0.4", ready: false });
  c.runFor("1s");
  assert.equal(addressesOf(getEndpoints(c, "web"), "notReadyAddresses"), ["10.0.0.3/unready", "10.0.0.4/no-ip"]);
});

test("a pod's IP changes: the address follows; the Service's selector changes: the endpoints follow", () => {
  const { c } = withController(endpointsController);
  createService(c, "web", WEB);
  runningPod(c, "w", "10.0.0.1", { ports: [["http", 80]] });
  runningPod(c, "a", "10.0.1.1", { labels: { app: "api" }, ports: [["http", 81]] });
  c.runFor("1s");
  assert.equal(addressesOf(getEndpoints(c, "web")), ["10.0.0.1/w"]);
  setPodStatus(c, "w", { ip: "10.0.0.99" });
  c.runFor("1s");
  assert.equal(addressesOf(getEndpoints(c, "web")), ["10.0.0.99/w"]);
  c.patch("services", "web", { spec: { selector: { app: "api" } } }, "merge");
  c.runFor("1s");
  const ep = getEndpoints(c, "web")!;
  assert.equal(addressesOf(ep), ["10.0.1.1/a"]);
  assert.equal(ep.subsets[0].ports, [{ name: "http", port: 81, protocol: "TCP" }]);
  // A pod relabelled into the Service joins it.
  c.patch("pods", "w", { metadata: { labels: { app: "api" } } }, "merge");
  c.runFor("1s");
  assert.equal(addressesOf(getEndpoints(c, "web")), ["10.0.0.99/w", "10.0.1.1/a"]);
});

test("headless Service: labelled service.kubernetes.io/headless; without ports, addresses only", () => {
  const { c } = withController(endpointsController);
  createService(c, "db", { clusterIP: "None", selector: { app: "db" } });
  createService(c, "db-ports", { clusterIP: "None", selector: { app: "db" }, ports: [{ port: 5432 }] });
  runningPod(c, "db-0", "10.0.0.1", { labels: { app: "db" } });
  c.runFor("1s");
  const ep = getEndpoints(c, "db")!;
  assert.equal(ep.metadata.labels, { "service.kubernetes.io/headless": "" });
  assert.equal(addressesOf(ep), ["10.0.0.1/db-0"]);
  assert.is(ep.subsets[0].ports, undefined);
  const ep2 = getEndpoints(c, "db-ports")!;
  assert.equal(ep2.subsets[0].ports, [{ port: 5432, protocol: "TCP" }], "targetPort defaults to port");
  assert.is(ep2.metadata.labels["service.kubernetes.io/headless"], "");
});

test("no-op: a sync that would change nothing writes nothing", () => {
  const { c } = withController(endpointsController);
  createService(c, "web", WEB);
  runningPod(c, "w1", "10.0.0.1", { ports: [["http", 80]] });
  runningPod(c, "w2", "10.0.0.2", { ports: [["http", 80]] });
  c.runFor("2s");
  const before = getEndpoints(c, "web")!;
  const writes = apiWrites(c, "endpoints").length;
  const syncs = c.sim.trace.rows({ component: "endpoints-controller", kind: "unchanged" }).length;
  // A Service change that does not touch endpoints (an annotation): synced, but not written.
  c.patch("services", "web", { metadata: { annotations: { note: "hello" } } }, "merge");
  // A pod change that does not touch endpoints is not even queued.
  c.patch("pods", "w1", { metadata: { annotations: { note: "hello" } } }, "merge");
  c.runFor("2s");
  assert.is(c.sim.trace.rows({ component: "endpoints-controller", kind: "unchanged" }).length, syncs + 1, "one sync, for the Service update");
  assert.is(apiWrites(c, "endpoints").length, writes, "no write");
  assert.is(getEndpoints(c, "web")!.metadata.resourceVersion, before.metadata.resourceVersion);
});

test("a Service without a selector: its user-managed Endpoints are left alone", () => {
  const { c } = withController(endpointsController);
  createService(c, "external-db", { ports: [{ port: 5432 }] });
  const mine = c.wait<KubeObject>((cb) =>
    c.admin.create({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "external-db", namespace: "default" }, subsets: [{ addresses: [{ ip: "192.168.0.10" }], ports: [{ port: 5432 }] }] }, cb),
  );
  runningPod(c, "anything", "10.0.0.1");
  c.patch("services", "external-db", { metadata: { labels: { touched: "yes" } } }, "merge");
  c.runFor("2s");
  const ep = getEndpoints(c, "external-db")!;
  assert.is(ep.metadata.resourceVersion, mine.metadata.resourceVersion);
  assert.equal(ep.subsets, [{ addresses: [{ ip: "192.168.0.10" }], ports: [{ port: 5432, protocol: "TCP" }] }]);
});

test("deleting the Service deletes its Endpoints; deleting the Endpoints of a live Service recreates them", () => {
  const { c } = withController(endpointsController);
  createService(c, "web", WEB);
  runningPod(c, "w", "10.0.0.1", { ports: [["http", 80]] });
  c.runFor("1s");
  const first = getEndpoints(c, "web")!;
  c.delete("endpoints", "web");
  c.runFor("1s");
  const again = getEndpoints(c, "web")!;
  assert.ok(again, "recreated");
  assert.is.not(again.metadata.uid, first.metadata.uid);
  assert.equal(addressesOf(again), ["10.0.0.1/w"]);
  c.delete("services", "web");
  c.runFor("1s");
  assert.is(getEndpoints(c, "web"), undefined);
  assert.ok(c.sim.trace.rows({ component: "endpoints-controller", kind: "delete" }).length === 1);
});

test("at start-up, Endpoints whose Service is gone are cleaned up (checkLeftoverEndpoints), leader-election locks are not", () => {
  const c = new Cluster({ seed: 3 });
  const mk = (name: string, annotations?: Record<string, string>) =>
    c.wait<KubeObject>((cb) => c.admin.create({ apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace: "default", ...(annotations ? { annotations } : {}) } }, cb));
  mk("orphan");
  mk("lock", { "control-plane.alpha.kubernetes.io/leader": "{}" });
  const ctx = newControllerContext(c.sim, c.admin, new SharedInformerFactory(c.sim, c.admin));
  const ec = endpointsController(ctx);
  ctx.informers.start();
  ec.start();
  c.runFor("5s");
  assert.is(getEndpoints(c, "orphan"), undefined);
  assert.ok(getEndpoints(c, "lock"));
});

test("RepackSubsets: one subset per set of addresses sharing ports; sorted; not ready trumps ready; deduplicated", () => {
  const a = (ip: string, uid: string) => ({ ip, targetRef: { kind: "Pod", name: uid, uid } });
  const p80 = { name: "http", port: 80, protocol: "TCP" };
  const p90 = { name: "m", port: 90, protocol: "TCP" };
  const out = repackSubsets([
    { addresses: [a("10.0.0.2", "b")], ports: [p80] },
    { addresses: [a("10.0.0.2", "b")], ports: [p90] },
    { addresses: [a("10.0.0.10", "c")], ports: [p80] },
    { notReadyAddresses: [a("10.0.0.10", "c")], ports: [p90] },
    { addresses: [a("10.0.0.1", "a")], ports: [p80, p90] },
  ]);
  // "10.0.0.10" < "10.0.0.2" byte-wise, as Go compares IP strings.
  assert.equal(out, [
    { addresses: [a("10.0.0.1", "a"), a("10.0.0.2", "b")], notReadyAddresses: [a("10.0.0.10", "c")], ports: [p90] },
    { addresses: [a("10.0.0.1", "a"), a("10.0.0.10", "c"), a("10.0.0.2", "b")], ports: [p80] },
  ].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)));
  // Same input in another order: the same bytes.
  const shuffled = repackSubsets([
    { addresses: [a("10.0.0.1", "a")], ports: [p90, p80] },
    { notReadyAddresses: [a("10.0.0.10", "c")], ports: [p90] },
    { addresses: [a("10.0.0.10", "c")], ports: [p80] },
    { addresses: [a("10.0.0.2", "b")], ports: [p90] },
    { addresses: [a("10.0.0.2", "b")], ports: [p80] },
  ]);
  assert.is(JSON.stringify(shuffled), JSON.stringify(out));
});

test("truncateEndpoints: at most 1000, ready first, shares proportional per subset", () => {
  const addrs = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${base}.${Math.floor(i / 250)}.${i % 250}` }));
  // 900 ready + 300 not ready: the ready stay, 100 not-ready survive, split 2:1 (ceil).
  const s1 = [
    { addresses: addrs(600, 1), notReadyAddresses: addrs(200, 2), ports: [{ port: 80 }] },
    { addresses: addrs(300, 3), notReadyAddresses: addrs(100, 4), ports: [{ port: 81 }] },
  ];
  assert.is(truncateEndpoints(s1), true);
  assert.equal(s1.map((s) => [s.addresses.length, s.notReadyAddresses?.length ?? 0]), [[600, 67], [300, 33]]);
  // 1500 ready: not-ready all go, ready split 2:1.
  const s2 = [
    { addresses: addrs(1000, 1), notReadyAddresses: addrs(10, 2), ports: [{ port: 80 }] },
    { addresses: addrs(500, 3), ports: [{ port: 81 }] },
  ];
  assert.is(truncateEndpoints(s2), true);
  assert.equal(s2.map((s) => [s.addresses.length, (s as any).notReadyAddresses?.length ?? 0]), [[667, 0], [333, 0]]);
  assert.is(truncateEndpoints([{ addresses: addrs(MAX_CAPACITY, 1) }]), false, "exactly 1000 is not over capacity");
});

test("over capacity: 1001 pods → 1000 addresses and endpoints.kubernetes.io/over-capacity: truncated; back under → annotation removed", () => {
  const { c } = withController(endpointsController);
  createService(c, "big", { selector: { app: "big" }, ports: [{ port: 80 }] });
  // Pods not ready (no status write needed beyond the IP): the cheapest way to 1001 addresses.
  for (let i = 0; i < 1001; i++) {
    createPod(c, `big-${i}`, { labels: { app: "big" } });
    setPodStatus(c, `big-${i}`, { ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, ready: false });
  }
  c.runFor("2s");
  const ep = getEndpoints(c, "big")!;
  assert.is(addressesOf(ep, "notReadyAddresses").length, 1000);
  assert.is(ep.metadata.annotations["endpoints.kubernetes.io/over-capacity"], "truncated");
  c.delete("pods", "big-0");
  c.runFor("2s");
  const ep2 = getEndpoints(c, "big")!;
  assert.is(addressesOf(ep2, "notReadyAddresses").length, 1000);
  assert.is(ep2.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"], undefined);
});

test("deterministic: same seed, same Endpoints, byte for byte", () => {
  const run = () => {
    const { c } = withController(endpointsController, 7);
    createService(c, "web", WEB);
    for (let i = 0; i < 5; i++) runningPod(c, `w${i}`, `10.0.0.${10 - i}`, { ports: [["http", 80 + (i % 2)]], ready: i !== 2 });
    c.runFor("2s");
    return JSON.stringify(getEndpoints(c, "web"));
  };
  assert.is(run(), run());
});

test.run();
