// What the leader knows about each member: matchIndex and nextIndex of Figure 2, plus etcd's
// flow control. A follower's progress is in one of three states:
//
//   probe      we don't know where its log ends: send one AppendEntries at a time, and back
//              nextIndex up on each rejection (§5.3), until one is accepted.
//   replicate  its log matches ours up to match: stream entries optimistically, at most
//              maxInflight messages unacknowledged.
//   snapshot   it needs entries we compacted away: a snapshot is on its way (§7); send nothing
//              else until it is acknowledged.

import { ConfState, NodeId } from "./messages";
import { VoteResult, committedIndex, voteResult } from "./quorum";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** Last indexes of the MsgApps sent but not yet acknowledged, oldest first. */
export class Inflights {
  private readonly items: number[] = [];
  constructor(readonly size: number) {}
  add(lastIndex: number): void {
    if (this.full()) throw new Error("cannot add into a full inflights");
    this.items.push(lastIndex);
  }
  /** Acknowledgement of everything up to index. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.items.length && this.items[n] <= index) n++;
    this.items.splice(0, n);
  }
  freeFirstOne(): void {
    this.items.shift();
  }
  full(): boolean {
    return this.items.length >= this.size;
  }
  count(): number {
    return this.items.length;
  }
  reset(): void {
    this.items.length = 0;
  }
}

export class Progress {
  /** Highest index known to be replicated on the member (matchIndex). */
  match = 0;
  /** Index of the next entry to send (nextIndex). */
  next = 1;
  state: ProgressState = "probe";
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum (thesis §6.2). */
  recentActive = false;
  /** In probe state: a MsgApp is outstanding, wait for its answer or a heartbeat response. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it: the follower has at least that much.
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshot;
      this.resetState("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** An AppendEntries up to n was accepted. Returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** In replicate state we send ahead without waiting: nextIndex moves on send. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * An AppendEntries with prev index `rejected` was refused; `matchHint` is the follower's
   * guess of the last index that may match. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false; // stale: we already know better
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false; // not the probe we are waiting for
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  toString(): string {
    let s = `${this.state} match=${this.match} next=${this.next}`;
    if (this.state === "snapshot") s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += " inactive";
    if (this.probeSent) s += " paused";
    if (this.inflights.count() > 0) s += ` inflight=${this.inflights.count()}`;
    return s;
  }
}

/** The leader's view of the configuration: voters, their progress, and the votes of a campaign. */
export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  /** Voter ids in ascending order (so iteration, and therefore the run, is deterministic). */
  voters(): NodeId[] {
    return [...this.progress.keys()].sort((a, b) => a - b);
  }

  confState(): ConfState {
    return { voters: this.voters() };
  }

  isSingleton(): boolean {
    return this.progress.size === 1;
  }

  /** Visit each member's progress in id order. */
  visit(fn: (id: NodeId, pr: Progress) => void): void {
    for (const id of this.voters()) fn(id, this.progress.get(id) as Progress);
  }

  /** The largest index replicated on a majority (candidate commit index, §5.3). */
  committed(): number {
    return committedIndex(this.voters(), (id) => (this.progress.get(id) as Progress).match);
  }

  /** Did a majority hear from us since the last check? (CheckQuorum) */
  quorumActive(self: NodeId): boolean {
    const votes = new Map<NodeId, boolean>();
    this.visit((id, pr) => votes.set(id, id === self || pr.recentActive));
    return voteResult(this.voters(), votes) === "won";
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Record a vote; only the first vote of each member counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Result of an arbitrary tally over the current voters (e.g. ReadIndex heartbeat acks). */
  voteResultOf(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return voteResult(this.voters(), votes);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters()) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters(), this.votes) };
  }
}
