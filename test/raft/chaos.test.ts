// Seeded chaos: random schedules of crashes, restarts, partitions, message loss, duplication
// and reordering, leader transfers and membership changes, on 3- and 5-member clusters. The
// invariant checkers watch every step. After the faults stop, liveness: a leader is elected
// and proposals made to it commit everywhere within a bounded virtual time.
//
// Each schedule is short in virtual time (a few seconds of faults) so a thousand of them run in
// seconds. A failing seed prints its schedule; rerun one with CHAOS_SEED=<n>.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { RaftClusterOptions } from "../../src/etcd/raft";
import { chaos } from "./chaos";

const SEEDS = Number(process.env.CHAOS_SEEDS ?? 1000); // per cluster size
const ONLY = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);

function runSeeds(size: number, count = SEEDS, extra: RaftClusterOptions = {}, livenessMs = 3000): void {
  const seeds = ONLY !== undefined ? [ONLY] : Array.from({ length: count }, (_, i) => i);
  let commits = 0;
  for (const seed of seeds) {
    const o = chaos(seed, size, false, extra, livenessMs);
    commits += o.commits;
    if (!o.ok || ONLY !== undefined) {
      const msg = `seed ${seed}, ${size} members:\n  ${o.problems.join("\n  ")}\nschedule:\n  ${o.schedule.join("\n  ")}`;
      if (!o.ok) assert.unreachable(msg);
      console.log(msg);
    }
  }
  assert.ok(commits > seeds.length * 3, `the schedules committed entries (${commits})`);
}

test(`chaos: ${SEEDS} seeded schedules on 3 members, zero violations, live after faults stop`, () => {
  runSeeds(3);
});

test(`chaos: ${SEEDS} seeded schedules on 5 members, zero violations, live after faults stop`, () => {
  runSeeds(5);
});

// The paper's algorithm, without etcd's PreVote and CheckQuorum: just as safe, but a member that
// rejoins with a higher term disrupts the leader (thesis §9.6), so liveness takes longer: a
// member whose log is behind keeps starting elections it cannot win, and a member that can win
// has to time out first.
test(`chaos: ${SEEDS / 4} schedules each on 3 and 5 members without PreVote and CheckQuorum, zero violations`, () => {
  const paper = { preVote: false, checkQuorum: false };
  runSeeds(3, SEEDS / 4, paper, 30000);
  runSeeds(5, SEEDS / 4, paper, 30000);
});

test.run();
