// Rate limiters and the reflector's back-off [client-go@1.32 util/workqueue/default_rate_limiters.go,
// golang.org/x/time/rate, apimachinery pkg/util/wait/backoff.go].

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import {
  BucketRateLimiter,
  DefaultControllerRateLimiter,
  ExponentialBackoffManager,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from "../../src/client/index";

test("item exponential: 5 ms · 2^failures, capped at 1000 s [ItemExponentialFailureRateLimiter.When]", () => {
  const r = new ItemExponentialFailureRateLimiter<string>(5, 1000_000);
  const expected = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 40960, 81920, 163840, 327680, 655360, 1000_000, 1000_000, 1000_000];
  assert.equal(expected.map(() => r.when("a")), expected);
  assert.is(r.numRequeues("a"), expected.length);
  assert.is(r.when("b"), 5, "per item");
  r.forget("a");
  assert.is(r.numRequeues("a"), 0);
  assert.is(r.when("a"), 5, "forget resets");
  // far past 2^62 the cap still holds
  for (let i = 0; i < 100; i++) r.when("c");
  assert.is(r.when("c"), 1000_000);
});

test("fast-slow: fast for the first N failures, then slow", () => {
  const r = new ItemFastSlowRateLimiter<string>(10, 1000, 2);
  assert.equal([r.when("a"), r.when("a"), r.when("a"), r.when("a")], [10, 10, 1000, 1000]);
});

const bucketTable: { name: string; steps: [number, number][]; delays: number[] }[] = [
  // [advance ms, calls] → delays of each call, concatenated
  { name: "burst of 100 at once, then one token per 100 ms", steps: [[0, 103]], delays: [...Array(100).fill(0), 100, 200, 300] },
  { name: "refills at 10/s: after 1 s, 10 more free", steps: [[0, 100], [1000, 11]], delays: [...Array(100).fill(0), ...Array(10).fill(0), 100] },
  { name: "never more than burst: after 1 h, still 100", steps: [[3_600_000, 101]], delays: [...Array(100).fill(0), 100] },
  { name: "a debt is paid back by time: after 300 ms the deficit of 3 is gone", steps: [[0, 103], [300, 1], [0, 1]], delays: [...Array(100).fill(0), 100, 200, 300, 100, 200] },
];
for (const row of bucketTable) {
  test(`bucket (10 qps, burst 100): ${row.name} [x/time/rate reserveN]`, () => {
    const sim = new Simulation();
    const b = new BucketRateLimiter<string>(sim, 10, 100);
    const got: number[] = [];
    for (const [advance, calls] of row.steps) {
      sim.runFor(advance);
      for (let i = 0; i < calls; i++) got.push(b.when(`k${i}`));
    }
    assert.equal(got, row.delays);
    assert.is(b.numRequeues("k1"), 0);
  });
}

test("DefaultControllerRateLimiter: max of per-item back-off and the shared bucket [default_rate_limiters.go]", () => {
  const sim = new Simulation();
  const r = DefaultControllerRateLimiter<string>(sim);
  // One item failing: the per-item back-off decides (the bucket is full).
  assert.equal([r.when("a"), r.when("a"), r.when("a")], [5, 10, 20]);
  // 97 distinct items fail once: bucket now at 0 tokens (3 + 97 = 100 taken).
  for (let i = 0; i < 97; i++) assert.is(r.when(`x${i}`), 5);
  // The next first failure waits for the bucket: 100 ms, then 200 ms.
  assert.is(r.when("y"), 100);
  assert.is(r.when("z"), 200);
  assert.is(r.numRequeues("a"), 3);
  r.forget("a");
  assert.is(r.numRequeues("a"), 0);
});

test("MaxOf calls every limiter (each keeps counting)", () => {
  const a = new ItemExponentialFailureRateLimiter<string>(1, 1000);
  const b = new ItemExponentialFailureRateLimiter<string>(3, 1000);
  const m = new MaxOfRateLimiter<string>(a, b);
  assert.equal([m.when("k"), m.when("k")], [3, 6]);
  assert.is(a.numRequeues("k"), 2);
  m.forget("k");
  assert.is(b.numRequeues("k"), 0);
});

test("backoff manager: 800 ms ×2 with jitter 1.0, cap 30 s, reset after 2 min idle [reflector.go NewExponentialBackoffManager]", () => {
  const sim = new Simulation({ seed: 42 });
  const m = new ExponentialBackoffManager(sim, sim.rng.fork("t"));
  const ranges = [[800, 1600], [1600, 3200], [3200, 6400], [6400, 12800], [12800, 25600], [25600, 51200], [30000, 60000], [30000, 60000]];
  for (const [lo, hi] of ranges) {
    const d = m.backoff();
    assert.ok(d >= lo && d < hi, `${d} not in [${lo}, ${hi})`);
    sim.runFor(d);
  }
  sim.runFor("2m1s");
  const d = m.backoff();
  assert.ok(d >= 800 && d < 1600, `after reset: ${d}`);
  // same seed, same draws
  const again = new ExponentialBackoffManager(new Simulation({ seed: 42 }), new Simulation({ seed: 42 }).rng.fork("t"));
  const first = new ExponentialBackoffManager(new Simulation({ seed: 42 }), new Simulation({ seed: 42 }).rng.fork("t"));
  assert.is(again.backoff(), first.backoff());
});

test.run();
