// The Raft state machine of one member, shaped like etcd-io/raft's raft.go.
//
// It does no I/O and reads no clock. Time enters as tick() (one tick = 100 ms in etcd), input as
// step(message); everything it wants done — messages to send, entries to persist, entries to
// apply — accumulates in fields that RawNode (node.ts) hands to the caller as a Ready.
//
// Each role has its own step function and tick function; becoming a role swaps them
// (this.stepFn / this.tickFn). step() first applies the rules common to all roles — mostly the
// term comparison of §5.1 — then delegates.

import { RaftLog } from "./log";
import {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  MessageType,
  NodeId,
  None,
  RaftError,
  ReadState,
  Role,
  Snapshot,
  SoftState,
  isEmptyHardState,
  message,
  voteResponseType,
} from "./messages";
import { Progress, ProgressTracker } from "./progress";
import { VoteResult } from "./quorum";
import { ReadOnly, ReadOnlyOption, requestContext } from "./read-only";
import { Storage } from "./storage";

/** Context of the votes of a leader transfer: they bypass PreVote and the leader lease. */
export const CAMPAIGN_TRANSFER = "transfer";

export type CampaignType = "pre-election" | "election" | "transfer";

/** Things a member did that an observer (the harness, a chart) may want to know about. */
export type RaftEvent =
  | { readonly type: "role"; readonly role: Role; readonly term: number; readonly lead: NodeId }
  | {
      readonly type: "vote";
      readonly candidate: NodeId;
      readonly term: number;
      readonly granted: boolean;
      readonly pre: boolean;
    };

export interface RaftConfig {
  /** This member's id (> 0). */
  id: NodeId;
  /** Stable storage; on restart the member recovers term, vote, log and snapshot from it. */
  storage: Storage;
  /** Random integer in [0, n). The only source of randomness: inject a seeded generator. */
  rand: (n: number) => number;
  /** Ticks a follower waits without hearing from a leader before campaigning (etcd: 10). */
  electionTick?: number;
  /** Ticks between leader heartbeats (etcd: 1). */
  heartbeatTick?: number;
  /** Index already applied by the caller's state machine (on restart). */
  applied?: number;
  /** Bytes of entries per MsgApp; 0 means one entry per message (etcd: 1 MiB). */
  maxSizePerMsg?: number;
  /** Unacknowledged MsgApps per follower in replicate state (etcd server: 512). */
  maxInflightMsgs?: number;
  /** Leader steps down if a quorum did not hear from it for an election timeout (thesis §6.2). */
  checkQuorum?: boolean;
  /** Ask "would you vote for me?" before bumping the term (thesis §9.6). */
  preVote?: boolean;
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** A leader removed from the configuration steps down (default true). */
  stepDownOnRemoval?: boolean;
  /**
   * TEACHING ONLY. Commit an entry as soon as a majority stores it, whatever its term —
   * exactly what Figure 8 (§5.4.2) shows to be unsafe. Default false.
   */
  unsafeCommitOldTerms?: boolean;
  /** Called synchronously on role changes and votes. Must not call back into the member. */
  observer?: (ev: RaftEvent) => void;
}

type StepFn = (r: Raft, m: Message) => void;
type TickFn = (r: Raft) => void;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  lead: NodeId = None;
  role: Role = "follower";

  readonly raftLog: RaftLog;
  readonly prs: ProgressTracker;
  readOnly: ReadOnly;

  /** Output, drained by RawNode.ready(). */
  msgs: Message[] = [];
  readStates: ReadState[] = [];

  /** Member we are handing leadership to, or None. */
  leadTransferee: NodeId = None;
  /** Only one conf change may be pending (appended but not applied) at a time (thesis §4.1). */
  pendingConfIndex = 0;
  /** Read requests that arrived before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];

  /** Ticks since we last heard from a leader (follower) or since the last CheckQuorum (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  /** Uniform in [electionTimeout, 2 * electionTimeout), redrawn on every role change (§5.2). */
  randomizedElectionTimeout = 0;

  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxMsgSize: number;
  readonly disableProposalForwarding: boolean;
  readonly stepDownOnRemoval: boolean;
  readonly unsafeCommitOldTerms: boolean;
  private readonly rand: (n: number) => number;
  private readonly observer: ((ev: RaftEvent) => void) | undefined;

  stepFn: StepFn = stepFollower;
  tickFn: TickFn = tickElection;

  constructor(c: RaftConfig) {
    const electionTick = c.electionTick ?? 10;
    const heartbeatTick = c.heartbeatTick ?? 1;
    if (c.id === None) throw new Error("cannot use none as id");
    if (heartbeatTick <= 0) throw new Error("heartbeat tick must be greater than 0");
    if (electionTick <= heartbeatTick) throw new Error("election tick must be greater than heartbeat tick");
    this.id = c.id;
    this.electionTimeout = electionTick;
    this.heartbeatTimeout = heartbeatTick;
    this.checkQuorum = c.checkQuorum ?? true;
    this.preVote = c.preVote ?? true;
    this.maxMsgSize = c.maxSizePerMsg ?? 1024 * 1024;
    this.disableProposalForwarding = c.disableProposalForwarding ?? false;
    this.stepDownOnRemoval = c.stepDownOnRemoval ?? true;
    this.unsafeCommitOldTerms = c.unsafeCommitOldTerms ?? false;
    this.rand = c.rand;
    this.observer = c.observer;
    this.readOnly = new ReadOnly(c.readOnlyOption ?? "safe");
    this.prs = new ProgressTracker(c.maxInflightMsgs ?? 256);
    this.raftLog = new RaftLog(c.storage);

    const { hardState, confState } = c.storage.initialState();
    this.applyConfState(confState);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied !== undefined && c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, None);
  }

  // ---- state accessors --------------------------------------------------------------------

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Is this member a voter, able to campaign? (etcd: promotable) */
  promotable(): boolean {
    return this.prs.progress.has(this.id) && !this.raftLog.hasPendingSnapshot();
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(`${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Queue a message; it leaves when the caller drains Ready. */
  send(fields: Partial<Message> & { type: MessageType }): void {
    let m = message({ ...fields, from: this.id });
    const t = m.type;
    if (t === "MsgVote" || t === "MsgVoteResp" || t === "MsgPreVote" || t === "MsgPreVoteResp") {
      // Vote messages carry the term they are about, which may not be ours (PreVote).
      if (m.term === 0) throw new Error(`term should be set when sending ${t}`);
    } else {
      if (m.term !== 0) throw new Error(`term should not be set when sending ${t} (was ${m.term})`);
      // Proposals and read requests forwarded to the leader are treated as local messages.
      if (t !== "MsgProp" && t !== "MsgReadIndex") m = { ...m, term: this.term };
    }
    this.msgs.push(m);
  }

  /** AppendEntries with the entries from pr.next on, or a snapshot if those were compacted. */
  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Returns true if a message was sent. Empty MsgApps only go out if sendIfEmpty. */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;

    const prevIndex = pr.next - 1;
    const prevTerm = this.raftLog.term(prevIndex);
    let ents: Entry[] | undefined;
    try {
      ents = this.raftLog.entries(pr.next, this.maxMsgSize);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      ents = undefined;
    }
    if (ents !== undefined && ents.length === 0 && !sendIfEmpty) return false;

    if (prevTerm === undefined || ents === undefined) {
      // The follower needs entries we compacted: send the snapshot instead (§7).
      if (!pr.recentActive) return false; // it may be down; don't ship a snapshot into the void
      const snap = this.raftLog.snapshot();
      pr.becomeSnapshot(snap.metadata.index);
      this.send({ type: "MsgSnap", to, snapshot: snap });
      return true;
    }

    this.send({ type: "MsgApp", to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.raftLog.committed });
    if (ents.length > 0) {
      const last = ents[ents.length - 1].index;
      if (pr.state === "replicate") {
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === "probe") {
        pr.probeSent = true; // one probe at a time until it is answered
      }
    }
    return true;
  }

  /**
   * Heartbeats carry the commit index, but never beyond what the follower is known to hold:
   * it cannot commit entries it may not have.
   */
  sendHeartbeat(to: NodeId, ctx: string): void {
    const pr = this.prs.progress.get(to) as Progress;
    const commit = Math.min(pr.match, this.raftLog.committed);
    this.send({ type: "MsgHeartbeat", to, commit, context: ctx === "" ? undefined : ctx });
  }

  bcastAppend(): void {
    this.prs.visit((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx());
  }

  private bcastHeartbeatWithCtx(ctx: string): void {
    this.prs.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  // ---- commit -----------------------------------------------------------------------------

  /**
   * Advance the commit index to the highest index stored on a majority — but only if that
   * entry is from the current term (§5.4.2, Figure 8). Earlier entries then commit with it.
   */
  maybeCommit(): boolean {
    const mci = this.prs.committed();
    if (this.unsafeCommitOldTerms) {
      if (mci > this.raftLog.committed) {
        this.raftLog.commitTo(mci);
        return true;
      }
      return false;
    }
    return this.raftLog.maybeCommit(mci, this.term);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  // ---- role changes -----------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const id of this.prs.voters()) {
      const fresh = new Progress(last + 1, this.prs.maxInflight);
      if (id === this.id) fresh.match = last;
      this.prs.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly(this.readOnly.option);
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + this.rand(this.electionTimeout);
  }

  private emitRole(): void {
    if (this.observer) this.observer({ type: "role", role: this.role, term: this.term, lead: this.lead });
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = stepFollower;
    this.reset(term);
    this.tickFn = tickElection;
    this.lead = lead;
    this.role = "follower";
    this.emitRole();
  }

  becomeCandidate(): void {
    if (this.role === "leader") throw new Error("invalid transition [leader -> candidate]");
    this.stepFn = stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = tickElection;
    this.vote = this.id; // §5.2: a candidate votes for itself
    this.role = "candidate";
    this.emitRole();
  }

  becomePreCandidate(): void {
    if (this.role === "leader") throw new Error("invalid transition [leader -> pre-candidate]");
    // PreVote changes neither our term nor our vote: that is its whole point.
    this.stepFn = stepCandidate;
    this.prs.resetVotes();
    this.tickFn = tickElection;
    this.lead = None;
    this.role = "pre-candidate";
    this.emitRole();
  }

  becomeLeader(): void {
    if (this.role === "follower") throw new Error("invalid transition [follower -> leader]");
    this.stepFn = stepLeader;
    this.reset(this.term);
    this.tickFn = tickHeartbeat;
    this.lead = this.id;
    this.role = "leader";
    const self = this.prs.progress.get(this.id);
    if (self) {
      // We always hold our own log, and we are trivially active.
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Any conf change in our log may be uncommitted: conservatively treat the tail as pending.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of our term: committing it commits everything before it (§5.4.2) and
    // tells us our commit index is current, which ReadIndex needs (§8).
    this.appendEntry([{ term: 0, index: 0, type: "normal" }]);
    this.emitRole();
  }

  /** Append entries to the leader's own log, stamping term and index. */
  appendEntry(es: readonly Entry[]): void {
    let li = this.raftLog.lastIndex();
    const stamped = es.map((e) => ({ ...e, term: this.term, index: ++li }));
    li = this.raftLog.append(stamped);
    // The leader's own log counts towards the majority; the caller persists it before sending.
    (this.prs.progress.get(this.id) as Progress | undefined)?.maybeUpdate(li);
    this.maybeCommit();
  }

  // ---- elections --------------------------------------------------------------------------

  /** Start an election now, if allowed (MsgHup). */
  hup(t: CampaignType): void {
    if (this.role === "leader") return;
    if (!this.promotable()) return;
    // A member must not campaign while committed conf changes are unapplied: it would count
    // votes against a configuration it is about to leave.
    if (this.raftLog.committed > this.raftLog.applied) {
      const ents = this.raftLog.slice(this.raftLog.applied + 1, this.raftLog.committed + 1, Infinity);
      if (ents.some((e) => e.type === "confChange")) return;
    }
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    let voteMsg: MessageType;
    let term: number;
    if (t === "pre-election") {
      this.becomePreCandidate();
      voteMsg = "MsgPreVote";
      term = this.term + 1; // the term we would campaign in, without adopting it yet
    } else {
      this.becomeCandidate();
      voteMsg = "MsgVote";
      term = this.term;
    }
    // Our own vote. A single-member cluster wins right away.
    if (this.poll(this.id, true) === "won") {
      if (t === "pre-election") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    this.prs.visit((id) => {
      if (id === this.id) return;
      this.send({
        type: voteMsg,
        to: id,
        term,
        index: lastIndex,
        logTerm: lastTerm,
        context: t === "transfer" ? CAMPAIGN_TRANSFER : undefined,
      });
    });
  }

  poll(id: NodeId, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes().result;
  }

  // ---- input ------------------------------------------------------------------------------

  tick(): void {
    this.tickFn(this);
  }

  /** Process one message: the rules common to every role, then the role's step function. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === "MsgVote" || m.type === "MsgPreVote") {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.checkQuorum && this.lead !== None && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          // We heard from a live leader within the minimum election timeout: ignore the
          // request, don't even adopt its term. This keeps a member that was partitioned
          // away from disrupting a healthy leader (thesis §4.2.3 / §6.2).
          return;
        }
      }
      if (m.type === "MsgPreVote") {
        // Never change our term in response to a PreVote.
      } else if (m.type === "MsgPreVoteResp" && !m.reject) {
        // The term in a granted PreVote response is the term we asked about; we adopt it
        // only when we campaign for real.
      } else if (m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap") {
        this.becomeFollower(m.term, m.from); // §5.1: a higher term means we are out of date
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "MsgHeartbeat" || m.type === "MsgApp")) {
        // A stale leader (e.g. one that was partitioned) is still sending. Tell it our term
        // so it steps down; otherwise, with CheckQuorum or PreVote, a member that got a higher
        // term could never rejoin.
        this.send({ type: "MsgAppResp", to: m.from });
      } else if (m.type === "MsgPreVote") {
        // Reject with our term so the pre-candidate learns it is behind.
        this.send({ type: "MsgPreVoteResp", to: m.from, term: this.term, reject: true });
        this.emitVote(m, false);
      }
      // Otherwise §5.1: ignore stale-term requests.
      return;
    }

    switch (m.type) {
      case "MsgHup":
        this.hup(m.context === CAMPAIGN_TRANSFER ? "transfer" : this.preVote ? "pre-election" : "election");
        return;
      case "MsgVote":
      case "MsgPreVote": {
        // §5.2: at most one vote per term, first come first served; §5.4.1: only for a
        // candidate whose log is at least as up-to-date as ours.
        const canVote =
          this.vote === m.from ||
          (this.vote === None && this.lead === None) ||
          (m.type === "MsgPreVote" && m.term > this.term);
        if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
          // Answer with the term of the request: for a PreVote that is the future term.
          this.send({ type: voteResponseType(m.type), to: m.from, term: m.term });
          if (m.type === "MsgVote") {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
          this.emitVote(m, true);
        } else {
          this.send({ type: voteResponseType(m.type), to: m.from, term: this.term, reject: true });
          this.emitVote(m, false);
        }
        return;
      }
      default:
        this.stepFn(this, m);
    }
  }

  private emitVote(m: Message, granted: boolean): void {
    if (this.observer) {
      this.observer({ type: "vote", candidate: m.from, term: m.term, granted, pre: m.type === "MsgPreVote" });
    }
  }

  // ---- followers' handlers ----------------------------------------------------------------

  handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      // Everything up to our commit index is known to match: say so.
      this.send({ type: "MsgAppResp", to: m.from, index: this.raftLog.committed });
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send({ type: "MsgAppResp", to: m.from, index: lastNew });
      return;
    }
    // Consistency check failed (§5.3). Rather than let the leader back up one entry per round
    // trip, hint at the last index whose term is <= the probed term: no entry after it can
    // match the leader's log.
    const hintIndex = Math.min(m.index, this.raftLog.lastIndex());
    const hint = this.raftLog.findConflictByTerm(hintIndex, m.logTerm);
    this.send({ type: "MsgAppResp", to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    this.send({ type: "MsgHeartbeatResp", to: m.from, context: m.context });
  }

  handleSnapshot(m: Message): void {
    const s = m.snapshot as Snapshot;
    if (this.restore(s)) {
      this.send({ type: "MsgAppResp", to: m.from, index: this.raftLog.lastIndex() });
    } else {
      this.send({ type: "MsgAppResp", to: m.from, index: this.raftLog.committed });
    }
  }

  /** Adopt a snapshot from the leader (InstallSnapshot receiver rules, §7). */
  restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.raftLog.committed) return false;
    if (this.role !== "follower") {
      // Only a follower of the sender may get here; be defensive like etcd.
      this.becomeFollower(this.term + 1, None);
      return false;
    }
    if (this.raftLog.matchTerm(s.metadata.index, s.metadata.term)) {
      // §7: "If existing log entry has same index and term as snapshot's last included entry,
      // retain log entries following it". It is committed: fast-forward.
      this.raftLog.commitTo(s.metadata.index);
      return false;
    }
    this.raftLog.restore(s);
    this.applyConfState(s.metadata.confState);
    return true;
  }

  // ---- membership -------------------------------------------------------------------------

  /** Replace the configuration (used on start and when a snapshot is restored). */
  private applyConfState(cs: ConfState): void {
    const last = this.raftLog.lastIndex();
    const keep = new Set(cs.voters);
    for (const id of [...this.prs.progress.keys()]) if (!keep.has(id)) this.prs.progress.delete(id);
    for (const id of cs.voters) {
      if (!this.prs.progress.has(id)) {
        const pr = new Progress(last + 1, this.prs.maxInflight);
        if (id === this.id) pr.match = last;
        this.prs.progress.set(id, pr);
      }
    }
  }

  /**
   * Apply a committed conf change: the new configuration takes effect as soon as it is applied,
   * and quorums are counted in it from then on (etcd's ConfChange v1, thesis §4.1).
   */
  applyConfChange(cc: ConfChange): ConfState {
    if (cc.type === "ConfChangeAddNode") {
      if (!this.prs.progress.has(cc.nodeId)) {
        const pr = new Progress(Math.max(this.raftLog.lastIndex(), 1), this.prs.maxInflight);
        // A new member counts as active, or CheckQuorum could depose us before it says hello.
        pr.recentActive = true;
        this.prs.progress.set(cc.nodeId, pr);
      }
    } else {
      this.prs.progress.delete(cc.nodeId);
      this.prs.votes.delete(cc.nodeId);
    }
    const cs = this.prs.confState();
    const removedSelf = !this.prs.progress.has(this.id);
    if (removedSelf && this.role === "leader") {
      if (this.stepDownOnRemoval) this.becomeFollower(this.term, None);
      return cs;
    }
    if (this.role !== "leader" || cs.voters.length === 0) return cs;
    // The quorum changed: maybe something is now committed, or a new member needs entries.
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      this.prs.visit((id) => {
        if (id !== this.id) this.maybeSendAppend(id, false);
      });
    }
    if (this.leadTransferee !== None && !this.prs.progress.has(this.leadTransferee)) this.abortLeaderTransfer();
    return cs;
  }

  // ---- leader transfer, reads ---------------------------------------------------------------

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  sendTimeoutNow(to: NodeId): void {
    this.send({ type: "MsgTimeoutNow", to });
  }

  /** Answer a read request at index, locally or to the follower that forwarded it. */
  responseToReadIndexReq(req: Message, index: number): void {
    if (req.from === None || req.from === this.id) {
      this.readStates.push({ index, requestCtx: requestContext(req) });
      return;
    }
    this.send({ type: "MsgReadIndexResp", to: req.from, index, entries: req.entries });
  }

  sendMsgReadIndexResponse(m: Message): void {
    if (this.readOnly.option === "safe") {
      // Confirm we are still leader with a round of heartbeats before answering.
      this.readOnly.addRequest(this.raftLog.committed, m);
      this.readOnly.recvAck(this.id, requestContext(m));
      this.bcastHeartbeatWithCtx(requestContext(m));
    } else {
      this.responseToReadIndexReq(m, this.raftLog.committed);
    }
  }

  releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0) return;
    if (!this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.sendMsgReadIndexResponse(m);
  }
}

// ---- tick functions -------------------------------------------------------------------------

/** Followers and candidates: campaign when the election timeout passes without a leader. */
function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    r.step(message({ type: "MsgHup", from: r.id }));
  }
}

/** Leaders: heartbeat every heartbeatTimeout; every electionTimeout, check quorum. */
function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(message({ type: "MsgCheckQuorum", from: r.id }));
    // A transfer that did not finish within an election timeout is abandoned.
    if (r.role === "leader" && r.leadTransferee !== None) r.abortLeaderTransfer();
  }
  if (r.role !== "leader") return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(message({ type: "MsgBeat", from: r.id }));
  }
}

// ---- step functions -------------------------------------------------------------------------

function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case "MsgBeat":
      r.bcastHeartbeat();
      return;
    case "MsgCheckQuorum":
      // A leader cut off from a majority steps down instead of serving stale reads and
      // accepting proposals it can never commit (thesis §6.2).
      if (!r.prs.quorumActive(r.id)) r.becomeFollower(r.term, None);
      r.prs.visit((id, pr) => {
        if (id !== r.id) pr.recentActive = false;
      });
      return;
    case "MsgProp": {
      if (m.entries.length === 0) throw new Error(`${r.id} stepped empty MsgProp`);
      if (!r.prs.progress.has(r.id)) throw new RaftError("ErrProposalDropped", "leader was removed");
      if (r.leadTransferee !== None) throw new RaftError("ErrProposalDropped", "leader transfer in progress");
      const ents = m.entries.map((e, i) => {
        if (e.type !== "confChange") return e;
        if (r.pendingConfIndex > r.raftLog.applied) {
          // One change at a time: etcd turns a second one into an empty entry.
          return { term: 0, index: 0, type: "normal" as const };
        }
        r.pendingConfIndex = r.raftLog.lastIndex() + i + 1;
        return e;
      });
      r.appendEntry(ents);
      r.bcastAppend();
      return;
    }
    case "MsgReadIndex": {
      if (r.prs.isSingleton()) {
        r.responseToReadIndexReq(m, r.raftLog.committed);
        return;
      }
      // Our commit index is only known current once an entry of our term committed (§8).
      if (!r.committedEntryInCurrentTerm()) {
        r.pendingReadIndexMessages.push(m);
        return;
      }
      r.sendMsgReadIndexResponse(m);
      return;
    }
  }

  const pr = r.prs.progress.get(m.from);
  if (pr === undefined) return;
  switch (m.type) {
    case "MsgAppResp": {
      pr.recentActive = true;
      if (m.reject) {
        // Fast back-up (§5.3): jump to the follower's hint; if it sent the term of that entry,
        // skip every entry of ours with a larger term too.
        let nextProbe = m.rejectHint;
        if (m.logTerm > 0) nextProbe = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
        if (pr.maybeDecrTo(m.index, nextProbe)) {
          if (pr.state === "replicate") pr.becomeProbe();
          r.sendAppend(m.from);
        }
        return;
      }
      const oldPaused = pr.isPaused();
      if (pr.maybeUpdate(m.index)) {
        if (pr.state === "probe") {
          pr.becomeReplicate();
        } else if (pr.state === "snapshot" && pr.match + 1 >= r.raftLog.firstIndex()) {
          // The follower caught up through the snapshot (or otherwise): resume normal flow.
          pr.becomeProbe();
          pr.becomeReplicate();
        } else if (pr.state === "replicate") {
          pr.inflights.freeLE(m.index);
        }
        if (r.maybeCommit()) {
          r.releasePendingReadIndexMessages();
          r.bcastAppend(); // carry the new commit index to everyone
        } else if (oldPaused) {
          r.sendAppend(m.from);
        }
        // Keep streaming while there is more to send and room in the window.
        while (r.maybeSendAppend(m.from, false)) {
          /* send more */
        }
        if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
          r.sendTimeoutNow(m.from); // the transferee is up to date: tell it to campaign
        }
      }
      return;
    }
    case "MsgHeartbeatResp": {
      pr.recentActive = true;
      pr.probeSent = false;
      if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.raftLog.lastIndex()) r.sendAppend(m.from);
      if (r.readOnly.option !== "safe" || m.context === undefined || m.context === "") return;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (acks === undefined) return;
      if (r.prs.voteResultOf(acks) !== "won") return;
      for (const rs of r.readOnly.advance(m.context)) r.responseToReadIndexReq(rs.req, rs.index);
      return;
    }
    case "MsgSnapStatus": {
      if (pr.state !== "snapshot") return;
      if (m.reject) pr.pendingSnapshot = 0; // failed: forget it, probe from match
      pr.becomeProbe();
      // Wait for a MsgAppResp or heartbeat response before sending the next append.
      pr.probeSent = true;
      return;
    }
    case "MsgUnreachable":
      if (pr.state === "replicate") pr.becomeProbe();
      return;
    case "MsgTransferLeader": {
      const transferee = m.from;
      const last = r.leadTransferee;
      if (last !== None) {
        if (last === transferee) return; // already in progress
        r.abortLeaderTransfer();
      }
      if (transferee === r.id) return; // already leader
      // The transfer must finish within one election timeout (thesis §3.10).
      r.electionElapsed = 0;
      r.leadTransferee = transferee;
      if (pr.match === r.raftLog.lastIndex()) r.sendTimeoutNow(transferee);
      else r.sendAppend(transferee); // bring it up to date first
      return;
    }
  }
}

/** Candidates and pre-candidates. */
function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp: MessageType = r.role === "pre-candidate" ? "MsgPreVoteResp" : "MsgVoteResp";
  switch (m.type) {
    case "MsgProp":
      throw new RaftError("ErrProposalDropped", "no leader");
    case "MsgApp":
      // §5.2: a candidate hearing from a leader of a term >= its own recognises it.
      r.becomeFollower(m.term, m.from);
      r.handleAppendEntries(m);
      return;
    case "MsgHeartbeat":
      r.becomeFollower(m.term, m.from);
      r.handleHeartbeat(m);
      return;
    case "MsgSnap":
      r.becomeFollower(m.term, m.from);
      r.handleSnapshot(m);
      return;
    case "MsgTimeoutNow":
      return; // only followers act on this
  }
  if (m.type === myVoteResp) {
    const result = r.poll(m.from, !m.reject);
    if (result === "won") {
      if (r.role === "pre-candidate") r.campaign("election");
      else {
        r.becomeLeader();
        r.bcastAppend();
      }
    } else if (result === "lost") {
      // A rejected PreVote carries a higher term only if the voter is ahead; step() already
      // adopted it. Either way, go back to waiting.
      r.becomeFollower(r.term, None);
    }
  }
}

function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case "MsgProp":
      if (r.lead === None) throw new RaftError("ErrProposalDropped", "no leader");
      if (r.disableProposalForwarding) throw new RaftError("ErrProposalDropped", "forwarding disabled");
      r.send({ ...m, to: r.lead, term: 0 });
      return;
    case "MsgApp":
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleAppendEntries(m);
      return;
    case "MsgHeartbeat":
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleHeartbeat(m);
      return;
    case "MsgSnap":
      r.electionElapsed = 0;
      r.lead = m.from;
      r.handleSnapshot(m);
      return;
    case "MsgTransferLeader":
      if (r.lead === None) return;
      r.send({ ...m, to: r.lead, term: 0 });
      return;
    case "MsgTimeoutNow":
      // Leadership transfer: campaign at once, skipping PreVote, with votes that bypass the
      // voters' leader lease (thesis §3.10).
      r.hup("transfer");
      return;
    case "MsgReadIndex":
      if (r.lead === None) throw new RaftError("ErrProposalDropped", "no leader for read index");
      r.send({ ...m, to: r.lead, term: 0 });
      return;
    case "MsgReadIndexResp":
      if (m.entries.length !== 1) return;
      r.readStates.push({ index: m.index, requestCtx: requestContext(m) });
      return;
  }
}
