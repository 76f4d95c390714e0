// The etcd cluster end to end: client → member → Raft → MvccStore on every member.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";
import { EtcdCluster } from "../../src/etcd/server";
import { EtcdClient, Session, compare, opPut, kvRow, EtcdCallError } from "../../src/etcd/client";
import { RaftInvariants } from "../../src/etcd/raft";
import { text } from "../../src/etcd/mvcc";
import type { WatchResponse } from "../../src/etcd/mvcc";

function setup(seed: number | string = 1, members = 3) {
  const sim = new Simulation({ seed });
  const etcd = new EtcdCluster(sim, { members });
  const inv = new RaftInvariants(etcd.raft);
  const client = new EtcdClient(sim, { name: "client", endpoints: etcd.members });
  const kv = new Session(client, sim);
  etcd.raft.runUntilLeader("10s");
  return { sim, etcd, inv, client, kv };
}

test("put then get: one revision per write, the same store on every member", () => {
  const { etcd, kv, sim } = setup();
  const r1 = kv.put("/registry/pods/default/a", "1");
  const r2 = kv.put("/registry/pods/default/b", "2");
  assert.is(r2.header.revision, r1.header.revision + 1);
  assert.is(kv.value("/registry/pods/default/a"), "1");
  assert.equal(kv.get("/registry/pods/", { prefix: true }).kvs.map((x) => text(x.key)), ["/registry/pods/default/a", "/registry/pods/default/b"]);
  sim.runFor("500ms");
  for (const m of etcd.members) assert.is(etcd.server(m)!.store.rev, r2.header.revision, m);
});

test("the header names the cluster, the answering member and the Raft term", () => {
  const { etcd, kv } = setup();
  const r = kv.put("k", "v");
  assert.is(r.header.cluster_id, 0x6b75626c);
  assert.ok(r.header.member_id >= 1 && r.header.member_id <= 3);
  assert.is(r.header.raft_term, etcd.raft.term(etcd.leader()!));
});

test("txn compare-and-swap on mod_revision: the second writer with a stale revision loses", () => {
  const { kv } = setup();
  const rev = kv.put("/registry/configmaps/x", "v1").header.revision;
  const first = kv.txn([compare("/registry/configmaps/x", "mod", "=", rev)], [opPut("/registry/configmaps/x", "v2")]);
  const second = kv.txn([compare("/registry/configmaps/x", "mod", "=", rev)], [opPut("/registry/configmaps/x", "v3")]);
  assert.ok(first.succeeded);
  assert.not.ok(second.succeeded);
  assert.is(kv.value("/registry/configmaps/x"), "v2");
});

test("bad input gets etcd's error and changes nothing", () => {
  const { kv } = setup();
  const before = kv.put("a", "1").header.revision;
  try {
    kv.put("", "x");
    assert.unreachable();
  } catch (e) {
    assert.instance(e, EtcdCallError);
    assert.is((e as EtcdCallError).message, "etcdserver: key is not provided");
    assert.is((e as EtcdCallError).code, 3);
  }
  assert.is(kv.get("a").header.revision, before);
});

test("writes survive a leader crash; the client follows the new leader", () => {
  const { etcd, kv, sim, inv } = setup(2);
  kv.put("x", "1");
  const old = etcd.leader()!;
  etcd.crash(old);
  // The followers still believe in the old leader for up to an election timeout: a write they
  // forward there is lost, and the client is told it timed out (it may or may not have happened).
  try {
    kv.put("during", "?");
    assert.unreachable("the write should time out");
  } catch (e) {
    assert.match((e as Error).message, /context deadline exceeded|request timed out/);
  }
  etcd.raft.runUntilLeader("10s");
  const r = kv.put("y", "2");
  assert.ok(r.header.revision > 0);
  assert.is.not(etcd.leader(), old);
  assert.is(kv.value("x"), "1");
  etcd.restart(old);
  sim.runFor("3s");
  assert.is(etcd.server(old)!.store.rev, r.header.revision);
  inv.finalCheck();
  assert.equal(inv.violations, []);
});

test("linearizable vs serializable read on a member cut off from the leader", () => {
  const { etcd, sim, kv } = setup(3);
  kv.put("k", "old");
  const lonely = etcd.members.find((m) => m !== etcd.leader())!;
  etcd.raft.isolate(lonely);
  kv.put("k", "new"); // committed by the majority
  const direct = new EtcdClient(sim, { name: "reader", endpoints: [lonely], timeout: "3s" });
  sim.network.link("reader", lonely, {}); // the reader can reach the lonely member only
  sim.network.partition(["reader"], etcd.members.filter((m) => m !== lonely));
  const reader = new Session(direct, sim);
  assert.is(reader.value("k", { serializable: true }), "old", "serializable: the member's own, stale data");
  assert.throws(() => reader.value("k"), (e: Error) => /deadline|no leader|timed out/.test(e.message), "linearizable: refuses rather than lie");
});

test("a watch sees every change, in order, across the crash of its member", () => {
  const { etcd, client, kv, sim } = setup(4);
  const seen: string[] = [];
  const w = client.watch({ key: "/registry/", range_end: "/registry0" } as any, (r: WatchResponse) => {
    for (const ev of r.events) seen.push(`${ev.type ?? "PUT"} ${text(ev.kv.key)}@${ev.kv.mod_revision}`);
  });
  sim.runFor("200ms");
  for (let i = 1; i <= 3; i++) kv.put(`/registry/pods/p${i}`, "x");
  const member = w.member!;
  etcd.crash(member);
  sim.runFor("3s");
  etcd.raft.runUntilLeader("10s");
  for (let i = 4; i <= 6; i++) kv.put(`/registry/pods/p${i}`, "x");
  sim.runFor("10s");
  assert.is(seen.length, 6, seen.join(", "));
  const revs = seen.map((s) => Number(s.split("@")[1]));
  assert.equal(revs, [...revs].sort((a, b) => a - b));
  assert.is.not(w.member, member, "the watch moved");
  w.cancel();
});

test("a lease expires on the leader's clock and takes its keys in one revision", () => {
  const { kv, sim } = setup(5);
  const lease = kv.leaseGrant(5).ID;
  kv.put("/registry/leases/node-1", "x", { lease });
  kv.put("/registry/leases/node-1b", "x", { lease });
  sim.runFor("3s");
  assert.ok(kv.leaseTimeToLive(lease).TTL > 0);
  kv.leaseKeepAlive(lease);
  sim.runFor("4s");
  assert.is(kv.get("/registry/leases/", { prefix: true }).kvs.length, 2, "kept alive");
  sim.runFor("5s");
  assert.is(kv.get("/registry/leases/", { prefix: true }).kvs.length, 0, "expired");
  assert.is(kv.leaseTimeToLive(lease).TTL, -1);
});

test("compaction: reading a compacted revision fails with etcd's error", () => {
  const { kv } = setup(6);
  const r1 = kv.put("a", "1").header.revision;
  const r2 = kv.put("a", "2").header.revision;
  kv.compact(r2);
  assert.throws(() => kv.get("a", { revision: r1 }), /etcdserver: mvcc: required revision has been compacted/);
  assert.equal(kv.get("a").kvs.map(kvRow).map((r) => r.value), ["2"]);
});

test.run();
