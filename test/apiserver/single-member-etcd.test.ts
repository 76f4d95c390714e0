// The API server on a one-member simulated etcd. A single voter is its own quorum: Raft commits
// a proposal and confirms a ReadIndex inside the very call that starts it, so the etcd server
// must already be waiting for the answer when it proposes (etcd registers the wait before
// r.Propose [etcd server/etcdserver/v3_server.go]); otherwise every write and linearizable read
// times out and the API server never becomes ready.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import { EtcdCluster } from "../../src/etcd/server/etcd-cluster";
import { EtcdClient } from "../../src/etcd/client/client";
import { Cluster } from "../../src/cluster/cluster";

test("one-member etcd: a put and a linearizable range are answered within milliseconds", () => {
  const sim = new Simulation({ seed: 1, trace: false });
  const etcd = new EtcdCluster(sim, { members: 1 });
  etcd.raft.runUntilLeader("10s");
  const client = new EtcdClient(sim, { name: "c", endpoints: etcd.members });
  const t0 = sim.now;
  let put: any;
  client.put({ key: "/a", value: "1" } as any, (e, r) => (put = { e, r, at: sim.now }));
  sim.runUntil(() => put !== undefined, "30s");
  assert.not.ok(put.e, String(put.e?.message));
  assert.ok(put.at - t0 < 100, `put answered after ${put.at - t0} ms`);
  let got: any;
  client.range({ key: "/a" } as any, (e, r) => (got = { e, r, at: sim.now }));
  sim.runUntil(() => got !== undefined, "30s");
  assert.not.ok(got.e, String(got.e?.message));
  assert.is(got.r.kvs[0].value, "1");
  assert.ok(got.at - put.at < 100, `range answered after ${got.at - put.at} ms`);
});

test("one-member etcd: the API server becomes ready and serves writes, reads and conflicts", () => {
  const c = new Cluster({ seed: 4, etcdMembers: 1, trace: false });
  assert.ok(c.apiserver.ready);
  assert.ok(c.sim.now < 5000, `ready at ${c.sim.now} ms`);
  const t0 = c.sim.now;
  const [cm] = c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: default}\ndata: {a: '1'}\n");
  assert.ok(c.sim.now - t0 < 100, "a create is not a request timeout");
  assert.equal((c.get("configmaps", "one", "default") as any).data, { a: "1" });
  const stale = { ...cm, data: { a: "2" }, metadata: { ...cm.metadata, resourceVersion: String(Number(cm.metadata.resourceVersion) - 1) } };
  const err = c.wait<any>((cb) => c.admin.update(stale as any, (e) => cb(undefined, e)));
  assert.is(err?.code, 409);
});

test.run();
