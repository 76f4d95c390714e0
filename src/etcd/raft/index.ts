// Raft, shaped like etcd-io/raft: a pure state machine per member (raft.ts) driven through
// RawNode's tick / step / Ready loop (node.ts), and RaftCluster, a harness that runs N members
// on the simulation kernel's network (cluster.ts).

export * from "./messages";
export { MemoryStorage } from "./storage";
export type { Storage } from "./storage";
export { RaftLog, Unstable } from "./log";
export { Progress, ProgressTracker, Inflights } from "./progress";
export type { ProgressState } from "./progress";
export { majority, committedIndex, voteResult } from "./quorum";
export type { VoteResult } from "./quorum";
export { ReadOnly } from "./read-only";
export type { ReadOnlyOption } from "./read-only";
export { Raft, CAMPAIGN_TRANSFER } from "./raft";
export type { RaftConfig, RaftEvent, CampaignType } from "./raft";
export { RawNode } from "./node";
export type { Ready, ProposeResult, Status } from "./node";
export { RaftCluster } from "./cluster";
export type {
  MemberRef,
  StateMachine,
  RaftClusterOptions,
  ClusterProposeResult,
  AddMemberResult,
  MemberStatus,
  ReadRequest,
  ClusterEvent,
} from "./cluster";
export { RaftInvariants } from "./invariants";
export { figure8 } from "./figure8";
export type { Figure8, Figure8Step } from "./figure8";
export type { Violation, InvariantOptions } from "./invariants";
