// Turning trace rows into what a chart draws.

import type { Row } from "./specs";

/**
 * State changes → spans. Given rows that each say "from time t, lane L is in state S"
 * (e.g. raft role changes: {t, member, role}), returns one span per stretch:
 * {lane, state, start, end}; the last stretch of each lane ends at `until`.
 */
export interface Span extends Row {
  state: unknown;
  start: number;
  end: number;
}

export function toSpans(data: readonly object[], o: { lane: string; state: string; time?: string; until: number }): Span[] {
  const rows = data as readonly Row[];
  const time = o.time ?? "t";
  const open = new Map<unknown, Span>();
  const spans: Span[] = [];
  for (const r of rows) {
    const lane = r[o.lane];
    const prev = open.get(lane);
    const t = Number(r[time]);
    if (prev) {
      if (prev.state === r[o.state]) continue; // same state again: the span goes on
      prev.end = t;
      if (prev.end > prev.start) spans.push(prev);
    }
    open.set(lane, { [o.lane]: lane, state: r[o.state], start: t, end: o.until });
  }
  for (const span of open.values()) if (span.end > span.start) spans.push(span);
  return spans;
}

/** Pairs network "send" rows with their "deliver" / "drop" rows by message id. */
export function toMessages(data: readonly object[]): Row[] {
  const rows = data as readonly Row[];
  const byId = new Map<unknown, Row>();
  const out: Row[] = [];
  for (const r of rows) {
    if (r.kind === "send") {
      const m: Row = { id: r.id, from: r.from, to: r.to, msg: r.msg, sent: r.t, received: null, latency: null };
      byId.set(r.id, m);
      out.push(m);
    } else if (r.kind === "deliver" || r.kind === "drop") {
      const m = byId.get(r.id);
      if (!m) continue;
      if (r.kind === "deliver" && m.received === null) {
        m.received = r.t;
        m.latency = (r.t as number) - (m.sent as number);
      } else if (r.kind === "drop") m.dropped = r.reason;
    }
  }
  return out;
}
