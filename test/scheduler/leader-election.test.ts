// kube-scheduler with --leader-elect [cmd/kube-scheduler/app/server.go]: several copies run,
// each with informers and a filled queue, but only the holder of the Lease
// kube-system/kube-scheduler schedules. A killed leader (no release) is replaced once its lease
// has gone unrenewed for leaseDuration (15 s); a leader that cannot renew for renewDeadline
// (10 s) stops scheduling. Never do two copies schedule at the same time.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { COMPONENT_IDENTITIES } from "../../src/apiserver/server/bootstrap";
import { Scheduler } from "../../src/scheduler/scheduler";
import type { KubeObject } from "../../src/apiserver/registry/object";

function node(name: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" }, capacity: { cpu: "4", memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
  });
}

function pods(prefix: string, n: number): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${prefix}-${i}`, namespace: "default" },
      spec: { containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: "100m", memory: "100Mi" } } }] },
    }),
  ).join("\n---\n");
}

/** A kube-scheduler process on host `host`, logged in as system:kube-scheduler (RBAC applies). */
function scheduler(c: Cluster, host: string): Scheduler {
  const client = c.componentClient(`kube-scheduler@${host}`, COMPONENT_IDENTITIES.kubeScheduler);
  return new Scheduler({ sim: c.sim, client, informers: new SharedInformerFactory(c.sim, client) }, { leaderElect: true, identity: host });
}

function setup(seed: number): { c: Cluster; a: Scheduler; b: Scheduler } {
  const c = new Cluster({ seed });
  c.apply([node("node-1"), node("node-2"), node("node-3")].join("\n---\n"));
  const a = scheduler(c, "master-a");
  const b = scheduler(c, "master-b");
  a.start();
  b.start();
  return { c, a, b };
}

const lease = (c: Cluster) => c.get("leases", "kube-scheduler", "kube-system") as KubeObject & { spec: any };
const unbound = (c: Cluster, prefix: string) => ((c.get("pods") as any).items as any[]).filter((p) => p.metadata.name.startsWith(prefix) && !p.spec.nodeName).length;

/** Steps the clock event by event: never two leaders, and a scheduler attempts only while leading. */
function stepChecked(c: Cluster, ss: Scheduler[], ms: number): void {
  const end = c.sim.now + ms;
  const attempts = ss.map((s) => s.stats.attempts);
  for (;;) {
    const next = c.sim.nextEventTime();
    if (next === undefined || next > end) break;
    c.sim.step();
    if (ss.filter((s) => s.isLeader).length > 1) assert.unreachable(`two leading schedulers at ${c.sim.now} ms`);
    ss.forEach((s, i) => {
      if (s.stats.attempts !== attempts[i] && !s.isLeader) assert.unreachable(`${s.leaseIdentity} scheduled without leading at ${c.sim.now} ms`);
      attempts[i] = s.stats.attempts;
    });
  }
  c.sim.runFor(Math.max(0, end - c.sim.now));
}

test("two schedulers: one holds the Lease and schedules; the standby has a full queue but never schedules", () => {
  const { c, a, b } = setup(1);
  stepChecked(c, [a, b], 5_000);
  const [lead, standby] = a.isLeader ? [a, b] : [b, a];
  assert.ok(lead.isLeader && !standby.isLeader);
  assert.match(lead.leaseIdentity, /^master-[ab]_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is.not(a.leaseIdentity, b.leaseIdentity);
  assert.equal(
    { holder: lease(c).spec.holderIdentity, duration: lease(c).spec.leaseDurationSeconds },
    { holder: lead.leaseIdentity, duration: 15 },
  );
  c.apply(pods("p", 6));
  stepChecked(c, [a, b], 3_000);
  assert.is(unbound(c, "p"), 0);
  assert.is(lead.stats.scheduled, 6);
  assert.is(standby.stats.attempts, 0);
  // The standby's informers run (as upstream): it saw the pods bind and has them in its cache.
  assert.is(standby.cache.podCount(), 6);
  assert.is(standby.leader, lead.leaseIdentity);
});

test("the leader is killed (lease not released): the standby takes over after the lease expires and schedules the pending pods", () => {
  const { c, a, b } = setup(2);
  stepChecked(c, [a, b], 5_000);
  const [lead, standby] = a.isLeader ? [a, b] : [b, a];
  lead.stop();
  const killedAt = c.sim.now;
  assert.is(lease(c).spec.holderIdentity, lead.leaseIdentity, "kill -9 releases nothing");
  c.apply(pods("q", 4));
  // The standby must see the lease unchanged for 15 s: nothing is scheduled meanwhile.
  stepChecked(c, [a, b], 10_000);
  assert.is(unbound(c, "q"), 4);
  assert.not.ok(standby.isLeader);
  stepChecked(c, [a, b], 12_000);
  assert.ok(standby.isLeader);
  assert.is(unbound(c, "q"), 0);
  assert.is(standby.stats.scheduled, 4);
  assert.is(lead.stats.attempts, 0);
  assert.is(lease(c).spec.holderIdentity, standby.leaseIdentity);
  assert.is(lease(c).spec.leaseTransitions, 1);
  const took = c.sim.trace.rows({ component: "kube-scheduler", kind: "started-leading" }).find((r) => r.identity === standby.leaseIdentity)!;
  assert.ok(took.t - killedAt >= 15_000 && took.t - killedAt <= 22_000, `took over ${took.t - killedAt} ms after the kill`);
});

test("a leader that cannot renew (someone else wrote the Lease) stops scheduling within renewDeadline", () => {
  const c = new Cluster({ seed: 3 });
  c.apply([node("node-1"), node("node-2")].join("\n---\n"));
  const a = scheduler(c, "master-a");
  a.start();
  c.runFor("5s");
  assert.ok(a.isLeader);
  const l = lease(c);
  c.wait((cb) => c.admin.update({ ...l, spec: { ...l.spec, holderIdentity: "intruder" } }, cb));
  const stolenAt = c.sim.now;
  c.runFor("13s");
  assert.not.ok(a.isLeader);
  const lost = c.sim.trace.rows({ component: "kube-scheduler", kind: "leaderelection-lost" });
  assert.is(lost.length, 1);
  assert.ok(lost[0].t - stolenAt <= 12_000, `stopped ${lost[0].t - stolenAt} ms after losing the lease`);
  c.apply(pods("r", 2));
  c.runFor("10s");
  assert.is(unbound(c, "r"), 2);
  assert.is(a.stats.attempts, 0);
});

test("shutdown() releases the Lease: the standby takes over within a retry period, not a lease duration", () => {
  const { c, a, b } = setup(4);
  stepChecked(c, [a, b], 5_000);
  const [lead, standby] = a.isLeader ? [a, b] : [b, a];
  lead.shutdown();
  stepChecked(c, [a, b], 1_000);
  assert.is(lease(c).spec.holderIdentity, "");
  c.apply(pods("s", 2));
  stepChecked(c, [a, b], 6_000);
  assert.ok(standby.isLeader);
  assert.is(unbound(c, "s"), 0);
});

test("without leaderElect (the default) a scheduler starts at once and touches no Lease", () => {
  const c = new Cluster({ seed: 5 });
  c.apply(node("node-1"));
  const client = c.componentClient("kube-scheduler", COMPONENT_IDENTITIES.kubeScheduler);
  const s = new Scheduler({ sim: c.sim, client, informers: new SharedInformerFactory(c.sim, client) });
  s.start();
  c.apply(pods("t", 1));
  c.runFor("2s");
  assert.is(unbound(c, "t"), 0);
  assert.ok(s.isLeader);
  assert.throws(() => lease(c));
});

test.run();
