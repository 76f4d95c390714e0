// etcd's additions to the paper's algorithm, member by member on the network-free driver:
// PreVote and CheckQuorum (thesis §9.6, §6.2), ReadIndex (§6.4), leader transfer (§3.10),
// snapshots (§7 of the paper), membership changes one at a time (§4.1), and the fast back-up
// of nextIndex (end of §5.3). Like etcd's testdata/*.txt scripts, each test is a short story.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { RaftError, message } from "../../src/etcd/raft";
import { Network, ents, newStorage, newTestRaft, readMessages } from "./driver";

const ON = { preVote: true, checkQuorum: true };

/** Elect member 1 and commit its empty entry. */
function elected(net: Network, id = 1): void {
  net.campaign(id);
  assert.is(net.raft(id).role, "leader");
}

// ---- PreVote ----------------------------------------------------------------------------------

test("PreVote: a pre-candidate asks for votes at term+1 without adopting it", () => {
  const r = newTestRaft(1, [1, 2, 3], { preVote: true });
  r.step(message({ type: "MsgHup", from: 1, to: 1 }));
  assert.is(r.role, "pre-candidate");
  assert.is(r.term, 0, "term unchanged");
  assert.is(r.vote, 0, "no vote cast");
  const msgs = readMessages(r);
  assert.equal(msgs.map((m) => [m.type, m.to, m.term]), [["MsgPreVote", 2, 1], ["MsgPreVote", 3, 1]]);
  // One grant (plus its own) is a majority of 3: now it campaigns for real.
  r.step(message({ type: "MsgPreVoteResp", from: 2, to: 1, term: 1 }));
  assert.is(r.role, "candidate");
  assert.is(r.term, 1);
  assert.equal(readMessages(r).map((m) => m.type), ["MsgVote", "MsgVote"]);
});

test("PreVote: granting a pre-vote changes neither the voter's term nor its vote", () => {
  const storage = newStorage([1, 2, 3]);
  storage.setHardState({ term: 1, vote: 3, commit: 0 });
  const r = newTestRaft(1, [1, 2, 3], { preVote: true }, storage);
  r.step(message({ type: "MsgPreVote", from: 2, to: 1, term: 2 }));
  const [m] = readMessages(r);
  assert.equal([m.type, m.term, m.reject], ["MsgPreVoteResp", 2, false], "granted: a future term, despite the vote in term 1");
  assert.is(r.term, 1);
  assert.is(r.vote, 3);
});

test("PreVote: a member that cannot win (stale log) never raises the cluster's term", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.isolate(3);
  net.propose(1, "a"); // 3 misses it
  for (let i = 0; i < 100; i++) net.tick(3);
  assert.is(net.raft(3).term, 1, "its pre-votes were never answered: term stays");
  net.recover();
  for (let i = 0; i < 30; i++) net.tick(3);
  assert.is(net.raft(1).role, "leader");
  assert.is(net.raft(1).term, 1, "nobody was disrupted");
});

// ---- CheckQuorum ------------------------------------------------------------------------------

test("CheckQuorum: a leader that hears from no quorum for a whole election timeout steps down", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.isolate(1);
  // The first check finds the followers active (they answered before the cut) and clears the
  // marks; the second finds nobody: step down.
  for (let i = 0; i < net.raft(1).electionTimeout; i++) net.tick(1);
  assert.is(net.raft(1).role, "leader");
  for (let i = 0; i < net.raft(1).electionTimeout; i++) net.tick(1);
  assert.is(net.raft(1).role, "follower");
  assert.is(net.raft(1).term, 1);
});

test("CheckQuorum: a follower that heard from its leader recently ignores vote requests (leader lease)", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  const r2 = net.raft(2);
  r2.step(message({ type: "MsgVote", from: 3, to: 2, term: 5, index: 10, logTerm: 5 }));
  assert.is(r2.term, 1, "not even the term is adopted");
  assert.equal(readMessages(r2), []);
  // ... unless it is a leader transfer, which forces the vote.
  r2.step(message({ type: "MsgVote", from: 3, to: 2, term: 5, index: 10, logTerm: 5, context: "transfer" }));
  assert.is(r2.term, 5);
  assert.is(r2.vote, 3);
});

test("a stale leader learns the higher term from a follower's answer and steps down", () => {
  const r = newTestRaft(2, [1, 2, 3], { checkQuorum: true });
  r.becomeFollower(3, 3);
  r.step(message({ type: "MsgHeartbeat", from: 1, to: 2, term: 1 }));
  const [m] = readMessages(r);
  assert.equal([m.type, m.to, m.term], ["MsgAppResp", 1, 3], "answered with our term, so the old leader steps down");
});

// ---- ReadIndex ----------------------------------------------------------------------------------

test("ReadIndex: the leader answers with its commit index after a heartbeat round", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.propose(1, "x");
  net.hold = true;
  net.readIndex(1, "ctx-1");
  assert.equal(net.member(1).readStates, [], "not yet: leadership unconfirmed");
  const hb = net.deliver((m) => m.type === "MsgHeartbeat" && m.context === "ctx-1");
  assert.is(hb, 2);
  net.deliver((m) => m.type === "MsgHeartbeatResp");
  assert.equal(net.member(1).readStates, [{ index: net.raft(1).raftLog.committed, requestCtx: "ctx-1" }]);
});

test("ReadIndex: a new leader defers reads until an entry of its term is committed (§8)", () => {
  const net = new Network([1, 2, 3], ON);
  net.hold = true;
  net.campaign(1);
  net.deliver((m) => m.type === "MsgPreVote" || m.type === "MsgPreVoteResp" || m.type === "MsgVote" || m.type === "MsgVoteResp");
  const lead = net.raft(1);
  assert.is(lead.role, "leader");
  assert.is(lead.raftLog.committed, 0);
  net.readIndex(1, "early");
  assert.is(lead.pendingReadIndexMessages.length, 1, "deferred");
  net.deliver(); // the empty entry commits; the read proceeds with a heartbeat round
  assert.equal(net.member(1).readStates, [{ index: 1, requestCtx: "early" }]);
});

test("ReadIndex: a follower forwards the request and gets the leader's read index back", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.propose(1, "x");
  net.readIndex(2, "at-2");
  assert.equal(net.member(2).readStates, [{ index: net.raft(1).raftLog.committed, requestCtx: "at-2" }]);
});

// ---- leader transfer ------------------------------------------------------------------------------

test("leader transfer to an up-to-date follower: MsgTimeoutNow, and it wins term+1 at once", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.send(message({ type: "MsgTransferLeader", from: 3, to: 1 }));
  assert.is(net.raft(3).role, "leader");
  assert.is(net.raft(3).term, 2);
  assert.is(net.raft(1).role, "follower");
});

test("leader transfer to a lagging follower first catches it up; proposals are refused meanwhile", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.isolate(3);
  net.propose(1, "a");
  net.recover();
  net.hold = true;
  net.send(message({ type: "MsgTransferLeader", from: 3, to: 1 }));
  assert.is(net.raft(1).leadTransferee, 3);
  assert.throws(() => net.raft(1).step(message({ type: "MsgProp", from: 1, to: 1, entries: [{ term: 0, index: 0, type: "normal", data: "b" }] })), (e: unknown) => e instanceof RaftError && e.code === "ErrProposalDropped");
  net.deliver();
  assert.is(net.raft(3).role, "leader");
  assert.equal(net.raft(3).raftLog.allEntries().map((e) => e.data ?? ""), ["", "a", ""]);
});

test("leader transfer is abandoned after an election timeout if the target never answers", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.isolate(3);
  net.propose(1, "a");
  net.send(message({ type: "MsgTransferLeader", from: 3, to: 1 }));
  assert.is(net.raft(1).leadTransferee, 3);
  for (let i = 0; i < net.raft(1).electionTimeout; i++) net.tick(1);
  assert.is(net.raft(1).leadTransferee, 0);
  assert.is(net.raft(1).role, "leader", "still has a quorum (2 answers heartbeats)");
});

// ---- snapshots --------------------------------------------------------------------------------------

test("§7 a follower behind the leader's first index is sent a snapshot, then replication resumes", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.isolate(3);
  for (let i = 0; i < 10; i++) net.propose(1, `k${i}`);
  const leader = net.member(1);
  const applied = leader.node!.raft.raftLog.applied;
  leader.storage.createSnapshot(applied, { voters: [1, 2, 3] }, "state@" + applied);
  leader.storage.compact(applied);
  net.recover();
  net.beat(1); // heartbeat -> response -> the leader finds 3 needs entries it compacted
  const r3 = net.raft(3);
  assert.is(r3.raftLog.firstIndex(), applied + 1);
  assert.is(net.member(3).storage.snapshot().data, "state@" + applied);
  net.propose(1, "after");
  assert.equal(r3.raftLog.lastIndex(), net.raft(1).raftLog.lastIndex());
  assert.is(net.raft(1).prs.progress.get(3)!.state, "replicate");
});

test("§7 a snapshot the follower already covers only fast-forwards its commit", () => {
  const storage = newStorage([1, 2], ents(1, 1, 1));
  const r = newTestRaft(2, [1, 2], {}, storage);
  r.becomeFollower(1, 1);
  const restored = r.restore({ metadata: { index: 2, term: 1, confState: { voters: [1, 2] } } });
  assert.is(restored, false);
  assert.is(r.raftLog.committed, 2);
  assert.is(r.raftLog.lastIndex(), 3, "entries after the snapshot are kept");
});

// ---- membership -----------------------------------------------------------------------------------

test("§4.1 a new voter counts in the quorum once its addition is applied", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.addMember(4);
  net.proposeConfChange(1, { type: "ConfChangeAddNode", nodeId: 4 });
  assert.equal(net.raft(1).prs.voters(), [1, 2, 3, 4]);
  assert.equal(net.raft(4).raftLog.lastIndex(), net.raft(1).raftLog.lastIndex(), "the new member caught up");
  // Majority of 4 is 3: with 2 and 3 cut off, nothing commits.
  net.isolate(2);
  net.isolate(3);
  const before = net.raft(1).raftLog.committed;
  net.propose(1, "x");
  assert.is(net.raft(1).raftLog.committed, before);
});

test("§4.1 only one membership change may be pending: a second becomes an empty entry", () => {
  const net = new Network([1, 2, 3], ON);
  elected(net);
  net.isolate(2);
  net.isolate(3); // nothing commits, so the first change stays pending
  net.proposeConfChange(1, { type: "ConfChangeAddNode", nodeId: 4 });
  net.proposeConfChange(1, { type: "ConfChangeAddNode", nodeId: 5 });
  const tail = net.raft(1).raftLog.allEntries().slice(-2);
  assert.equal(tail.map((e) => e.type), ["confChange", "normal"]);
  assert.is(tail[1].data, undefined);
});

test("§4.1 a removed leader commits its removal, then steps down", () => {
  const net = new Network([1, 2, 3]); // no leader lease: member 2 may campaign at once
  elected(net);
  net.proposeConfChange(1, { type: "ConfChangeRemoveNode", nodeId: 1 });
  assert.is(net.raft(1).role, "follower");
  assert.equal(net.raft(2).prs.voters(), [2, 3]);
  assert.equal(net.raft(1).prs.voters(), [2, 3]);
  // The remaining two elect a leader between them.
  net.campaign(2);
  assert.is(net.raft(2).role, "leader");
  net.propose(2, "x");
  assert.is(net.raft(3).raftLog.committed, net.raft(2).raftLog.lastIndex());
});

test("§4.1 a member with a committed but unapplied conf change does not campaign", () => {
  const storage = newStorage([1, 2, 3], [{ index: 1, term: 1, type: "confChange", change: { type: "ConfChangeRemoveNode", nodeId: 3 } }]);
  storage.setHardState({ term: 1, vote: 0, commit: 1 });
  const r = newTestRaft(1, [1, 2, 3], {}, storage);
  r.step(message({ type: "MsgHup", from: 1, to: 1 }));
  assert.is(r.role, "follower");
});

// ---- fast back-up ----------------------------------------------------------------------------------

test("§5.3 fast back-up: a divergent follower is fixed in a few round trips, not one per entry", () => {
  // Leader log terms: 1 1 1 4 4 5 5 6 6 6; follower (f) of Figure 7: 1 1 1 2 2 2 3 3 3 3 3.
  const ls = newStorage([1, 2, 3], ents(1, 1, 1, 4, 4, 5, 5, 6, 6, 6));
  ls.setHardState({ term: 8, vote: 0, commit: 0 });
  const fs = newStorage([1, 2, 3], ents(1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));
  fs.setHardState({ term: 7, vote: 0, commit: 0 });
  const net = new Network([1, 2, 3], {}, { 1: ls, 2: fs, 3: null });
  let rejections = 0;
  net.addFilter((m) => {
    if (m.type === "MsgAppResp" && m.reject) rejections++;
    return false;
  });
  net.campaign(1);
  net.send(message({ type: "MsgVoteResp", from: 3, to: 1, term: 9 }));
  assert.is(net.raft(1).role, "leader");
  assert.equal(net.raft(2).raftLog.allEntries().map((e) => e.term), [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 9]);
  assert.ok(rejections <= 2, `${rejections} rejections for 8 divergent entries`);
});

test.run();
