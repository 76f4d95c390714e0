// A pluggable state machine on RaftCluster: applied in log order, rebuilt from snapshot + log
// after a crash, and shipped to a follower that fell behind the compacted log.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";
import { Entry, RaftCluster, RaftInvariants, StateMachine } from "../../src/etcd/raft";

class Sum implements StateMachine {
  total = 0;
  applied: number[] = [];
  apply(e: Entry): void {
    if (!e.data) return; // a leader's empty entry
    this.total += Number(e.data);
    this.applied.push(e.index);
  }
  snapshot(): unknown {
    return { total: this.total };
  }
  restore(state: unknown): void {
    this.total = (state as { total: number }).total;
  }
}

const sum = (c: RaftCluster, m: string) => (c.stateMachine(m) as Sum).total;

test("every member's state machine applies the same commands", () => {
  const sim = new Simulation({ seed: 3 });
  const c = new RaftCluster(sim, { stateMachine: () => new Sum() });
  c.runUntilLeader();
  for (let i = 1; i <= 10; i++) c.propose(String(i));
  sim.runFor("1s");
  for (const m of c.members) assert.is(sum(c, m), 55, m);
});

test("a restarted member rebuilds its state from its snapshot and the log (no double counting)", () => {
  const sim = new Simulation({ seed: 4 });
  const c = new RaftCluster(sim, { stateMachine: () => new Sum(), snapshotCount: 5, snapshotCatchUpEntries: 2 });
  const inv = new RaftInvariants(c);
  c.runUntilLeader();
  for (let i = 1; i <= 12; i++) c.propose(String(i));
  sim.runFor("1s");
  const victim = c.members.find((m) => m !== c.leader())!;
  assert.ok(c.status(victim).snapshotIndex > 0, "a snapshot was taken");
  c.crash(victim);
  assert.is(c.stateMachine(victim), undefined, "no state machine while down");
  c.restart(victim);
  sim.runFor("1s");
  assert.is(sum(c, victim), 78);
  inv.finalCheck();
  assert.equal(inv.violations, []);
});

test("a follower behind the leader's compacted log gets the state machine by InstallSnapshot", () => {
  const sim = new Simulation({ seed: 5 });
  const c = new RaftCluster(sim, { stateMachine: () => new Sum(), snapshotCount: 5, snapshotCatchUpEntries: 1 });
  c.runUntilLeader();
  const lagging = c.members.find((m) => m !== c.leader())!;
  c.crash(lagging);
  for (let i = 1; i <= 20; i++) c.propose("2");
  sim.runFor("1s");
  c.restart(lagging);
  sim.runFor("3s");
  assert.ok(sim.trace.rows({ component: "raft", kind: "restore" }).some((r) => r.member === lagging), "restored from a snapshot");
  assert.is(sum(c, lagging), 40);
  assert.ok((c.stateMachine(lagging) as Sum).applied.length < 20, "it did not replay the whole history");
});

test.run();
