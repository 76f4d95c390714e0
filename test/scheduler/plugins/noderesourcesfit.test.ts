// NodeResourcesFit: Filter reasons and the three scoring strategies, with cases taken from
// k/k pkg/scheduler/framework/plugins/noderesources/{fit_test.go, least_allocated_test.go,
// most_allocated_test.go, requested_to_capacity_ratio_test.go}.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newNodeResourcesFit, NodeResourcesFit, brokenLinearFunction } from "../../../src/scheduler/plugins/noderesourcesfit";
import { fakeHandle, makeNode, makePod, nodeInfos, runFilter, runScore, verdicts } from "./helpers";

// fit_test.go TestEnoughRequests: node allocatable {cpu 10m, memory 20, pods 32, example.com/aaa 5,
// ephemeral-storage 20, hugepages-2Mi 5}; one existing pod with the given requests.
const fitNode = () => makeNode("machine1", { alloc: { cpu: "10m", memory: "20", pods: "32", "example.com/aaa": "5", "ephemeral-storage": "20", "hugepages-2Mi": "5" } });
const r = (cpu: number, mem: number, extra: Record<string, string> = {}) => ({ cpu: `${cpu}m`, memory: String(mem), ...extra });

const filterCases: { name: string; existing: any; pod: any; want: string }[] = [
  { name: "no resources requested always fits", existing: { reqs: [r(10, 20)] }, pod: {}, want: "Success" },
  { name: "too many resources fails", existing: { reqs: [r(10, 20)] }, pod: { reqs: [r(1, 1)] }, want: "Unschedulable: Insufficient cpu, Insufficient memory" },
  { name: "too many resources fails due to init container cpu", existing: { reqs: [r(8, 19)] }, pod: { reqs: [r(1, 1)], init: [r(3, 1)] }, want: "Unschedulable: Insufficient cpu" },
  { name: "too many resources fails due to highest init container cpu", existing: { reqs: [r(8, 19)] }, pod: { reqs: [r(1, 1)], init: [r(3, 1), r(2, 1)] }, want: "Unschedulable: Insufficient cpu" },
  { name: "init container fits because it's the max, not sum, of containers and init containers", existing: { reqs: [r(9, 19)] }, pod: { reqs: [r(1, 1)], init: [r(1, 1), r(1, 1)] }, want: "Success" },
  { name: "both resources fit", existing: { reqs: [r(5, 5)] }, pod: { reqs: [r(1, 1)] }, want: "Success" },
  { name: "one resource memory fits", existing: { reqs: [r(5, 19)] }, pod: { reqs: [r(2, 1)] }, want: "Success" },
  { name: "one resource cpu fits", existing: { reqs: [r(5, 19)] }, pod: { reqs: [r(1, 2)] }, want: "Unschedulable: Insufficient memory" },
  { name: "equal edge case", existing: { reqs: [r(5, 19)] }, pod: { reqs: [r(5, 1)] }, want: "Success" },
  { name: "requests + overhead does not fit for memory", existing: { reqs: [r(5, 5)] }, pod: { reqs: [r(1, 1)], overhead: { cpu: "1m", memory: "15" } }, want: "Unschedulable: Insufficient memory" },
  { name: "extended resource fits", existing: { reqs: [r(0, 0)] }, pod: { reqs: [r(1, 1, { "example.com/aaa": "1" })] }, want: "Success" },
  { name: "extended resource allocatable enforced", existing: { reqs: [r(0, 0, { "example.com/aaa": "5" })] }, pod: { reqs: [r(1, 1, { "example.com/aaa": "1" })] }, want: "Unschedulable: Insufficient example.com/aaa" },
  { name: "extended resource unknown to the node", existing: { reqs: [r(0, 0)] }, pod: { reqs: [r(1, 1, { "example.com/bbb": "1" })] }, want: "Unschedulable: Insufficient example.com/bbb" },
  { name: "hugepages enforced", existing: { reqs: [r(0, 0, { "hugepages-2Mi": "3" })] }, pod: { reqs: [r(1, 1, { "hugepages-2Mi": "3" })] }, want: "Unschedulable: Insufficient hugepages-2Mi" },
  { name: "ephemeral storage enforced", existing: { reqs: [r(2, 2, { "ephemeral-storage": "5" })] }, pod: { reqs: [r(2, 2, { "ephemeral-storage": "20" })] }, want: "Unschedulable: Insufficient ephemeral-storage" },
  // A malformed quantity parses as 0 (the API server would have refused the pod): the pod asks for nothing of it.
  { name: "malformed quantity counts as 0", existing: { reqs: [r(10, 20)] }, pod: { reqs: [{ cpu: "lots", memory: "1Gb" }] }, want: "Success" },
];

test("Filter: TestEnoughRequests cases (fit_test.go)", () => {
  for (const c of filterCases) {
    const infos = nodeInfos([fitNode()], [{ pod: makePod("existing", c.existing), node: "machine1" }]);
    const plugin = newNodeResourcesFit(undefined, fakeHandle(infos));
    assert.is(verdicts(runFilter(plugin, makePod("p", c.pod), infos)).machine1, c.want, c.name);
  }
});

test("Filter: 'Too many pods' even for a pod without requests (fit_test.go TestNotEnoughRequests)", () => {
  const node = makeNode("machine1", { alloc: { cpu: "10m", memory: "20", pods: "1" } });
  const infos = nodeInfos([node], [{ pod: makePod("existing", { reqs: [r(10, 20)] }), node: "machine1" }]);
  const plugin = newNodeResourcesFit(undefined, fakeHandle(infos));
  assert.is(verdicts(runFilter(plugin, makePod("p"), infos)).machine1, "Unschedulable: Too many pods");
  assert.is(verdicts(runFilter(plugin, makePod("p", { reqs: [r(1, 1)] }), infos)).machine1, "Unschedulable: Too many pods, Insufficient cpu, Insufficient memory");
});

test("Filter: ignoredResources / ignoredResourceGroups skip extended resources (fit_test.go)", () => {
  const infos = nodeInfos([fitNode()], [{ pod: makePod("existing", { reqs: [r(0, 0)] }), node: "machine1" }]);
  const pod = makePod("p", { reqs: [r(1, 1, { "example.com/bbb": "1" })] });
  assert.is(verdicts(runFilter(newNodeResourcesFit({ ignoredResources: ["example.com/bbb"] }, fakeHandle(infos)), pod, infos)).machine1, "Success");
  assert.is(verdicts(runFilter(newNodeResourcesFit({ ignoredResourceGroups: ["example.com"] }, fakeHandle(infos)), pod, infos)).machine1, "Success");
});

// least_allocated_test.go TestLeastAllocatedScoringStrategy: capacities in whole CPUs as written.
const two = (a: string, b: string) => [makeNode("node1", { alloc: { cpu: a, memory: b } }), makeNode("node2", { alloc: { cpu: a, memory: b } })];
const cpuAndMemory = () => ({ reqs: [{ cpu: "1000", memory: "2000" }, { cpu: "2000", memory: "3000" }] });

function score(args: any, nodes: any[], existing: { pod: any; node: string }[], pod: any) {
  const infos = nodeInfos(nodes, existing.map((e, i) => ({ pod: makePod(`e${i}`, e.pod), node: e.node })));
  return runScore(newNodeResourcesFit(args, fakeHandle(infos)), makePod("p", pod), infos);
}

test("LeastAllocated (least_allocated_test.go)", () => {
  const least = { scoringStrategy: { type: "LeastAllocated", resources: [{ name: "cpu", weight: 1 }, { name: "memory", weight: 1 }] } };
  const sized = [makeNode("node1", { alloc: { cpu: "4000", memory: "10000" } }), makeNode("node2", { alloc: { cpu: "6000", memory: "10000" } })];
  assert.equal(score(least, sized, [], cpuAndMemory()), { node1: 37, node2: 50 }, "nothing scheduled, differently sized nodes");
  const ex = [{ pod: { reqs: [{ cpu: "3000", memory: "0" }] }, node: "node1" }, { pod: { reqs: [{ cpu: "3000", memory: "5000" }] }, node: "node2" }];
  assert.equal(score(least, two("10000", "20000"), ex, cpuAndMemory()), { node1: 57, node2: 45 }, "pods scheduled with resources");
  assert.equal(score(least, two("4000", "10000"), ex, { reqs: [{ cpu: "3000", memory: "0" }] }), { node1: 50, node2: 25 }, "requested resources exceed node capacity");
  const weighted = { scoringStrategy: { type: "LeastAllocated", resources: [{ name: "memory", weight: 2 }, { name: "cpu", weight: 1 }] } };
  assert.equal(score(weighted, sized, [], cpuAndMemory()), { node1: 41, node2: 50 }, "different weights on CPU and memory");
  const empty = [0, 1].flatMap(() => [{ pod: {}, node: "node1" }, { pod: {}, node: "node2" }]);
  assert.equal(score(least, two("4000", "10000"), empty, {}), { node1: 100, node2: 100 }, "no containers anywhere: nothing requested");
  // Default args behave as LeastAllocated cpu:1 memory:1.
  assert.equal(score(undefined, sized, [], cpuAndMemory()), { node1: 37, node2: 50 }, "defaults");
});

test("non-zero defaults: a container without requests counts 100m / 200Mi when scoring", () => {
  // node 1000m / 1000Mi: 100m → (1000−100)·100/1000 = 90; 200Mi → 80; (90+80)/2 = 85.
  const node = [makeNode("n", { alloc: { cpu: "1", memory: "1000Mi" } })];
  assert.equal(score(undefined, node, [], { reqs: [undefined] }), { n: 85 });
  // An explicit 0 stays 0.
  assert.equal(score(undefined, node, [], { reqs: [{ cpu: "0", memory: "0" }] }), { n: 100 });
});

test("MostAllocated (most_allocated_test.go TestMostAllocatedScoringStrategy)", () => {
  const most = { scoringStrategy: { type: "MostAllocated", resources: [{ name: "cpu", weight: 1 }, { name: "memory", weight: 1 }] } };
  const sized = [makeNode("node1", { alloc: { cpu: "4000", memory: "10000" } }), makeNode("node2", { alloc: { cpu: "6000", memory: "10000" } })];
  // node1: cpu 3000/4000 = 75, mem 5000/10000 = 50 → 62; node2: 50, 50 → 50.
  assert.equal(score(most, sized, [], cpuAndMemory()), { node1: 62, node2: 50 });
  const ex = [{ pod: { reqs: [{ cpu: "3000", memory: "0" }] }, node: "node1" }, { pod: { reqs: [{ cpu: "3000", memory: "5000" }] }, node: "node2" }];
  // node1: 6000/10000=60, 5000/20000=25 → 42; node2: 60, 10000/20000=50 → 55.
  assert.equal(score(most, two("10000", "20000"), ex, cpuAndMemory()), { node1: 42, node2: 55 });
  // Over capacity counts as full: node1 cpu 7000 > 4000 → 100, mem 5000/10000 = 50 → 75.
  assert.equal(score(most, [makeNode("node1", { alloc: { cpu: "4000", memory: "10000" } })], [], { reqs: [{ cpu: "7000", memory: "5000" }] }), { node1: 75 });
});

test("RequestedToCapacityRatio (requested_to_capacity_ratio_test.go TestRequestedToCapacityRatioScoringStrategy)", () => {
  // shape {0→10, 100→0} = least-allocated-like; {0→0, 100→10} = bin packing.
  const rtcr = (shape: any[]) => ({ scoringStrategy: { type: "RequestedToCapacityRatio", resources: [{ name: "memory", weight: 1 }, { name: "cpu", weight: 1 }], requestedToCapacityRatio: { shape } } });
  const nodes = [makeNode("node1", { alloc: { cpu: "4000", memory: "10000" } }), makeNode("node2", { alloc: { cpu: "4000", memory: "10000" } })];
  const existing = [{ pod: { reqs: [{ cpu: "2000", memory: "4000" }] }, node: "node1" }];
  // "nothing scheduled, nothing requested" → both 100 under the spreading shape
  assert.equal(score(rtcr([{ utilization: 0, score: 10 }, { utilization: 100, score: 0 }]), nodes, [], { reqs: [{ cpu: "0", memory: "0" }] }), { node1: 100, node2: 100 });
  // "nothing scheduled, resources requested, differently sized nodes" under bin packing:
  // pod 3000/4000 cpu = 75 → 75, 5000/10000 mem = 50 → 50; round((75+50)/2) = 63 (math.Round).
  assert.equal(score(rtcr([{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }]), nodes.slice(0, 1), [], cpuAndMemory()), { node1: 63 });
  // Resources scoring 0 are left out of the average: node2 empty, pod asks nothing → 0 for both.
  assert.equal(score(rtcr([{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }]), nodes, existing, { reqs: [{ cpu: "0", memory: "0" }] }), { node1: 45, node2: 0 });
});

test("brokenLinearFunction (requested_to_capacity_ratio_test.go TestBrokenLinearFunction)", () => {
  const f = brokenLinearFunction([{ utilization: 10, score: 1 }, { utilization: 90, score: 9 }]);
  const cases: [number, number][] = [[-10, 1], [0, 1], [9, 1], [10, 1], [15, 1], [19, 1], [20, 2], [89, 8], [90, 9], [99, 9], [100, 9], [110, 9]];
  for (const [p, want] of cases) assert.is(f(p), want, String(p));
  const g = brokenLinearFunction([{ utilization: 0, score: 2 }, { utilization: 40, score: 10 }, { utilization: 100, score: 0 }]);
  const cases2: [number, number][] = [[-10, 2], [0, 2], [20, 6], [30, 8], [40, 10], [70, 5], [100, 0], [110, 0]];
  for (const [p, want] of cases2) assert.is(g(p), want, `g(${p})`);
});

test("bad args are rejected with the validation messages of validation_pluginargs.go", () => {
  const h = fakeHandle([]);
  const bad: [any, string][] = [
    [{ scoringStrategy: { type: "LeastAllocated", resources: [{ name: "cpu", weight: 101 }] } }, "scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]"],
    [{ scoringStrategy: { type: "MostAllocated", resources: [{ name: "cpu", weight: -1 }] } }, "scoringStrategy.resources[0].weight: Invalid value: -1: resource weight of cpu not in valid range (0, 100]"],
    [{ scoringStrategy: { type: "Random" } }, 'scoringStrategy.type: Unsupported value: "Random": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"'],
    [{ scoringStrategy: { type: "RequestedToCapacityRatio", requestedToCapacityRatio: { shape: [] } } }, "scoringStrategy.shape: Required value: at least one point must be specified"],
    [{ scoringStrategy: { type: "RequestedToCapacityRatio", requestedToCapacityRatio: { shape: [{ utilization: 10, score: 1 }, { utilization: 10, score: 2 }] } } }, "scoringStrategy.shape[1].utilization: Invalid value: 10: values must be sorted in increasing order"],
    [
      { scoringStrategy: { type: "RequestedToCapacityRatio", requestedToCapacityRatio: { shape: [{ utilization: -1, score: 11 }] } } },
      "[scoringStrategy.shape[0].utilization: Invalid value: -1: not in valid range [0, 100], scoringStrategy.shape[0].score: Invalid value: 11: not in valid range [0, 10]]",
    ],
  ];
  for (const [args, msg] of bad) assert.throws(() => newNodeResourcesFit(args, h), (e: Error) => e.message === msg, msg);
  // Weight 0 (or missing) is defaulted to 1 before validation (v1 SetDefaults_NodeResourcesFitArgs).
  const p = newNodeResourcesFit({ scoringStrategy: { type: "MostAllocated", resources: [{ name: "cpu", weight: 0 }] } }, h) as NodeResourcesFit;
  assert.is(p.strategy, "MostAllocated");
});

test.run();
