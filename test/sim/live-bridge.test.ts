import { test } from "uvu";
import * as assert from "uvu/assert";
import { LiveBridge, Simulation } from "../../src/sim";

test("the bridge paces virtual time to the wall clock (10x speed)", async () => {
  const sim = new Simulation();
  let ticks = 0;
  sim.every("100ms", () => ticks++);
  const bridge = new LiveBridge(sim, { speed: 10 });
  bridge.start();
  await new Promise((r) => setTimeout(r, 120));
  bridge.stop();
  // 120 real ms at 10x is ~1200 virtual ms: about 12 ticks (timers are coarse; allow slack).
  assert.ok(sim.now >= 1000 && sim.now < 3000, `virtual time ${sim.now}`);
  assert.ok(ticks >= 10, `ticks ${ticks}`);
  assert.not.ok(bridge.running);
});

test("waitFor resolves on the predicate and rejects on timeout", async () => {
  const sim = new Simulation();
  let done = false;
  sim.after("50ms", () => (done = true));
  const bridge = new LiveBridge(sim);
  await bridge.waitFor(() => done, 2000);
  assert.ok(done);
  try {
    await bridge.waitFor(() => false, 30);
    assert.unreachable("should time out");
  } catch (e) {
    assert.match((e as Error).message, /timed out after 30 ms/);
  }
});

test("a non-positive speed is rejected", () => {
  assert.throws(() => new LiveBridge(new Simulation(), { speed: 0 }), /speed must be a positive number/);
});

test.run();
