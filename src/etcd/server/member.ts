// EtcdMember: the etcd server on one Raft member (etcd's EtcdServer). It owns the member's
// MvccStore — the state machine Raft applies — and answers clients:
//   writes      proposed into the Raft log; answered when this member applies the entry
//   reads       linearizable by default: ReadIndex, then served from the local store once it
//               has applied through the read index; serializable: the local store, at once
//   leases      grant / revoke through the log; keep-alive, time-to-live and the lease list
//               are the leader's lessor's business (a follower forwards them)
//   watches     served from this member's own store, pushed over the network as they happen
// All of it is volatile: a crash loses pending requests and watch streams; the store is
// rebuilt from the snapshot and the log when the member boots again.

import type { Envelope, Simulation, Timer } from "../../sim/index";
import type { Entry, StateMachine } from "../raft/index";
import type { RaftCluster } from "../raft/cluster";
import { MvccStore } from "../mvcc/store";
import type { MvccSnapshot } from "../mvcc/store";
import type { InternalRequest, RangeRequest, WatchResponse } from "../mvcc/types";
import type { WatchStream } from "../mvcc/watchable-store";
import { EtcdError } from "../mvcc/errors";
import {
  ClientBound,
  ErrNoLeader,
  ErrTimeout,
  ErrTimeoutLeaderFail,
  EtcdCall,
  LOGGED,
  Op,
  RpcError,
} from "./protocol";

/** etcd's server-side request timeout: 5 s + 2 × election timeout (ReqTimeout). */
export const REQUEST_TIMEOUT_MS = 7000;
/** How often the leader looks for expired leases (etcd: every 500 ms). */
export const LEASE_CHECK_MS = 500;

/** What goes into a Raft entry: the request, an id to find the waiting client, the proposer's clock. */
interface LogEntry {
  id: string;
  now: number;
  req: InternalRequest;
}

interface Waiting {
  client: string;
  callId: string;
  timer: Timer;
  /** Leader when the request was accepted: a different one at timeout means it probably failed over. */
  leader: string | undefined;
}

export class EtcdMember implements StateMachine {
  store: MvccStore;
  private seq = 0;
  private readonly waiting = new Map<string, Waiting>();
  private readonly reads = new Map<string, Waiting & { request: RangeRequest }>();
  /** ReadIndex contexts confirmed while readIndex() was still running (a single voter). */
  private readonly readyEarly = new Set<string>();
  private readonly streams = new Map<string, WatchStream>();
  private leaseTimer: Timer | undefined;
  private progressTimer: Timer | undefined;
  private holding: { client: string; response: WatchResponse }[] | undefined;

  constructor(
    readonly name: string,
    private readonly sim: Simulation,
    private readonly raft: () => RaftCluster,
    private readonly memberId: number,
    private readonly clusterId: number,
    private readonly unsafeStaleReads = false,
  ) {
    this.store = new MvccStore({ clusterId, memberId, primary: false });
    // Watchers with progress_notify get a progress response every 10 minutes (etcd's default).
    this.progressTimer = sim.every("10m", () => {
      for (const s of this.streams.values()) s.progressTick();
    }, `etcd progress ${name}`);
  }

  // ---- the state machine Raft applies ----

  apply(entry: Entry): void {
    if (!entry.data) return; // a new leader's empty entry
    const e = JSON.parse(entry.data) as LogEntry;
    this.store.raftTerm = entry.term;
    const result = this.store.apply(e.req, { nowMs: e.now });
    this.sim.trace.record("etcd", "apply", { member: this.name, index: entry.index, op: e.req.type, revision: this.store.rev, ok: result.ok });
    const w = this.waiting.get(e.id);
    if (!w) return;
    this.waiting.delete(e.id);
    w.timer.cancel();
    // (Spelled out: tslab compiles without strictNullChecks, where `ok` does not narrow.)
    if (result.ok === true) this.reply(w.client, w.callId, { ok: true, response: result.response });
    else this.reply(w.client, w.callId, { ok: false, error: (result as { error: RpcError }).error });
  }

  snapshot(): unknown {
    return this.store.snapshot();
  }

  restore(state: unknown): void {
    this.store = MvccStore.restore(state as MvccSnapshot, { clusterId: this.clusterId, memberId: this.memberId, primary: false });
    // etcd re-syncs its watchers after a snapshot; here the streams end and clients re-watch.
    this.closeStreams("etcdserver: mvcc: snapshot restored, watch again");
  }

  // ---- life cycle, driven by EtcdCluster ----

  /** The member crashed: everything in memory is gone. */
  crashed(): void {
    for (const w of [...this.waiting.values(), ...this.reads.values()]) w.timer.cancel();
    this.waiting.clear();
    this.reads.clear();
    this.streams.clear();
    this.leaseTimer?.cancel();
    this.leaseTimer = undefined;
    this.progressTimer?.cancel();
  }

  /** Raft made this member leader (promote its lessor) or took it away (demote). */
  leadership(isLeader: boolean): void {
    if (isLeader) {
      // A new leader restarts every lease's clock (etcd: Promote with an election-timeout extension).
      this.store.lessor.promote(this.sim.now, 1000);
      this.leaseTimer ??= this.sim.every(LEASE_CHECK_MS, () => this.revokeExpiredLeases(), `etcd leases ${this.name}`);
    } else {
      this.store.lessor.demote();
      this.leaseTimer?.cancel();
      this.leaseTimer = undefined;
    }
  }

  /** A ReadIndex this member asked for has been confirmed and applied: serve the read. */
  readReady(ctx: string): void {
    const r = this.reads.get(ctx);
    if (!r) return void this.readyEarly.add(ctx);
    this.reads.delete(ctx);
    r.timer.cancel();
    this.answerNow(r.client, r.callId, () => this.store.range(r.request));
  }

  // ---- clients ----

  receive(env: Envelope<unknown>): void {
    const call = env.payload as EtcdCall;
    if (call?.type !== "etcd.call") return;
    const client = call.replyTo ?? env.from;
    this.sim.trace.record("etcd", "request", { member: this.name, client, op: call.op.kind, id: call.id });
    this.handle(client, call.id, call.op, call);
  }

  private handle(client: string, callId: string, op: Op, call: EtcdCall): void {
    const raft = this.raft();
    const status = raft.status(this.name);
    this.store.raftTerm = status.term;
    if (LOGGED.has(op.kind)) return this.propose(client, callId, { type: op.kind, request: op.request } as InternalRequest);
    switch (op.kind) {
      case "range": {
        if (op.request.serializable || this.unsafeStaleReads) return this.answerNow(client, callId, () => this.store.range(op.request));
        this.readyEarly.clear();
        const read = raft.readIndex(this.name);
        if (read.error) return this.reply(client, callId, { ok: false, error: status.leader ? ErrTimeout : ErrNoLeader });
        // A single voter confirms its own ReadIndex at once (raft's isSingleton shortcut), so the
        // read can be ready before readIndex() returns: serve it now.
        if (this.readyEarly.delete(read.ctx)) return this.answerNow(client, callId, () => this.store.range(op.request));
        this.reads.set(read.ctx, { client, callId, request: op.request, leader: status.leader, timer: this.timeout(() => this.reads.delete(read.ctx), client, callId, status.leader) });
        return;
      }
      case "leaseKeepAlive":
      case "leaseTimeToLive":
      case "leaseLeases": {
        if (status.role !== "leader") {
          // Only the leader's lessor keeps lease time: forward, and let the leader answer the client.
          if (!status.leader) return this.reply(client, callId, { ok: false, error: ErrNoLeader });
          this.sim.network.send(this.name, status.leader, { ...call, replyTo: client } as EtcdCall, { kind: "etcd.call" });
          return;
        }
        const now = this.sim.now;
        if (op.kind === "leaseKeepAlive") return this.answerNow(client, callId, () => this.store.leaseKeepAlive(op.request, { nowMs: now }));
        if (op.kind === "leaseTimeToLive") return this.answerNow(client, callId, () => this.store.leaseTimeToLive(op.request, { nowMs: now }));
        return this.answerNow(client, callId, () => this.store.leaseLeases());
      }
      case "watchCreate": {
        // Answer the call before the stream's first responses (created, history), so that the
        // client knows the watch ID they carry.
        this.holding = [];
        this.answerNow(client, callId, () => ({ watch_id: this.stream(client).watch(op.request) }));
        const held = this.holding;
        this.holding = undefined;
        for (const h of held) this.push(h.client, h.response);
        return;
      }
      case "watchCancel":
        return this.answerNow(client, callId, () => ({ canceled: this.stream(client).cancel(op.request.watch_id) }));
      case "watchProgress":
        return this.answerNow(client, callId, () => (this.stream(client).requestProgress(), {}));
    }
  }

  private propose(client: string, callId: string, req: InternalRequest): void {
    const raft = this.raft();
    const leader = raft.status(this.name).leader;
    if (!leader) return this.reply(client, callId, { ok: false, error: ErrNoLeader });
    const id = `${this.name}/${++this.seq}`;
    const entry: LogEntry = { id, now: this.sim.now, req };
    // Wait before proposing: a single-member cluster commits and applies the entry inside
    // propose() (its own vote is the quorum), so apply() must already find the waiter — as
    // etcd's EtcdServer registers w.Register(id) before r.Propose [etcd server/etcdserver/v3_server.go].
    const timer = this.timeout(() => this.waiting.delete(id), client, callId, leader);
    this.waiting.set(id, { client, callId, leader, timer });
    const r = raft.propose(JSON.stringify(entry), this.name);
    if (r.ok) return;
    this.waiting.delete(id);
    timer.cancel();
    this.reply(client, callId, { ok: false, error: ErrNoLeader });
  }

  private timeout(forget: () => void, client: string, callId: string, leader: string | undefined): Timer {
    return this.sim.after(REQUEST_TIMEOUT_MS, () => {
      forget();
      const failedOver = this.raft().status(this.name).leader !== leader;
      this.reply(client, callId, { ok: false, error: failedOver ? ErrTimeoutLeaderFail : ErrTimeout });
    }, `etcd timeout ${this.name}`);
  }

  /** The leader offers expired leases for revocation through the log, as etcd's leader does. */
  private revokeExpiredLeases(): void {
    for (const id of this.store.lessor.expired(this.sim.now)) {
      this.sim.trace.record("etcd", "lease-expired", { member: this.name, lease: id });
      const entry: LogEntry = { id: `${this.name}/lease-expiry/${++this.seq}`, now: this.sim.now, req: { type: "leaseRevoke", request: { ID: id } } };
      this.raft().propose(JSON.stringify(entry), this.name);
    }
  }

  private stream(client: string): WatchStream {
    let s = this.streams.get(client);
    if (!s) {
      s = this.store.watchStream((response: WatchResponse) => this.push(client, response));
      this.streams.set(client, s);
    }
    return s;
  }

  private closeStreams(reason: string): void {
    for (const [client, s] of this.streams) {
      for (const id of s.ids()) {
        this.push(client, { header: this.store.header(), watch_id: id, created: false, canceled: true, compact_revision: 0, cancel_reason: reason, fragment: false, events: [] });
      }
      s.close();
    }
    this.streams.clear();
  }

  private push(client: string, response: WatchResponse): void {
    if (this.holding) return void this.holding.push({ client, response });
    this.send(client, { type: "etcd.watch", member: this.name, response });
  }

  private answerNow(client: string, callId: string, f: () => unknown): void {
    try {
      this.reply(client, callId, { ok: true, response: f() });
    } catch (e) {
      if (!(e instanceof EtcdError)) throw e;
      this.reply(client, callId, { ok: false, error: e.toJSON() });
    }
  }

  private reply(client: string, callId: string, r: { ok: boolean; response?: unknown; error?: RpcError }): void {
    this.send(client, { type: "etcd.reply", id: callId, member: this.name, leader: this.raft().status(this.name).leader, ...r });
  }

  private send(client: string, msg: ClientBound): void {
    if (this.sim.network.isUp(this.name)) this.sim.network.send(this.name, client, msg, { kind: msg.type });
  }
}
