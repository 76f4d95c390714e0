// Work queues: client-go's semantics [client-go@1.32 util/workqueue/queue.go, delaying_queue.go,
// rate_limiting_queue.go], on the virtual clock.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import { DelayingQueue, ItemExponentialFailureRateLimiter, RateLimitingQueue, runWorkers, WorkQueue } from "../../src/client/index";

/** Runs ops on a fresh queue; "get" takes the next key synchronously into `got`. */
function play(ops: string[]): { got: string[]; len: number } {
  const sim = new Simulation();
  const q = new WorkQueue<string>(sim);
  const got: string[] = [];
  for (const op of ops) {
    const [verb, key] = op.split(" ");
    if (verb === "add") q.add(key);
    else if (verb === "done") q.done(key);
    else if (verb === "get") q.get((k) => got.push(k!));
    else if (verb === "shutdown") q.shutDown();
  }
  return { got, len: q.len() };
}

// [queue.go Add: "if q.dirty.has(item) return"; "if q.processing.has(item) return" (after marking dirty);
//  Done: "if q.dirty.has(item) q.queue.Push(item)"]
const table: { name: string; ops: string[]; got: string[]; len: number }[] = [
  { name: "FIFO order", ops: ["add a", "add b", "add c", "get", "get", "get"], got: ["a", "b", "c"], len: 0 },
  { name: "a queued key is not queued twice", ops: ["add a", "add b", "add a", "add a"], got: [], len: 2 },
  { name: "de-dup keeps the first position", ops: ["add a", "add b", "add a", "get", "get"], got: ["a", "b"], len: 0 },
  { name: "re-add while processing: not queued (marked dirty)", ops: ["add a", "get", "add a"], got: ["a"], len: 0 },
  { name: "dirty key re-queued by done", ops: ["add a", "get", "add a", "done a", "get"], got: ["a", "a"], len: 0 },
  { name: "dirty key re-queued once however often re-added", ops: ["add a", "get", "add a", "add a", "add a", "done a"], got: ["a"], len: 1 },
  { name: "done without a re-add: gone", ops: ["add a", "get", "done a"], got: ["a"], len: 0 },
  { name: "re-queued dirty key goes to the back", ops: ["add a", "get", "add a", "add b", "done a", "get", "get"], got: ["a", "b", "a"], len: 0 },
  { name: "done of a key not held is a no-op", ops: ["add a", "done a"], got: [], len: 1 },
  { name: "shutDown: queued keys are still handed out", ops: ["add a", "add b", "shutdown", "get", "get"], got: ["a", "b"], len: 0 },
  { name: "shutDown: adds are ignored", ops: ["shutdown", "add a"], got: [], len: 0 },
];
for (const row of table) {
  test(`queue: ${row.name}`, () => {
    const r = play(row.ops);
    assert.equal(r.got, row.got);
    assert.is(r.len, row.len);
  });
}

test("queue: a parked get is answered on a later event at the same instant, never inside add()", () => {
  const sim = new Simulation();
  const q = new WorkQueue<string>(sim);
  const log: string[] = [];
  q.get((k) => log.push(`got ${k}`));
  q.add("a");
  log.push("after add");
  assert.equal(log, ["after add"]);
  sim.runFor(0);
  assert.equal(log, ["after add", "got a"]);
  assert.is(sim.now, 0);
});

test("queue: shutDown wakes parked gets with shutdown=true once empty; shutDownWithDrain waits for done", () => {
  const sim = new Simulation();
  const q = new WorkQueue<string>(sim);
  const log: string[] = [];
  q.add("a");
  q.get((k) => log.push(`w1 ${k}`));
  q.get((k, shut) => log.push(`w2 ${k} ${shut}`));
  q.shutDownWithDrain(() => log.push("drained"));
  sim.runFor(0);
  assert.equal(log, ["w1 a", "w2 undefined true"]);
  q.done("a");
  assert.equal(log, ["w1 a", "w2 undefined true", "drained"]);
  q.get((k, shut) => log.push(`w3 ${shut}`));
  assert.is(log[3], "w3 true");
});

test("workers: never two workers on one key; dirty keys re-run after done [queue.go processing set]", () => {
  const sim = new Simulation({ seed: 3 });
  const q = new RateLimitingQueue<string>(sim);
  const active = new Map<string, number>();
  let maxPerKey = 0;
  let maxTotal = 0;
  let total = 0;
  const runs: Record<string, number> = {};
  runWorkers(q, 4, (key, done) => {
    active.set(key, (active.get(key) ?? 0) + 1);
    total++;
    maxPerKey = Math.max(maxPerKey, active.get(key)!);
    maxTotal = Math.max(maxTotal, total);
    runs[key] = (runs[key] ?? 0) + 1;
    sim.after(sim.rng.int(20) + 1, () => {
      active.set(key, active.get(key)! - 1);
      total--;
      done();
    });
  });
  // keys k0..k2 hammered every millisecond for 200 ms, plus a stream of distinct keys
  for (let t = 0; t < 200; t++) {
    sim.at(t, () => {
      q.add(`k${t % 3}`);
      q.add(`u${t}`);
    });
  }
  sim.runFor("1s");
  assert.is(maxPerKey, 1, "one key, one worker at a time");
  assert.is(maxTotal, 4, "all four workers busy at peak");
  for (let t = 0; t < 200; t++) assert.is(runs[`u${t}`], 1);
  // each hot key ran more than once (re-added while held) but far fewer than 67 times (de-dup)
  for (const k of ["k0", "k1", "k2"]) assert.ok(runs[k] > 1 && runs[k] < 67, `${k} ran ${runs[k]} times`);
  assert.is(q.len(), 0);
});

test("workers: error → addRateLimited (5, 10, 20 ms ...), success → forget; maxRetries drops [controller pattern: handleErr]", () => {
  const sim = new Simulation();
  const q = new RateLimitingQueue<string>(sim, new ItemExponentialFailureRateLimiter<string>(5, 1000_000), { name: "test" });
  const times: number[] = [];
  let fails = 4;
  runWorkers(q, 1, (key, done) => {
    times.push(sim.now);
    done(fails-- > 0 ? new Error("conflict") : undefined);
  });
  q.add("a");
  sim.runFor("1s");
  assert.equal(times, [0, 5, 15, 35, 75]);
  assert.is(q.numRequeues("a"), 0, "forgotten after success");
  const rows = sim.trace.rows({ component: "workqueue", kind: "requeue" });
  assert.equal(rows.map((r) => r.delay), [5, 10, 20, 40]);

  // maxRetries: dropped after that many requeues
  const q2 = new RateLimitingQueue<string>(sim, new ItemExponentialFailureRateLimiter<string>(5, 1000_000));
  let calls = 0;
  runWorkers(q2, 1, (_k, done) => {
    calls++;
    done("always");
  }, { maxRetries: 3 });
  q2.add("b");
  sim.runFor("10s");
  assert.is(calls, 4, "first try + 3 retries");
  assert.is(q2.numRequeues("b"), 0);
});

test("workers: a synchronous process loops without growing the stack", () => {
  const sim = new Simulation();
  const q = new RateLimitingQueue<number>(sim);
  let n = 0;
  for (let i = 0; i < 50_000; i++) q.add(i);
  runWorkers(q, 1, (_k, done) => {
    n++;
    done();
  });
  assert.is(n, 50_000);
});

test("delaying queue: ready in time order; same instant in scheduling order [delaying_queue.go]", () => {
  const sim = new Simulation();
  const q = new DelayingQueue<string>(sim);
  const ready: string[] = [];
  const take = () => q.get((k) => (ready.push(`${k}@${sim.now}`), q.done(k!), take()));
  take();
  q.addAfter("a", "30ms");
  q.addAfter("b", 10);
  q.addAfter("c", 20);
  q.addAfter("d", 20);
  q.addAfter("now", 0);
  assert.is(q.lenWaiting(), 4);
  sim.runFor("100ms");
  assert.equal(ready, ["now@0", "b@10", "c@20", "d@20", "a@30"]);
});

test("delaying queue: a waiting key keeps the earlier ready time [waitingLoop insert]", () => {
  const sim = new Simulation();
  const q = new DelayingQueue<string>(sim);
  const ready: string[] = [];
  const take = () => q.get((k) => (ready.push(`${k}@${sim.now}`), q.done(k!), take()));
  take();
  q.addAfter("a", 50);
  q.addAfter("a", 20); // sooner: moves up
  q.addAfter("a", 80); // later: ignored
  q.addAfter("b", 10);
  q.addAfter("b", 40); // ignored
  sim.runFor("200ms");
  assert.equal(ready, ["b@10", "a@20"]);
});

test("delaying queue: shutDown drops waiting keys; addAfter after shutDown is ignored", () => {
  const sim = new Simulation();
  const q = new DelayingQueue<string>(sim);
  q.addAfter("a", 10);
  q.shutDown();
  q.addAfter("b", 10);
  sim.runFor("1s");
  assert.is(q.len(), 0);
  assert.is(q.lenWaiting(), 0);
});

test("rate-limiting queue: default limiter, forget resets, numRequeues counts", () => {
  const sim = new Simulation();
  const q = new RateLimitingQueue<string>(sim);
  const at: number[] = [];
  const take = () => q.get((k) => (at.push(sim.now), q.done(k!), take()));
  take();
  q.addRateLimited("a"); // 5 ms
  sim.runFor("1s");
  q.addRateLimited("a"); // 10 ms
  sim.runFor("1s");
  assert.is(q.numRequeues("a"), 2);
  q.forget("a");
  assert.is(q.numRequeues("a"), 0);
  q.addRateLimited("a"); // 5 ms again
  sim.runFor("1s");
  assert.equal(at, [5, 1010, 2005]);
});

test.run();
