// RaftCluster: N Raft members on the simulation kernel, the harness of chapter 01.
//
// Each member is a RawNode plus the things a real etcd member has around it:
//   - a MemoryStorage that stands for its disk (it survives crash(); everything else doesn't),
//   - a ticker: tick() every 100 ms of virtual time (etcd's heartbeat interval),
//   - a transport: Ready messages go over the simulated network as envelopes from "etcd-i",
//   - a toy state machine: the list of entries it applied, in order.
// After every input (a tick, a delivered message, a proposal) the harness runs the member's
// Ready loop at once: persist, send, apply, advance. So at any instant between events a
// member's disk holds its whole log.
//
// Everything a member does is recorded in the simulation trace under component "raft":
//   role       {member, role, term}         role or term changed ("down" on crash)
//   vote       {member, candidate, term, granted, pre}
//   heartbeat  {member, to, term, commit}   a leader sent a heartbeat
//   append     {member, to, term, index, entries, commit}   a leader sent AppendEntries
//   snapshot   {member, to, index}          a leader sent InstallSnapshot
//   propose    {member, data, ok, index?, term?, error?}
//   commit     {member, index}              commit index advanced
//   apply      {member, index, term, type, data}
//   restore    {member, index, term}        state machine loaded from a snapshot
//   compact    {member, index}              log compacted up to index
//   crash / restart / panic / removed {member}
//   read       {member, ctx, index}         a ReadIndex read was served

import { Simulation, parseDuration } from "../../sim/index";
import type { Duration, LinkOptions, Envelope, Timer, Rng } from "../../sim/index";
import {
  ConfChange,
  ConfState,
  Entry,
  Message,
  NodeId,
  None,
  RaftError,
  Role,
  Snapshot,
} from "./messages";
import { RawNode, Ready } from "./node";
import { RaftEvent } from "./raft";
import { ReadOnlyOption } from "./read-only";
import { MemoryStorage } from "./storage";

/** A member, by id (1, 2, ...) or by name ("etcd-1"). */
export type MemberRef = number | string;

export interface RaftClusterOptions {
  /** Number of initial members (default 3). */
  members?: number;
  /** Member names are prefix + id (default "etcd-"). */
  namePrefix?: string;
  /** Virtual time per tick (default "100ms", etcd's heartbeat interval). */
  tickInterval?: Duration;
  /** Ticks (default 10 = 1 s, etcd's election timeout). */
  electionTick?: number;
  /** Ticks (default 1). */
  heartbeatTick?: number;
  /** etcd default true. Set false to see term inflation from a rejoining member. */
  preVote?: boolean;
  /** etcd default true. */
  checkQuorum?: boolean;
  readOnlyOption?: ReadOnlyOption;
  /** Bytes of entries per AppendEntries; 0 = one entry per message (default 1 MiB). */
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  /** TEACHING ONLY: commit old-term entries by counting replicas (Figure 8's bug). */
  unsafeCommitOldTerms?: boolean;
  /** Take a snapshot after this many applied entries (etcd --snapshot-count, default 100000). */
  snapshotCount?: number;
  /** Entries kept in the log behind a snapshot for slow followers (etcd: 5000). */
  snapshotCatchUpEntries?: number;
  /** Record a "heartbeat" / "append" trace row per message sent (default true). */
  traceMessages?: boolean;
  /**
   * The replicated state machine of each member (etcd's key-value store, chapter 02). Called
   * whenever a member boots: the state machine is volatile and is rebuilt from the snapshot on
   * disk plus the committed entries after it. Default: none (only the list of applied entries).
   */
  stateMachine?: (member: string) => StateMachine;
  /**
   * Messages to a member that are not Raft's (a client's request to the etcd server running on
   * that member). Called for every delivered envelope whose payload is not a Raft message.
   */
  onClientMessage?: (member: string, env: Envelope<unknown>) => void;
}

/** What Raft replicates into: normal entries are applied in log order, exactly once per boot. */
export interface StateMachine {
  apply(entry: Entry): void;
  /** The whole state, JSON-able, for a Raft snapshot. */
  snapshot(): unknown;
  restore(state: unknown): void;
}

/** Snapshot data when a state machine is plugged in. */
interface SnapshotData {
  applied: Entry[];
  state: unknown;
}

export interface ClusterProposeResult {
  readonly ok: boolean;
  /** The member the proposal was given to. */
  readonly member: string;
  /** Index and term the entry got (when given to the leader). */
  readonly index?: number;
  readonly term?: number;
  /** A follower forwarded it to this leader (etcd behaviour); index unknown here. */
  readonly forwardedTo?: string;
  readonly error?: string;
}

export interface AddMemberResult extends ClusterProposeResult {
  readonly id?: number;
  readonly name?: string;
}

export interface MemberStatus {
  readonly id: number;
  readonly name: string;
  readonly up: boolean;
  readonly removed: boolean;
  readonly role: Role | "down";
  readonly term: number;
  /** Whom this member believes leads (undefined if nobody). */
  readonly leader: string | undefined;
  readonly vote: string | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Index of the latest snapshot on disk (0 if none). */
  readonly snapshotIndex: number;
  readonly voters: readonly string[];
}

/** A linearizable read in progress (ReadIndex). Fields fill in as it proceeds. */
export interface ReadRequest {
  readonly ctx: string;
  readonly member: string;
  readonly requestedAt: number;
  ok: boolean;
  error?: string;
  /** The read index the leader confirmed. */
  index?: number;
  /** When the member had applied through index and served the read. */
  servedAt?: number;
  /** What the read saw: the commands applied at that moment. */
  value?: string[];
}

/** Everything the invariant checkers need, in the order it happens. */
export type ClusterEvent =
  | { readonly type: "role"; readonly member: number; readonly role: Role; readonly term: number }
  | {
      readonly type: "persist";
      readonly member: number;
      readonly entries: readonly Entry[];
      readonly snapshot?: Snapshot;
      readonly term: number;
      readonly vote: NodeId;
      readonly commit: number;
    }
  | { readonly type: "apply"; readonly member: number; readonly entry: Entry }
  | { readonly type: "restore"; readonly member: number; readonly snapshot: Snapshot }
  | { readonly type: "crash" | "restart" | "removed"; readonly member: number }
  | { readonly type: "read"; readonly member: number; readonly ctx: string; readonly index: number }
  | { readonly type: "panic"; readonly member: number; readonly error: string };

interface Member {
  readonly id: number;
  readonly name: string;
  readonly storage: MemoryStorage;
  readonly rng: Rng;
  node: RawNode | undefined;
  ticker: Timer | undefined;
  removed: boolean;
  /** The toy state machine: entries applied since the last restore, from the snapshot on. */
  applied: Entry[];
  /** The pluggable state machine, if any (rebuilt on every boot). */
  sm: StateMachine | undefined;
  appliedIndex: number;
  confState: ConfState;
  lastRole: Role | "down";
  lastTerm: number;
  lastCommit: number;
}

export class RaftCluster {
  readonly sim: Simulation;
  private readonly opts: Required<Omit<RaftClusterOptions, "stateMachine" | "onClientMessage">>;
  private readonly smFactory: ((member: string) => StateMachine) | undefined;
  private readonly onClientMessage: ((member: string, env: Envelope<unknown>) => void) | undefined;
  private readonly byId = new Map<number, Member>();
  private readonly genesis: number[];
  private readonly listeners: ((ev: ClusterEvent) => void)[] = [];
  private readonly dropRules: { pred: (m: Message) => boolean }[] = [];
  private readonly readRequests: ReadRequest[] = [];
  private readonly pendingReads = new Map<string, ReadRequest>();
  private readSeq = 0;
  private nextId: number;

  constructor(sim: Simulation, options: RaftClusterOptions = {}) {
    this.sim = sim;
    const { stateMachine, onClientMessage, ...rest } = options;
    this.smFactory = stateMachine;
    this.onClientMessage = onClientMessage;
    options = rest;
    this.opts = {
      members: 3,
      namePrefix: "etcd-",
      tickInterval: "100ms",
      electionTick: 10,
      heartbeatTick: 1,
      preVote: true,
      checkQuorum: true,
      readOnlyOption: "safe",
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      unsafeCommitOldTerms: false,
      snapshotCount: 100000,
      snapshotCatchUpEntries: 5000,
      traceMessages: true,
      ...options,
    };
    if (!(this.opts.members >= 1)) throw new Error(`RaftCluster: members must be at least 1, got ${this.opts.members}`);
    this.genesis = Array.from({ length: this.opts.members }, (_, i) => i + 1);
    this.nextId = this.opts.members + 1;
    for (const id of this.genesis) this.createMember(id);
  }

  // ---- membership of the harness ----------------------------------------------------------------

  private createMember(id: number): Member {
    const name = `${this.opts.namePrefix}${id}`;
    const m: Member = {
      id,
      name,
      // Every member starts from the same genesis: the initial cluster's configuration.
      storage: MemoryStorage.bootstrap(this.genesis),
      rng: this.sim.rng.fork(`raft/${name}`),
      node: undefined,
      ticker: undefined,
      removed: false,
      applied: [],
      sm: undefined,
      appliedIndex: 0,
      confState: { voters: this.genesis },
      lastRole: "down",
      lastTerm: 0,
      lastCommit: 0,
    };
    this.byId.set(id, m);
    this.sim.network.register(name, {
      deliver: (env: Envelope<Message>) => {
        // Raft messages are typed "Msg..."; anything else is for the server on this member.
        if (typeof env.payload?.type === "string" && env.payload.type.startsWith("Msg")) this.deliver(m, env.payload);
        else this.onClientMessage?.(m.name, env as Envelope<unknown>);
      },
      crash: () => this.onCrash(m),
      restart: () => this.onRestart(m),
    });
    this.boot(m);
    return m;
  }

  /** Build the member's volatile state from its disk and start its clock. */
  private boot(m: Member): void {
    const snap = m.storage.snapshot();
    m.sm = this.smFactory?.(m.name);
    this.loadSnapshotData(m, snap.data);
    m.appliedIndex = snap.metadata.index;
    m.confState = snap.metadata.confState;
    m.node = new RawNode({
      id: m.id,
      storage: m.storage,
      // The state machine restarts from the snapshot: entries after it are applied again.
      // (The log may hold entries before it too: compaction keeps some for slow followers.)
      applied: snap.metadata.index,
      rand: (n) => m.rng.int(n),
      electionTick: this.opts.electionTick,
      heartbeatTick: this.opts.heartbeatTick,
      preVote: this.opts.preVote,
      checkQuorum: this.opts.checkQuorum,
      readOnlyOption: this.opts.readOnlyOption,
      maxSizePerMsg: this.opts.maxSizePerMsg,
      maxInflightMsgs: this.opts.maxInflightMsgs,
      unsafeCommitOldTerms: this.opts.unsafeCommitOldTerms,
      observer: (ev) => this.onRaftEvent(m, ev),
    });
    m.lastCommit = Math.max(m.lastCommit, m.node.raft.raftLog.committed);
    // Members tick at their own phase within the interval, as real processes would.
    const interval = parseDuration(this.opts.tickInterval);
    const phase = m.rng.int(Math.max(1, Math.floor(interval)));
    const start = this.sim.after(phase, () => {
      if (m.ticker !== start) return;
      m.ticker = this.sim.every(interval, () => this.input(m, (n) => n.tick()), `raft tick ${m.name}`);
    }, `raft tick ${m.name}`);
    m.ticker = start;
    this.processReady(m);
  }

  private onCrash(m: Member): void {
    m.ticker?.cancel();
    m.ticker = undefined;
    m.node = undefined;
    for (const [ctx, r] of this.pendingReads) {
      if (r.member === m.name) {
        r.ok = false;
        r.error = "member crashed";
        this.pendingReads.delete(ctx);
      }
    }
    this.record("crash", { member: m.name });
    this.noteRole(m, "down", m.lastTerm);
    this.emit({ type: "crash", member: m.id });
  }

  private onRestart(m: Member): void {
    if (m.removed) return;
    this.record("restart", { member: m.name });
    this.emit({ type: "restart", member: m.id });
    this.boot(m);
  }

  private member(ref: MemberRef): Member {
    const m = typeof ref === "number" ? this.byId.get(ref) : [...this.byId.values()].find((x) => x.name === ref);
    if (!m) {
      const known = [...this.byId.values()].map((x) => `"${x.name}"`).join(", ");
      throw new Error(`RaftCluster: unknown member ${JSON.stringify(ref)}; members are ${known}`);
    }
    return m;
  }

  // ---- the Ready loop -------------------------------------------------------------------------

  /** Feed one input to a member and process what it produced. */
  private input(m: Member, fn: (n: RawNode) => void): void {
    const node = m.node;
    if (!node) return;
    try {
      fn(node);
    } catch (e) {
      if (e instanceof RaftError) throw e;
      this.panic(m, e);
      return;
    }
    this.processReady(m);
  }

  private deliver(m: Member, msg: Message): void {
    this.input(m, (n) => {
      try {
        n.step(msg);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e; // dropped proposals etc. are not our business
      }
    });
  }

  /** etcd panics on broken invariants (e.g. truncating a committed entry): the process dies. */
  private panic(m: Member, e: unknown): void {
    const error = e instanceof Error ? e.message : String(e);
    this.record("panic", { member: m.name, error });
    this.emit({ type: "panic", member: m.id, error });
    this.sim.network.crash(m.name);
  }

  private processReady(m: Member): void {
    try {
      this.processReadyUnsafe(m);
    } catch (e) {
      if (e instanceof RaftError) throw e;
      this.panic(m, e);
    }
  }

  private processReadyUnsafe(m: Member): void {
    const snapReports: NodeId[] = [];
    for (let guard = 0; m.node && m.node.hasReady(); guard++) {
      if (guard > 10000) throw new Error(`${m.name}: Ready loop does not settle`);
      const node: RawNode = m.node;
      const rd: Ready = node.ready();

      // 1. Persist before anything leaves the member (Figure 2).
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      if (rd.entries.length > 0 || rd.snapshot || rd.hardState) {
        const hs = m.storage.hardState();
        this.emit({ type: "persist", member: m.id, entries: rd.entries, snapshot: rd.snapshot, term: hs.term, vote: hs.vote, commit: hs.commit });
      }

      // 2. Send.
      for (const msg of rd.messages) {
        this.send(m, msg);
        if (msg.type === "MsgSnap") snapReports.push(msg.to);
      }

      // 3. Apply.
      if (rd.snapshot) this.restoreStateMachine(m, rd.snapshot);
      for (const e of rd.committedEntries) this.apply(m, node, e);
      for (const rs of rd.readStates) {
        const r = this.pendingReads.get(rs.requestCtx);
        if (r) r.index = rs.index;
      }
      node.advance(rd);
      if (m.node !== node) return; // the member shut down while applying
    }
    const node = m.node;
    if (!node) return;
    // The transport "finished" sending each snapshot (we cannot know if it was lost; if it
    // was, the follower's next rejection sends the leader back to probing).
    for (const to of snapReports) node.reportSnapshot(to, "finish");
    const committed = node.raft.raftLog.committed;
    if (committed > m.lastCommit) {
      m.lastCommit = committed;
      this.record("commit", { member: m.name, index: committed });
    }
    this.serveReads(m);
    this.maybeSnapshot(m);
  }

  private send(m: Member, msg: Message): void {
    if (this.dropRules.some((r) => r.pred(msg))) {
      this.record("drop", { member: m.name, to: this.nameOf(msg.to), msg: msg.type });
      return;
    }
    const to = this.byId.get(msg.to);
    if (!to) return;
    if (this.opts.traceMessages) {
      if (msg.type === "MsgHeartbeat") {
        this.record("heartbeat", { member: m.name, to: to.name, term: msg.term, commit: msg.commit });
      } else if (msg.type === "MsgApp") {
        this.record("append", { member: m.name, to: to.name, term: msg.term, index: msg.index, entries: msg.entries.length, commit: msg.commit });
      } else if (msg.type === "MsgSnap" && msg.snapshot) {
        this.record("snapshot", { member: m.name, to: to.name, index: msg.snapshot.metadata.index });
      }
    }
    this.sim.network.send(m.name, to.name, msg, { kind: msg.type });
  }

  private apply(m: Member, node: RawNode, e: Entry): void {
    if (e.index !== m.appliedIndex + 1) {
      throw new Error(`${m.name}: apply out of order, expected index ${m.appliedIndex + 1}, got ${e.index}`);
    }
    m.applied.push(e);
    m.appliedIndex = e.index;
    if (m.sm && e.type === "normal") m.sm.apply(e);
    this.record("apply", { member: m.name, index: e.index, term: e.term, type: e.type, data: e.data ?? (e.change ? describeChange(e.change) : null) });
    this.emit({ type: "apply", member: m.id, entry: e });
    if (e.type === "confChange" && e.change) {
      // etcd's ConfChange v1: the configuration changes when the entry is applied.
      m.confState = node.applyConfChange(e.change);
      if (e.change.type === "ConfChangeRemoveNode") this.onRemoved(e.change.nodeId);
    }
  }

  /** A member applied the removal of `id`: like etcd, the removed member shuts itself down. */
  private onRemoved(id: NodeId): void {
    const gone = this.byId.get(id);
    if (!gone || gone.removed) return;
    gone.removed = true;
    this.sim.after(0, () => {
      this.record("removed", { member: gone.name });
      this.emit({ type: "removed", member: gone.id });
      if (this.sim.network.isUp(gone.name)) this.sim.network.crash(gone.name);
    }, `raft remove ${gone.name}`);
  }

  /** Loads the state machine(s) from snapshot data (see takeSnapshot for the two shapes). */
  private loadSnapshotData(m: Member, data: unknown): void {
    if (m.sm) {
      const d = data as SnapshotData | undefined;
      m.applied = d && Array.isArray(d.applied) ? d.applied.slice() : [];
      if (d && d.state !== undefined) m.sm.restore(d.state);
    } else {
      m.applied = Array.isArray(data) ? (data as Entry[]).slice() : [];
    }
  }

  private restoreStateMachine(m: Member, s: Snapshot): void {
    this.loadSnapshotData(m, s.data);
    m.appliedIndex = s.metadata.index;
    m.confState = s.metadata.confState;
    this.record("restore", { member: m.name, index: s.metadata.index, term: s.metadata.term });
    this.emit({ type: "restore", member: m.id, snapshot: s });
  }

  private serveReads(m: Member): void {
    for (const [ctx, r] of this.pendingReads) {
      if (r.member !== m.name || r.index === undefined || m.appliedIndex < r.index) continue;
      r.servedAt = this.sim.now;
      // What the read saw, computed when asked: copying the whole applied log at every read
      // made a long-running cluster quadratic in its history.
      const applied = m.applied;
      const upTo = applied.length;
      let seen: string[] | undefined;
      Object.defineProperty(r, "value", {
        get: () => (seen === undefined ? (seen = commandsOf(applied.slice(0, upTo))) : seen),
        enumerable: true,
        configurable: true,
      });
      r.ok = true;
      this.pendingReads.delete(ctx);
      this.record("read", { member: m.name, ctx, index: r.index });
      this.emit({ type: "read", member: m.id, ctx, index: r.index });
    }
  }

  /** etcd: after --snapshot-count applied entries, snapshot and compact the log. */
  private maybeSnapshot(m: Member): void {
    const snapIndex = m.storage.snapshot().metadata.index;
    if (m.appliedIndex - snapIndex >= this.opts.snapshotCount) {
      this.takeSnapshot(m, this.opts.snapshotCatchUpEntries);
    }
  }

  private takeSnapshot(m: Member, keep: number): number {
    const snapIndex = m.storage.snapshot().metadata.index;
    if (m.appliedIndex > snapIndex) {
      const data: unknown = m.sm ? ({ applied: m.applied.slice(), state: m.sm.snapshot() } as SnapshotData) : m.applied.slice();
      m.storage.createSnapshot(m.appliedIndex, m.confState, data);
    }
    const compactIndex = m.appliedIndex - keep;
    if (compactIndex >= m.storage.firstIndex()) {
      m.storage.compact(compactIndex);
      this.record("compact", { member: m.name, index: compactIndex });
    }
    return m.storage.snapshot().metadata.index;
  }

  private onRaftEvent(m: Member, ev: RaftEvent): void {
    if (ev.type === "role") {
      this.noteRole(m, ev.role, ev.term);
    } else {
      this.record("vote", { member: m.name, candidate: this.nameOf(ev.candidate), term: ev.term, granted: ev.granted, pre: ev.pre });
    }
  }

  private noteRole(m: Member, role: Role | "down", term: number): void {
    if (role === m.lastRole && term === m.lastTerm) return;
    m.lastRole = role;
    m.lastTerm = term;
    this.record("role", { member: m.name, role, term });
    if (role !== "down") this.emit({ type: "role", member: m.id, role, term });
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record("raft", kind, fields);
  }

  private emit(ev: ClusterEvent): void {
    for (const l of this.listeners) l(ev);
  }

  private nameOf(id: NodeId): string | undefined {
    if (id === None) return undefined;
    const m = this.byId.get(id);
    return m ? m.name : `#${id}`;
  }

  // ---- inspection ------------------------------------------------------------------------------

  /** Names of all members ever created, in id order (removed ones included; see status()). */
  get members(): string[] {
    return [...this.byId.values()].map((m) => m.name);
  }

  /** Member ids, in order. */
  get ids(): number[] {
    return [...this.byId.keys()];
  }

  name(ref: MemberRef): string {
    return this.member(ref).name;
  }

  id(ref: MemberRef): number {
    return this.member(ref).id;
  }

  isUp(ref: MemberRef): boolean {
    return this.member(ref).node !== undefined;
  }

  role(ref: MemberRef): Role | "down" {
    const n = this.member(ref).node;
    return n ? n.raft.role : "down";
  }

  /** Current term (a crashed member: the term on its disk). */
  term(ref: MemberRef): number {
    const m = this.member(ref);
    return m.node ? m.node.raft.term : m.storage.hardState().term;
  }

  /** The leader: the running member in the leader role with the highest term, if any. */
  leader(): string | undefined {
    let best: Member | undefined;
    for (const m of this.byId.values()) {
      if (!m.node || m.node.raft.role !== "leader") continue;
      if (!best || m.node.raft.term > (best.node as RawNode).raft.term) best = m;
    }
    return best?.name;
  }

  /** The member's log after its snapshot (a crashed member: what is on its disk). */
  log(ref: MemberRef): Entry[] {
    const m = this.member(ref);
    return m.node ? m.node.raft.raftLog.allEntries() : m.storage.allEntries();
  }

  commitIndex(ref: MemberRef): number {
    const m = this.member(ref);
    return m.node ? m.node.raft.raftLog.committed : m.storage.hardState().commit;
  }

  /** Entries applied to the member's state machine, in order (empty entries and conf changes too). */
  applied(ref: MemberRef): Entry[] {
    return this.member(ref).applied.slice();
  }

  /** The member's pluggable state machine (undefined if none was given, or while it is down). */
  stateMachine(ref: MemberRef): StateMachine | undefined {
    const m = this.member(ref);
    return this.sim.network.isUp(m.name) ? m.sm : undefined;
  }

  /** Just the commands (data of applied normal entries), in order. */
  commands(ref: MemberRef): string[] {
    return commandsOf(this.member(ref).applied);
  }

  /** Direct access to a running member's RawNode (undefined while down). */
  node(ref: MemberRef): RawNode | undefined {
    return this.member(ref).node;
  }

  /** The member's disk. */
  storage(ref: MemberRef): MemoryStorage {
    return this.member(ref).storage;
  }

  status(ref: MemberRef): MemberStatus {
    const m = this.member(ref);
    const n = m.node;
    const hs = m.storage.hardState();
    const voters = (n ? n.raft.prs.voters() : m.confState.voters).map((v) => this.nameOf(v) as string);
    return {
      id: m.id,
      name: m.name,
      up: n !== undefined,
      removed: m.removed,
      role: n ? n.raft.role : "down",
      term: n ? n.raft.term : hs.term,
      leader: n ? this.nameOf(n.raft.lead) : undefined,
      vote: this.nameOf(n ? n.raft.vote : hs.vote),
      commitIndex: n ? n.raft.raftLog.committed : hs.commit,
      appliedIndex: m.appliedIndex,
      firstIndex: n ? n.raft.raftLog.firstIndex() : m.storage.firstIndex(),
      lastIndex: n ? n.raft.raftLog.lastIndex() : m.storage.lastIndex(),
      snapshotIndex: m.storage.snapshot().metadata.index,
      voters,
    };
  }

  /** One status row per member, for a table. */
  table(): MemberStatus[] {
    return this.ids.map((id) => this.status(id));
  }

  /** ReadIndex requests made so far. */
  reads(): ReadRequest[] {
    return this.readRequests.slice();
  }

  /** Subscribe to member events (used by the invariant checkers); returns an unsubscribe function. */
  on(listener: (ev: ClusterEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---- actions ---------------------------------------------------------------------------------

  /**
   * Propose a command. Without `to`, it goes to the current leader. Given to a follower, the
   * follower forwards it to the leader it knows (etcd behaviour).
   */
  propose(cmd: string, to?: MemberRef): ClusterProposeResult {
    return this.proposeWith(to, (n) => n.propose(cmd), { data: cmd });
  }

  private proposeWith(to: MemberRef | undefined, fn: (n: RawNode) => ReturnType<RawNode["propose"]>, fields: Record<string, unknown>): ClusterProposeResult {
    const target = to !== undefined ? this.name(to) : this.leader();
    if (target === undefined) {
      this.record("propose", { member: null, ...fields, ok: false, error: "no leader" });
      return { ok: false, member: "", error: "no leader" };
    }
    const m = this.member(target);
    if (!m.node) {
      this.record("propose", { member: m.name, ...fields, ok: false, error: "member is down" });
      return { ok: false, member: m.name, error: "member is down" };
    }
    let result: ClusterProposeResult;
    try {
      const r = fn(m.node);
      result =
        r.index !== undefined
          ? { ok: true, member: m.name, index: r.index, term: r.term }
          : { ok: true, member: m.name, forwardedTo: this.nameOf(r.forwardedTo ?? None) };
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      result = { ok: false, member: m.name, error: e.message };
    }
    this.record("propose", { member: m.name, ...fields, ok: result.ok, index: result.index ?? null, term: result.term ?? null, error: result.error ?? null });
    this.processReady(m);
    return result;
  }

  /** Make a member start an election now (PreVote and leases still apply). */
  campaign(ref: MemberRef): void {
    this.input(this.member(ref), (n) => n.campaign());
  }

  /** Ask the current leader to hand leadership to `to` (thesis §3.10). false if no leader. */
  transferLeader(to: MemberRef): boolean {
    const lead = this.leader();
    if (lead === undefined) return false;
    const target = this.id(to);
    this.input(this.member(lead), (n) => n.transferLeader(target));
    return true;
  }

  /**
   * Start a linearizable read at a member (default: the leader). The returned object fills in
   * its index when the leader confirms it, and servedAt / value once the member has applied
   * that far. Run the simulation to make progress.
   */
  readIndex(at?: MemberRef): ReadRequest {
    const target = at !== undefined ? this.name(at) : this.leader();
    const ctx = `read-${++this.readSeq}`;
    const req: ReadRequest = { ctx, member: target ?? "", requestedAt: this.sim.now, ok: false };
    this.readRequests.push(req);
    if (target === undefined || !this.member(target).node) {
      req.error = target === undefined ? "no leader" : "member is down";
      return req;
    }
    this.pendingReads.set(ctx, req);
    const m = this.member(target);
    this.input(m, (n) => {
      try {
        n.readIndex(ctx);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
        req.error = e.message;
        this.pendingReads.delete(ctx);
      }
    });
    return req;
  }

  /** Crash a member: volatile state is lost, its disk survives. */
  crash(ref: MemberRef): void {
    this.sim.network.crash(this.name(ref));
  }

  /** Restart a crashed member from its disk. */
  restart(ref: MemberRef): void {
    const m = this.member(ref);
    if (m.removed) throw new Error(`RaftCluster: ${m.name} was removed from the cluster and cannot restart`);
    this.sim.network.restart(m.name);
  }

  /** Cut the network between group a and group b (default: everyone else). */
  partition(a: MemberRef[], b?: MemberRef[]): void {
    this.sim.network.partition(a.map((r) => this.name(r)), b?.map((r) => this.name(r)));
  }

  isolate(ref: MemberRef): void {
    this.sim.network.isolate(this.name(ref));
  }

  heal(): void {
    this.sim.network.heal();
  }

  /** Network conditions for every link: latency, jitter, loss, duplicate, reorder. */
  configure(options: LinkOptions): void {
    this.sim.network.configure(options);
  }

  /** Network conditions for one direction of one link. */
  link(from: MemberRef, to: MemberRef, options: LinkOptions): void {
    this.sim.network.link(this.name(from), this.name(to), options);
  }

  /**
   * Drop every Raft message matching pred before it is sent (a precise, scriptable fault, like
   * etcd's test network filters). Returns a function that removes the rule.
   */
  dropIf(pred: (m: Message) => boolean): () => void {
    const rule = { pred };
    this.dropRules.push(rule);
    return () => {
      const i = this.dropRules.indexOf(rule);
      if (i >= 0) this.dropRules.splice(i, 1);
    };
  }

  /** Remove every dropIf rule. */
  clearDrops(): void {
    this.dropRules.length = 0;
  }

  /**
   * Add a new member: it starts empty, and the leader proposes adding it (one change at a time,
   * thesis §4.1). It catches up by AppendEntries or a snapshot once the change is applied.
   */
  addMember(): AddMemberResult {
    const lead = this.leader();
    if (lead === undefined) return { ok: false, member: "", error: "no leader" };
    const raft = (this.member(lead).node as RawNode).raft;
    if (raft.pendingConfIndex > raft.raftLog.applied) {
      return { ok: false, member: lead, error: "a membership change is already in progress" };
    }
    const id = this.nextId++;
    const m = this.createMember(id);
    const cc: ConfChange = { type: "ConfChangeAddNode", nodeId: id };
    const r = this.proposeWith(lead, (n) => n.proposeConfChange(cc), { change: describeChange(cc) });
    return { ...r, id, name: m.name };
  }

  /** Propose removing a member. When applied, the member shuts down (a removed leader steps down first). */
  removeMember(ref: MemberRef): ClusterProposeResult {
    const id = this.id(ref);
    const lead = this.leader();
    if (lead === undefined) return { ok: false, member: "", error: "no leader" };
    const raft = (this.member(lead).node as RawNode).raft;
    if (raft.pendingConfIndex > raft.raftLog.applied) {
      return { ok: false, member: lead, error: "a membership change is already in progress" };
    }
    const cc: ConfChange = { type: "ConfChangeRemoveNode", nodeId: id };
    return this.proposeWith(lead, (n) => n.proposeConfChange(cc), { change: describeChange(cc) });
  }

  /**
   * Snapshot a running member's state machine now and compact its log, keeping `keep` entries
   * behind the snapshot. Returns the snapshot index.
   */
  compact(ref: MemberRef, keep = 0): number {
    const m = this.member(ref);
    if (!m.node) throw new Error(`RaftCluster: ${m.name} is down`);
    return this.takeSnapshot(m, keep);
  }

  // ---- running ---------------------------------------------------------------------------------

  /** Run until some member is leader (and return it), or until limit passes. */
  runUntilLeader(limit: Duration = "10s"): string | undefined {
    this.sim.runUntil(() => this.leader() !== undefined, limit);
    return this.leader();
  }

  /**
   * Run until `count` members have applied through index. By default: every running member of
   * the cluster's configuration (as the leader sees it; a member whose addition never committed
   * is not counted). Returns whether that happened within limit.
   */
  runUntilApplied(index: number, limit: Duration = "10s", count?: number): boolean {
    return this.sim.runUntil(() => {
      const lead = this.leader();
      const voters = lead !== undefined ? new Set((this.member(lead).node as RawNode).raft.prs.voters()) : undefined;
      const up = [...this.byId.values()].filter((m) => m.node && !m.removed && (!voters || voters.has(m.id)));
      const n = up.filter((m) => m.appliedIndex >= index).length;
      return n >= (count ?? up.length);
    }, limit);
  }
}

function commandsOf(entries: readonly Entry[]): string[] {
  const out: string[] = [];
  for (const e of entries) if (e.type === "normal" && e.data !== undefined) out.push(e.data);
  return out;
}

function describeChange(cc: ConfChange): string {
  return `${cc.type === "ConfChangeAddNode" ? "add" : "remove"} ${cc.nodeId}`;
}
