// A network-free driver for Raft unit tests, like etcd's raft_test.go `network`.
//
// Members are RawNodes with a MemoryStorage each. After every step the driver runs the Ready
// loop (persist, collect messages, apply), so tests see persisted logs and applied entries.
// Messages move only when the test says so: send() delivers until the network is quiet, and in
// `hold` mode messages queue up and the test delivers them one by one (Figure 8 needs that).

import {
  ConfChange,
  Entry,
  MemoryStorage,
  Message,
  MessageType,
  NodeId,
  Raft,
  RaftConfig,
  RaftError,
  RawNode,
  ReadState,
  message,
} from "../../src/etcd/raft";

/** Deterministic rand(n) for tests (mulberry32). */
export function seededRand(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const x = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(x * n);
  };
}

/** Log entries with the given terms at indexes 1, 2, ... */
export function ents(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, type: "normal" as const, data: `e${i + 1}` }));
}

/** Storage of a member of a cluster of `peers`, optionally holding entries already. */
export function newStorage(peers: NodeId[], entries: Entry[] = []): MemoryStorage {
  const s = MemoryStorage.bootstrap(peers);
  s.append(entries);
  return s;
}

/**
 * A bare Raft for single-member rule tests. Defaults to the paper's algorithm (no PreVote, no
 * CheckQuorum) as etcd's own paper tests do; pass options to turn them on.
 */
export function newTestRaft(id: NodeId, peers: NodeId[], opts: Partial<RaftConfig> = {}, storage?: MemoryStorage): Raft {
  return new Raft({
    id,
    storage: storage ?? newStorage(peers),
    rand: seededRand(id),
    electionTick: 10,
    heartbeatTick: 1,
    preVote: false,
    checkQuorum: false,
    ...opts,
  });
}

/** Take the messages a bare Raft queued. */
export function readMessages(r: Raft): Message[] {
  const m = r.msgs;
  r.msgs = [];
  return m;
}

/** Term of entry i in r's log (0 if none). */
export function termAt(r: Raft, i: number): number {
  return r.raftLog.term(i) ?? 0;
}

/** Terms of r's whole log, index 1 first. */
export function logTerms(r: Raft): number[] {
  const out: number[] = [];
  for (let i = 1; i <= r.raftLog.lastIndex(); i++) out.push(termAt(r, i));
  return out;
}

export interface Member {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  node: RawNode | undefined; // undefined while crashed
  /** Entries this member applied, in order (survives crashes: the global record). */
  applied: Entry[];
  /** Index of the last entry applied since the last (re)start. */
  appliedIndex: number;
  /** ReadIndex answers received, in order. */
  readStates: ReadState[];
}

export type Filter = (m: Message) => boolean; // true: drop

export class Network {
  readonly members = new Map<NodeId, Member>();
  private readonly filters: Filter[] = [];
  /** In hold mode produced messages wait in `pending` until deliver() picks them. */
  hold = false;
  pending: Message[] = [];
  /** Every (index -> data) ever applied by anyone, to catch state machine safety violations. */
  readonly appliedAt = new Map<number, string>();
  readonly violations: string[] = [];

  /**
   * `ids` are the voters. `storages` may give a member prepared storage, or null to make it a
   * black hole (etcd's nopStepper: it exists in the config but never answers).
   */
  constructor(
    readonly ids: NodeId[],
    readonly config: Partial<RaftConfig> = {},
    storages: Record<number, MemoryStorage | null> = {},
  ) {
    for (const id of ids) {
      const given = storages[id];
      if (given === null) continue;
      const m: Member = { id, storage: given ?? newStorage(ids), node: undefined, applied: [], appliedIndex: 0, readStates: [] };
      this.members.set(id, m);
      this.start(m);
    }
  }

  private start(m: Member): void {
    m.node = new RawNode({
      id: m.id,
      storage: m.storage,
      rand: seededRand(m.id * 7919 + m.storage.hardState().term),
      preVote: false,
      checkQuorum: false,
      ...this.config,
    });
    m.appliedIndex = m.storage.snapshot().metadata.index;
    this.process(m);
  }

  member(id: NodeId): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  raft(id: NodeId): Raft {
    const n = this.member(id).node;
    if (!n) throw new Error(`member ${id} is down`);
    return n.raft;
  }

  /** Run the Ready loop of a member; returns the messages it wants sent. */
  private process(m: Member): Message[] {
    const out: Message[] = [];
    const node = m.node;
    if (!node) return out;
    while (node.hasReady()) {
      const rd = node.ready();
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      out.push(...rd.messages);
      m.readStates.push(...rd.readStates);
      if (rd.snapshot) m.appliedIndex = rd.snapshot.metadata.index;
      for (const e of rd.committedEntries) {
        if (e.index !== m.appliedIndex + 1) this.violations.push(`member ${m.id} applied ${e.index} after ${m.appliedIndex}`);
        m.appliedIndex = e.index;
        m.applied.push(e);
        const key = `${e.term}:${e.data ?? ""}:${e.type}`;
        const prev = this.appliedAt.get(e.index);
        if (prev === undefined) this.appliedAt.set(e.index, key);
        else if (prev !== key) this.violations.push(`index ${e.index}: member ${m.id} applied ${key}, another applied ${prev}`);
        if (e.type === "confChange" && e.change) node.applyConfChange(e.change);
      }
      node.advance(rd);
    }
    return out;
  }

  private dropped(msg: Message): boolean {
    return this.filters.some((f) => f(msg));
  }

  /** Step a message into its recipient and return what that produced (undelivered). */
  private stepOne(msg: Message): Message[] {
    const m = this.members.get(msg.to);
    if (!m || !m.node) return [];
    try {
      if (msg.type === "MsgHup" || msg.type === "MsgBeat" || msg.type === "MsgProp" || msg.type === "MsgTransferLeader" || msg.type === "MsgReadIndex") {
        m.node.raft.step(msg);
      } else {
        m.node.step(msg);
      }
    } catch (e) {
      if (!(e instanceof RaftError && e.code === "ErrProposalDropped")) throw e;
    }
    return this.process(m).filter((x) => !this.dropped(x));
  }

  /** Deliver msgs and everything they cause, until the network is quiet (or queue in hold mode). */
  send(...msgs: Message[]): void {
    const queue = msgs.slice();
    while (queue.length > 0) {
      const msg = queue.shift() as Message;
      const produced = this.stepOne(msg);
      if (this.hold) this.pending.push(...produced);
      else queue.push(...produced);
    }
  }

  /** Hold mode: deliver the pending messages matching pred (in order); returns how many. */
  deliver(pred: (m: Message) => boolean = () => true): number {
    let n = 0;
    for (;;) {
      const i = this.pending.findIndex(pred);
      if (i < 0) return n;
      const [msg] = this.pending.splice(i, 1);
      n++;
      this.send(msg);
    }
  }

  /** Hold mode: throw away pending messages matching pred. */
  discard(pred: (m: Message) => boolean = () => true): void {
    this.pending = this.pending.filter((m) => !pred(m));
  }

  campaign(id: NodeId): void {
    this.send(message({ type: "MsgHup", from: id, to: id }));
  }

  propose(id: NodeId, data: string): void {
    this.send(message({ type: "MsgProp", from: id, to: id, entries: [{ term: 0, index: 0, type: "normal", data }] }));
  }

  proposeConfChange(id: NodeId, change: ConfChange): void {
    this.send(message({ type: "MsgProp", from: id, to: id, entries: [{ term: 0, index: 0, type: "confChange", change }] }));
  }

  /** Request a linearizable read at member id. */
  readIndex(id: NodeId, ctx: string): void {
    this.send(message({ type: "MsgReadIndex", from: 0, to: id, entries: [{ term: 0, index: 0, type: "normal", data: ctx }] }));
  }

  /** Tick a member n times, delivering whatever that produces. */
  tick(id: NodeId, n = 1): void {
    const m = this.member(id);
    for (let i = 0; i < n; i++) {
      if (!m.node) return;
      m.node.tick();
      const produced = this.process(m).filter((x) => !this.dropped(x));
      if (this.hold) this.pending.push(...produced);
      else this.send(...produced);
    }
  }

  /** Heartbeat now (leader only). */
  beat(id: NodeId): void {
    this.send(message({ type: "MsgBeat", from: id, to: id }));
  }

  /** Add a member that starts empty except for the genesis configuration. */
  addMember(id: NodeId): void {
    const m: Member = { id, storage: newStorage(this.ids), node: undefined, applied: [], appliedIndex: 0, readStates: [] };
    this.members.set(id, m);
    this.start(m);
  }

  crash(id: NodeId): void {
    this.member(id).node = undefined;
    this.pending = this.pending.filter((m) => m.to !== id && m.from !== id);
  }

  restart(id: NodeId): void {
    const m = this.member(id);
    if (m.node) throw new Error(`member ${id} is up`);
    this.start(m);
  }

  /** Drop every message matching f from now on. */
  addFilter(f: Filter): void {
    this.filters.push(f);
  }

  /** Drop messages from -> to. */
  drop(from: NodeId, to: NodeId): void {
    this.addFilter((m) => m.from === from && m.to === to);
  }

  cut(a: NodeId, b: NodeId): void {
    this.drop(a, b);
    this.drop(b, a);
  }

  isolate(id: NodeId): void {
    this.addFilter((m) => (m.from === id || m.to === id) && m.from !== m.to);
  }

  ignore(t: MessageType): void {
    this.addFilter((m) => m.type === t);
  }

  recover(): void {
    this.filters.length = 0;
  }
}
