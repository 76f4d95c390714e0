// NodeResourcesBalancedAllocation, cases from k/k pkg/scheduler/framework/plugins/noderesources/
// balanced_allocation_test.go (TestNodeResourcesBalancedAllocation), v1.32 std formula.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newNodeResourcesBalancedAllocation, balancedResourceScorer } from "../../../src/scheduler/plugins/balancedallocation";
import { fakeHandle, makeNode, makePod, nodeInfos, runScore } from "./helpers";

const node = (name: string, milliCPU: number, mem: number, extra: Record<string, string> = {}) => makeNode(name, { alloc: { cpu: `${milliCPU}m`, memory: String(mem), ...extra } });
const cpuOnly = { reqs: [{ cpu: "1000m", memory: "0" }, { cpu: "2000m", memory: "0" }] };
const cpuAndMemory = { reqs: [{ cpu: "1000m", memory: "2000" }, { cpu: "2000m", memory: "3000" }] };

function run(nodes: any[], existing: [any, string][], pod: any, args?: any) {
  const infos = nodeInfos(nodes, existing.map(([p, n], i) => ({ pod: makePod(`e${i}`, p), node: n })));
  return runScore(newNodeResourcesBalancedAllocation(args, fakeHandle(infos)), makePod("p", pod), infos);
}

test("balanced_allocation_test.go table", () => {
  const existing: [any, string][] = [[cpuOnly, "node1"], [cpuAndMemory, "node2"]];
  assert.equal(run([node("node1", 4000, 10000), node("node2", 6000, 10000)], [], cpuAndMemory), { node1: 87, node2: 100 }, "nothing scheduled, differently sized nodes");
  assert.equal(run([node("node1", 10000, 20000), node("node2", 10000, 20000)], existing, cpuAndMemory), { node1: 82, node2: 95 }, "pods scheduled with resources");
  assert.equal(run([node("node1", 10000, 20000), node("node2", 10000, 50000)], existing, cpuAndMemory), { node1: 82, node2: 80 }, "differently sized nodes");
  assert.equal(run([node("node1", 6000, 10000), node("node2", 6000, 10000)], existing, cpuOnly), { node1: 50, node2: 75 }, "requested resources at node capacity");
});

test("actual requests, not scoring defaults: a best-effort pod on empty nodes scores 100 (v1.32 still scores it)", () => {
  assert.equal(run([node("node1", 4000, 10000)], [], { reqs: [undefined] }), { node1: 100 });
});

test("three resources: population standard deviation; extended resources the pod does not request are skipped", () => {
  // fractions cpu 0.5, memory 0.25, gpu 0.75 → mean 0.5, std sqrt((0+0.0625+0.0625)/3) = 0.2041 → 79
  const args = { resources: [{ name: "cpu", weight: 1 }, { name: "memory", weight: 1 }, { name: "nvidia.com/gpu", weight: 1 }] };
  const n = [node("node1", 4000, 4000, { "nvidia.com/gpu": "4" })];
  assert.equal(run(n, [], { reqs: [{ cpu: "2", memory: "1000", "nvidia.com/gpu": "3" }] }, args), { node1: 79 });
  // Without a gpu request: only cpu/memory count → |0.5 − 0.25|/2 = 0.125 → 87
  assert.equal(run(n, [], { reqs: [{ cpu: "2", memory: "1000" }] }, args), { node1: 87 });
  assert.is(balancedResourceScorer([5, 5], [10, 0]), 100, "a single usable resource: std 0");
});

test("bad args: weights must be 1, no duplicates (validation_pluginargs.go)", () => {
  assert.throws(() => newNodeResourcesBalancedAllocation({ resources: [{ name: "cpu", weight: 2 }] }, fakeHandle([])), /resources\[0\]\.weight: Invalid value: 2: must be 1/);
  assert.throws(() => newNodeResourcesBalancedAllocation({ resources: [{ name: "cpu", weight: 1 }, { name: "cpu", weight: 1 }] }, fakeHandle([])), /resources\[1\]\.name: Duplicate value: "cpu"/);
});

test.run();
