// Events live in etcd on a lease (--event-ttl, 1h): etcd drops them an hour after their last
// write (plus up to the lease manager's 60 s reuse window), and watchers see DELETED.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { EtcdClient } from "../../src/etcd/client/client";
import { post, raw, watch } from "./helpers";

const EVENTS = "/api/v1/namespaces/default/events";
const event = (name: string) => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name },
  involvedObject: { kind: "Pod", namespace: "default", name: "web" },
  reason: "Scheduled",
  message: "assigned default/web to node-1",
  type: "Normal",
  source: { component: "default-scheduler" },
});

test("an Event is gone an hour after its last write; a ConfigMap stays; an update renews the hour", () => {
  const c = new Cluster({ seed: 51 });
  const t0 = c.sim.now;
  assert.is(post(c, EVENTS, event("a")).status, 201);
  assert.is(post(c, "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" } }).status, 201);
  // Its key is attached to an etcd lease of 3600 s + 60 s reuse.
  let leases: number[] | undefined;
  const peek = new EtcdClient(c.sim, { name: "peek", endpoints: c.etcd!.members });
  peek.range({ key: "/registry/events/default/a" }, (_e, r) => (leases = r!.kvs.map((kv) => kv.lease)));
  c.sim.runUntil(() => leases !== undefined, "5s");
  assert.ok(leases![0] > 0, "attached to a lease");
  let ttl: number | undefined;
  peek.leaseTimeToLive({ ID: leases![0] }, (_e, r) => (ttl = r!.grantedTTL));
  c.sim.runUntil(() => ttl !== undefined, "5s");
  assert.is(ttl, 3660);
  // b shares a's lease (written within the reuse window); it is refreshed at 30 min.
  assert.is(post(c, EVENTS, event("b")).status, 201);
  const w = watch(c, EVENTS, { resourceVersion: "0", timeoutSeconds: "7200" });
  c.sim.runFor("30m");
  const b = raw(c, { path: `${EVENTS}/b` }).body;
  const renewed = raw(c, { method: "PUT", path: `${EVENTS}/b`, body: JSON.stringify({ ...b, count: 2 }) });
  assert.is(renewed.status, 200);
  c.sim.runUntil(() => c.sim.now - t0 >= 3599_000, "2h");
  assert.is(raw(c, { path: `${EVENTS}/a` }).status, 200, "still there just before the hour");
  c.sim.runUntil(() => c.sim.now - t0 >= 3662_000, "2h");
  assert.is(raw(c, { path: `${EVENTS}/a` }).status, 404, "gone after ttl + reuse window");
  assert.is(raw(c, { path: `${EVENTS}/b` }).status, 200, "renewed at 30 min");
  assert.is(raw(c, { path: "/api/v1/namespaces/default/configmaps/keep" }).status, 200);
  assert.ok(w.events.some((e) => e.type === "DELETED" && e.object.metadata.name === "a"), "watchers see the expiry");
  c.sim.runUntil(() => c.sim.now - t0 >= 5462_000, "2h");
  assert.is(raw(c, { path: `${EVENTS}/b` }).status, 404);
  w.close();
});

test("--event-ttl is configurable on the ApiServer (eventTTL)", async () => {
  const { ApiServer } = await import("../../src/apiserver/server/apiserver");
  const { Simulation } = await import("../../src/sim/index");
  const { EtcdCluster } = await import("../../src/etcd/server/etcd-cluster");
  const sim = new Simulation({ seed: 52 });
  const etcd = new EtcdCluster(sim, { members: 3 });
  etcd.raft.runUntilLeader("10s");
  const api = new ApiServer(sim, { etcd: new EtcdClient(sim, { name: "api-etcd", endpoints: etcd.members }), eventTTL: "2m", tokens: [{ token: "t", user: "admin", groups: ["system:masters"] }] });
  assert.ok(sim.runUntil(() => api.ready, "60s"));
  const call = (method: "GET" | "POST", path: string, body?: unknown) => {
    let status = 0;
    api.serve({ method, path, query: {}, headers: { authorization: "Bearer t", "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined }, { send: (s) => (status = s), stream: () => { throw new Error("no"); } });
    sim.runUntil(() => status !== 0, "30s");
    return status;
  };
  assert.is(call("POST", EVENTS, event("short")), 201);
  sim.runFor("1m");
  assert.is(call("GET", `${EVENTS}/short`), 200);
  sim.runFor("2m");
  assert.is(call("GET", `${EVENTS}/short`), 404, "2m + 6 s reuse window");
});

test.run();
