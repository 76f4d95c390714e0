// client-go's LeaderElector on a Lease: one leader at every instant, takeover only after the
// lease expired by the standby's own observation, step-down within renewDeadline when renewals
// fail, releaseOnCancel, and the Lease fields as client-go writes them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { LeaderElector, microTime } from "../../src/client/leaderelection";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { parseTimestamp } from "../../src/apiserver/registry/object";

interface Candidate {
  name: string;
  elector: LeaderElector;
  leading: boolean;
  starts: number;
  stops: number;
  leaders: string[];
}

function candidate(c: Cluster, name: string, extra: { releaseOnCancel?: boolean } = {}): Candidate {
  const client = c.client(`cand-${name}`, c.adminToken);
  const cand: Candidate = { name, elector: undefined as unknown as LeaderElector, leading: false, starts: 0, stops: 0, leaders: [] };
  cand.elector = new LeaderElector(c.sim, {
    client,
    lock: { namespace: "kube-system", name: "test-lock" },
    identity: `${name}_id`,
    releaseOnCancel: extra.releaseOnCancel,
    callbacks: {
      onStartedLeading: () => {
        cand.leading = true;
        cand.starts++;
      },
      onStoppedLeading: () => {
        cand.leading = false;
        cand.stops++;
      },
      onNewLeader: (id) => cand.leaders.push(id),
    },
  });
  return cand;
}

/** Steps the simulation event by event for d ms, asserting at most one leader after every event. */
function runChecked(c: Cluster, cands: Candidate[], ms: number): void {
  const end = c.sim.now + ms;
  for (;;) {
    const next = c.sim.nextEventTime();
    if (next === undefined || next > end) break;
    c.sim.step();
    const leaders = cands.filter((x) => x.leading);
    if (leaders.length > 1) assert.unreachable(`two leaders at ${c.sim.now} ms: ${leaders.map((l) => l.name).join(", ")}`);
  }
  c.sim.runFor(Math.max(0, end - c.sim.now));
}

/** Virtual ms of a MicroTime (parseTimestamp drops the fraction). */
function micro(ts: string): number {
  return parseTimestamp(ts) + Number(ts.slice(20, 26)) / 1000;
}

function lease(c: Cluster): KubeObject {
  return c.get("leases", "test-lock", "kube-system") as KubeObject;
}

test("microTime: RFC 3339 with six fractional digits", () => {
  assert.is(microTime(0), "2026-01-01T00:00:00.000000Z");
  assert.is(microTime(15_250.5), "2026-01-01T00:00:15.250500Z");
});

test("config validation: renewDeadline < leaseDuration and > retryPeriod × 1.2", () => {
  const c = new Cluster({ seed: 1 });
  const client = c.client("v", c.adminToken);
  const cb = { onStartedLeading() {}, onStoppedLeading() {} };
  assert.throws(() => new LeaderElector(c.sim, { client, lock: { namespace: "kube-system", name: "x" }, identity: "a", leaseDuration: "10s", renewDeadline: "10s", callbacks: cb }), /leaseDuration must be greater than renewDeadline/);
  assert.throws(() => new LeaderElector(c.sim, { client, lock: { namespace: "kube-system", name: "x" }, identity: "a", renewDeadline: "2s", retryPeriod: "2s", callbacks: cb }), /renewDeadline must be greater than retryPeriod\*JitterFactor/);
  assert.throws(() => new LeaderElector(c.sim, { client, lock: { namespace: "kube-system", name: "x" }, identity: "", callbacks: cb }), /identity is empty/);
});

test("three candidates: exactly one leads, the lease names it, the others see it as leader", () => {
  const c = new Cluster({ seed: 7 });
  const cands = ["a", "b", "c"].map((n) => candidate(c, n));
  for (const x of cands) x.elector.run();
  runChecked(c, cands, 30_000);
  const leaders = cands.filter((x) => x.leading);
  assert.is(leaders.length, 1);
  const l = lease(c);
  assert.is(l.spec.holderIdentity, `${leaders[0].name}_id`);
  assert.is(l.spec.leaseDurationSeconds, 15);
  assert.is(l.spec.leaseTransitions, 0, "first acquisition by create: no transition");
  assert.match(l.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  // Renewed every retryPeriod: the renewTime is recent.
  assert.ok(c.sim.now - micro(l.spec.renewTime) <= 2_500, `renewTime ${l.spec.renewTime} is stale at ${c.sim.now}`);
  for (const x of cands) assert.is(x.elector.getLeader(), l.spec.holderIdentity, `${x.name} observes the holder`);
  for (const x of cands) assert.is(x.stops, 0);
});

test("takeover after the leader dies: not before the lease expired, at most two jittered retries later", () => {
  const c = new Cluster({ seed: 11 });
  const cands = ["a", "b"].map((n) => candidate(c, n));
  for (const x of cands) x.elector.run();
  runChecked(c, cands, 20_000);
  const leader = cands.find((x) => x.leading)!;
  const standby = cands.find((x) => !x.leading)!;
  const acquireTime = lease(c).spec.acquireTime;
  leader.elector.kill();
  leader.leading = false; // the process is gone: it does nothing any more
  const killedAt = c.sim.now;
  const lastRenew = micro(lease(c).spec.renewTime);
  c.sim.runUntil(() => standby.leading, "60s");
  assert.ok(standby.leading, "the standby took over");
  const took = c.sim.now;
  // The standby only knows when it saw the record change (never after the last renewal it read).
  assert.ok(took - lastRenew >= 15_000, `took over ${took - lastRenew} ms after the last renewal: before the lease expired`);
  // It saw the last change at most one jittered retry after it happened, and tries again at most
  // one jittered retry after expiry (retryPeriod × 2.2 = 4.4 s each), plus request latency.
  assert.ok(took - lastRenew <= 15_000 + 2 * 4_400 + 500, `takeover ${took - lastRenew} ms after the last renewal is too late`);
  assert.ok(took - killedAt >= 15_000 - 2_000 - 100);
  const l = lease(c);
  assert.is(l.spec.holderIdentity, `${standby.name}_id`);
  assert.is(l.spec.leaseTransitions, 1);
  assert.is.not(l.spec.acquireTime, acquireTime, "a new acquireTime");
  assert.equal(standby.leaders.slice(-1), [`${standby.name}_id`]);
});

test("renewals fail under a partition: the leader steps down within renewDeadline, before anyone takes over", () => {
  const c = new Cluster({ seed: 5 });
  const cands = ["a", "b", "c"].map((n) => candidate(c, n));
  for (const x of cands) x.elector.run();
  runChecked(c, cands, 20_000);
  const leader = cands.find((x) => x.leading)!;
  const lastRenew = micro(lease(c).spec.renewTime);
  c.sim.network.partition([`cand-${leader.name}`], ["apiserver"]);
  const cut = c.sim.now;
  let steppedDown = -1;
  let newLeader = -1;
  const end = c.sim.now + 40_000;
  for (;;) {
    const next = c.sim.nextEventTime();
    if (next === undefined || next > end) break;
    c.sim.step();
    const ls = cands.filter((x) => x.leading);
    assert.ok(ls.length <= 1, `two leaders at ${c.sim.now}`);
    if (steppedDown < 0 && !leader.leading) steppedDown = c.sim.now;
    if (newLeader < 0 && ls.length === 1 && ls[0] !== leader) newLeader = c.sim.now;
  }
  assert.ok(steppedDown > 0, "the partitioned leader stepped down");
  assert.is(leader.stops, 1, "onStoppedLeading once");
  // Its last successful renewal, then at most one retryPeriod until the next round, then the
  // round's renewDeadline.
  assert.ok(steppedDown - cut <= 2_000 + 10_000 + 1, `stepped down ${steppedDown - cut} ms after the cut`);
  assert.ok(steppedDown - cut >= 10_000 - 2_000, `stepped down too early (${steppedDown - cut} ms): renewDeadline is 10 s`);
  assert.ok(newLeader > steppedDown, "the new leader came after the old one stopped");
  assert.ok(newLeader - lastRenew >= 15_000);
  assert.is(lease(c).spec.leaseTransitions, 1);
});

test("releaseOnCancel: the lease is handed back empty with a 1 s duration and a standby takes it quickly", () => {
  const c = new Cluster({ seed: 3 });
  const cands = ["a", "b"].map((n) => candidate(c, n, { releaseOnCancel: true }));
  for (const x of cands) x.elector.run();
  runChecked(c, cands, 10_000);
  const leader = cands.find((x) => x.leading)!;
  const standby = cands.find((x) => !x.leading)!;
  leader.elector.cancel();
  c.sim.runUntil(() => leader.stops === 1, "5s");
  assert.is(leader.stops, 1);
  const released = lease(c);
  assert.is(released.spec.holderIdentity, "");
  assert.is(released.spec.leaseDurationSeconds, 1);
  const t = c.sim.now;
  c.sim.runUntil(() => standby.leading, "20s");
  assert.ok(standby.leading);
  assert.ok(c.sim.now - t <= 4_400 + 1_000 + 500, `took ${c.sim.now - t} ms after a release`);
});

test("without releaseOnCancel, cancel stops leading but leaves the lease held", () => {
  const c = new Cluster({ seed: 3 });
  const a = candidate(c, "a");
  a.elector.run();
  c.sim.runUntil(() => a.leading, "10s");
  a.elector.cancel();
  assert.is(a.leading, false);
  assert.is(a.stops, 1);
  c.runFor("3s");
  assert.is(lease(c).spec.holderIdentity, "a_id");
});

test("deterministic: the same seed elects the same leader at the same instant", () => {
  const once = () => {
    const c = new Cluster({ seed: 42 });
    const cands = ["a", "b", "c"].map((n) => candidate(c, n));
    for (const x of cands) x.elector.run();
    c.sim.runUntil(() => cands.some((x) => x.leading), "20s");
    return `${cands.find((x) => x.leading)!.name}@${c.sim.now}`;
  };
  assert.is(once(), once());
});

test.run();
