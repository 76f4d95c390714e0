// Chapter 05's exercise checks, each with a right answer and wrong ones: the check must accept
// the right answer and explain what is missing in a wrong one, never throw.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkGpuPod, checkPrediction, checkScorePlugin, firstSentence, reasonCounts } from "../../src/exercises/ch05";
import { defaultProfile } from "../../src/scheduler/plugins/registry";
import { Status } from "../../src/scheduler/framework/status";
import type { PluginFactory } from "../../src/scheduler/framework/interface";
import type { NodeInfo } from "../../src/scheduler/framework/node-info";

/** PreferSSD scoring an ssd node `high`, others 0. */
function preferSSD(high: number): Record<string, PluginFactory> {
  return {
    PreferSSD: () => ({
      name: "PreferSSD",
      score: (_s: unknown, _p: unknown, ni: NodeInfo) => ({ score: ni.node?.metadata.labels?.disktype === "ssd" ? high : 0, status: Status.success() }),
    }),
  };
}
function profileWith(weight: number | undefined) {
  const p = defaultProfile();
  p.plugins.push({ name: "PreferSSD", weight });
  return p;
}

test("score plugin: 100 for ssd with weight 5 on top of the default profile → solved", () => {
  const v = checkScorePlugin(preferSSD(100), profileWith(5));
  assert.ok(v.ok, v.message);
  assert.match(v.message, /ssd nodes \((node-[24], ){3}node-[24]\)/);
});

test("score plugin: registration mistakes are named", () => {
  assert.match(checkScorePlugin(preferSSD(100), defaultProfile()).message, /only in-tree plugins/);
  assert.match(checkScorePlugin({}, profileWith(5)).message, /not in your registry/);
  const replaced = { schedulerName: "default-scheduler", plugins: [{ name: "PrioritySort" }, { name: "PreferSSD", weight: 1 }, { name: "DefaultBinder" }] };
  assert.match(checkScorePlugin(preferSSD(100), replaced).message, /keep the default plugins in the profile \(SchedulingGates is missing\)/);
  // Switching off the plugin that outvotes yours is not the exercise either.
  const noTaintScore = { ...profileWith(1), disabled: { score: ["TaintToleration"] } };
  assert.match(checkScorePlugin(preferSSD(100), noTaintScore).message, /TaintToleration is disabled/);
});

test("score plugin: no weight means weight 1 (it scores, and is outvoted); 3 is not enough, 4 is", () => {
  const unset = checkScorePlugin(preferSSD(100), profileWith(undefined));
  assert.not.ok(unset.ok);
  assert.match(unset.message, /on node-2 it gave 100 × 1 \(a plugin without a weight scores with weight 1\); TaintToleration alone gave node-1 100 × 3 = 300/);
  assert.match(checkScorePlugin(preferSSD(100), profileWith(0)).message, /100 × 1 \(a plugin without a weight/);
  assert.match(checkScorePlugin(preferSSD(100), profileWith(3)).message, /outvoted yours \(on node-2 it gave 100 × 3;/);
  assert.ok(checkScorePlugin(preferSSD(100), profileWith(4)).ok);
});

test("score plugin: too weak to matter, out of range, or throwing → not yet, with the reason", () => {
  const weak = checkScorePlugin(preferSSD(10), profileWith(1));
  assert.not.ok(weak.ok);
  assert.match(weak.message, /outvoted yours \(on node-2 it gave 10 × 1; TaintToleration alone gave node-1 100 × 3 = 300\)/);
  assert.match(checkScorePlugin(preferSSD(500), profileWith(5)).message, /invalid score 500/);
  const throwing = { PreferSSD: () => ({ name: "PreferSSD", score: () => { throw new Error("boom"); } }) } as unknown as Record<string, PluginFactory>;
  assert.match(checkScorePlugin(throwing, profileWith(5)).message, /failed with your profile: boom/);
});

const trainer = (spec: string) => `apiVersion: v1
kind: Pod
metadata: { name: train }
spec:
${spec}
  containers: [{ name: t, image: "trainer:1", resources: { requests: { cpu: "1" } } }]`;

test("gpu pod: toleration + nodeSelector → on node-3", () => {
  const v = checkGpuPod(trainer(`  nodeSelector: { accelerator: nvidia-a100 }
  tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]`));
  assert.ok(v.ok, v.message);
  // Node affinity instead of a selector does as well.
  const aff = checkGpuPod(trainer(`  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: accelerator, operator: In, values: [nvidia-a100] }] }] } } }
  tolerations: [{ key: nvidia.com/gpu, operator: Equal, value: present, effect: NoSchedule }]`));
  assert.ok(aff.ok, aff.message);
});

test("gpu pod: toleration alone lands elsewhere; selector alone stays Pending; nothing → elsewhere", () => {
  const tolOnly = checkGpuPod(trainer(`  tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]`));
  assert.not.ok(tolOnly.ok);
  assert.match(tolOnly.message, /does not attract/);
  const selOnly = checkGpuPod(trainer(`  nodeSelector: { accelerator: nvidia-a100 }`));
  assert.not.ok(selOnly.ok);
  assert.match(selOnly.message, /Pending: 0\/3 nodes are available: 1 node\(s\) had untolerated taint \{nvidia.com\/gpu: present\}, 2 node\(s\) didn't match Pod's node affinity\/selector\./);
  const plain = checkGpuPod(trainer(""));
  assert.match(plain.message, /select the GPU node by its label, and tolerate/);
  assert.match(checkGpuPod("kind: ConfigMap\napiVersion: v1\nmetadata: { name: x }\n").message, /exactly one Pod/);
  assert.match(checkGpuPod("apiVersion: v1\nkind: Pod\nmetadata: { name: Bad_Name }\nspec: { containers: [{ name: a, image: b }] }").message, /refused/);
});

test("prediction: the exact first sentence → solved; wrong counts, wording or order → not yet", () => {
  const right =
    "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) were unschedulable, 2 Insufficient cpu.";
  const v = checkPrediction(right);
  assert.ok(v.ok, v.message);
  // The whole message (with the preemption sentence) is accepted too.
  assert.ok(checkPrediction(right + " preemption: whatever.").ok);
  // node-1 counted under NodeAffinity instead of NodeUnschedulable: the counts no longer fit.
  assert.match(checkPrediction("0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu.").message, /the count for "node\(s\) didn't match Pod's node affinity\/selector" is off/);
  assert.match(checkPrediction("0/5 nodes are available: 3 Insufficient cpu.").message, /add up to 3/);
  const reordered = "0/5 nodes are available: 2 Insufficient cpu, 1 node(s) were unschedulable, 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) didn't match Pod's node affinity/selector.";
  assert.match(checkPrediction(reordered).message, /wrong order or punctuation/);
  assert.match(checkPrediction("no idea").message, /scheduler's shape/);
  assert.match(checkPrediction("").message, /write your prediction/);
});

test("reasonCounts / firstSentence parse the FitError shape", () => {
  const m = "0/3 nodes are available: 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
  assert.equal([...reasonCounts(m)], [["node(s) had untolerated taint {a: b}", 1], ["Insufficient cpu", 2]]);
  assert.is(firstSentence(m), "0/3 nodes are available: 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu.");
});

test.run();
