// Changing a node's taints the way the controllers do: read the node, add or replace the
// taints (matched by key and effect), drop the others, write it back; on a conflict read again
// and retry (5 tries, 100 ms apart). [k/k pkg/controller/controller_utils.go AddOrUpdateTaintOnNode,
// RemoveTaintOffNode; pkg/controller/util/node/controller_utils.go SwapNodeControllerTaint]

import type { Simulation } from "../../sim/simulation";
import type { KubeObject } from "../../apiserver/registry/object";
import { timestamp } from "../../apiserver/registry/object";
import type { KubeClient } from "../../client/kube-client";
import { sameTaint, Taint } from "./taints";

const RETRIES = 5;

/**
 * Adds taintsToAdd (stamped with timeAdded = now) and removes taintsToRemove in one update.
 * cb(true) when the node has them as asked (also when nothing had to change).
 */
export function swapNodeTaints(sim: Simulation, client: KubeClient, nodeName: string, taintsToAdd: Taint[], taintsToRemove: Taint[], cb: (ok: boolean, changed: boolean) => void): void {
  const now = timestamp(sim.now);
  const add = taintsToAdd.map((t) => ({ ...t, timeAdded: now }));
  const attempt = (n: number) => {
    client.get("nodes", nodeName, undefined, (err, node) => {
      if (err || !node) return cb(false, false);
      const before: Taint[] = node.spec?.taints ?? [];
      let after = before.filter((t) => !taintsToRemove.some((r) => sameTaint(r, t)));
      for (const t of add) {
        const i = after.findIndex((x) => sameTaint(x, t));
        if (i < 0) after = [...after, t];
        // An equal taint (same value) stays as it is, with its first timeAdded.
        else if ((after[i].value ?? "") !== (t.value ?? "")) after = after.map((x, j) => (j === i ? t : x));
      }
      if (JSON.stringify(after) === JSON.stringify(before)) return cb(true, false);
      const next: KubeObject = { ...node, spec: { ...node.spec, taints: after.length ? after : undefined } };
      client.update(next, (err2) => {
        if (!err2) return cb(true, true);
        if (err2.reason === "Conflict" && n + 1 < RETRIES) return void sim.after(100, () => attempt(n + 1), "taint update retry");
        cb(false, false);
      });
    });
  };
  attempt(0);
}
