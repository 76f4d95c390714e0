// Chapter 00's exercise: silence one node's heartbeats for longer than the node monitor's grace
// period (50 s since Kubernetes 1.32) while the other node keeps beating.

import { formatDuration, TraceRow } from "../sim/index";
import { Verdict, verdict } from "./verdict";

export const NODE_MONITOR_GRACE_MS = 50_000;

/**
 * Longest gap, in ms, between heartbeats from `node` that reached the API server, over
 * [from, to]. Gaps at the edges count (the window opens and closes like a heartbeat would).
 */
export function longestHeartbeatGap(rows: readonly TraceRow[], node: string, from: number, to: number): number {
  const times = rows
    .filter((r) => r.component === "network" && r.kind === "deliver" && r.from === node && r.to === "apiserver" && r.msg === "heartbeat")
    .map((r) => r.t)
    .filter((t) => t >= from && t <= to);
  let last = from;
  let gap = 0;
  for (const t of [...times, to]) {
    gap = Math.max(gap, t - last);
    last = t;
  }
  return gap;
}

/** Checks: node-1 silent for more than the grace period after `since`; node-2 never silent that long. */
export function checkSilencedNode(rows: readonly TraceRow[], since: number, now: number): Verdict {
  if (now - since < NODE_MONITOR_GRACE_MS) {
    return verdict(false, "", `only ${formatDuration(now - since)} of virtual time ran since the exercise started; run at least 50 s (sim.runFor("60s"))`);
  }
  const gap1 = longestHeartbeatGap(rows, "node-1", since, now);
  const gap2 = longestHeartbeatGap(rows, "node-2", since, now);
  if (gap1 <= NODE_MONITOR_GRACE_MS) {
    return verdict(false, "", `node-1's longest silence was ${formatDuration(gap1)}; it must exceed the 50 s grace period`);
  }
  if (gap2 > 20_000) {
    return verdict(false, "", `node-2 was silent for ${formatDuration(gap2)} too; only node-1 should go quiet`);
  }
  return verdict(true, `node-1 was silent for ${formatDuration(gap1)} (> 50 s): a real node lifecycle controller would mark it NotReady; node-2 kept beating (longest gap ${formatDuration(gap2)}).`, "");
}
