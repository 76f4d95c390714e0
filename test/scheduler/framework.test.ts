// The framework runtime [k/k pkg/scheduler/framework/runtime/framework.go, schedule_one.go] with
// small test plugins: stop-at-first-failure, PreFilter Skip and node-name results, score
// normalisation and weights, tie-breaking, numFeasibleNodesToFind, FitError text.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { CycleState, NodeScore, Pod } from "../../src/scheduler/framework/interface";
import type { NodeInfo } from "../../src/scheduler/framework/node-info";
import { Status } from "../../src/scheduler/framework/status";
import { numFeasibleNodesToFind } from "../../src/scheduler/framework/runtime";
import { fitErrorMessage, newDiagnosis } from "../../src/scheduler/framework/fit-error";
import { makeFramework, makeNode, makePod, nodeInfos, plugin } from "./framework-helpers";

// [schedule_one_test.go TestNumFeasibleNodesToFind; reference §1.3]
for (const [nodes, want] of [
  [10, 10],
  [99, 99],
  [100, 100],
  [500, 230],
  [1000, 420],
  [3000, 780],
  [5000, 500],
  [6000, 300],
  [10000, 500],
] as const) {
  test(`numFeasibleNodesToFind adaptive: ${nodes} nodes → ${want}`, () => {
    assert.is(numFeasibleNodesToFind(0, nodes), want);
    assert.is(numFeasibleNodesToFind(undefined, nodes), want);
  });
}

test("numFeasibleNodesToFind with a set percentage: 40% of 1000 = 400; 100% = all; never under 100", () => {
  assert.is(numFeasibleNodesToFind(40, 1000), 400);
  assert.is(numFeasibleNodesToFind(100, 1000), 1000);
  assert.is(numFeasibleNodesToFind(5, 1000), 100);
});

function counting(name: string, verdict: (node: string) => Status, calls: string[]) {
  return plugin({ name, filter: (_s: CycleState, _p: Pod, ni: NodeInfo) => (calls.push(`${name}@${ni.name}`), verdict(ni.name)) });
}

test("Filter: plugins run in profile order and stop at the first failure; only its reasons count", () => {
  const calls: string[] = [];
  const { fw, snapshot } = makeFramework(
    [{ name: "A" }, { name: "B" }, { name: "C" }],
    {
      A: counting("A", () => Status.success(), calls),
      B: counting("B", (n) => (n === "n1" ? Status.unschedulable("B says no") : Status.success()), calls),
      C: counting("C", () => Status.unschedulable("C says no"), calls),
    },
    nodeInfos([makeNode("n1")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.equal(calls, ["A@n1", "B@n1"]);
  assert.ok(r.fitError);
  assert.is(r.fitError!.error(), "0/1 nodes are available: 1 B says no.");
  assert.equal([...r.fitError!.diagnosis.unschedulablePlugins], ["B"]);
});

test("PreFilter Skip: that plugin's Filter is not called", () => {
  const calls: string[] = [];
  const { fw, snapshot } = makeFramework(
    [{ name: "S" }],
    { S: plugin({ name: "S", preFilter: () => ({ status: Status.skip() }), filter: () => (calls.push("filter"), Status.unschedulable("x")) }) },
    nodeInfos([makeNode("n1")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.equal(calls, []);
  assert.is(r.result?.suggestedHost, "n1");
});

test("PreFilter results are intersected; nodes outside get 'didn't satisfy plugin(s)'", () => {
  const { fw, snapshot } = makeFramework(
    [{ name: "P1" }, { name: "P2" }],
    {
      P1: plugin({ name: "P1", preFilter: () => ({ result: { nodeNames: new Set(["n1", "n2"]) }, status: Status.success() }) }),
      P2: plugin({ name: "P2", preFilter: () => ({ result: { nodeNames: new Set(["n2", "n3"]) }, status: Status.success() }) }),
    },
    nodeInfos([makeNode("n1"), makeNode("n2"), makeNode("n3")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.result?.suggestedHost, "n2");
});

test("PreFilter results with an empty intersection reject the pod", () => {
  const { fw, snapshot } = makeFramework(
    [{ name: "P1" }, { name: "P2" }],
    {
      P1: plugin({ name: "P1", preFilter: () => ({ result: { nodeNames: new Set(["n1"]) }, status: Status.success() }) }),
      P2: plugin({ name: "P2", preFilter: () => ({ result: { nodeNames: new Set(["n2"]) }, status: Status.success() }) }),
    },
    nodeInfos([makeNode("n1"), makeNode("n2")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.fitError?.error(), "0/2 nodes are available: node(s) didn't satisfy plugin(s) [P1 P2] simultaneously.");
});

test("PreFilter rejection marks every node with its status and its message replaces the histogram", () => {
  const { fw, snapshot } = makeFramework(
    [{ name: "R" }],
    { R: plugin({ name: "R", preFilter: () => ({ status: Status.unresolvable("pod has unbound immediate PersistentVolumeClaims") }) }) },
    nodeInfos([makeNode("n1"), makeNode("n2"), makeNode("n3")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.fitError!.diagnosis.nodeToStatus.size, 3);
  assert.is(r.fitError!.diagnosis.nodeToStatus.get("n2")!.code, "UnschedulableAndUnresolvable");
  assert.is(r.fitError!.error(), "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.");
});

function scorer(name: string, raw: Record<string, number>, normalize?: (scores: NodeScore[]) => void) {
  return plugin({
    name,
    score: (_s: CycleState, _p: Pod, ni: NodeInfo) => ({ score: raw[ni.name], status: Status.success() }),
    ...(normalize ? { normalizeScore: (_s: CycleState, _p: Pod, scores: NodeScore[]) => (normalize(scores), Status.success()) } : {}),
  });
}

test("Score: normalize per plugin, multiply by weight, sum; the highest total wins; explanation records all", () => {
  // X raw 2/4/8 normalised to 25/50/100 (×1); Y 100/0/0 (×3): totals 325, 50, 100 → n1.
  const { fw, snapshot } = makeFramework(
    [{ name: "X", weight: 1 }, { name: "Y", weight: 3 }],
    {
      X: scorer("X", { n1: 2, n2: 4, n3: 8 }, (s) => {
        const max = Math.max(...s.map((x) => x.score));
        for (const x of s) x.score = Math.floor((100 * x.score) / max);
      }),
      Y: scorer("Y", { n1: 100, n2: 0, n3: 0 }),
    },
    nodeInfos([makeNode("n1"), makeNode("n2"), makeNode("n3")]),
  );
  fw.beginExplanation(makePod("p"), 1, 3);
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  const e = fw.endExplanation()!;
  assert.is(r.result?.suggestedHost, "n1");
  const n3 = e.nodes.find((n) => n.node === "n3")!;
  assert.equal(n3.scores, [
    { plugin: "X", raw: 8, normalized: 100, weight: 1, weighted: 100 },
    { plugin: "Y", raw: 0, normalized: 0, weight: 3, weighted: 0 },
  ]);
  assert.is(e.nodes.find((n) => n.node === "n1")!.total, 325);
  assert.is(e.selected, "n1");
});

test("Score: a score outside 0..100 after normalisation is an error", () => {
  const { fw, snapshot } = makeFramework([{ name: "Bad", weight: 1 }], { Bad: scorer("Bad", { n1: 150, n2: 3 }) }, nodeInfos([makeNode("n1"), makeNode("n2")]));
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.error?.code, "Error");
  assert.match(r.error!.message(), 'plugin "Bad" returns an invalid score 150, it should in the range of [0, 100] after normalizing');
});

test("PreScore Skip: that plugin's Score is not called", () => {
  let called = 0;
  const { fw, snapshot } = makeFramework(
    [{ name: "K", weight: 1 }],
    { K: plugin({ name: "K", preScore: () => Status.skip(), score: () => (called++, { score: 0, status: Status.success() }) }) },
    nodeInfos([makeNode("n1"), makeNode("n2")]),
  );
  fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(called, 0);
});

function tiePicks(seed: number): string[] {
  const names = ["a", "b", "c", "d", "e"];
  const { fw, snapshot } = makeFramework([{ name: "Flat", weight: 1 }], { Flat: scorer("Flat", Object.fromEntries(names.map((n) => [n, 50]))) }, nodeInfos(names.map((n) => makeNode(n))), { seed });
  const out: string[] = [];
  for (let i = 0; i < 40; i++) out.push(fw.schedulePod(new CycleState(), makePod(`p${i}`), snapshot).result!.suggestedHost);
  return out;
}

test("ties are broken by the seeded generator: same seed same picks, every tied node can win", () => {
  const a = tiePicks(7);
  assert.equal(tiePicks(7), a);
  assert.not.equal(tiePicks(8), a);
  assert.equal(new Set(a).size, 5);
});

test("with one feasible node, Score is not run", () => {
  let scored = 0;
  const { fw, snapshot } = makeFramework(
    [{ name: "F" }, { name: "S", weight: 1 }],
    {
      F: plugin({ name: "F", filter: (_s: CycleState, _p: Pod, ni: NodeInfo) => (ni.name === "n2" ? Status.success() : Status.unschedulable("no")) }),
      S: plugin({ name: "S", score: () => (scored++, { score: 1, status: Status.success() }) }),
    },
    nodeInfos([makeNode("n1"), makeNode("n2"), makeNode("n3")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.result?.suggestedHost, "n2");
  assert.is(scored, 0);
});

test("Filter visits nodes from a rotating start index and stops at numFeasibleNodesToFind", () => {
  const visited: string[] = [];
  const names = Array.from({ length: 200 }, (_, i) => `n${String(i).padStart(3, "0")}`);
  const { fw, snapshot } = makeFramework(
    [{ name: "F" }, { name: "S", weight: 1 }],
    {
      F: plugin({ name: "F", filter: (_s: CycleState, _p: Pod, ni: NodeInfo) => (visited.push(ni.name), Status.success()) }),
      S: scorer("S", Object.fromEntries(names.map((n) => [n, 1]))),
    },
    nodeInfos(names.map((n) => makeNode(n))),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p1"), snapshot);
  // 200 nodes: 50 − 1 = 49% → 98, raised to the minimum of 100.
  assert.is(r.result!.feasibleNodes, 100);
  assert.is(visited[0], "n000");
  visited.length = 0;
  fw.schedulePod(new CycleState(), makePod("p2"), snapshot);
  assert.is(visited[0], "n100");
  assert.is(visited.length, 100);
});

test("a nominated node that passes Filter is chosen without looking at others", () => {
  const visited: string[] = [];
  const { fw, snapshot } = makeFramework(
    [{ name: "F" }, { name: "S", weight: 1 }],
    { F: plugin({ name: "F", filter: (_s: CycleState, _p: Pod, ni: NodeInfo) => (visited.push(ni.name), Status.success()) }), S: scorer("S", { n1: 100, n2: 0, n3: 0 }) },
    nodeInfos([makeNode("n1"), makeNode("n2"), makeNode("n3")]),
  );
  const pod = makePod("p");
  (pod as any).status.nominatedNodeName = "n3";
  const r = fw.schedulePod(new CycleState(), pod, snapshot);
  assert.is(r.result?.suggestedHost, "n3");
  assert.equal(visited, ["n3"]);
});

test("Filter counts equal-or-higher-priority pods nominated to the node", () => {
  // Node holds 2 cpu; a nominated pod of priority 10 asks 2 cpu: a priority-5 pod does not fit
  // there, a priority-10 pod does not either (equal counts), a priority-20 pod does.
  const nominated = makePod("nominated", { cpu: "2", priority: 10 });
  const fitsCpu = plugin({
    name: "Fit",
    filter: (_s: CycleState, p: Pod, ni: NodeInfo) => {
      const want = Number(((p as any).spec.containers[0].resources.requests.cpu as string) ?? 0) * 1000;
      return ni.requested.milliCPU + want > ni.allocatable.milliCPU ? Status.unschedulable("Insufficient cpu") : Status.success();
    },
  });
  for (const [prio, fits] of [
    [5, false],
    [10, false],
    [20, true],
  ] as const) {
    const { fw, snapshot } = makeFramework([{ name: "Fit" }], { Fit: fitsCpu }, nodeInfos([makeNode("n1", "2")]), { nominator: { nominatedPodsForNode: () => [nominated] } });
    const r = fw.schedulePod(new CycleState(), makePod("p", { cpu: "1", priority: prio }), snapshot);
    assert.is(!!r.result, fits, `priority ${prio}`);
  }
});

// FitError text [framework/types.go FitError.Error; reference §1.5]
test("FitError: reasons counted per node, sorted as strings, PostFilter message appended", () => {
  const d = newDiagnosis();
  for (let i = 0; i < 10; i++) d.nodeToStatus.set(`a${i}`, Status.unschedulable("Insufficient cpu"));
  d.nodeToStatus.set("b", Status.unschedulable("Insufficient cpu", "Insufficient memory"));
  d.nodeToStatus.set("c", Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}"));
  d.nodeToStatus.set("d", Status.unresolvable("node(s) had untolerated taint {dedicated: gpu}"));
  assert.is(
    fitErrorMessage(13, d),
    "0/13 nodes are available: 1 Insufficient memory, 11 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.",
  );
  d.postFilterMsg = "preemption: 0/13 nodes are available: 13 Preemption is not helpful for scheduling.";
  assert.ok(fitErrorMessage(13, d).endsWith(". preemption: 0/13 nodes are available: 13 Preemption is not helpful for scheduling.."));
});

// [schedule_one.go schedulePod: ErrNoNodesAvailable, not a FitError; schedulingCycle returns it
// as UnschedulableAndUnresolvable without running PostFilter.]
test("no nodes at all: ErrNoNodesAvailable, a rejection that is not a FitError", () => {
  const { fw, snapshot } = makeFramework([], {}, []);
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.fitError, undefined);
  assert.is(r.error?.code, "UnschedulableAndUnresolvable");
  assert.is(r.error?.message(), "no nodes available to schedule pods");
});

test("a profile naming an unknown plugin is refused", () => {
  assert.throws(() => makeFramework([{ name: "Nope" }], {}, []), /plugin "Nope" of profile "default-scheduler" is not in the registry/);
});

// [framework.go getScoreWeights: unset/0 → 1; expandMultiPointPlugins: per-point disabled, "*"]
test("Score weight: unset or 0 means 1 (a multiPoint plugin with score() always scores); disabled.score keeps it out", () => {
  const nodes = () => nodeInfos([makeNode("n1"), makeNode("n2")]);
  const reg = { A: scorer("A", { n1: 100, n2: 0 }), B: scorer("B", { n1: 0, n2: 100 }), C: scorer("C", { n1: 0, n2: 100 }) };
  const { fw } = makeFramework([{ name: "A" }, { name: "B", weight: 0 }, { name: "C", weight: 3 }], reg, nodes());
  assert.equal(fw.scorePlugins.map((s) => [s.plugin.name, s.weight]), [["A", 1], ["B", 1], ["C", 3]]);
  const off = makeFramework([{ name: "A" }, { name: "B" }, { name: "C", weight: 3 }], reg, nodes(), { disabled: { score: ["C"] } }).fw;
  assert.equal(off.scorePlugins.map((s) => s.plugin.name), ["A", "B"]);
  // Scores decide accordingly: A(1)·100 vs B(1)·100 + C(3)·100 → n2; without C a tie.
  const { fw: fw2, snapshot } = makeFramework([{ name: "A", weight: 5 }, { name: "C" }], reg, nodes());
  assert.is(fw2.schedulePod(new CycleState(), makePod("p"), snapshot).result?.suggestedHost, "n1", "5·100 beats 1·100");
  assert.throws(() => makeFramework([{ name: "A", weight: -1 }], reg, nodes()), /weight -1/);
});

test("disabled at one extension point: the plugin keeps its other points; '*' empties a point", () => {
  const both = { name: "FS", filter: (_s: CycleState, _p: Pod, ni: NodeInfo) => (ni.name === "n1" ? Status.unschedulable("no") : Status.success()), score: () => ({ score: 0, status: Status.success() }) };
  const { fw } = makeFramework([{ name: "FS" }], { FS: plugin(both) }, nodeInfos([makeNode("n1")]), { disabled: { score: ["FS"] } });
  assert.equal(fw.filterPlugins.map((p) => p.name), ["FS"]);
  assert.equal(fw.scorePlugins.length, 0);
  const star = makeFramework([{ name: "FS" }], { FS: plugin(both) }, nodeInfos([makeNode("n1")]), { disabled: { filter: ["*"] } }).fw;
  assert.equal(star.filterPlugins.length, 0);
  assert.equal(star.scorePlugins.map((s) => s.plugin.name), ["FS"]);
  // Disabling the only Bind plugin leaves a profile that cannot bind: refused, as upstream.
  assert.throws(() => makeFramework([], {}, [], { disabled: { bind: ["DefaultBinder"] } }), /has no Bind plugin/);
});

// [schedule_one.go findNodesThatPassFilters: an error status cancels the search and is returned]
test("Filter: an Error on any node aborts the attempt (no FitError, no feasible nodes)", () => {
  const visited: string[] = [];
  const { fw, snapshot } = makeFramework(
    [{ name: "E" }, { name: "S", weight: 1 }],
    {
      E: plugin({ name: "E", filter: (_s: CycleState, _p: Pod, ni: NodeInfo) => (visited.push(ni.name), ni.name === "n2" ? Status.error("disk lookup failed") : Status.success()) }),
      S: scorer("S", { n1: 1, n2: 1, n3: 1 }),
    },
    nodeInfos([makeNode("n1"), makeNode("n2"), makeNode("n3")]),
  );
  const r = fw.schedulePod(new CycleState(), makePod("p"), snapshot);
  assert.is(r.result, undefined);
  assert.is(r.fitError, undefined);
  assert.is(r.error?.code, "Error");
  assert.is(r.error!.message(), 'running "E" filter plugin: disk lookup failed');
  assert.equal(visited, ["n1", "n2"], "the search stops at the error");
});

test.run();
