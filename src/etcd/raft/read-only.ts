// Linearizable reads without writing to the log: ReadIndex (thesis §6.4).
//
// 1. The leader records its commit index as the read index. (It must first have committed an
//    entry of its own term, or its commit index may be stale — the empty entry a new leader
//    appends exists for exactly this, §8.)
// 2. It sends a round of heartbeats carrying the request's context; once a majority answers,
//    it knows it was still the leader when the read arrived.
// 3. The reader waits until its state machine has applied through the read index, then reads.
//
// In "lease-based" mode the leader skips step 2 and trusts its lease (CheckQuorum), which
// depends on bounded clock drift; etcd's default, and ours, is "safe".

import { Message, NodeId } from "./messages";

export type ReadOnlyOption = "safe" | "lease-based";

export interface ReadIndexStatus {
  readonly req: Message;
  readonly index: number;
  readonly acks: Map<NodeId, boolean>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Queue a read request (its context is entries[0].data) at read index `index`. */
  addRequest(index: number, m: Message): void {
    const ctx = requestContext(m);
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { req: m, index, acks: new Map() });
    this.queue.push(ctx);
  }

  /** A heartbeat response for `ctx` arrived from `id`; returns the acks so far. */
  recvAck(id: NodeId, ctx: string): ReadonlyMap<NodeId, boolean> | undefined {
    const rs = this.pending.get(ctx);
    if (rs === undefined) return undefined;
    rs.acks.set(id, true);
    return rs.acks;
  }

  /**
   * The request `ctx` is confirmed: it and every request queued before it (a heartbeat round
   * confirms everything that arrived before it was sent) are ready.
   */
  advance(ctx: string): ReadIndexStatus[] {
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    const out: ReadIndexStatus[] = [];
    for (const c of done) {
      const rs = this.pending.get(c);
      if (rs === undefined) throw new Error(`cannot find corresponding read state from pending map`);
      this.pending.delete(c);
      out.push(rs);
    }
    return out;
  }

  /** Context of the newest pending request (sent with each heartbeat), or "" if none. */
  lastPendingRequestCtx(): string {
    return this.queue.length === 0 ? "" : this.queue[this.queue.length - 1];
  }

  pendingCount(): number {
    return this.queue.length;
  }
}

export function requestContext(m: Message): string {
  const d = m.entries.length > 0 ? m.entries[0].data : undefined;
  return d === undefined ? "" : d;
}
