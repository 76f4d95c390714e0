// The rules of the Raft paper, one member at a time (after etcd's raft_paper_test.go).
//
// Each test names the paper section it checks and has three parts: set up a member, feed it a
// message or ticks, check its state and the messages it wants to send. These run the paper's
// algorithm: PreVote and CheckQuorum are off unless a test says otherwise.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Entry, Message, NodeId, None, Raft, Role, message } from "../../src/etcd/raft";
import { Network, ents, logTerms, newStorage, newTestRaft, readMessages } from "./driver";

function becomeRole(r: Raft, role: Role): void {
  if (role === "follower") r.becomeFollower(1, 2);
  if (role === "pre-candidate") r.becomePreCandidate();
  if (role === "candidate") r.becomeCandidate();
  if (role === "leader") {
    r.becomeCandidate();
    r.becomeLeader();
  }
}

/** Make the leader's empty entry committed: followers ack it. */
function commitNoopEntry(r: Raft): void {
  assert.is(r.role, "leader");
  r.bcastAppend();
  for (const m of readMessages(r)) {
    assert.is(m.type, "MsgApp");
    assert.is(m.entries.length, 1);
    r.step(acceptAndReply(m));
  }
  readMessages(r);
  persistAndApply(r);
}

function acceptAndReply(m: Message): Message {
  return message({ type: "MsgAppResp", from: m.to, to: m.from, term: m.term, index: m.index + m.entries.length });
}

function persistAndApply(r: Raft): void {
  const storage = r.raftLog.storage as ReturnType<typeof newStorage>;
  storage.append(r.raftLog.unstableEntries());
  const last = r.raftLog.lastIndex();
  r.raftLog.stableTo(last, r.raftLog.term(last) ?? 0);
  r.raftLog.appliedTo(r.raftLog.committed);
}

const brief = (ms: Message[]) => ms.map((m) => ({ type: m.type, from: m.from, to: m.to, term: m.term }));

// ---- §5.1 ----------------------------------------------------------------------------------

for (const role of ["follower", "candidate", "leader"] as Role[]) {
  test(`§5.1 a ${role} seeing a higher term adopts it and becomes follower`, () => {
    const r = newTestRaft(1, [1, 2, 3]);
    becomeRole(r, role);
    r.step(message({ type: "MsgApp", from: 2, to: 1, term: 2 }));
    assert.is(r.term, 2);
    assert.is(r.role, "follower");
  });
}

test("§5.1 a message with a stale term is ignored", () => {
  const storage = newStorage([1, 2, 3]);
  storage.setHardState({ term: 2, vote: None, commit: 0 });
  const r = newTestRaft(1, [1, 2, 3], {}, storage);
  r.step(message({ type: "MsgApp", from: 2, to: 1, term: 1 }));
  assert.equal(readMessages(r), []);
  assert.is(r.term, 2);
  assert.is(r.lead, None);
});

test("§5.1 from any role, a MsgVote or MsgApp of a higher term makes a follower (AllServerStepdown)", () => {
  for (const [role, wlast] of [["follower", 0], ["candidate", 0], ["leader", 1]] as [Role, number][]) {
    const r = newTestRaft(1, [1, 2, 3]);
    becomeRole(r, role);
    for (const type of ["MsgVote", "MsgApp"] as const) {
      r.step(message({ type, from: 2, to: 1, term: 3, logTerm: 3 }));
      assert.is(r.role, "follower", `${role} after ${type}`);
      assert.is(r.term, 3);
      // A former leader keeps its log: just its empty entry.
      assert.is(r.raftLog.lastIndex(), wlast);
      // A vote request does not tell who leads; an AppendEntries does.
      assert.is(r.lead, type === "MsgVote" ? None : 2);
    }
  }
});

// ---- §5.2 leader election --------------------------------------------------------------------

test("§5.2 members start as followers", () => {
  assert.is(newTestRaft(1, [1, 2, 3]).role, "follower");
});

test("§5.2 the leader sends a heartbeat to every follower each heartbeat tick", () => {
  const r = newTestRaft(1, [1, 2, 3]);
  becomeRole(r, "leader");
  readMessages(r);
  r.tick();
  const msgs = readMessages(r);
  assert.equal(
    msgs.map((m) => ({ type: m.type, to: m.to, term: m.term, commit: m.commit })),
    [
      { type: "MsgHeartbeat", to: 2, term: 1, commit: 0 },
      { type: "MsgHeartbeat", to: 3, term: 1, commit: 0 },
    ],
  );
});

for (const role of ["follower", "candidate"] as Role[]) {
  test(`§5.2 a ${role} that hears nothing for an election timeout starts an election`, () => {
    const r = newTestRaft(1, [1, 2, 3]);
    becomeRole(r, role);
    const term = r.term;
    for (let i = 0; i < 2 * r.electionTimeout; i++) r.tick();
    assert.is(r.term, term + 1);
    assert.is(r.role, "candidate");
    assert.is(r.vote, 1, "votes for itself");
    assert.equal(brief(readMessages(r)), [
      { type: "MsgVote", from: 1, to: 2, term: term + 1 },
      { type: "MsgVote", from: 1, to: 3, term: term + 1 },
    ]);
  });
}

test("§5.2 one round of votes decides as a majority says (LeaderElectionInOneRoundRPC)", () => {
  const cases: [number, Record<number, boolean>, Role][] = [
    [1, {}, "leader"],
    [3, { 2: true, 3: true }, "leader"],
    [3, { 2: true }, "leader"],
    [5, { 2: true, 3: true, 4: true, 5: true }, "leader"],
    [5, { 2: true, 3: true, 4: true }, "leader"],
    [5, { 2: true, 3: true }, "leader"],
    [3, { 2: false, 3: false }, "follower"],
    [5, { 2: false, 3: false, 4: false, 5: false }, "follower"],
    [5, { 2: true, 3: false, 4: false, 5: false }, "follower"],
    [3, {}, "candidate"],
    [5, { 2: true }, "candidate"],
    [5, { 2: false, 3: false }, "candidate"],
    [5, {}, "candidate"],
  ];
  for (const [size, votes, want] of cases) {
    const peers = Array.from({ length: size }, (_, i) => i + 1);
    const r = newTestRaft(1, peers);
    r.step(message({ type: "MsgHup", from: 1, to: 1 }));
    for (const [id, granted] of Object.entries(votes)) {
      r.step(message({ type: "MsgVoteResp", from: Number(id), to: 1, term: r.term, reject: !granted }));
    }
    assert.is(r.role, want, `size ${size} votes ${JSON.stringify(votes)}`);
    assert.is(r.term, 1);
  }
});

test("§5.2 each member votes for at most one candidate per term, first come first served", () => {
  const cases: [NodeId, NodeId, boolean][] = [
    [None, 2, false],
    [None, 3, false],
    [2, 2, false],
    [3, 3, false],
    [2, 3, true],
    [3, 2, true],
  ];
  for (const [vote, from, wreject] of cases) {
    const storage = newStorage([1, 2, 3]);
    storage.setHardState({ term: 1, vote, commit: 0 });
    const r = newTestRaft(1, [1, 2, 3], {}, storage);
    r.step(message({ type: "MsgVote", from, to: 1, term: 1 }));
    const msgs = readMessages(r);
    assert.equal(
      msgs.map((m) => ({ type: m.type, to: m.to, term: m.term, reject: m.reject })),
      [{ type: "MsgVoteResp", to: from, term: 1, reject: wreject }],
      `voted for ${vote}, asked by ${from}`,
    );
  }
});

test("§5.2 a candidate hearing from a leader of its term or later becomes its follower", () => {
  for (const term of [1, 2]) {
    const r = newTestRaft(1, [1, 2, 3]);
    r.step(message({ type: "MsgHup", from: 1, to: 1 }));
    assert.is(r.role, "candidate");
    r.step(message({ type: "MsgApp", from: 2, to: 1, term }));
    assert.is(r.role, "follower");
    assert.is(r.term, term);
    assert.is(r.lead, 2);
  }
});

for (const role of ["follower", "candidate"] as Role[]) {
  test(`§5.2 a ${role}'s election timeout is random, every value in [ET, 2ET) occurs`, () => {
    const et = 10;
    const r = newTestRaft(1, [1, 2, 3], { electionTick: et });
    const seen = new Set<number>();
    for (let round = 0; round < 50 * et; round++) {
      if (role === "follower") r.becomeFollower(r.term + 1, 2);
      else r.becomeCandidate();
      let time = 0;
      while (readMessages(r).length === 0) {
        r.tick();
        time++;
      }
      seen.add(time);
    }
    for (let d = et; d < 2 * et; d++) assert.ok(seen.has(d), `timeout ${d} never happened`);
    for (const d of seen) assert.ok(d >= et && d < 2 * et, `timeout ${d} out of range`);
  });
}

// ---- §5.3 log replication ---------------------------------------------------------------------

test("§5.3 the leader appends a proposal and sends AppendEntries to every follower", () => {
  const r = newTestRaft(1, [1, 2, 3]);
  becomeRole(r, "leader");
  commitNoopEntry(r);
  const li = r.raftLog.lastIndex();
  r.step(message({ type: "MsgProp", from: 1, to: 1, entries: [{ term: 0, index: 0, type: "normal", data: "some data" }] }));
  assert.is(r.raftLog.lastIndex(), li + 1);
  assert.is(r.raftLog.committed, li);
  const wents = [{ term: 1, index: li + 1, type: "normal", data: "some data" }];
  assert.equal(
    readMessages(r).map((m) => ({ type: m.type, to: m.to, index: m.index, logTerm: m.logTerm, commit: m.commit, entries: m.entries })),
    [
      { type: "MsgApp", to: 2, index: li, logTerm: 1, commit: li, entries: wents },
      { type: "MsgApp", to: 3, index: li, logTerm: 1, commit: li, entries: wents },
    ],
  );
  assert.equal(r.raftLog.unstableEntries(), wents);
});

test("§5.3 the leader commits once a majority (itself included) stores the entry", () => {
  const cases: [number, NodeId[], boolean][] = [
    [1, [], true],
    [3, [], false],
    [3, [2], true],
    [3, [2, 3], true],
    [5, [], false],
    [5, [2], false],
    [5, [2, 3], true],
    [5, [2, 3, 4], true],
    [5, [2, 3, 4, 5], true],
  ];
  for (const [size, acceptors, wack] of cases) {
    const peers = Array.from({ length: size }, (_, i) => i + 1);
    const r = newTestRaft(1, peers);
    becomeRole(r, "leader");
    commitNoopEntry(r);
    const li = r.raftLog.lastIndex();
    r.step(message({ type: "MsgProp", from: 1, to: 1, entries: [{ term: 0, index: 0, type: "normal", data: "x" }] }));
    for (const m of readMessages(r)) if (acceptors.includes(m.to)) r.step(acceptAndReply(m));
    assert.is(r.raftLog.committed > li, wack, `size ${size} acks ${acceptors}`);
  }
});

test("§5.3 the commit also commits all preceding entries, of earlier terms too", () => {
  const cases: Entry[][] = [[], [{ term: 2, index: 1, type: "normal" }], ents(1, 2), ents(1)];
  for (const tt of cases) {
    const storage = newStorage([1, 2, 3], tt);
    storage.setHardState({ term: 2, vote: None, commit: 0 });
    const r = newTestRaft(1, [1, 2, 3], {}, storage);
    becomeRole(r, "leader"); // term 3
    r.step(message({ type: "MsgProp", from: 1, to: 1, entries: [{ term: 0, index: 0, type: "normal", data: "some data" }] }));
    for (const m of readMessages(r)) r.step(acceptAndReply(m));
    const li = tt.length;
    const want = [
      ...tt,
      { term: 3, index: li + 1, type: "normal" },
      { term: 3, index: li + 2, type: "normal", data: "some data" },
    ];
    assert.equal(r.raftLog.nextCommittedEntries(), want);
  }
});

test("§5.3 a follower learns the commit index from AppendEntries and applies in order", () => {
  const e = (index: number, data: string): Entry => ({ term: 1, index, type: "normal", data });
  const cases: [Entry[], number][] = [
    [[e(1, "some data")], 1],
    [[e(1, "some data"), e(2, "some data2")], 2],
    [[e(1, "some data2"), e(2, "some data")], 2],
    [[e(1, "some data"), e(2, "some data2")], 1],
  ];
  for (const [es, commit] of cases) {
    const r = newTestRaft(1, [1, 2, 3]);
    r.becomeFollower(1, 2);
    r.step(message({ type: "MsgApp", from: 2, to: 1, term: 1, entries: es, commit }));
    assert.is(r.raftLog.committed, commit);
    assert.equal(r.raftLog.nextCommittedEntries(), es.slice(0, commit));
  }
});

test("§5.3 consistency check: a follower refuses AppendEntries whose previous entry it lacks, with a hint", () => {
  // follower log terms [1, 2], commit 1
  const cases: [number, number, number, boolean, number, number][] = [
    // logTerm, index -> windex, wreject, wrejectHint, wlogTerm
    [0, 0, 1, false, 0, 0], // before the commit index: known to match
    [1, 1, 1, false, 0, 0],
    [2, 2, 2, false, 0, 0],
    [1, 2, 2, true, 1, 1], // term mismatch at 2: last index with term <= 1 is 1
    [3, 3, 3, true, 2, 2], // beyond our log: our last index
  ];
  for (const [logTerm, index, windex, wreject, whint, wlogTerm] of cases) {
    const storage = newStorage([1, 2, 3], ents(1, 2));
    storage.setHardState({ term: 0, vote: None, commit: 1 });
    const r = newTestRaft(1, [1, 2, 3], {}, storage);
    r.becomeFollower(2, 2);
    r.step(message({ type: "MsgApp", from: 2, to: 1, term: 2, logTerm, index }));
    const [m] = readMessages(r);
    assert.equal(
      { type: m.type, index: m.index, reject: m.reject, hint: m.rejectHint, logTerm: m.logTerm },
      { type: "MsgAppResp", index: windex, reject: wreject, hint: whint, logTerm: wlogTerm },
      `prev ${index}@${logTerm}`,
    );
  }
});

test("§5.3 a follower deletes a conflicting suffix and appends; it never truncates on a stale request", () => {
  const E = (index: number, term: number): Entry => ({ index, term, type: "normal", data: `e${index}` });
  const cases: [number, number, Entry[], number[], number[]][] = [
    // prev index, prev term, entries -> log terms, unstable terms
    [2, 2, [E(3, 3)], [1, 2, 3], [3]],
    [1, 1, [E(2, 3), E(3, 4)], [1, 3, 4], [3, 4]],
    [0, 0, [E(1, 1)], [1, 2], []],
    [0, 0, [E(1, 3)], [3], [3]],
  ];
  for (const [index, logTerm, es, wterms, wunstable] of cases) {
    const r = newTestRaft(1, [1, 2, 3], {}, newStorage([1, 2, 3], ents(1, 2)));
    r.becomeFollower(2, 2);
    r.step(message({ type: "MsgApp", from: 2, to: 1, term: 2, logTerm, index, entries: es }));
    assert.equal(logTerms(r), wterms);
    assert.equal(r.raftLog.unstableEntries().map((e) => e.term), wunstable);
  }
});

test("§5.3 Figure 7: the leader brings every kind of divergent follower log into line with its own", () => {
  const leaderLog = ents(1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
  const term = 8;
  const followers: number[][] = [
    [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing one entry
    [1, 1, 1, 4], // (b) missing many
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) an extra uncommitted entry
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra entries of a later term
    [1, 1, 1, 4, 4, 4, 4], // (e) missing, plus extra entries of term 4
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) many entries of terms 2 and 3 the leader never had
  ];
  for (const f of followers) {
    const ls = newStorage([1, 2, 3], leaderLog);
    ls.setHardState({ term, vote: None, commit: leaderLog.length });
    const fs = newStorage([1, 2, 3], ents(...f));
    fs.setHardState({ term: term - 1, vote: None, commit: 0 });
    // Member 3 never answers; the leader needs its vote when the follower's log is longer.
    const net = new Network([1, 2, 3], {}, { 1: ls, 2: fs, 3: null });
    net.campaign(1);
    net.send(message({ type: "MsgVoteResp", from: 3, to: 1, term: term + 1 }));
    assert.is(net.raft(1).role, "leader", `follower ${f}`);
    net.propose(1, "new");
    const show = (r: Raft) => r.raftLog.allEntries().map((e) => `${e.index}@${e.term}:${e.data ?? ""}`);
    assert.equal(show(net.raft(2)), show(net.raft(1)), `follower ${f}`);
  }
});

// ---- §5.4 safety --------------------------------------------------------------------------------

test("§5.4.1 a vote request carries the candidate's last log index and term", () => {
  for (const [es, wterm] of [[ents(1), 2], [ents(1, 2), 3]] as [Entry[], number][]) {
    const r = newTestRaft(1, [1, 2, 3]);
    r.step(message({ type: "MsgApp", from: 2, to: 1, term: wterm - 1, logTerm: 0, index: 0, entries: es }));
    readMessages(r);
    for (let i = 1; i < r.electionTimeout * 2; i++) r.tick();
    const msgs = readMessages(r).filter((m) => m.type === "MsgVote");
    assert.equal(
      msgs.map((m) => ({ to: m.to, term: m.term, index: m.index, logTerm: m.logTerm })),
      [2, 3].map((to) => ({ to, term: wterm, index: es.length, logTerm: es[es.length - 1].term })),
    );
  }
});

test("§5.4.1 votes only go to candidates whose log is at least as up-to-date", () => {
  const E = (index: number, term: number): Entry => ({ index, term, type: "normal" });
  const cases: [Entry[], number, number, boolean][] = [
    // voter log, candidate last term, candidate last index -> reject
    [[E(1, 1)], 1, 1, false], // same last term: longer or equal log wins
    [[E(1, 1)], 1, 2, false],
    [[E(1, 1), E(2, 1)], 1, 1, true],
    [[E(1, 1)], 2, 1, false], // candidate's last term higher
    [[E(1, 1)], 2, 2, false],
    [[E(1, 1), E(2, 1)], 2, 1, false],
    [[E(1, 2)], 1, 1, true], // voter's last term higher
    [[E(1, 2)], 1, 2, true],
    [[E(1, 2), E(2, 1)], 1, 1, true],
  ];
  for (const [log, logTerm, index, wreject] of cases) {
    const r = newTestRaft(1, [1, 2], {}, newStorage([1, 2], log));
    r.step(message({ type: "MsgVote", from: 2, to: 1, term: 3, logTerm, index }));
    const [m] = readMessages(r);
    assert.is(m.type, "MsgVoteResp");
    assert.is(m.reject, wreject, `voter ${JSON.stringify(log.map((e) => e.term))} vs ${index}@${logTerm}`);
  }
});

test("§5.4.2 a leader commits only entries of its own term by counting replicas", () => {
  const log: Entry[] = [
    { term: 1, index: 1, type: "normal" },
    { term: 2, index: 2, type: "normal" },
  ];
  for (const [ack, wcommit] of [[1, 0], [2, 0], [3, 3]]) {
    const storage = newStorage([1, 2, 3], log);
    storage.setHardState({ term: 2, vote: None, commit: 0 });
    const r = newTestRaft(1, [1, 2, 3], {}, storage);
    r.becomeCandidate();
    r.becomeLeader(); // term 3, empty entry at index 3
    readMessages(r);
    r.step(message({ type: "MsgProp", from: 1, to: 1, entries: [{ term: 0, index: 0, type: "normal" }] }));
    r.step(message({ type: "MsgAppResp", from: 2, to: 1, term: r.term, index: ack }));
    assert.is(r.raftLog.committed, wcommit, `ack of index ${ack}`);
  }
});

test.run();
