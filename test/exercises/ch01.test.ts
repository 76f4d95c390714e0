import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkLeaderPrediction, checkSmallestCut, laggingFollowerScenario, progressWithIsolated } from "../../src/exercises/ch01";

test("lagging follower: the up-to-date follower always wins, over many seeds (§5.4.1)", () => {
  for (let seed = 0; seed < 30; seed++) {
    const s = laggingFollowerScenario(seed);
    assert.ok(s.cluster.status(s.lagging).lastIndex < s.cluster.status(s.upToDate).lastIndex, `seed ${seed}: the lagging member is behind`);
    assert.is(s.crashLeaderAndElect(), s.upToDate, `seed ${seed}`);
  }
});

test("leader prediction: right, wrong, and not a member", () => {
  const s = laggingFollowerScenario();
  const actual = s.crashLeaderAndElect();
  assert.ok(checkLeaderPrediction(s.upToDate, actual, s.cluster.members).ok);
  const wrong = checkLeaderPrediction(s.lagging, actual, s.cluster.members);
  assert.not.ok(wrong.ok);
  assert.match(wrong.message, /became leader, not/);
  assert.match(checkLeaderPrediction("", actual, s.cluster.members).message, /set prediction to one of "etcd-1"/);
});

test("isolating 2 of 5 leaves a working majority; isolating 3 stops all commits", () => {
  assert.ok(progressWithIsolated(["etcd-1", "etcd-2"]).committed);
  assert.not.ok(progressWithIsolated(["etcd-1", "etcd-2", "etcd-3"]).committed);
  assert.not.ok(progressWithIsolated(["etcd-3", "etcd-4", "etcd-5"]).committed);
});

test("smallest cut: 3 is right, 2 and 4 are not, bad input is explained", () => {
  assert.ok(checkSmallestCut(["etcd-2", "etcd-4", "etcd-5"]).ok);
  assert.match(checkSmallestCut(["etcd-1", "etcd-2"]).message, /still commits/);
  assert.match(checkSmallestCut(["etcd-1", "etcd-2", "etcd-3", "etcd-4"]).message, /fewer would do/);
  assert.match(checkSmallestCut([]).message, /put the names/);
  assert.match(checkSmallestCut(["etcd-9"]).message, /unknown member\(s\) etcd-9/);
  assert.match(checkSmallestCut(["etcd-1", "etcd-1"]).message, /appears twice/);
});

test.run();
