import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";

test("events run in time order, and in scheduling order at the same instant", () => {
  const sim = new Simulation();
  const seen: string[] = [];
  sim.after("20ms", () => seen.push("c"));
  sim.after("10ms", () => seen.push("a"));
  sim.after("10ms", () => seen.push("b"));
  sim.at(10, () => seen.push("b2"));
  sim.after(0, () => seen.push("now"));
  sim.runFor("1s");
  assert.equal(seen, ["now", "a", "b", "b2", "c"]);
  assert.is(sim.now, 1000);
});

test("many same-instant events keep their order (the heap layout must not leak)", () => {
  const sim = new Simulation();
  const seen: number[] = [];
  for (let i = 0; i < 1000; i++) sim.at(5, () => seen.push(i));
  sim.runFor(10);
  assert.equal(seen, Array.from({ length: 1000 }, (_, i) => i));
});

test("runFor stops at the boundary, inclusive, and leaves later events queued", () => {
  const sim = new Simulation();
  const seen: number[] = [];
  sim.at(100, () => seen.push(100));
  sim.at(101, () => seen.push(101));
  sim.runFor("100ms");
  assert.equal(seen, [100]);
  assert.is(sim.now, 100);
  assert.is(sim.nextEventTime(), 101);
});

test("an event can schedule events, including at the same instant", () => {
  const sim = new Simulation();
  const seen: string[] = [];
  sim.after(5, () => {
    seen.push("first");
    sim.after(0, () => seen.push("same instant, later"));
  });
  sim.after(5, () => seen.push("second"));
  sim.runFor(5);
  assert.equal(seen, ["first", "second", "same instant, later"]);
});

test("every() repeats until cancelled, and cancel inside the callback works", () => {
  const sim = new Simulation();
  let n = 0;
  const t = sim.every("100ms", () => {
    n++;
    if (n === 3) t.cancel();
  });
  sim.runFor("1s");
  assert.is(n, 3);
  const u = sim.every("1s", () => n++);
  sim.runFor("2.5s");
  sim.cancel(u);
  sim.runFor("10s");
  assert.is(n, 5);
});

test("a cancelled timer never runs", () => {
  const sim = new Simulation();
  let ran = false;
  const t = sim.after("1s", () => (ran = true));
  t.cancel();
  sim.runFor("2s");
  assert.is(ran, false);
});

test("step() runs exactly one event and jumps the clock to it", () => {
  const sim = new Simulation();
  sim.after("3s", () => {});
  sim.after("5s", () => {});
  assert.ok(sim.step());
  assert.is(sim.now, 3000);
  assert.ok(sim.step());
  assert.is(sim.now, 5000);
  assert.not.ok(sim.step());
});

test("runUntil returns true at the event that satisfies the predicate", () => {
  const sim = new Simulation();
  let x = 0;
  sim.every("250ms", () => x++);
  assert.ok(sim.runUntil(() => x >= 4, "10s"));
  assert.is(sim.now, 1000);
  assert.not.ok(sim.runUntil(() => x >= 1000, "1s"));
  assert.is(sim.now, 2000);
});

test("scheduling in the past and a zero every() interval are errors", () => {
  const sim = new Simulation();
  sim.runFor("1s");
  assert.throws(() => sim.at(10, () => {}), /before now/);
  assert.throws(() => sim.every(0, () => {}), /greater than zero/);
  assert.throws(() => sim.after("5 parsecs", () => {}), /invalid duration "5 parsecs"/);
});

test("trace rows carry virtual time, component and kind, and filter", () => {
  const sim = new Simulation();
  sim.after("2s", () => sim.trace.record("kubelet", "pod-started", { pod: "web-1" }));
  sim.after("3s", () => sim.trace.record("scheduler", "bound", { pod: "web-1" }));
  sim.runFor("5s");
  assert.equal(sim.trace.rows({ component: "kubelet" }), [{ pod: "web-1", t: 2000, component: "kubelet", kind: "pod-started" }]);
  assert.is(sim.trace.rows((r) => r.t > 2500).length, 1);
});

test("trace: false keeps no rows but still notifies subscribers", () => {
  const sim = new Simulation({ trace: false });
  let seen = 0;
  sim.trace.subscribe(() => seen++);
  sim.trace.record("x", "y");
  assert.is(sim.trace.length, 0);
  assert.is(seen, 1);
});

test.run();
