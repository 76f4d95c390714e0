// The stepwise Figure 8 that chapter 01 replays: each panel leaves the logs of the paper.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { figure8, RaftInvariants } from "../../src/etcd/raft";

const logOf = (f: ReturnType<typeof figure8>, s: string) => f.logs().filter((r) => r.member === s).map((r) => `${r.index}@${r.term}`);

test("panels start, a, b, c leave the paper's logs; S1 does not commit A in (c) (§5.4.2)", () => {
  const f = figure8();
  const inv = new RaftInvariants(f.cluster);
  const [start, a, b, c] = f.steps;
  start.run();
  assert.equal(logOf(f, "S3"), ["1@1"]);
  a.run();
  assert.equal(logOf(f, "S2"), ["1@1", "2@2"]);
  assert.equal(logOf(f, "S3"), ["1@1"]);
  b.run();
  assert.equal(logOf(f, "S5"), ["1@1", "2@3"]);
  c.run();
  assert.equal(logOf(f, "S1"), ["1@1", "2@2", "3@4"]);
  assert.equal(logOf(f, "S3"), ["1@1", "2@2"]);
  assert.is(f.cluster.commitIndex(1), 1, "A is on a majority but not committed");
  assert.equal(inv.violations, []);
});

test("ending (d): B overwrites A everywhere, legally", () => {
  const f = figure8({ ending: "d" });
  const inv = new RaftInvariants(f.cluster);
  for (const s of f.steps) s.run();
  assert.is(f.steps[4].panel, "d");
  for (const s of ["S1", "S2", "S3", "S4", "S5"]) assert.equal(logOf(f, s).slice(0, 2), ["1@1", "2@3"], s);
  inv.finalCheck();
  assert.equal(inv.violations, []);
});

test("ending (e): A and C commit; S5 never leads again", () => {
  const f = figure8({ ending: "e" });
  const inv = new RaftInvariants(f.cluster);
  for (const s of f.steps) s.run();
  for (const s of ["S1", "S2", "S3", "S4", "S5"]) assert.equal(logOf(f, s).slice(0, 3), ["1@1", "2@2", "3@4"], s);
  assert.ok(f.logs().filter((r) => r.index <= 3).every((r) => r.committed));
  inv.finalCheck();
  assert.equal(inv.violations, []);
});

test("with the Figure 8 bug switched on, the same script loses a committed entry and the checkers say so", () => {
  const f = figure8({ unsafeCommitOldTerms: true });
  const inv = new RaftInvariants(f.cluster);
  for (const s of f.steps) s.run();
  assert.ok(inv.violations.some((v) => v.property === "Leader Completeness"), JSON.stringify(inv.violations));
});

test.run();
