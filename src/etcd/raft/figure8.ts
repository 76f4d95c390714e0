// The Raft paper's Figure 8 (§5.4.2) as a scenario a learner can step through.
//
// "A time sequence showing why a leader cannot determine commitment using log entries from
// older terms." Five members; the script decides who campaigns and which AppendEntries get
// through (dropIf), so every run is the same. Figure 8 is about the basic algorithm, so PreVote
// and CheckQuorum are off, and one entry per AppendEntries lets entry 2 travel without entry 3.
//
// etcd's leaders append an empty entry when elected, so the paper's entries are ours as:
//   index 1, term 1  the empty entry of S5's first leadership, committed everywhere
//   A = 2@2          S1's empty entry as leader of term 2
//   B = 2@3          S5's empty entry as leader of term 3
//   C = 3@4          S1's empty entry as leader of term 4
// test/raft/figure8.test.ts pins each panel.

import { Simulation } from "../../sim/index";
import { RaftCluster, RaftClusterOptions } from "./cluster";

export interface Figure8Step {
  panel: string;
  says: string;
  run(): void;
}

export interface Figure8 {
  sim: Simulation;
  cluster: RaftCluster;
  /** The panels in order; run each one's run() to advance. "d" and "e" are alternatives after "c". */
  steps: Figure8Step[];
  /** One row per (member, index): the term of the entry, and whether the member has committed it. */
  logs(): { member: string; index: number; term: number; committed: boolean }[];
}

export function figure8(options: RaftClusterOptions & { seed?: string | number; ending?: "d" | "e" } = {}): Figure8 {
  const { seed, ending, ...clusterOptions } = options;
  const sim = new Simulation({ seed: seed ?? "figure-8" });
  const c = new RaftCluster(sim, { members: 5, preVote: false, checkQuorum: false, maxSizePerMsg: 0, ...clusterOptions });
  const settle = () => sim.runFor("30ms");
  let undo: (() => void)[] = [];
  const release = () => {
    for (const u of undo) u();
    undo = [];
  };

  const steps: Figure8Step[] = [
    {
      panel: "start",
      says: "S5 leads term 1; its entry at index 1 is committed on every member.",
      run() {
        c.campaign(5);
        settle();
        c.runUntilApplied(1, "1s");
      },
    },
    {
      panel: "a",
      says: "S1 is elected leader of term 2 and appends A (index 2, term 2); it reaches only S2.",
      run() {
        undo.push(c.dropIf((m) => m.from === 1 && m.type === "MsgApp" && m.to !== 2));
        c.campaign(1);
        settle();
        release();
      },
    },
    {
      panel: "b",
      says: "S1 crashes. S5 wins term 3 with votes from S3 and S4 (S2 refuses: its log is more up to date) and appends B at index 2, which reaches nobody.",
      run() {
        c.crash(1);
        undo.push(c.dropIf((m) => m.from === 5 && m.type === "MsgApp"));
        c.campaign(5);
        settle();
        release();
      },
    },
    {
      panel: "c",
      says: "S5 crashes; S1 restarts and wins term 4. It replicates A to S3: A is now on a majority (S1, S2, S3). Its new entry C (index 3, term 4) reaches only S2. Is A committed? S1 must not say so: A is from term 2, not S1's current term.",
      run() {
        c.crash(5);
        c.restart(1);
        undo.push(c.dropIf((m) => m.from === 1 && m.type === "MsgApp" && m.to === 4));
        // S3 first rejects the probe carrying C (it lacks A), then gets A alone; once S3 holds A,
        // nothing carrying C gets through to it.
        undo.push(c.dropIf((m) => m.from === 1 && m.type === "MsgApp" && m.to === 3 && m.entries.some((e) => e.index === 3) && c.log(3).length >= 2));
        c.campaign(1); // term 3: the others already voted in term 3; rejected
        settle();
        c.campaign(1); // term 4
        settle();
      },
    },
  ];
  if ((ending ?? "d") === "d") {
    steps.push({
      panel: "d",
      says: "S1 crashes before C reaches a majority. S5 restarts and wins term 5 (S3, S4 vote for it: their last terms 2 and 1 are older than its 3). It replicates B everywhere, overwriting A. Had S1 declared A committed in (c), a committed entry would now be gone.",
      run() {
        c.crash(1);
        release();
        c.restart(5);
        c.campaign(5); // term 4: everyone already voted for S1 in term 4
        settle();
        c.campaign(5); // term 5
        settle();
        c.restart(1);
        sim.runFor("2s");
      },
    });
  } else {
    steps.push({
      panel: "e",
      says: "Instead, S1 gets C (term 4) onto a majority before it crashes. Now C is committed, and A with it (everything before a committed entry is committed). S5 can no longer win an election: S2 and S3 hold a newer last term than S5.",
      run() {
        release();
        sim.runFor("300ms");
        c.crash(1);
        c.restart(5);
        for (let i = 0; i < 3; i++) {
          c.campaign(5);
          settle();
        }
        c.restart(1);
        sim.runFor("5s");
      },
    });
  }

  return {
    sim,
    cluster: c,
    steps,
    logs() {
      return c.members.flatMap((member) =>
        c.log(member).map((e) => ({ member: member.replace("etcd-", "S"), index: e.index, term: e.term, committed: e.index <= c.commitIndex(member) })),
      );
    },
  };
}
