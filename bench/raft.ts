// Raft figures for `npm run bench` (issue 3): commit throughput in wall-clock time, virtual
// time to elect a leader, and the wall-clock cost of one virtual minute of a 5-member cluster.
import { performance } from "perf_hooks";
import { RaftCluster } from "../src/etcd/raft";
import { Simulation } from "../src/sim";
import { report } from "./report";

function quiet(seed: number | string, members: number): { sim: Simulation; c: RaftCluster } {
  const sim = new Simulation({ seed, trace: false });
  sim.network.traceMessages = false;
  sim.network.configure({ latency: "1ms" });
  const c = new RaftCluster(sim, { members, traceMessages: false, snapshotCount: 10000, snapshotCatchUpEntries: 1000 });
  return { sim, c };
}

export function run(): void {
  // 1. Proposals committed (applied on every member) per wall-clock second, 3 members, no
  //    faults: batches of 100 proposals, each batch given 5 ms of virtual time.
  {
    const { sim, c } = quiet("bench-throughput", 3);
    c.runUntilLeader();
    const N = 50_000;
    const t0 = performance.now();
    let last = 0;
    for (let i = 0; i < N; i++) {
      const r = c.propose(`k${i}=v`);
      if (r.index !== undefined) last = r.index;
      if (i % 100 === 99) sim.runFor("5ms");
    }
    if (!c.runUntilApplied(last, "10s")) throw new Error("bench: proposals did not commit");
    const secs = (performance.now() - t0) / 1000;
    report("raft.proposals_committed_per_second", Math.round(N / secs), "proposals/s", { members: 3, proposals: N, virtual_ms: Math.round(sim.now) });
  }

  // 2. Virtual time from start to the first leader, median over 100 seeds (3 members, etcd
  //    defaults: election timeout 1000 ms randomised to [1000, 2000) ms, PreVote on).
  {
    const times: number[] = [];
    for (let seed = 0; seed < 100; seed++) {
      const { sim, c } = quiet(`bench-election-${seed}`, 3);
      if (c.runUntilLeader("30s") === undefined) throw new Error(`bench: no leader for seed ${seed}`);
      times.push(sim.now);
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]);
    report("raft.election_virtual_ms_median", q(0.5), "virtual ms", { seeds: 100, p90: q(0.9), max: q(1), min: q(0) });
  }

  // 3. Wall-clock cost of one virtual minute of a 5-member cluster: idle (heartbeats only) and
  //    with 10 proposals per second.
  {
    const { sim, c } = quiet("bench-minute", 5);
    c.runUntilLeader();
    const t0 = performance.now();
    sim.runFor("60s");
    const idle = performance.now() - t0;
    const events = sim.eventsRun;
    const busy = quiet("bench-minute-load", 5);
    busy.c.runUntilLeader();
    const t1 = performance.now();
    for (let i = 0; i < 600; i++) {
      busy.c.propose(`k${i}`);
      busy.sim.runFor("100ms");
    }
    const loaded = performance.now() - t1;
    report("raft.virtual_minute_5_members_wall_ms", Math.round(idle * 10) / 10, "wall ms", {
      events,
      with_10_proposals_per_second_ms: Math.round(loaded * 10) / 10,
    });
  }
}

if (require.main === module) run();
