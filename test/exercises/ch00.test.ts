import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkSilencedNode, longestHeartbeatGap } from "../../src/exercises/ch00";
import { Simulation } from "../../src/sim";

// The heartbeat world of chapter 00, reduced to what the check reads.
function world() {
  const sim = new Simulation({ seed: 42 });
  const net = sim.network;
  net.configure({ latency: "2ms", jitter: "1ms" });
  for (const n of ["apiserver", "etcd", "node-1", "node-2"]) net.register(n, { deliver() {} });
  for (const node of ["node-1", "node-2"]) {
    const beat = () => net.send(node, "apiserver", { type: "heartbeat" });
    sim.after(sim.rng.int(10_000), () => (beat(), sim.every("10s", beat)));
  }
  sim.runFor("30s");
  return { sim, net, start: sim.now };
}

test("no change: not yet, and the message says how long node-1 was silent", () => {
  const { sim, start } = world();
  sim.runFor("70s");
  const v = checkSilencedNode(sim.trace.rows(), start, sim.now);
  assert.not.ok(v.ok);
  assert.match(v.message, /node-1's longest silence was 10(\.\d+)?s; it must exceed the 50 s grace period/);
});

test("isolate node-1 for 60 s: solved", () => {
  const { sim, net, start } = world();
  net.isolate("node-1");
  sim.at(sim.now + 60_000, () => net.heal());
  sim.runFor("70s");
  const v = checkSilencedNode(sim.trace.rows(), start, sim.now);
  assert.ok(v.ok, v.message);
});

test("a lossy link instead of a partition: solved too", () => {
  const { sim, net, start } = world();
  net.link("node-1", "apiserver", { loss: 1 });
  sim.runFor("70s");
  assert.ok(checkSilencedNode(sim.trace.rows(), start, sim.now).ok);
});

test("silencing both nodes is wrong", () => {
  const { sim, net, start } = world();
  net.partition(["node-1", "node-2"], ["apiserver"]);
  sim.runFor("70s");
  const v = checkSilencedNode(sim.trace.rows(), start, sim.now);
  assert.not.ok(v.ok);
  assert.match(v.message, /node-2 was silent/);
});

test("a 40 s silence is not long enough", () => {
  const { sim, net, start } = world();
  net.isolate("node-1");
  sim.at(sim.now + 35_000, () => net.heal());
  sim.runFor("70s");
  assert.not.ok(checkSilencedNode(sim.trace.rows(), start, sim.now).ok);
});

test("too little virtual time is reported as such", () => {
  const { sim, start } = world();
  sim.runFor("20s");
  assert.match(checkSilencedNode(sim.trace.rows(), start, sim.now).message, /run at least 50 s/);
});

test("longestHeartbeatGap counts the open edges of the window", () => {
  const rows = [5, 15, 40].map((t) => ({ t, component: "network", kind: "deliver", from: "node-1", to: "apiserver", msg: "heartbeat" }));
  assert.is(longestHeartbeatGap(rows, "node-1", 0, 100), 60);
  assert.is(longestHeartbeatGap(rows, "node-1", 0, 41), 25);
});

test.run();
