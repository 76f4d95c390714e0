// Chapter 01's exercises: predict the next leader; find the smallest set of isolated members
// that stops a five-member etcd from committing.

import { Simulation } from "../sim/index";
import { RaftCluster } from "../etcd/raft/cluster";
import { Verdict, verdict } from "./verdict";

/**
 * A three-member cluster where one follower fell behind: the leader's messages to it were lost
 * while five commands committed with the other follower. The learner sees the members' logs
 * and predicts who leads after the leader crashes.
 */
export function laggingFollowerScenario(seed: number | string = "predict") {
  const sim = new Simulation({ seed });
  const cluster = new RaftCluster(sim);
  const leader = cluster.runUntilLeader("10s")!;
  const [upToDate, lagging] = cluster.members.filter((m) => m !== leader);
  cluster.link(leader, lagging, { loss: 1 });
  for (let i = 1; i <= 5; i++) cluster.propose(`x=${i}`);
  sim.runFor("500ms");
  cluster.link(leader, lagging, { loss: 0 });
  return {
    sim,
    cluster,
    leader,
    /** Crashes the leader and runs until a new one is elected; returns its name. */
    crashLeaderAndElect(): string | undefined {
      cluster.crash(leader);
      sim.runFor("100ms");
      return cluster.runUntilLeader("20s");
    },
    // For the explanation after the fact, not for the learner's prediction.
    upToDate,
    lagging,
  };
}

export function checkLeaderPrediction(prediction: string, actual: string | undefined, members: string[]): Verdict {
  if (!members.includes(prediction)) {
    return verdict(false, "", `set prediction to one of ${members.map((m) => `"${m}"`).join(", ")} (got ${JSON.stringify(prediction)})`);
  }
  return verdict(
    prediction === actual,
    `${actual} leads. Only a member whose log is at least as up to date as a majority's can win (§5.4.1): the lagging follower asks for a vote, and the up-to-date one refuses it.`,
    `${actual} became leader, not ${prediction}. Compare the members' last log term and index: who can collect a majority of votes?`,
  );
}

/** Isolates each member in `cut` from all others on a fresh, healthy five-member cluster and reports whether anything still commits. */
export function progressWithIsolated(cut: string[], seed: number | string = "smallest-cut"): { committed: boolean; leaders: string[] } {
  const sim = new Simulation({ seed });
  const cluster = new RaftCluster(sim, { members: 5 });
  cluster.runUntilLeader("10s");
  const unknown = cut.filter((m) => !cluster.members.includes(m));
  if (unknown.length) throw new Error(`unknown member(s) ${unknown.join(", ")}; the members are ${cluster.members.join(", ")}`);
  for (const m of cut) cluster.isolate(m);
  sim.runFor("5s"); // let leadership settle on whichever side can hold it
  const before = Math.max(...cluster.members.map((m) => cluster.commitIndex(m)));
  for (const m of cluster.members) if (cluster.role(m) === "leader") cluster.propose(`probe-from-${m}`, m);
  sim.runFor("5s");
  const after = Math.max(...cluster.members.map((m) => cluster.commitIndex(m)));
  return { committed: after > before, leaders: cluster.members.filter((m) => cluster.role(m) === "leader") };
}

export function checkSmallestCut(cut: string[]): Verdict {
  if (!Array.isArray(cut) || cut.length === 0) return verdict(false, "", "put the names of the members to isolate in `cut`, e.g. [\"etcd-1\"]");
  if (new Set(cut).size !== cut.length) return verdict(false, "", "a member appears twice in `cut`");
  let result: { committed: boolean; leaders: string[] };
  try {
    result = progressWithIsolated(cut);
  } catch (e) {
    return verdict(false, "", (e as Error).message);
  }
  if (result.committed) {
    return verdict(false, "", `with ${cut.join(", ")} isolated the cluster still commits (leader: ${result.leaders.join(", ")}): the others still form a majority`);
  }
  if (cut.length > 3) return verdict(false, "", `isolating ${cut.length} members stops progress, but fewer would do`);
  return verdict(true, `isolating ${cut.length} of 5 members leaves ${5 - cut.length}: no majority (3) can form anywhere, so nothing commits. Any 3 will do: which ones does not matter, not even the leader.`, "");
}
