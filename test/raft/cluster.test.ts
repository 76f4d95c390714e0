// Classic Raft scenarios on the simulated cluster, by name. Every test runs the invariant
// checkers on every step (they throw at the first violation).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";
import { RaftCluster, RaftClusterOptions, RaftInvariants } from "../../src/etcd/raft";

function cluster(seed: string, options: RaftClusterOptions = {}) {
  const sim = new Simulation({ seed });
  sim.network.configure({ latency: "2ms", jitter: "1ms" });
  const c = new RaftCluster(sim, options);
  const inv = new RaftInvariants(c, { throwOnViolation: true });
  return { sim, c, inv };
}

const roles = (c: RaftCluster) => c.members.map((m) => c.role(m));
const leaders = (c: RaftCluster) => c.members.filter((m) => c.role(m) === "leader");

test("initial election: one leader within two election timeouts; its empty entry commits at index 1 (§5.2)", () => {
  const { sim, c, inv } = cluster("initial-election");
  const lead = c.runUntilLeader("2.1s");
  assert.ok(lead, "a leader within 2 x 1000 ms (+ one tick of phase)");
  assert.ok(sim.now >= 1000, "nobody campaigns before the minimum election timeout");
  sim.runFor("200ms");
  assert.equal(leaders(c), [lead]);
  for (const m of c.members) {
    assert.is(c.term(m), 1, "PreVote: one real election, one term");
    assert.is(c.status(m).leader, lead, `${m} knows the leader`);
    assert.equal(c.applied(m).map((e) => `${e.index}@${e.term}`), ["1@1"], "the leader's empty entry");
  }
  const p = c.propose("x=1");
  assert.equal([p.ok, p.index], [true, 2]);
  assert.ok(c.runUntilApplied(2, "100ms"));
  for (const m of c.members) assert.equal(c.commands(m), ["x=1"]);
  inv.finalCheck();
});

test("re-election after the leader fails; the old leader rejoins as a follower and catches up (§5.2)", () => {
  const { sim, c, inv } = cluster("re-election", { members: 5 });
  const first = c.runUntilLeader() as string;
  c.propose("a");
  sim.runFor("100ms");
  const crashedAt = sim.now;
  c.crash(first);
  const second = c.runUntilLeader("3s");
  assert.ok(second && second !== first);
  const took = sim.now - crashedAt;
  // Followers wait out their own randomised timeout (1-2 s) after the last heartbeat.
  assert.ok(took >= 900 && took <= 2300, `re-election took ${took} ms`);
  assert.ok(c.term(second) > c.term(first));
  const p = c.propose("b");
  assert.ok(p.ok);
  assert.ok(c.runUntilApplied(p.index as number, "200ms"));
  c.restart(first);
  sim.runFor("1s");
  assert.is(c.role(first), "follower");
  assert.is(c.status(first).leader, second);
  assert.equal(c.commands(first), ["a", "b"]);
  inv.finalCheck();
});

test("no agreement without a quorum: a minority cannot commit, the majority can (§5.3)", () => {
  const { sim, c, inv } = cluster("no-quorum", { members: 5 });
  const lead = c.runUntilLeader() as string;
  const others = c.members.filter((m) => m !== lead);
  // Leader plus one follower on one side; three on the other.
  const minority = [lead, others[0]];
  const majority = others.slice(1);
  c.partition(minority, majority);
  const p = c.propose("lost?");
  assert.ok(p.ok, "the old leader still accepts the proposal");
  sim.runFor("3s");
  assert.ok(c.commitIndex(lead) < (p.index as number), "but cannot commit it");
  assert.is.not(c.role(lead), "leader", "CheckQuorum: it stepped down after an election timeout");
  const newLead = leaders(c)[0];
  assert.ok(majority.includes(newLead), "the majority elected a leader");
  const q = c.propose("kept");
  assert.ok(c.runUntilApplied(q.index as number, "500ms", 3));
  c.heal();
  sim.runFor("2s");
  for (const m of c.members) assert.equal(c.commands(m), ["kept"], `${m}: the minority's entry was discarded`);
  inv.finalCheck();
});

test("rejoin of a partitioned leader: with PreVote it does not disrupt the new leader (thesis §9.6)", () => {
  const { sim, c, inv } = cluster("rejoin-leader", { members: 5 });
  const old = c.runUntilLeader() as string;
  c.isolate(old);
  sim.runFor("5s");
  const lead = leaders(c)[0];
  assert.ok(lead && lead !== old);
  const term = c.term(lead);
  assert.is.not(c.role(old), "leader", "stepped down (CheckQuorum)");
  assert.ok(c.term(old) < term, "its term did not grow while cut off: PreVote never won");
  c.heal();
  sim.runFor("3s");
  assert.is(c.leader(), lead, "same leader");
  assert.is(c.term(lead), term, "same term: nobody was disrupted");
  assert.is(c.status(old).leader, lead);
  inv.finalCheck();
});

test("without PreVote, a rejoining member inflates terms and forces an election", () => {
  const run = (preVote: boolean) => {
    const { sim, c } = cluster("term-inflation", { members: 3, preVote });
    const lead = c.runUntilLeader() as string;
    sim.runFor("200ms");
    const follower = c.members.find((m) => m !== lead) as string;
    const before = c.term(lead);
    c.isolate(follower);
    sim.runFor("10s");
    const isolatedTerm = c.term(follower);
    c.heal();
    sim.runFor("3s");
    const now = c.runUntilLeader("10s") as string;
    const elections = sim.trace.rows({ component: "raft", kind: "role" }).filter((r) => r.role === "leader").length;
    return { before, isolatedTerm, after: c.term(now), elections };
  };
  const pv = run(true);
  const nopv = run(false);
  assert.is(pv.isolatedTerm, pv.before, "PreVote: the isolated follower's term stays put");
  assert.is(pv.after, pv.before);
  assert.ok(nopv.isolatedTerm >= nopv.before + 4, `without PreVote it campaigned its term up to ${nopv.isolatedTerm}`);
  assert.ok(nopv.after > nopv.isolatedTerm - 1, "and the cluster had to move past it");
  assert.ok(nopv.elections > pv.elections, "an extra election happened");
});

test("a follower far behind catches up through a snapshot (§7)", () => {
  const { sim, c, inv } = cluster("snapshot-catch-up", { snapshotCount: 20, snapshotCatchUpEntries: 5 });
  const lead = c.runUntilLeader() as string;
  const behind = c.members.find((m) => m !== lead) as string;
  c.crash(behind);
  for (let i = 0; i < 60; i++) c.propose(`k${i}`);
  sim.runFor("500ms");
  assert.ok(c.status(lead).firstIndex > 10, "the leader compacted its log");
  c.restart(behind);
  sim.runFor("1s");
  const snaps = sim.trace.rows({ component: "raft", kind: "snapshot" }).filter((r) => r.to === behind);
  assert.ok(snaps.length >= 1, "InstallSnapshot was sent");
  assert.ok(sim.trace.rows({ component: "raft", kind: "restore" }).some((r) => r.member === behind));
  assert.equal(c.commands(behind), c.commands(lead));
  assert.is(c.commands(behind).length, 60);
  inv.finalCheck();
});

test("a restarted member recovers term, vote and log from disk; volatile state starts over", () => {
  const { sim, c, inv } = cluster("restart-from-disk");
  const lead = c.runUntilLeader() as string;
  for (const cmd of ["a", "b", "c"]) c.propose(cmd);
  sim.runFor("200ms");
  const m = c.members.find((x) => x !== lead) as string;
  const before = c.status(m);
  c.crash(m);
  assert.is(c.role(m), "down");
  assert.is(c.term(m), before.term, "term on disk");
  assert.is(c.log(m).length, before.lastIndex, "log on disk");
  c.restart(m);
  const after = c.status(m);
  assert.is(after.term, before.term);
  assert.is(after.vote, before.vote);
  assert.is(after.role, "follower");
  assert.is(after.leader, undefined, "who leads is volatile");
  assert.equal(c.commands(m), ["a", "b", "c"], "committed entries re-applied from the persisted commit index");
  sim.runFor("300ms");
  assert.is(c.status(m).leader, lead);
  inv.finalCheck();
});

test("leader transfer: the target campaigns at once, skipping PreVote (thesis §3.10)", () => {
  const { sim, c, inv } = cluster("transfer", { members: 5 });
  const lead = c.runUntilLeader() as string;
  c.propose("before");
  sim.runFor("100ms");
  const target = c.members.find((m) => m !== lead) as string;
  const term = c.term(lead);
  const at = sim.now;
  assert.ok(c.transferLeader(target));
  sim.runUntil(() => c.leader() === target, "1s");
  assert.is(c.leader(), target);
  assert.ok(sim.now - at < 50, `took ${sim.now - at} ms, far less than an election timeout`);
  assert.is(c.term(target), term + 1);
  const pre = sim.trace.rows({ component: "raft", kind: "role" }).filter((r) => r.t >= at && r.role === "pre-candidate");
  assert.equal(pre, [], "no pre-vote round");
  const p = c.propose("after");
  assert.ok(c.runUntilApplied(p.index as number, "200ms"));
  for (const m of c.members) assert.equal(c.commands(m), ["before", "after"]);
  inv.finalCheck();
});

test("ReadIndex: reads are served after a heartbeat round confirms leadership (thesis §6.4)", () => {
  const { sim, c, inv } = cluster("read-index");
  const lead = c.runUntilLeader() as string;
  c.propose("v1");
  sim.runFor("100ms");
  const r = c.readIndex();
  assert.is(r.servedAt, undefined, "not before the heartbeat round");
  sim.runFor("20ms");
  assert.ok(r.ok && r.index === c.commitIndex(lead));
  assert.equal(r.value, ["v1"]);
  // At a follower: forwarded to the leader, served once the follower applied that far.
  const f = c.members.find((m) => m !== lead) as string;
  const rf = c.readIndex(f);
  sim.runFor("20ms");
  assert.ok(rf.ok, `${JSON.stringify(rf)}`);
  assert.equal(rf.value, ["v1"]);
  // An isolated (stale) leader can never confirm a read: no stale reads.
  c.isolate(lead);
  const stale = c.readIndex(lead);
  sim.runFor("3s");
  assert.is(stale.servedAt, undefined, "a deposed leader does not serve the read");
  inv.finalCheck();
});

test("membership: grow 3 -> 4 -> 5 one member at a time, then remove the leader (thesis §4.1)", () => {
  const { sim, c, inv } = cluster("membership");
  const lead = c.runUntilLeader() as string;
  c.propose("x");
  sim.runFor("100ms");

  const four = c.addMember();
  assert.ok(four.ok && four.name === "etcd-4", JSON.stringify(four));
  const busy = c.addMember();
  assert.is(busy.ok, false, "one change at a time");
  sim.runFor("500ms");
  assert.equal(c.status(lead).voters, ["etcd-1", "etcd-2", "etcd-3", "etcd-4"]);
  assert.equal(c.commands("etcd-4"), ["x"], "the new member caught up");

  const five = c.addMember();
  assert.ok(five.ok);
  sim.runFor("500ms");
  for (const m of c.members) assert.is(c.status(m).voters.length, 5, `${m} sees 5 voters`);

  // With 5 voters a majority is 3: two crashed members don't stop progress.
  const others = c.members.filter((m) => m !== lead);
  c.crash(others[0]);
  c.crash(others[1]);
  const p = c.propose("y");
  assert.ok(c.runUntilApplied(p.index as number, "500ms", 3));
  c.restart(others[0]);
  c.restart(others[1]);
  sim.runFor("500ms");

  // Remove the leader: it commits its own removal, then steps down and shuts down.
  const rm = c.removeMember(lead);
  assert.ok(rm.ok);
  sim.runFor("3s");
  assert.ok(c.status(lead).removed);
  assert.is(c.role(lead), "down");
  const next = c.leader();
  assert.ok(next && next !== lead, "the remaining four elected a leader");
  assert.is(c.status(next as string).voters.length, 4);
  const q = c.propose("z");
  assert.ok(c.runUntilApplied(q.index as number, "500ms"));
  assert.equal(c.commands(next as string), ["x", "y", "z"]);
  assert.throws(() => c.restart(lead), /removed/);
  inv.finalCheck();
});

test("a new member added after compaction catches up by snapshot", () => {
  const { sim, c, inv } = cluster("add-after-compaction", { snapshotCount: 10, snapshotCatchUpEntries: 2 });
  c.runUntilLeader();
  for (let i = 0; i < 30; i++) c.propose(`k${i}`);
  sim.runFor("300ms");
  const added = c.addMember();
  assert.ok(added.ok);
  sim.runFor("1s");
  assert.ok(sim.trace.rows({ component: "raft", kind: "restore" }).some((r) => r.member === added.name));
  assert.is(c.commands(added.name as string).length, 30);
  assert.is(c.status(added.name as string).voters.length, 4);
  inv.finalCheck();
});

test("the same seed gives the same run, byte for byte", () => {
  const run = () => {
    const { sim, c } = cluster("determinism", { members: 5 });
    c.configure({ latency: "5ms", jitter: "4ms", loss: 0.05, reorder: 0.1 });
    c.runUntilLeader();
    for (let i = 0; i < 20; i++) {
      c.propose(`v${i}`);
      sim.runFor("150ms");
      if (i === 7) c.crash(c.leader() ?? "etcd-1");
    }
    sim.runFor("3s");
    return JSON.stringify(sim.trace.rows({ component: "raft" }));
  };
  const a = run();
  assert.ok(a.length > 1000);
  assert.is(run(), a);
});

test("errors name what is wrong", () => {
  const { c } = cluster("errors");
  assert.throws(() => c.crash("etcd-9"), /unknown member "etcd-9"; members are "etcd-1", "etcd-2", "etcd-3"/);
  assert.equal(c.propose("x"), { ok: false, member: "", error: "no leader" });
  assert.throws(() => new RaftCluster(new Simulation({ seed: 1 }), { members: 0 }), /at least 1/);
  void roles;
});

test.run();
