// Chapter 04's checks accept right answers and refuse wrong ones, with a reason.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkDeletionVictim, checkEvictionPrediction, checkRolloutBounds, measureEviction, measureRollout } from "../../src/exercises/ch04";

test("rollout bounds: 1/1 (or 2/0) keeps 9 ready and at most 12 pods; the defaults do not", () => {
  assert.ok(checkRolloutBounds(1, 1).ok, checkRolloutBounds(1, 1).message);
  assert.ok(checkRolloutBounds(2, 0).ok);
  const dflt = checkRolloutBounds("25%", "25%");
  assert.not.ok(dflt.ok);
  assert.match(dflt.message, /only 8 pods were ready/);
  const wide = checkRolloutBounds("50%", 0);
  assert.not.ok(wide.ok);
  assert.match(wide.message, /15 pods existed/);
});

test("rollout bounds: both zero is refused by the API server", () => {
  const v = checkRolloutBounds(0, 0);
  assert.not.ok(v.ok);
  assert.match(v.message, /refused/);
});

test("a rollout measure is what the bounds allow", () => {
  const m = measureRollout("25%", "25%") as any;
  assert.ok(m.finished);
  assert.is(m.minReady, 8);
  assert.is(m.maxPods, 13);
});

test("eviction: grace period + monitor period + toleration", () => {
  const t = measureEviction(60);
  assert.ok(t > 110 && t < 121, `measured ${t}`);
  assert.ok(checkEvictionPrediction(Math.round(t)).ok);
  assert.not.ok(checkEvictionPrediction(60).ok, "the toleration alone is not the answer");
  assert.match(checkEvictionPrediction(60).message, /too early/);
  assert.not.ok(checkEvictionPrediction(0).ok);
});

test("deletion victim: d (doubled-up node, most recently ready)", () => {
  assert.ok(checkDeletionVictim("d").ok);
  for (const wrong of ["a", "b", "c"]) assert.not.ok(checkDeletionVictim(wrong).ok, wrong);
  assert.match(checkDeletionVictim("").message, /answer with one of/);
});

test.run();
