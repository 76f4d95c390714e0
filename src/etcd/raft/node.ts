// RawNode: the caller's handle on one Raft member (etcd's rawnode.go).
//
// The caller drives it in a loop:
//
//   node.tick() / node.step(msg) / node.propose(cmd) ...   input
//   if (node.hasReady()) {
//     const rd = node.ready();
//     persist rd.hardState, rd.entries, rd.snapshot         before anything leaves (Figure 2)
//     send rd.messages
//     apply rd.snapshot, then rd.committedEntries           calling applyConfChange for conf changes
//     node.advance(rd);
//   }
//
// Nothing happens between ready() and advance() except what the caller does.

import {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  LOCAL_MESSAGES,
  Message,
  NodeId,
  RESPONSE_MESSAGES,
  RaftError,
  ReadState,
  Role,
  Snapshot,
  SoftState,
  message,
  sameHardState,
} from "./messages";
import { Raft, RaftConfig } from "./raft";

/** One batch of work for the caller. */
export interface Ready {
  /** Set when the leader or our role changed since the last Ready. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed: persist it. */
  readonly hardState?: HardState;
  /** Entries to append to stable storage (they may replace a conflicting suffix). */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader to persist and load into the state machine. */
  readonly snapshot?: Snapshot;
  /** Committed entries to apply, in order. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send, after the above is persisted. */
  readonly messages: readonly Message[];
  /** Answers to ReadIndex requests. */
  readonly readStates: readonly ReadState[];
}

export interface ProposeResult {
  /** The index and term the entry got, if this member is the leader and appended it. */
  readonly index?: number;
  readonly term?: number;
  /** Set if a follower forwarded the proposal to this leader. */
  readonly forwardedTo?: NodeId;
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly lead: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly voters: readonly NodeId[];
  readonly leadTransferee: NodeId;
  /** Leader only: progress of each member, e.g. "replicate match=7 next=8". */
  readonly progress: Readonly<Record<number, string>>;
}

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Campaign now (as if the election timeout passed). */
  campaign(): void {
    this.raft.step(message({ type: "MsgHup" }));
  }

  /** Propose a command. Throws RaftError ErrProposalDropped if there is no leader to take it. */
  propose(data: string): ProposeResult {
    return this.proposeEntry({ term: 0, index: 0, type: "normal", data });
  }

  /** Propose a membership change; it takes effect when applied (see applyConfChange). */
  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.proposeEntry({ term: 0, index: 0, type: "confChange", change: cc });
  }

  private proposeEntry(e: Entry): ProposeResult {
    this.raft.step(message({ type: "MsgProp", from: this.raft.id, entries: [e] }));
    if (this.raft.role === "leader") return { index: this.raft.raftLog.lastIndex(), term: this.raft.term };
    return { forwardedTo: this.raft.lead };
  }

  /** Deliver a message from a peer. */
  step(m: Message): void {
    // Local messages never come over the network.
    if (LOCAL_MESSAGES.has(m.type)) throw new RaftError("ErrStepLocalMsg", m.type);
    if (RESPONSE_MESSAGES.has(m.type) && !this.raft.prs.progress.has(m.from)) {
      return; // a response from a member no longer in the configuration
    }
    this.raft.step(m);
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Ask the leader to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: "MsgTransferLeader", from: transferee }));
  }

  /** Request a linearizable read; the answer arrives in Ready.readStates with the same ctx. */
  readIndex(ctx: string): void {
    this.raft.step(message({ type: "MsgReadIndex", entries: [{ term: 0, index: 0, type: "normal", data: ctx }] }));
  }

  /** The transport could not deliver to `id`. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: "MsgUnreachable", from: id }));
  }

  /** The transport finished sending a snapshot to `id`, or failed to. */
  reportSnapshot(id: NodeId, status: "finish" | "failure"): void {
    this.raft.step(message({ type: "MsgSnapStatus", from: id, reject: status === "failure" }));
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = r.softState();
    if (soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role) return true;
    if (!sameHardState(r.hardState(), this.prevHard)) return true;
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (r.msgs.length > 0 || r.raftLog.unstable.entries.length > 0 || r.raftLog.hasNextCommittedEntries()) return true;
    return r.readStates.length > 0;
  }

  /** Collect the pending work; messages and read states are handed over (drained). */
  ready(): Ready {
    const r = this.raft;
    const soft = r.softState();
    const hard = r.hardState();
    const rd: Ready = {
      softState: soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role ? soft : undefined,
      hardState: sameHardState(hard, this.prevHard) ? undefined : hard,
      entries: r.raftLog.unstableEntries(),
      snapshot: r.raftLog.unstable.snapshot,
      committedEntries: r.raftLog.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
    };
    r.msgs = [];
    r.readStates = [];
    if (rd.softState) this.prevSoft = rd.softState;
    return rd;
  }

  /** The caller has persisted, sent and applied everything in rd. */
  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.entries.length > 0) {
      const e = rd.entries[rd.entries.length - 1];
      r.raftLog.stableTo(e.index, e.term);
    }
    if (rd.snapshot) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
    let applied = 0;
    if (rd.committedEntries.length > 0) applied = rd.committedEntries[rd.committedEntries.length - 1].index;
    else if (rd.snapshot) applied = rd.snapshot.metadata.index;
    if (applied > 0) r.raftLog.appliedTo(applied);
    // Read requests deferred because nothing of our term was committed may now proceed.
    if (r.role === "leader") r.releasePendingReadIndexMessages();
  }

  status(): Status {
    const r = this.raft;
    const progress: Record<number, string> = {};
    if (r.role === "leader") r.prs.visit((id, pr) => (progress[id] = pr.toString()));
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      commit: r.raftLog.committed,
      applied: r.raftLog.applied,
      firstIndex: r.raftLog.firstIndex(),
      lastIndex: r.raftLog.lastIndex(),
      voters: r.prs.voters(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }
}
