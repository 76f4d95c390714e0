// The in-tree registry and v1.32's default profile [k/k pkg/scheduler/apis/config/v1/default_plugins.go].
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultProfile, inTreeRegistry } from "../../../src/scheduler/plugins/registry";
import { fakeHandle } from "./helpers";

test("default profile: order and score weights of v1.32", () => {
  const p = defaultProfile();
  assert.is(p.schedulerName, "default-scheduler");
  assert.equal(
    p.plugins.map((x) => `${x.name}${x.weight ? ":" + x.weight : ""}`),
    ["SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "TaintToleration:3", "NodeAffinity:2", "NodePorts", "NodeResourcesFit:1", "PodTopologySpread:2", "InterPodAffinity:2", "DefaultPreemption", "NodeResourcesBalancedAllocation:1", "ImageLocality:1", "DefaultBinder"],
  );
  assert.is(p.plugins.reduce((s, x) => s + (x.weight ?? 0), 0) * 100, 1200, "max total score");
});

test("every plugin of the default profile is registered and builds with the default args", () => {
  const p = defaultProfile();
  for (const { name } of p.plugins) {
    const factory = inTreeRegistry[name];
    assert.ok(factory, name);
    const plugin = factory(p.pluginConfig?.[name], fakeHandle([]));
    assert.is(plugin.name, name);
  }
});

test("defaultProfile() returns a fresh copy each time", () => {
  const a = defaultProfile();
  (a.pluginConfig!.NodeResourcesFit as any).scoringStrategy.type = "MostAllocated";
  assert.is((defaultProfile().pluginConfig!.NodeResourcesFit as any).scoringStrategy.type, "LeastAllocated");
});

test.run();
