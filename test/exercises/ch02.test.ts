import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";
import { EtcdCluster } from "../../src/etcd/server";
import { EtcdClient, Session, compare, opPut } from "../../src/etcd/client";
import { checkCreateIfAbsent, checkDeletedAt, deletionRevision } from "../../src/exercises/ch02";

function session() {
  const sim = new Simulation({ seed: "ch02-test" });
  const etcd = new EtcdCluster(sim);
  etcd.raft.runUntilLeader();
  return new Session(new EtcdClient(sim, { name: "learner", endpoints: etcd.members }), sim);
}

test("deletedAt: right, too early, too late, nonsense", () => {
  const h = [
    { type: "PUT", key: "a", revision: 2 },
    { type: "DELETE", key: "a", revision: 5 },
  ];
  assert.is(deletionRevision(h, "a"), 5);
  assert.ok(checkDeletedAt(5, 5, "a").ok);
  assert.match(checkDeletedAt(4, 5, "a").message, /still existed/);
  assert.match(checkDeletedAt(6, 5, "a").message, /already gone/);
  assert.match(checkDeletedAt(0, 5, "a").message, /positive integer/);
  assert.match(checkDeletedAt(3, undefined, "b").message, /never deleted/);
});

test("create-if-absent: the right txn passes", () => {
  const etcd = session();
  const key = "/registry/namespaces/team-a";
  const attempt = () => etcd.txn([compare(key, "create", "=", 0)], [opPut(key, "{}")]);
  assert.ok(checkCreateIfAbsent(etcd, key, [attempt(), attempt()]).ok);
});

test("create-if-absent: a blind put in both branches fails, and so does a missing answer", () => {
  const etcd = session();
  const key = "/registry/namespaces/team-b";
  const blind = () => etcd.txn([], [opPut(key, "{}")]);
  assert.match(checkCreateIfAbsent(etcd, key, [blind(), blind()]).message, /second txn succeeded too/);
  assert.match(checkCreateIfAbsent(etcd, key, []).message, /put the responses/);
  assert.match(checkCreateIfAbsent(etcd, "/nothing", [blind(), blind()]).message, /does not exist/);
});

test.run();
