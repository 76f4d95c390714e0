// The satellites of the state machine: quorum math, stable storage, the log with its unstable
// tail, and the leader's per-follower progress (after etcd's quorum, storage, log and tracker
// tests).

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Entry,
  MemoryStorage,
  Progress,
  RaftError,
  RaftLog,
  committedIndex,
  majority,
  voteResult,
} from "../../src/etcd/raft";
import { ents } from "./driver";

const E = (index: number, term: number): Entry => ({ index, term, type: "normal" });
const terms = (es: readonly Entry[]) => es.map((e) => e.term);

// ---- quorum ---------------------------------------------------------------------------------

test("quorum: a majority of n is floor(n/2)+1", () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
});

test("quorum: the committed index is the highest index stored on a majority", () => {
  const cases: [number[], number][] = [
    [[5], 5],
    [[5, 3, 1], 3],
    [[1, 2, 3, 4], 2],
    [[9, 9, 0, 0, 0], 0],
    [[9, 9, 7, 0, 0], 7],
    [[], 0],
  ];
  for (const [acked, want] of cases) {
    const voters = acked.map((_, i) => i + 1);
    assert.is(committedIndex(voters, (id) => acked[id - 1]), want, JSON.stringify(acked));
  }
});

test("quorum: votes decide an election once a majority is reached either way", () => {
  const v = (o: Record<number, boolean>) => new Map(Object.entries(o).map(([k, b]) => [Number(k), b]));
  assert.is(voteResult([1, 2, 3], v({ 1: true, 2: true })), "won");
  assert.is(voteResult([1, 2, 3], v({ 1: true, 2: false })), "pending");
  assert.is(voteResult([1, 2, 3], v({ 1: true, 2: false, 3: false })), "lost");
  assert.is(voteResult([1, 2, 3, 4], v({ 1: true, 2: true })), "pending");
  assert.is(voteResult([1, 2, 3, 4], v({ 1: true, 2: false, 3: false })), "lost");
  assert.is(voteResult([], v({})), "won");
});

// ---- storage ----------------------------------------------------------------------------------

function storage(...es: Entry[]): MemoryStorage {
  // A storage whose snapshot is at es[0] (the dummy entry), like etcd's storage tests.
  const s = new MemoryStorage();
  s.append(ents(...Array.from({ length: es[0].index }, () => es[0].term)));
  if (es[0].index > 0) s.compact(es[0].index);
  s.append(es.slice(1));
  return s;
}

test("storage: term() of compacted, present and missing entries", () => {
  const s = storage(E(3, 3), E(4, 4), E(5, 5));
  assert.throws(() => s.term(2), (e: unknown) => e instanceof RaftError && e.code === "ErrCompacted");
  assert.is(s.term(3), 3, "the snapshot's own index is known");
  assert.is(s.term(5), 5);
  assert.throws(() => s.term(6), (e: unknown) => e instanceof RaftError && e.code === "ErrUnavailable");
  assert.is(s.firstIndex(), 4);
  assert.is(s.lastIndex(), 5);
});

test("storage: append truncates a conflicting suffix, ignores what the snapshot covers", () => {
  const cases: [Entry[], number[]][] = [
    [[E(4, 4), E(5, 5)], [4, 5]],
    [[E(4, 4), E(5, 6), E(6, 6)], [4, 6, 6]],
    [[E(2, 3), E(3, 3), E(4, 5)], [5]], // entries up to 3 are in the snapshot
    [[E(6, 5)], [4, 5, 5]],
  ];
  for (const [es, want] of cases) {
    const s = storage(E(3, 3), E(4, 4), E(5, 5));
    s.append(es);
    assert.equal(terms(s.allEntries()), want, JSON.stringify(es));
  }
  const s = storage(E(3, 3), E(4, 4), E(5, 5));
  assert.throws(() => s.append([E(7, 5)]), /missing log entry/);
});

test("storage: snapshots and compaction", () => {
  const s = storage(E(3, 3), E(4, 4), E(5, 5));
  const snap = s.createSnapshot(4, { voters: [1, 2] }, "data");
  assert.equal(snap.metadata, { index: 4, term: 4, confState: { voters: [1, 2] } });
  assert.throws(() => s.createSnapshot(4, { voters: [] }, ""), (e: unknown) => e instanceof RaftError && e.code === "ErrSnapOutOfDate");
  s.compact(4);
  assert.is(s.firstIndex(), 5);
  assert.throws(() => s.compact(4), (e: unknown) => e instanceof RaftError && e.code === "ErrCompacted");
  s.applySnapshot({ metadata: { index: 10, term: 7, confState: { voters: [1] } } });
  assert.is(s.firstIndex(), 11);
  assert.is(s.lastIndex(), 10);
  assert.is(s.term(10), 7);
});

// ---- the log ------------------------------------------------------------------------------------

test("log: findConflict finds the first new or mismatching entry", () => {
  const s = new MemoryStorage();
  s.append([E(1, 1), E(2, 2), E(3, 3)]);
  const log = new RaftLog(s);
  const cases: [Entry[], number][] = [
    [[], 0],
    [[E(1, 1), E(2, 2), E(3, 3)], 0],
    [[E(2, 2), E(3, 3), E(4, 4)], 4],
    [[E(3, 3), E(4, 4)], 4],
    [[E(1, 4), E(2, 4)], 1],
    [[E(3, 4), E(4, 4)], 3],
  ];
  for (const [es, want] of cases) assert.is(log.findConflict(es), want, JSON.stringify(es));
});

test("log: maybeAppend, commit and the unstable tail", () => {
  const s = new MemoryStorage();
  s.append([E(1, 1), E(2, 2), E(3, 3)]);
  const log = new RaftLog(s);
  assert.is(log.maybeAppend(3, 2, 3, [E(4, 4)]), undefined, "prev term mismatch");
  assert.is(log.maybeAppend(3, 3, 2, [E(4, 4)]), 4);
  assert.is(log.committed, 2);
  assert.equal(terms(log.unstableEntries()), [4]);
  assert.is(log.maybeAppend(2, 2, 4, [E(3, 4)]), 3, "conflict at 3: replace 3 and 4");
  assert.equal(terms(log.allEntries()), [1, 2, 4]);
  assert.is(log.committed, 3, "min(leader commit, last new index)");
  assert.throws(() => log.maybeAppend(1, 1, 3, [E(2, 5)]), /conflicts with committed entry/);
  // Persist and apply.
  s.append(log.unstableEntries());
  log.stableTo(3, 4);
  assert.equal(log.unstableEntries(), []);
  assert.equal(log.nextCommittedEntries().map((e) => e.index), [1, 2, 3]);
  log.appliedTo(3);
  assert.equal(log.nextCommittedEntries(), []);
});

test("log: isUpToDate compares last term, then length (§5.4.1)", () => {
  const s = new MemoryStorage();
  s.append([E(1, 1), E(2, 2), E(3, 3)]);
  const log = new RaftLog(s);
  assert.ok(log.isUpToDate(1, 4));
  assert.ok(log.isUpToDate(3, 3));
  assert.ok(log.isUpToDate(4, 3));
  assert.not.ok(log.isUpToDate(2, 3));
  assert.not.ok(log.isUpToDate(9, 2));
});

// ---- progress -----------------------------------------------------------------------------------

test("progress: a probe backs up to the hint; a stale rejection is ignored", () => {
  const pr = new Progress(10, 4);
  pr.match = 3;
  assert.not.ok(pr.maybeDecrTo(5, 5), "not the outstanding probe (next-1 is 9)");
  assert.ok(pr.maybeDecrTo(9, 6));
  assert.is(pr.next, 7);
  assert.ok(pr.maybeDecrTo(6, 0));
  assert.is(pr.next, 4, "never below match+1");
});

test("progress: in replicate state a rejection falls back to match+1; inflights bound the window", () => {
  const pr = new Progress(1, 2);
  pr.maybeUpdate(5);
  pr.becomeReplicate();
  assert.is(pr.next, 6);
  pr.optimisticUpdate(8);
  pr.inflights.add(8);
  pr.optimisticUpdate(9);
  pr.inflights.add(9);
  assert.ok(pr.isPaused(), "window full");
  pr.maybeUpdate(8);
  pr.inflights.freeLE(8);
  assert.not.ok(pr.isPaused());
  assert.not.ok(pr.maybeDecrTo(7, 7), "stale: 7 <= match 8");
  assert.ok(pr.maybeDecrTo(9, 8));
  assert.is(pr.next, 9);
});

test("progress: after a snapshot, probing resumes right after it", () => {
  const pr = new Progress(1, 4);
  pr.becomeSnapshot(20);
  assert.ok(pr.isPaused());
  pr.becomeProbe();
  assert.is(pr.next, 21);
});

test.run();
