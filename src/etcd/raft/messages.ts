// Messages, log entries and the small records Raft exchanges with its caller.
//
// Shaped like etcd's raftpb: one Message record for every kind of message (most fields are
// unused by most kinds), member ids are numbers and 0 means "nobody". Everything here is
// treated as immutable once created: the state machine never edits an entry or a message after
// handing it out, so the simulated network may carry them without copying.

/** A member id. Members are numbered from 1; `None` (0) means "no member" (no leader, no vote). */
export type NodeId = number;
export const None: NodeId = 0;

/** The roles of a member (§5.1, plus etcd's pre-candidate for PreVote, thesis §9.6). */
export type Role = "follower" | "pre-candidate" | "candidate" | "leader";

/**
 * Message kinds, named as in etcd's raftpb. Local ones (MsgHup, MsgBeat, MsgCheckQuorum,
 * MsgUnreachable, MsgSnapStatus) never travel over the network: the caller or the state machine
 * itself steps them to poke the member.
 */
export type MessageType =
  | "MsgHup" // local: start an election now
  | "MsgBeat" // local: leader, send heartbeats now
  | "MsgProp" // a proposal: append these entries (forwarded to the leader by followers)
  | "MsgApp" // AppendEntries RPC (§5.3)
  | "MsgAppResp" // its reply
  | "MsgVote" // RequestVote RPC (§5.2)
  | "MsgVoteResp"
  | "MsgPreVote" // PreVote (thesis §9.6): "would you vote for me?" without changing terms
  | "MsgPreVoteResp"
  | "MsgSnap" // InstallSnapshot RPC (§7)
  | "MsgHeartbeat" // an empty AppendEntries that only carries the commit index (§5.2)
  | "MsgHeartbeatResp"
  | "MsgUnreachable" // local: the transport could not reach a peer
  | "MsgSnapStatus" // local: the transport finished (or failed) sending a snapshot
  | "MsgCheckQuorum" // local: leader, check that a quorum heard from us recently (thesis §6.2)
  | "MsgTransferLeader" // ask the leader to hand over to `from` (thesis §3.10)
  | "MsgTimeoutNow" // leader to transferee: campaign now, skipping PreVote and leases
  | "MsgReadIndex" // linearizable read request (thesis §6.4)
  | "MsgReadIndexResp";

export const LOCAL_MESSAGES: ReadonlySet<MessageType> = new Set<MessageType>([
  "MsgHup",
  "MsgBeat",
  "MsgUnreachable",
  "MsgSnapStatus",
  "MsgCheckQuorum",
]);

export const RESPONSE_MESSAGES: ReadonlySet<MessageType> = new Set<MessageType>([
  "MsgAppResp",
  "MsgVoteResp",
  "MsgHeartbeatResp",
  "MsgUnreachable",
  "MsgPreVoteResp",
]);

/** Membership changes, one voter at a time (thesis §4.1). Applied when the entry is applied. */
export interface ConfChange {
  readonly type: "ConfChangeAddNode" | "ConfChangeRemoveNode";
  readonly nodeId: NodeId;
}

/** The voters of a configuration, in ascending id order. */
export interface ConfState {
  readonly voters: readonly NodeId[];
}

export type EntryType = "normal" | "confChange";

/**
 * One log entry. `data` is the command, opaque to Raft (etcd carries bytes; we carry a string).
 * An entry without data is the empty entry a new leader appends (§8, etcd's behaviour).
 */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data?: string;
  readonly change?: ConfChange;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** A snapshot (§7): the state machine's state up to `metadata.index`, which is opaque to Raft. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data?: unknown;
}

/** What must be on stable storage before replying to anyone (Figure 2, "Persistent state"). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/** Volatile state that a caller may want to watch (who leads, and our role). */
export interface SoftState {
  readonly lead: NodeId;
  readonly role: Role;
}

/** The answer to a ReadIndex request: reads of state applied through `index` are linearizable. */
export interface ReadState {
  readonly index: number;
  readonly requestCtx: string;
}

export interface Message {
  readonly type: MessageType;
  readonly to: NodeId;
  readonly from: NodeId;
  readonly term: number;
  /** MsgApp: term of the entry before `entries`; MsgVote: candidate's last log term; reject hint term. */
  readonly logTerm: number;
  /** MsgApp: index before `entries`; MsgVote: candidate's last index; MsgAppResp: the index acked/rejected. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly snapshot?: Snapshot;
  readonly reject: boolean;
  /** MsgAppResp rejection: the follower's guess of where the logs may match (fast back-up, §5.3). */
  readonly rejectHint: number;
  /** Free-form: "transfer" on votes of a leader transfer; the read context on heartbeats. */
  readonly context?: string;
}

/** Build a message, defaulting every field not given. */
export function message(fields: Partial<Message> & { type: MessageType }): Message {
  return {
    to: None,
    from: None,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: None, commit: 0 };

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === None && hs.commit === 0;
}

export function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

/** The vote response type that answers a vote request type. */
export function voteResponseType(t: MessageType): MessageType {
  if (t === "MsgVote") return "MsgVoteResp";
  if (t === "MsgPreVote") return "MsgPreVoteResp";
  throw new Error(`not a vote message: ${t}`);
}

/** Approximate encoded size of an entry, for MaxSizePerMsg (etcd uses the protobuf size). */
export function entrySize(e: Entry): number {
  return 16 + (e.data === undefined ? 0 : e.data.length) + (e.change === undefined ? 0 : 16);
}

/** Short human form of an entry, e.g. `2@3 "x=1"` (index@term). */
export function describeEntry(e: Entry): string {
  if (e.type === "confChange" && e.change) {
    const verb = e.change.type === "ConfChangeAddNode" ? "add" : "remove";
    return `${e.index}@${e.term} ${verb} ${e.change.nodeId}`;
  }
  return e.data === undefined ? `${e.index}@${e.term} (empty)` : `${e.index}@${e.term} ${JSON.stringify(e.data)}`;
}

/** Short human form of a message, for traces and test failures. */
export function describeMessage(m: Message): string {
  let s = `${m.type} ${m.from}->${m.to} term=${m.term}`;
  if (m.type === "MsgApp") s += ` prev=${m.index}@${m.logTerm} n=${m.entries.length} commit=${m.commit}`;
  if (m.type === "MsgAppResp") s += m.reject ? ` reject index=${m.index} hint=${m.rejectHint}@${m.logTerm}` : ` index=${m.index}`;
  if (m.type === "MsgVote" || m.type === "MsgPreVote") s += ` last=${m.index}@${m.logTerm}`;
  if (m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp") s += m.reject ? " rejected" : " granted";
  if (m.type === "MsgHeartbeat") s += ` commit=${m.commit}`;
  if (m.type === "MsgSnap" && m.snapshot) s += ` snap=${m.snapshot.metadata.index}@${m.snapshot.metadata.term}`;
  return s;
}

/** Errors the state machine reports to its caller, named as in etcd. */
export type RaftErrorCode =
  | "ErrCompacted"
  | "ErrUnavailable"
  | "ErrSnapOutOfDate"
  | "ErrSnapshotTemporarilyUnavailable"
  | "ErrProposalDropped"
  | "ErrStepLocalMsg"
  | "ErrStepPeerNotFound";

export class RaftError extends Error {
  constructor(readonly code: RaftErrorCode, detail?: string) {
    super(detail === undefined ? code : `${code}: ${detail}`);
    this.name = "RaftError";
  }
}
