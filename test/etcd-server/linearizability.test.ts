// Histories recorded by clients of the simulated etcd under the chaos of etcd I (crashes,
// restarts, partitions, loss, reordering) are linearizable; the deliberately stale-read mode
// is caught. The checker is src/etcd/linearizability (Wing–Gong / Porcupine).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim";
import { EtcdCluster, EtcdClusterOptions } from "../../src/etcd/server";
import { EtcdClient, startWorkload, runOperation, KvOperation } from "../../src/etcd/client";
import { checkOperations, checkRevisionOrder, explain, kvModel } from "../../src/etcd/linearizability";
import { RaftInvariants } from "../../src/etcd/raft";

function chaosRun(seed: number, members: number, options: EtcdClusterOptions = {}) {
  const sim = new Simulation({ seed: `etcd-lin-${members}-${seed}`, trace: false });
  sim.network.traceMessages = false;
  const rng = sim.rng.fork("schedule");
  const etcd = new EtcdCluster(sim, { members, snapshotCount: 5 + rng.int(20), snapshotCatchUpEntries: rng.int(5), traceMessages: false, ...options });
  const inv = new RaftInvariants(etcd.raft);
  const clients = [1, 2, 3].map((i) => new EtcdClient(sim, { name: `client-${i}`, endpoints: rng.shuffle(etcd.members) }));
  etcd.raft.runUntilLeader("10s");
  const faultEnd = sim.now + 4000 + rng.int(8000);
  const history = startWorkload(sim, clients, faultEnd + 3000, rng.fork("workload"), { thinkMs: 30 });
  sim.network.configure({ latency: 1 + rng.int(5), jitter: rng.int(4), loss: rng.bool(0.5) ? 0 : rng.next() * 0.1, reorder: rng.bool(0.5) ? 0 : rng.next() * 0.2 });
  while (sim.now < faultEnd) {
    sim.runFor(100 + rng.int(700));
    const roll = rng.int(100);
    const m = rng.pick(etcd.members);
    if (roll < 20 && etcd.raft.isUp(m)) etcd.crash(m);
    else if (roll < 45) for (const d of etcd.members) if (!etcd.raft.isUp(d)) etcd.restart(d);
    else if (roll < 60) {
      const a = rng.shuffle(etcd.members).slice(0, 1 + rng.int(members - 1));
      sim.network.partition(a, etcd.members.filter((x) => !a.includes(x))); // members only: clients reach all
    } else if (roll < 80) sim.network.heal();
  }
  sim.network.heal();
  sim.network.configure({ loss: 0, reorder: 0 });
  for (const d of etcd.members) if (!etcd.raft.isUp(d)) etcd.restart(d);
  sim.runFor("20s"); // let every client's last operation finish
  inv.finalCheck();
  return { history, violations: inv.violations, sim };
}

const SEEDS = Number(process.env.ETCD_LIN_SEEDS ?? 200);

test(`${SEEDS} chaos runs on 3 members and ${SEEDS / 2} on 5: every history is linearizable`, () => {
  let ops = 0;
  let unknown = 0;
  for (const [members, n] of [[3, SEEDS], [5, SEEDS / 2]] as const) {
    for (let seed = 0; seed < n; seed++) {
      const { history, violations } = chaosRun(seed, members);
      assert.equal(violations, [], `raft invariants, seed ${seed}`);
      const result = checkOperations(kvModel(), history, { maxSteps: 2_000_000 });
      assert.is(result.result, "ok", `seed ${seed} (${members} members): ${result.result}\n${result.result === "illegal" ? explain(kvModel(), history, result) : ""}`);
      assert.equal(checkRevisionOrder(history), [], `revision order, seed ${seed}`);
      ops += history.length;
      unknown += history.filter((o) => o.outcome === "unknown").length;
    }
  }
  assert.ok(ops > SEEDS * 100, `only ${ops} operations`);
  if (process.env.SHOW) console.log(`${ops} operations, ${unknown} with unknown outcome`);
});

test("stale reads (unsafeStaleReads) from a member cut off from the leader are caught", () => {
  const sim = new Simulation({ seed: "stale" });
  const etcd = new EtcdCluster(sim, { members: 3, unsafeStaleReads: true });
  etcd.raft.runUntilLeader("10s");
  const writer = new EtcdClient(sim, { name: "writer", endpoints: etcd.members });
  const lonely = etcd.members.find((m) => m !== etcd.leader())!;
  const reader = new EtcdClient(sim, { name: "reader", endpoints: [lonely] });
  const history: KvOperation[] = [];
  const run = (c: EtcdClient, input: KvOperation["input"]) => {
    runOperation(sim, c, c.name, input, (op) => history.push(op));
    sim.runFor("2s");
  };
  run(writer, { op: "put", key: "x", value: "old" });
  sim.network.partition([lonely], etcd.members.filter((m) => m !== lonely));
  run(writer, { op: "put", key: "x", value: "new" }); // committed by the majority, and acknowledged
  run(reader, { op: "get", key: "x" }); // the cut-off member answers from its own store
  assert.is(history[2].output?.value, "old");
  const result = checkOperations(kvModel(), history);
  assert.is(result.result, "illegal");

  // The same story with etcd's default (ReadIndex): the read fails instead of lying.
  const sim2 = new Simulation({ seed: "stale" });
  const safe = new EtcdCluster(sim2, { members: 3 });
  safe.raft.runUntilLeader("10s");
  const w2 = new EtcdClient(sim2, { name: "writer", endpoints: safe.members });
  const lonely2 = safe.members.find((m) => m !== safe.leader())!;
  const r2 = new EtcdClient(sim2, { name: "reader", endpoints: [lonely2], timeout: "3s" });
  const h2: KvOperation[] = [];
  runOperation(sim2, w2, "writer", { op: "put", key: "x", value: "old" }, (op) => h2.push(op));
  sim2.runFor("2s");
  sim2.network.partition([lonely2], safe.members.filter((m) => m !== lonely2));
  runOperation(sim2, w2, "writer", { op: "put", key: "x", value: "new" }, (op) => h2.push(op));
  sim2.runFor("2s");
  runOperation(sim2, r2, "reader", { op: "get", key: "x" }, (op) => h2.push(op));
  sim2.runFor("5s");
  assert.is(h2[2].outcome, "fail");
  assert.is(checkOperations(kvModel(), h2).result, "ok");
});

test.run();
