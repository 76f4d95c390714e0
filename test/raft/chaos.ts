// One seeded chaos schedule (see chaos.test.ts). Shared by the test and bench/raft.ts.

import { Simulation } from "../../src/sim";
import { RaftCluster, RaftClusterOptions, RaftInvariants } from "../../src/etcd/raft";

export interface Outcome {
  ok: boolean;
  problems: string[];
  schedule: string[];
  commits: number;
  sim: Simulation;
  cluster: RaftCluster;
}

/**
 * Run one schedule. `livenessMs` bounds the time for each final proposal to be applied by
 * every member (3 s with etcd's PreVote and CheckQuorum).
 */
export function chaos(seed: number, size: number, debug = false, extra: RaftClusterOptions = {}, livenessMs = 3000): Outcome {
  const sim = new Simulation({ seed: `chaos-${size}-${seed}`, trace: debug });
  sim.network.traceMessages = debug;
  const rng = sim.rng.fork("schedule");
  const c = new RaftCluster(sim, {
    members: size,
    snapshotCount: 3 + rng.int(15),
    snapshotCatchUpEntries: rng.int(4),
    maxSizePerMsg: rng.bool(0.5) ? 0 : 1024 * 1024,
    maxInflightMsgs: rng.bool(0.3) ? 2 : 256,
    traceMessages: debug,
    ...extra,
  });
  const inv = new RaftInvariants(c);
  const schedule: string[] = [];
  const log = (s: string) => schedule.push(`${sim.now.toFixed(0)}ms ${s}`);
  const live = () => c.members.filter((m) => !c.status(m).removed);
  const net = () => ({
    latency: 1 + rng.int(10),
    jitter: rng.int(6),
    loss: rng.bool(0.5) ? 0 : rng.next() * 0.25,
    duplicate: rng.bool(0.7) ? 0 : rng.next() * 0.1,
    reorder: rng.bool(0.5) ? 0 : rng.next() * 0.3,
  });
  const first = net();
  c.configure(first);
  log(`net ${JSON.stringify(first)}`);

  // Faults for 5-30 s of virtual time, an action every 50-600 ms.
  const faultEnd = 5000 + rng.int(25000);
  let n = 0;
  while (sim.now < faultEnd) {
    sim.runFor(50 + rng.int(550));
    const members = live();
    const pick = () => rng.pick(members);
    const roll = rng.int(100);
    if (roll < 35) {
      // A burst of proposals, to the leader or to any member (followers forward them).
      const to = rng.bool(0.8) ? undefined : pick();
      const burst = 1 + rng.int(4);
      for (let i = 0; i < burst; i++) {
        const r = c.propose(`s${seed}-${n++}`, to);
        log(`propose -> ${r.member || "none"} ${r.ok ? `#${r.index ?? "fwd"}` : r.error}`);
      }
    } else if (roll < 47) {
      const m = pick();
      if (c.isUp(m)) {
        c.crash(m);
        log(`crash ${m}`);
      }
    } else if (roll < 65) {
      const down = members.filter((m) => !c.isUp(m));
      if (down.length > 0) {
        const m = rng.pick(down);
        c.restart(m);
        log(`restart ${m}`);
      }
    } else if (roll < 74) {
      const shuffled = rng.shuffle(members);
      const k = 1 + rng.int(Math.max(1, members.length - 1));
      const a = shuffled.slice(0, k);
      c.partition(a, shuffled.slice(k));
      log(`partition ${a.join(",")} | ${shuffled.slice(k).join(",")}`);
    } else if (roll < 81) {
      c.heal();
      log("heal");
    } else if (roll < 85) {
      const o = net();
      c.configure(o);
      log(`net ${JSON.stringify(o)}`);
    } else if (roll < 88) {
      const m = pick();
      c.campaign(m);
      log(`campaign ${m}`);
    } else if (roll < 92) {
      const m = pick();
      if (c.transferLeader(m)) log(`transfer -> ${m}`);
    } else if (roll < 96) {
      const r = c.readIndex(rng.bool(0.5) ? undefined : pick());
      log(`read at ${r.member || "none"}`);
    } else if (roll < 98) {
      if (members.length < 7) {
        const r = c.addMember();
        log(`add member ${r.ok ? r.name : r.error}`);
      }
    } else {
      if (members.length > 3) {
        const m = pick();
        const r = c.removeMember(m);
        log(`remove ${m} ${r.ok ? "" : r.error}`);
      }
    }
  }

  // Faults stop: heal, clean network, everyone back up.
  c.heal();
  c.configure({ latency: 2, jitter: 1, loss: 0, duplicate: 0, reorder: 0 });
  for (const m of live()) if (!c.isUp(m)) c.restart(m);
  log("faults stop");

  const problems: string[] = [];
  // Liveness 1: a leader within 10 s (several election timeouts: a removal or a member that
  // restarts with a higher term may cost an election or two).
  const lead = c.runUntilLeader("10s");
  if (lead === undefined) problems.push("no leader 10 s after the faults stopped");
  // Liveness 2: a proposal to the leader commits on every member within a bounded time. Like
  // the MIT harness's one(): offer it to the leader, retrying while the leader refuses (a
  // leader transfer in progress refuses proposals for up to an election timeout).
  if (lead !== undefined) {
    for (let i = 0; i < 3; i++) {
      const cmd = `final-${i}`;
      const deadline = sim.now + livenessMs;
      let done = false;
      while (!done && sim.now < deadline) {
        const r = c.propose(cmd);
        if (r.ok && r.index !== undefined && c.runUntilApplied(r.index, 1000)) {
          // Every member of the leader's configuration (a member whose addition never
          // committed is not part of the cluster).
          const voters = c.status(c.leader() ?? r.member).voters;
          done = voters.every((m) => c.commands(m).includes(cmd));
        }
        if (!done) sim.runFor(100);
      }
      if (!done) {
        problems.push(`${cmd} not applied everywhere within ${livenessMs} ms: ${JSON.stringify(c.table().map((s) => [s.name, s.role, s.term, s.appliedIndex]))}`);
        break;
      }
    }
  }
  inv.finalCheck();
  for (const v of inv.violations) problems.push(`${v.property} at ${v.t} ms: ${v.detail}`);
  return { ok: problems.length === 0, problems, schedule, commits: inv.committedIndexes().length, sim, cluster: c };
}
