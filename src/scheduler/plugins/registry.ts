// The in-tree plugin registry and the default profile [k/k pkg/scheduler/framework/plugins/registry.go,
// pkg/scheduler/apis/config/v1/default_plugins.go, defaults.go]. A profile names plugins; the
// registry turns each name into a factory; the framework calls the factory with the plugin's
// args from pluginConfig.

import type { PluginFactory, Profile } from "../framework/interface";
import { NodeResourcesBalancedAllocationName, newNodeResourcesBalancedAllocation } from "./balancedallocation";
import { DEFAULT_BINDER, newDefaultBinder } from "./defaultbinder";
import { DEFAULT_PREEMPTION, newDefaultPreemption } from "./defaultpreemption";
import { ImageLocalityName, newImageLocality } from "./imagelocality";
import { InterPodAffinityName, newInterPodAffinity } from "./interpodaffinity";
import { NodeAffinityName, newNodeAffinity } from "./nodeaffinity";
import { NodeNameName, newNodeName } from "./nodename";
import { NodePortsName, newNodePorts } from "./nodeports";
import { NodeResourcesFitName, newNodeResourcesFit } from "./noderesourcesfit";
import { NodeUnschedulableName, newNodeUnschedulable } from "./nodeunschedulable";
import { PodTopologySpreadName, newPodTopologySpread } from "./podtopologyspread";
import { PRIORITY_SORT, newPrioritySort } from "./queuesort";
import { SchedulingGatesName, newSchedulingGates } from "./schedulinggates";
import { TaintTolerationName, newTaintToleration } from "./tainttoleration";

export const inTreeRegistry: Record<string, PluginFactory> = {
  [SchedulingGatesName]: newSchedulingGates,
  [PRIORITY_SORT]: newPrioritySort,
  [NodeUnschedulableName]: newNodeUnschedulable,
  [NodeNameName]: newNodeName,
  [TaintTolerationName]: newTaintToleration,
  [NodeAffinityName]: newNodeAffinity,
  [NodePortsName]: newNodePorts,
  [NodeResourcesFitName]: newNodeResourcesFit,
  [PodTopologySpreadName]: newPodTopologySpread,
  [InterPodAffinityName]: newInterPodAffinity,
  [DEFAULT_PREEMPTION]: newDefaultPreemption,
  [NodeResourcesBalancedAllocationName]: newNodeResourcesBalancedAllocation,
  [ImageLocalityName]: newImageLocality,
  [DEFAULT_BINDER]: newDefaultBinder,
};

/** The default scheduler name: pods without spec.schedulerName get it from the API server. */
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

/**
 * v1.32's default profile: the MultiPoint plugin list in its order (which is also the Filter
 * order: cheap, decisive checks first) with the Score weights, and every plugin's default args.
 * (Plugins without a weight here have no Score extension; a Score plugin added without one
 * would score with weight 1.)
 * Volume plugins (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone) are left out:
 * the simulation has no persistent volumes, and for pods without PVCs they are no-ops.
 */
export function defaultProfile(): Profile {
  return {
    schedulerName: DEFAULT_SCHEDULER_NAME,
    plugins: [
      { name: SchedulingGatesName },
      { name: PRIORITY_SORT },
      { name: NodeUnschedulableName },
      { name: NodeNameName },
      { name: TaintTolerationName, weight: 3 },
      { name: NodeAffinityName, weight: 2 },
      { name: NodePortsName },
      { name: NodeResourcesFitName, weight: 1 },
      { name: PodTopologySpreadName, weight: 2 },
      { name: InterPodAffinityName, weight: 2 },
      { name: DEFAULT_PREEMPTION },
      { name: NodeResourcesBalancedAllocationName, weight: 1 },
      { name: ImageLocalityName, weight: 1 },
      { name: DEFAULT_BINDER },
    ],
    pluginConfig: defaultPluginConfig(),
    percentageOfNodesToScore: 0,
  };
}

/** The defaulted args of the default plugins [v1/defaults.go SetDefaults_*Args]. */
export function defaultPluginConfig(): Record<string, Record<string, unknown>> {
  const cpuMemory = () => [
    { name: "cpu", weight: 1 },
    { name: "memory", weight: 1 },
  ];
  return {
    [DEFAULT_PREEMPTION]: { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 },
    [InterPodAffinityName]: { hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false },
    [NodeAffinityName]: {},
    [NodeResourcesBalancedAllocationName]: { resources: cpuMemory() },
    [NodeResourcesFitName]: { scoringStrategy: { type: "LeastAllocated", resources: cpuMemory() } },
    [PodTopologySpreadName]: { defaultingType: "System" },
  };
}
