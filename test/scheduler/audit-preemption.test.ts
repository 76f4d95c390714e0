// Audit against kube-scheduler v1.32 [k/k pkg/scheduler/framework/plugins/defaultpreemption/
// default_preemption.go PodEligibleToPreemptOthers, podTerminatingByPreemption]: a preemptor
// whose nominated node still has a lower-priority pod terminating *because of a preemption*
// waits for it; one terminating for another reason (a rollout, a drain) does not hold it back.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Pod } from "../../src/scheduler/framework/interface";
import { DefaultPreemption } from "../../src/scheduler/plugins/defaultpreemption";
import { inTreeRegistry } from "../../src/scheduler/plugins/registry";
import { makeFramework, makeNode, makePod, nodeInfos } from "./framework-helpers";

function terminating(name: string, reason?: string): Pod {
  const p = makePod(name, { cpu: "2", priority: 1, node: "node-1" }) as any;
  p.metadata.deletionTimestamp = "2026-01-01T00:00:10Z";
  if (reason) p.status = { conditions: [{ type: "DisruptionTarget", status: "True", reason, message: "m" }] };
  return p;
}

function eligible(victim: Pod): string {
  const { fw } = makeFramework([{ name: "NodeResourcesFit", weight: 1 }, { name: "DefaultPreemption" }], inTreeRegistry, nodeInfos([makeNode("node-1")], [victim]));
  const preemptor = makePod("p", { cpu: "4", priority: 100 }) as any;
  preemptor.status = { nominatedNodeName: "node-1" };
  return (fw.plugins.get("DefaultPreemption") as DefaultPreemption).podEligibleToPreemptOthers(preemptor, new Map());
}

test("a victim of an earlier preemption still terminating on the nominated node: not eligible", () => {
  assert.is(eligible(terminating("v", "PreemptionByScheduler")), "not eligible due to a terminating pod on the nominated node.");
});

test("a pod terminating for another reason does not hold the preemptor back", () => {
  assert.is(eligible(terminating("rollout")), "");
  assert.is(eligible(terminating("evicted", "EvictionByEvictionAPI")), "");
});

test.run();
