// The Raft paper's Figure 8 (§5.4.2), replayed step by step on the harness.
//
// "A time sequence showing why a leader cannot determine commitment using log entries from
// older terms." Five members. The script controls who campaigns and which AppendEntries get
// through (dropIf), so every run is the same. Figure 8 is about the paper's basic algorithm,
// so PreVote and CheckQuorum are off; one entry per AppendEntries (maxSizePerMsg 0) lets us
// deliver entry 2 without entry 3.
//
// etcd's leaders append an empty entry when elected, so the paper's entries map to ours as:
//   X1 (index 1, term 1)  the empty entry of S5's first leadership, committed everywhere
//   A  (index 2, term 2)  S1's empty entry as leader of term 2
//   B  (index 2, term 3)  S5's empty entry as leader of term 3
//   C  (index 3, term 4)  S1's empty entry as leader of term 4
// Because C is appended at once on election, (c) lets C reach S2 (not a majority): S1, S2
// hold [X1 A C], S3 holds [X1 A]. A is on a majority; C is not.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";
import { RaftCluster, RaftClusterOptions, RaftInvariants } from "../../src/etcd/raft";

const S = (i: number) => `etcd-${i}`;
const terms = (c: RaftCluster, i: number) => c.log(i).map((e) => e.term);

function setup(extra: RaftClusterOptions = {}) {
  const sim = new Simulation({ seed: "figure-8", trace: true });
  const c = new RaftCluster(sim, { members: 5, preVote: false, checkQuorum: false, maxSizePerMsg: 0, ...extra });
  const inv = new RaftInvariants(c);
  const settle = () => sim.runFor("30ms");

  // Start: S5 leads term 1; its empty entry X1 is committed everywhere.
  c.campaign(5);
  settle();
  assert.is(c.leader(), S(5));
  assert.ok(c.runUntilApplied(1, "1s"));

  // (a) S1 leads term 2; its entry A reaches only S2.
  const onlyS2 = c.dropIf((m) => m.from === 1 && m.type === "MsgApp" && m.to !== 2);
  c.campaign(1);
  settle();
  assert.is(c.leader(), S(1));
  assert.is(c.term(1), 2);
  assert.equal(terms(c, 1), [1, 2]);
  assert.equal(terms(c, 2), [1, 2]);
  for (const i of [3, 4, 5]) assert.equal(terms(c, i), [1]);
  assert.is(c.commitIndex(1), 1, "(a) A is on 2 of 5: not committed");
  onlyS2();

  // (b) S1 crashes; S5 wins term 3 with S3 and S4 (S2 refuses: its log is more up to date),
  //     appends B at index 2 and replicates nothing.
  c.crash(1);
  const s5Silent = c.dropIf((m) => m.from === 5 && m.type === "MsgApp");
  c.campaign(5);
  settle();
  assert.is(c.leader(), S(5));
  assert.is(c.term(5), 3);
  assert.equal(terms(c, 5), [1, 3]);
  const s2vote = sim.trace.rows({ component: "raft", kind: "vote" }).filter((r) => r.member === S(2) && r.term === 3);
  assert.equal(s2vote.map((r) => r.granted), [false], "S2 refused S5 in term 3");
  s5Silent();

  // (c) S5 crashes; S1 restarts and wins term 4 (S2, S3, S4). Its empty entry C (3@4) reaches
  //     S2 only; A (2@2) is replicated to S3. A is now on a majority: S1, S2, S3.
  c.crash(5);
  c.restart(1);
  const cRules = [
    c.dropIf((m) => m.from === 1 && m.type === "MsgApp" && m.to === 4),
    // S3 first rejects the probe carrying C (it lacks A), then gets A alone; once S3 holds A,
    // nothing carrying C gets through to it.
    c.dropIf((m) => m.from === 1 && m.type === "MsgApp" && m.to === 3 && m.entries.some((e) => e.index === 3) && c.log(3).length >= 2),
  ];
  c.campaign(1); // term 3: S2..S4 already voted in term 3 (or follow S5) - rejected
  settle();
  c.campaign(1); // term 4
  settle();
  assert.is(c.leader(), S(1));
  assert.is(c.term(1), 4);
  assert.equal(terms(c, 1), [1, 2, 4]);
  assert.equal(terms(c, 2), [1, 2, 4]);
  assert.equal(terms(c, 3), [1, 2]);
  assert.equal(terms(c, 4), [1]);
  assert.equal(terms(c, 5), [1, 3]);
  return { sim, c, inv, settle, cRules };
}

test("Figure 8 (c): a leader does not commit an old-term entry by counting replicas (§5.4.2)", () => {
  const { c, inv } = setup();
  // A (2@2) is stored on S1, S2, S3 — a majority — and S1 knows it ...
  assert.ok(c.node(1)!.raft.prs.committed() >= 2);
  // ... but it is from term 2, and S1 leads term 4: not committed.
  assert.is(c.commitIndex(1), 1);
  for (const i of [1, 2, 3, 4, 5]) assert.ok(c.applied(i).every((e) => e.index < 2), `S${i} applied index 2`);
  assert.equal(inv.violations, []);
});

test("Figure 8 (d): S1 crashes before C reaches a majority; S5 wins term 5 and overwrites A with B", () => {
  const { sim, c, inv, settle, cRules } = setup();
  c.crash(1);
  for (const r of cRules) r();
  c.restart(5);
  c.campaign(5); // term 4: everyone voted for S1 in term 4
  settle();
  c.campaign(5); // term 5: S3 and S4 grant (their last term 2 and 1 < 3); S2 refuses (4 > 3)
  settle();
  assert.is(c.leader(), S(5));
  assert.is(c.term(5), 5);
  // S5's term-5 empty entry commits on S3, S4, S5, and B with it.
  c.restart(1);
  sim.runFor("2s");
  for (const i of [1, 2, 3, 4, 5]) {
    assert.equal(terms(c, i).slice(0, 3), [1, 3, 5], `S${i} log`);
    assert.is(c.applied(i)[1].term, 3, `S${i} applied B at index 2`);
  }
  inv.finalCheck();
  assert.equal(inv.violations, [], "legal: nobody ever applied A");
});

test("Figure 8 (e): C reaches a majority first; then A and C are committed and S5 can never win", () => {
  const { sim, c, inv, settle, cRules } = setup();
  for (const r of cRules) r(); // C (3@4) now reaches S3 (resent after the next heartbeat)
  sim.runFor("300ms");
  assert.equal(terms(c, 3), [1, 2, 4]);
  assert.is(c.commitIndex(1), 3, "C is committed, and A with it");
  c.crash(1);
  c.restart(5);
  for (let i = 0; i < 3; i++) {
    c.campaign(5);
    settle();
    assert.is.not(c.role(5), "leader", "S5 cannot win: S2 and S3 refuse (their last term 4 > 3)");
  }
  c.restart(1);
  sim.runFor("5s");
  assert.ok(c.leader() !== undefined && c.leader() !== S(5));
  for (const i of [1, 2, 3, 4, 5]) {
    assert.equal(c.applied(i).slice(0, 3).map((e) => `${e.index}@${e.term}`), ["1@1", "2@2", "3@4"], `S${i}`);
  }
  const s5leader = sim.trace.rows({ component: "raft", kind: "role" }).filter((r) => r.member === S(5) && r.role === "leader" && (r.term as number) > 3);
  assert.equal(s5leader, []);
  inv.finalCheck();
  assert.equal(inv.violations, []);
});

test("broken on purpose: committing old-term entries by counting (unsafeCommitOldTerms) is caught", () => {
  const { sim, c, inv, settle, cRules } = setup({ unsafeCommitOldTerms: true });
  // The bug: S1 counted A (term 2) on S1, S2, S3 and committed it in term 4.
  assert.is(c.commitIndex(1), 2);
  assert.equal(c.applied(1)[1].term, 2, "S1 applied A at index 2");
  assert.equal(inv.violations, [], "nothing wrong yet");
  // (d) as before: S5 wins term 5 without A ...
  c.crash(1);
  for (const r of cRules) r();
  c.restart(5);
  c.campaign(5);
  settle();
  c.campaign(5);
  settle();
  c.restart(1);
  sim.runFor("2s");
  // ... and the checkers see a committed entry disappear.
  const props = new Set(inv.violations.map((v) => v.property));
  if (process.env.SHOW) console.log(inv.violations);
  assert.ok(props.has("Leader Completeness"), `violations: ${JSON.stringify(inv.violations)}`);
  assert.ok(props.has("State Machine Safety") || props.has("No Panic"), `violations: ${JSON.stringify(inv.violations)}`);
});

test.run();
