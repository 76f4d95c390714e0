// The linearizability checker (reference §5): known vectors, overlaps, unknown and failed
// outcomes, revisions, randomized histories, a stale-read replica caught, and its speed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { performance } from "perf_hooks";
import { Rng } from "../../src/sim";
import { checkOperations, checkRevisionOrder, explain, kvModel } from "../../src/etcd/linearizability";
import type { KvInput, KvOutput, Operation } from "../../src/etcd/linearizability";
import { MvccStore } from "../../src/etcd/mvcc";

type Op = Operation<KvInput, KvOutput>;

const get = (client: number, key: string, value: string | null, call: number, ret?: number, modRevision?: number): Op => ({
  client,
  input: { op: "get", key },
  output: { value, modRevision },
  call,
  return: ret,
});
const put = (client: number, key: string, value: string, call: number, ret?: number, revision?: number): Op => ({
  client,
  input: { op: "put", key, value },
  output: ret === undefined ? undefined : { revision },
  call,
  return: ret,
});
const cas = (client: number, key: string, from: string | null, to: string, ok: boolean, call: number, ret?: number): Op => ({
  client,
  input: { op: "cas", key, from, to },
  output: { ok },
  call,
  return: ret,
});

const verdict = (history: Op[], initialValue: string | null = null) => checkOperations(kvModel({ initialValue }), history).result;

test("§5.1 Porcupine's README vectors (register starting at 0)", () => {
  // C0 put(100) over [0,10], C1 get->100 over [1,9], C2 get->0 over [2,8]: linearizable.
  assert.is(verdict([put(0, "x", "100", 0, 10), get(1, "x", "100", 1, 9), get(2, "x", "0", 2, 8)], "0"), "ok");
  // C0 put(200) over [0,10], C1 get->200 over [1,3], C2 get->0 over [4,6]: not.
  assert.is(verdict([put(0, "x", "200", 0, 10), get(1, "x", "200", 1, 3), get(2, "x", "0", 4, 6)], "0"), "illegal");
});

test("§5.4 table: stale reads, overlaps, closed intervals, cas, failed and unknown outcomes", () => {
  const cases: [string, Op[], "ok" | "illegal"][] = [
    ["read after a completed write sees it", [put(0, "k", "1", 0, 10), get(1, "k", "1", 20, 30)], "ok"],
    ["stale read after a completed write", [put(0, "k", "1", 0, 10), get(1, "k", null, 20, 30)], "illegal"],
    ["read concurrent with the write may see either (old)", [put(0, "k", "1", 0, 10), get(1, "k", null, 5, 15)], "ok"],
    ["read concurrent with the write may see either (new)", [put(0, "k", "1", 0, 10), get(1, "k", "1", 5, 15)], "ok"],
    ["closed intervals: [10,20] and [20,30] overlap", [put(0, "k", "1", 10, 20), get(1, "k", null, 20, 30)], "ok"],
    ["new then old, both during the write: not", [put(0, "k", "1", 0, 100), get(1, "k", "1", 10, 20), get(2, "k", null, 30, 40)], "illegal"],
    ["old then new during the write: fine", [put(0, "k", "1", 0, 100), get(1, "k", null, 10, 20), get(2, "k", "1", 30, 40)], "ok"],
    ["a value nobody wrote", [put(0, "k", "1", 0, 10), get(1, "k", "2", 20, 30)], "illegal"],
    ["two concurrent writes, reads agree on an order", [put(0, "k", "a", 0, 10), put(1, "k", "b", 0, 10), get(2, "k", "a", 20, 25), get(3, "k", "a", 30, 35)], "ok"],
    ["two concurrent writes, reads flip-flop", [put(0, "k", "a", 0, 10), put(1, "k", "b", 0, 10), get(2, "k", "a", 20, 25), get(3, "k", "b", 30, 35), get(2, "k", "a", 40, 45)], "illegal"],
    ["cas succeeds on the current value", [put(0, "k", "1", 0, 10), cas(1, "k", "1", "2", true, 20, 30), get(2, "k", "2", 40, 50)], "ok"],
    ["cas cannot succeed on a stale value", [put(0, "k", "1", 0, 10), put(0, "k", "2", 11, 12), cas(1, "k", "1", "3", true, 20, 30)], "illegal"],
    ["cas on absent key (create)", [cas(0, "k", null, "1", true, 0, 10), cas(1, "k", null, "2", false, 20, 30)], "ok"],
    ["two creates cannot both win", [cas(0, "k", null, "1", true, 0, 10), cas(1, "k", null, "2", true, 5, 30)], "illegal"],
    ["a failed write did not happen", [{ ...put(0, "k", "1", 0, 10), outcome: "fail" }, get(1, "k", "1", 20, 30)], "illegal"],
    ["a failed write is ignored", [{ ...put(0, "k", "1", 0, 10), outcome: "fail" }, get(1, "k", null, 20, 30)], "ok"],
    ["unknown write that took effect", [put(0, "k", "1", 0), get(1, "k", "1", 20, 30)], "ok"],
    ["unknown write that never took effect", [put(0, "k", "1", 0), get(1, "k", null, 20, 30)], "ok"],
    ["unknown write cannot take effect before its call", [get(1, "k", "1", 0, 5), put(0, "k", "1", 10)], "illegal"],
    ["unknown write, once seen, stays", [put(0, "k", "1", 0), get(1, "k", "1", 20, 30), get(1, "k", null, 40, 50)], "illegal"],
    ["unknown write may land late", [put(0, "k", "1", 0), get(1, "k", null, 20, 30), get(1, "k", "1", 40, 50)], "ok"],
    ["keys are independent", [put(0, "a", "1", 0, 10), get(1, "b", null, 20, 30), get(1, "a", "1", 20, 30)], "ok"],
  ];
  for (const [name, history, want] of cases) assert.is(verdict(history), want, name);
});

test("§5.3 revisions: an ABA read is caught only when revisions are reported", () => {
  const history = [put(0, "k", "a", 0, 10, 2), put(0, "k", "b", 11, 12, 3), put(0, "k", "a", 13, 14, 4)];
  assert.is(verdict([...history, get(1, "k", "a", 20, 30, 4)]), "ok");
  assert.is(verdict([...history, get(1, "k", "a", 20, 30, 2)]), "illegal", "right value, old mod revision");
  assert.is(verdict([...history, get(1, "k", "a", 20, 30)]), "ok", "without a revision the ABA is invisible");
  assert.is(verdict([put(0, "k", "a", 0, 10, 5), put(1, "k", "b", 20, 30, 5)]), "illegal", "two writes of a key at one revision");
  assert.is(verdict([put(0, "k", "a", 0, 10, 5), put(1, "k", "b", 20, 30, 4)]), "illegal", "a later write at a lower revision");
  assert.is(verdict([put(0, "k", "a", 0), put(1, "k", "b", 20, 30, 4), get(2, "k", "a", 40, 50, 9)]), "ok", "an unknown write's revision is learned from a read");
});

test("§5.4 revision order across keys", () => {
  const h: Op[] = [
    { input: { op: "put", key: "a", value: "1" }, output: { revision: 5 }, call: 0, return: 10 },
    { input: { op: "put", key: "b", value: "1" }, output: { revision: 4 }, call: 20, return: 30 },
    { input: { op: "get", key: "c" }, output: { value: null, header: 3 }, call: 40, return: 50 },
    { input: { op: "put", key: "c", value: "1" }, output: { revision: 6 }, call: 5, return: 60 },
  ];
  assert.equal(
    checkRevisionOrder(h).map((v) => [v.first, v.second]),
    [
      [0, 1],
      [0, 2],
    ],
  );
  assert.equal(checkRevisionOrder(h.slice(2)), []);
});

test("explain() names the partition and the operations that cannot be placed", () => {
  const h = [put(0, "k", "1", 0, 10), get(1, "k", null, 20, 30)];
  const model = kvModel();
  const text = explain(model, h, checkOperations(model, h));
  assert.match(text, /partition "k": not linearizable/);
  assert.match(text, /client 0 put\(k, "1"\) \[0, 10\]/);
  assert.match(text, /client 1 get\(k\) → ∅ \[20, 30\]/);
});

test("the step budget: undecided is 'unknown', never 'ok'", () => {
  // Many concurrent writes and a read that matches none: the search must try every order.
  const h: Op[] = Array.from({ length: 14 }, (_, i) => put(i, "k", `v${i}`, 0, 100));
  h.push(get(99, "k", "nobody", 200, 300));
  const r = checkOperations(kvModel(), h, { maxSteps: 50 });
  assert.is(r.result, "unknown");
  assert.is(checkOperations(kvModel(), h).result, "illegal");
});

/** A random sequential execution with jittered call/return times around each op's instant. */
function randomHistory(seed: string, n: number, keys: number, jitter: number): Op[] {
  const rng = new Rng(seed);
  const state = new Map<string, { value: string | null; rev: number }>();
  let rev = 1;
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const t = i * 10;
    const call = t - rng.int(jitter + 1);
    const ret = t + rng.int(jitter + 1);
    const key = `k${rng.int(keys)}`;
    const cur = state.get(key) ?? { value: null, rev: 0 };
    const r = rng.next();
    const client = rng.int(8);
    if (r < 0.45) {
      ops.push({ client, input: { op: "get", key }, output: { value: cur.value, modRevision: cur.value === null ? undefined : cur.rev }, call, return: ret });
    } else if (r < 0.8) {
      const value = `v${i}`;
      rev++;
      state.set(key, { value, rev });
      ops.push({ client, input: { op: "put", key, value }, output: { revision: rev }, call, return: ret });
    } else if (r < 0.95) {
      const from = rng.bool() ? cur.value : "nope";
      const to = `v${i}`;
      const ok = from === cur.value;
      if (ok) state.set(key, { value: to, rev: ++rev });
      ops.push({ client, input: { op: "cas", key, from, to }, output: { ok, revision: ok ? rev : undefined }, call, return: ret });
    } else {
      const deleted = cur.value !== null;
      if (deleted) state.set(key, { value: null, rev: ++rev });
      ops.push({ client, input: { op: "delete", key }, output: { deleted, revision: deleted ? rev : undefined }, call, return: ret });
    }
  }
  return ops;
}

test("randomized: sequential executions with jittered intervals are always accepted", () => {
  for (let s = 0; s < 40; s++) {
    const h = randomHistory(`lin-${s}`, 200, 3, 40);
    const r = checkOperations(kvModel(), h);
    assert.is(r.result, "ok", `seed ${s}`);
    assert.equal(checkRevisionOrder(h), [], `seed ${s}`);
  }
});

test("randomized: a read mutated to a never-written value, or to a provably stale one, is rejected", () => {
  for (let s = 0; s < 40; s++) {
    const h = randomHistory(`lin-${s}`, 200, 3, 40);
    const rng = new Rng(`mutate-${s}`);
    const reads = h.map((op, i) => i).filter((i) => h[i].input.op === "get");
    const bogus = h.map((op) => ({ ...op }));
    const i = rng.pick(reads);
    bogus[i] = { ...bogus[i], output: { value: "never-written" } };
    assert.is(checkOperations(kvModel(), bogus).result, "illegal", `seed ${s}: bogus value`);

    // Stale: a read that starts after write W2 returned, where W2 followed write W1 in real time
    // on the same key, made to return W1's (unique) value.
    const writes = h.map((op, j) => j).filter((j) => h[j].input.op === "put");
    let done = false;
    for (const r of reads) {
      const key = h[r].input.key;
      const before = writes.filter((w) => h[w].input.key === key && h[w].return! < h[r].call);
      for (const w1 of before) {
        if (before.some((w2) => h[w1].return! < h[w2].call)) {
          const stale = h.map((op) => ({ ...op }));
          stale[r] = { ...stale[r], output: { value: (h[w1].input as { value: string }).value } };
          assert.is(checkOperations(kvModel(), stale).result, "illegal", `seed ${s}: stale read`);
          done = true;
          break;
        }
      }
      if (done) break;
    }
    assert.ok(done, `seed ${s}: found a read to make stale`);
  }
});

test("the store under a lagging replica: serializable reads from it are caught, leader reads pass", () => {
  // A leader applies each write at once; a follower applies the same log entries 30 ms later.
  // Clients write through the leader and read either from the leader or (serializable, without
  // a ReadIndex) from the follower. Times are virtual; the stores are the real MvccStore.
  const rng = new Rng("replica");
  const leader = new MvccStore();
  const follower = new MvccStore();
  const lag: { at: number; entry: Parameters<MvccStore["apply"]>[0] }[] = [];
  const histories: Record<"leader" | "follower", Op[]> = { leader: [], follower: [] };
  for (let t = 0; t < 2000; t += 5) {
    while (lag.length && lag[0].at <= t) follower.apply(lag.shift()!.entry);
    const key = `k${rng.int(3)}`;
    if (rng.bool(0.4)) {
      const value = `v${t}`;
      const entry = { type: "put" as const, request: { key, value } };
      const res = leader.apply(entry);
      lag.push({ at: t + 30, entry });
      const revision = res.ok ? res.response.header.revision : undefined;
      for (const h of Object.values(histories)) h.push({ input: { op: "put", key, value }, output: { revision }, call: t, return: t + 2 });
    } else {
      for (const [name, store] of [["leader", leader], ["follower", follower]] as const) {
        const kv = store.range({ key, serializable: true }).kvs[0];
        histories[name].push({ input: { op: "get", key }, output: { value: kv ? kv.value : null, modRevision: kv?.mod_revision }, call: t + 1, return: t + 3 });
      }
    }
  }
  assert.is(checkOperations(kvModel(), histories.leader).result, "ok");
  assert.is(checkOperations(kvModel(), histories.follower).result, "illegal");
});

test("performance: 1,000 operations over 10 keys with overlapping calls", () => {
  // Ops 10 ms apart, each stretched by up to ±jitter: about 2 * jitter / 10 in flight at once.
  for (const [n, jitter] of [
    [1000, 60],
    [1000, 300],
    [10000, 60],
  ]) {
    const h = randomHistory(`perf-${n}-${jitter}`, n, 10, jitter);
    const t = performance.now();
    const r = checkOperations(kvModel(), h);
    const ms = performance.now() - t;
    console.log(`  checker: ${n} ops / 10 keys / ~${(2 * jitter) / 10} concurrent: ${ms.toFixed(1)} ms, ${r.steps} steps`);
    assert.is(r.result, "ok");
    assert.ok(ms < 5000, `took ${ms} ms`);
  }
});

test.run();
