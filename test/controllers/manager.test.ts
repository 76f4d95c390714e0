// kube-controller-manager with leader election: one manager runs the controllers, the others
// stand by; a dead leader is replaced after its lease expires; a partitioned leader exits (and
// is restarted by "the kubelet"); controllers are built and started only while leading.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Cluster } from "../../src/cluster/cluster";
import type { ControllerFactory } from "../../src/controllers/controller";
import type { ControllerManager } from "../../src/controllers/manager";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { garbageCollector } from "../../src/controllers/garbagecollector/garbagecollector";
import { create, newCluster, newManager, ownerRef, pod, replicaSet, tryGet } from "./helpers-d";

/** A controller that counts its lives and lists configmaps through the shared informers. */
function probe(log: string[]): ControllerFactory {
  return (ctx) => {
    const inf = ctx.informers.informerFor("configmaps");
    let synced = false;
    return {
      name: "probe",
      start: () => {
        log.push(`start@${ctx.sim.now}`);
        const poll = () => (inf.hasSynced() ? (synced = true) : ctx.sim.after(100, poll));
        poll();
      },
      stop: () => log.push(`stop@${ctx.sim.now}:${synced}`),
    };
  };
}

function leaders(ms: ControllerManager[]): ControllerManager[] {
  return ms.filter((m) => m.isLeader);
}

function stepChecked(c: Cluster, ms: ControllerManager[], d: number, each?: () => void): void {
  const end = c.sim.now + d;
  for (;;) {
    const next = c.sim.nextEventTime();
    if (next === undefined || next > end) break;
    c.sim.step();
    if (leaders(ms).length > 1) assert.unreachable(`two leading managers at ${c.sim.now} ms`);
    each?.();
  }
  c.sim.runFor(Math.max(0, end - c.sim.now));
}

test("two managers: one leads and runs the controllers, the other stands by with none", () => {
  const c = newCluster(2);
  const logA: string[] = [];
  const logB: string[] = [];
  const a = newManager(c, "master-a", { probe: probe(logA) }).kcm;
  const b = newManager(c, "master-b", { probe: probe(logB) }).kcm;
  a.start();
  b.start();
  stepChecked(c, [a, b], 20_000);
  assert.is(leaders([a, b]).length, 1);
  const [lead, standby] = a.isLeader ? [a, b] : [b, a];
  assert.equal(lead.controllers.map((x) => x.name), ["probe"]);
  assert.equal(standby.controllers.length, 0);
  assert.is(standby.status, "standby");
  assert.match(lead.identity, new RegExp(`^${lead.name}_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
  assert.is(standby.leader, lead.identity, "the standby knows who leads");
  const lease = c.get("leases", "kube-controller-manager", "kube-system") as KubeObject;
  assert.is(lease.spec.holderIdentity, lead.identity);
  assert.is((lead === a ? logA : logB).length, 1);
  assert.is((lead === a ? logB : logA).length, 0, "a standby never constructs or starts controllers");
});

test("the leader dies: the standby takes over after the lease expires and starts its controllers", () => {
  const c = newCluster(4);
  const logs: Record<string, string[]> = { a: [], b: [] };
  const a = newManager(c, "a", { probe: probe(logs.a) }).kcm.start();
  const b = newManager(c, "b", { probe: probe(logs.b) }).kcm.start();
  stepChecked(c, [a, b], 15_000);
  const [lead, standby] = a.isLeader ? [a, b] : [b, a];
  const stoppedAt = c.sim.now;
  lead.stop();
  assert.is(lead.isLeader, false);
  assert.equal(lead.controllers.length, 0);
  let took = -1;
  stepChecked(c, [a, b], 40_000, () => {
    if (took < 0 && standby.isLeader) took = c.sim.now;
  });
  assert.ok(took > 0, "the standby took over");
  assert.ok(took - stoppedAt >= 13_000 && took - stoppedAt <= 15_000 + 2 * 4_400 + 500, `takeover after ${took - stoppedAt} ms`);
  assert.equal(standby.controllers.map((x) => x.name), ["probe"]);
  const lease = c.get("leases", "kube-controller-manager", "kube-system") as KubeObject;
  assert.is(lease.spec.holderIdentity, standby.identity);
  assert.is(lease.spec.leaseTransitions, 1);
  // The old one, started again, is a new candidate (new identity) and stands by.
  const oldIdentity = lead.identity;
  lead.start();
  stepChecked(c, [a, b], 10_000);
  assert.is.not(lead.identity, oldIdentity);
  assert.is(lead.incarnation, 2);
  assert.is(lead.status, "standby");
  assert.ok(standby.isLeader);
});

test("a partitioned leader exits within renewDeadline, its controllers stop; it restarts as a standby", () => {
  const c = newCluster(6);
  const logs: Record<string, string[]> = { a: [], b: [], c: [] };
  const ms = ["a", "b", "c"].map((h) => newManager(c, h, { probe: probe(logs[h]) }));
  for (const m of ms) m.kcm.start();
  const kcms = ms.map((m) => m.kcm);
  stepChecked(c, kcms, 20_000);
  const lead = ms.find((m) => m.kcm.isLeader)!;
  const cut = c.sim.now;
  c.sim.network.partition([lead.client.name], ["apiserver"]);
  let exited = -1;
  stepChecked(c, kcms, 30_000, () => {
    if (exited < 0 && !lead.kcm.isLeader) exited = c.sim.now;
  });
  assert.ok(exited > 0 && exited - cut <= 12_001, `exited ${exited - cut} ms after the cut`);
  const log = logs[lead.kcm.name];
  assert.match(log[log.length - 1], /^stop@/);
  const rows = c.sim.trace.rows().filter((r: any) => r.component === "kube-controller-manager" && r.kind === "exit");
  assert.ok(rows.length >= 1, "the exit is in the trace");
  assert.is(leaders(kcms).length, 1, "another manager leads");
  c.sim.network.heal();
  stepChecked(c, kcms, 20_000);
  assert.is(lead.kcm.incarnation, 2, "restarted by the kubelet after 10 s");
  assert.is(lead.kcm.status, "standby");
});

test("leaderElect false: controllers start at once, no lease is written", () => {
  const c = newCluster(8);
  const log: string[] = [];
  const m = newManager(c, "solo", { probe: probe(log) }, { leaderElect: false }).kcm.start();
  assert.ok(m.isLeader);
  assert.is(log.length, 1);
  c.runFor("5s");
  assert.throws(() => c.get("leases", "kube-controller-manager", "kube-system"), /not found/);
  m.stop();
  assert.match(log[1], /^stop@\d+(\.\d+)?:true$/, "the informer had synced before stop");
});

test("after a takeover the new leader's controllers work: its garbage collector collects", () => {
  const c = newCluster(10);
  const a = newManager(c, "a", { garbagecollector: garbageCollector }).kcm.start();
  const b = newManager(c, "b", { garbagecollector: garbageCollector }).kcm.start();
  stepChecked(c, [a, b], 10_000);
  const [lead, standby] = a.isLeader ? [a, b] : [b, a];
  lead.stop();
  const rs = create(c, replicaSet("orphaned-by-crash"));
  create(c, pod("p", [ownerRef(rs)]));
  c.delete("replicasets", "orphaned-by-crash");
  c.runFor("5s");
  assert.ok(tryGet(c, "pods", "p"), "nobody collects while no manager leads");
  c.sim.runUntil(() => standby.isLeader, "30s");
  c.sim.runUntil(() => tryGet(c, "pods", "p") === undefined, "10s");
  assert.is(tryGet(c, "pods", "p"), undefined, "the new leader's collector found the orphan on its first list");
});

test.run();
