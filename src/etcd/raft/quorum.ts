// Quorum math for a single (majority) configuration.
//
// Raft needs a majority twice: to win an election (§5.2) and to commit an entry (§5.3). With
// one-at-a-time membership changes (thesis §4.1) any two majorities of consecutive
// configurations overlap, so a single majority config is all we need.

import { NodeId } from "./messages";

export type VoteResult = "pending" | "lost" | "won";

/** The size of a majority of n voters. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The highest index acknowledged by a majority of voters: sort the acked indexes in descending
 * order and take the majority-th one. With no voters there is nothing to commit: 0.
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const idx = voters.map(acked).sort((a, b) => b - a);
  return idx[majority(voters.length) - 1];
}

/**
 * Whether the votes cast so far decide the election: won with a majority of grants, lost once
 * a majority can no longer be reached, pending otherwise. An empty config wins (as in etcd).
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return "won";
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(voters.length);
  if (granted >= q) return "won";
  if (granted + missing >= q) return "pending";
  return "lost";
}
