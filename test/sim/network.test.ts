import { test } from "uvu";
import * as assert from "uvu/assert";
import { Envelope, Simulation } from "../../src/sim";

function world(seed: number | string = 1, names = ["a", "b", "c"]) {
  const sim = new Simulation({ seed });
  const inbox: Record<string, Envelope[]> = {};
  const events: string[] = [];
  for (const n of names) {
    inbox[n] = [];
    sim.network.register(n, {
      deliver: (m) => inbox[n].push(m),
      crash: () => events.push(`crash ${n}`),
      restart: () => events.push(`restart ${n}`),
    });
  }
  return { sim, net: sim.network, inbox, events };
}

test("a message arrives after the configured latency", () => {
  const { sim, net, inbox } = world();
  net.configure({ latency: "10ms" });
  net.send("a", "b", { type: "ping" });
  sim.runFor("9ms");
  assert.is(inbox.b.length, 0);
  sim.runFor("1ms");
  assert.is(inbox.b.length, 1);
  assert.is(inbox.b[0].kind, "ping");
  assert.is(inbox.b[0].sentAt, 0);
});

test("a link is FIFO under jitter unless reordering is on", () => {
  const { sim, net, inbox } = world(4);
  net.configure({ latency: "10ms", jitter: "9ms" });
  for (let i = 0; i < 200; i++) net.send("a", "b", i);
  sim.runFor("1s");
  assert.equal(inbox.b.map((m) => m.payload), Array.from({ length: 200 }, (_, i) => i));

  net.configure({ reorder: 0.3 });
  for (let i = 0; i < 200; i++) net.send("a", "c", i);
  sim.runFor("1s");
  const got = inbox.c.map((m) => m.payload as number);
  assert.is(got.length, 200);
  assert.not.equal(got, [...got].sort((x, y) => x - y), "some messages should arrive out of order");
});

test("loss drops about the configured fraction, and says so in the trace", () => {
  const { sim, net, inbox } = world(2);
  net.configure({ loss: 0.25 });
  for (let i = 0; i < 4000; i++) net.send("a", "b", i);
  sim.runFor("1s");
  const lost = 4000 - inbox.b.length;
  assert.ok(lost > 850 && lost < 1150, `lost ${lost}`);
  assert.is(sim.trace.rows({ kind: "drop" }).filter((r) => r.reason === "lost").length, lost);
});

test("duplication delivers some messages twice", () => {
  const { sim, net, inbox } = world(2);
  net.configure({ duplicate: 0.5 });
  for (let i = 0; i < 100; i++) net.send("a", "b", i);
  sim.runFor("1s");
  assert.ok(inbox.b.length > 120 && inbox.b.length < 180, `${inbox.b.length}`);
});

test("per-link options override the defaults in one direction only", () => {
  const { sim, net, inbox } = world();
  net.configure({ latency: "1ms" });
  net.link("a", "b", { latency: "500ms" });
  net.send("a", "b", "slow");
  net.send("b", "a", "fast");
  sim.runFor("10ms");
  assert.is(inbox.a.length, 1);
  assert.is(inbox.b.length, 0);
  sim.runFor("500ms");
  assert.is(inbox.b.length, 1);
});

test("a partition cuts both directions, also for messages already in flight; heal restores", () => {
  const { sim, net, inbox } = world();
  net.configure({ latency: "10ms" });
  net.send("a", "c", "in flight");
  net.partition(["a"], ["c"]);
  net.send("a", "c", "x");
  net.send("c", "a", "y");
  net.send("a", "b", "z");
  sim.runFor("50ms");
  assert.is(inbox.c.length, 0);
  assert.is(inbox.a.length, 0);
  assert.is(inbox.b.length, 1);
  assert.not.ok(net.canReach("a", "c"));
  net.heal();
  net.send("a", "c", "after heal");
  sim.runFor("50ms");
  assert.equal(inbox.c.map((m) => m.payload), ["after heal"]);
});

test("partition with one group cuts it from everyone else; isolate cuts one endpoint", () => {
  const { net } = world(1, ["a", "b", "c", "d"]);
  net.partition(["a", "b"]);
  assert.ok(net.canReach("a", "b"));
  assert.not.ok(net.canReach("b", "c"));
  assert.ok(net.canReach("c", "d"));
  net.heal();
  net.isolate("d");
  assert.not.ok(net.canReach("c", "d"));
  assert.ok(net.canReach("a", "c"));
});

test("crash drops messages to the endpoint, tells it, and a restart does not revive old messages", () => {
  const { sim, net, inbox, events } = world();
  net.configure({ latency: "10ms" });
  net.send("a", "b", "before crash");
  net.crash("b");
  sim.runFor("5ms");
  net.restart("b");
  sim.runFor("20ms");
  assert.is(inbox.b.length, 0, "in-flight message died with the old process");
  assert.equal(events, ["crash b", "restart b"]);
  net.send("a", "b", "after restart");
  sim.runFor("20ms");
  assert.is(inbox.b.length, 1);
});

test("a crashed endpoint cannot send", () => {
  const { sim, net, inbox } = world();
  net.crash("a");
  assert.not.ok(net.isUp("a"));
  net.send("a", "b", "ghost");
  sim.runFor("1s");
  assert.is(inbox.b.length, 0);
  assert.is(sim.trace.rows({ kind: "drop" })[0].reason, "sender down");
});

test("unknown endpoints and bad options are errors that list what is accepted", () => {
  const { net } = world();
  assert.throws(() => net.partition(["a"], ["etcd-9"]), /unknown endpoint "etcd-9"; known endpoints: "a", "b", "c"/);
  assert.throws(() => net.send("a", "zz", 1), /unknown endpoint "zz"/);
  assert.throws(() => net.configure({ loss: 2 }), /loss must be a probability between 0 and 1/);
  assert.throws(() => net.configure({ latency: "fast" }), /invalid duration "fast"/);
  assert.throws(() => net.configure({ lag: "1s" } as any), /unknown link option "lag"/);
  assert.throws(() => net.register("a", { deliver() {} }), /already registered/);
});

function chatter(seed: number) {
  const { sim, net, inbox } = world(seed);
  net.configure({ latency: "20ms", jitter: "15ms", loss: 0.1, duplicate: 0.05, reorder: 0.1 });
  sim.every("7ms", () => net.send(sim.rng.pick(["a", "b", "c"]), sim.rng.pick(["a", "b", "c"]), sim.now));
  sim.runFor("2s");
  return JSON.stringify([sim.trace.rows(), inbox]);
}

test("same seed, byte-identical trace; different seed, different trace", () => {
  assert.is(chatter(11), chatter(11));
  assert.is.not(chatter(11), chatter(12));
});

test.run();
