// Cluster events: what happened in the cluster that might make an unschedulable pod fit
// [k/k pkg/scheduler/framework/types.go ClusterEvent, plugins' EventsToRegister()].
//
// A pod that a plugin rejected waits in the unschedulable pool until an event that plugin
// registered for occurs: NodeResourcesFit cares about a pod leaving a node or a node growing,
// TaintToleration about a node's taints changing. Anything else leaves the pod parked, which is
// what keeps a cluster with thousands of pending pods from retrying all of them on every change.

import type { Plugin } from "./interface";

export type EventResource = "Node" | "AssignedPod" | "UnscheduledPod" | "Pod" | "*";

export type ActionType =
  | "Add"
  | "Delete"
  | "Update"
  | "UpdateNodeAllocatable"
  | "UpdateNodeLabel"
  | "UpdateNodeTaint"
  | "UpdateNodeCondition"
  | "UpdatePodLabel"
  | "UpdatePodScaleDown"
  | "UpdatePodTolerations"
  | "UpdatePodSchedulingGatesEliminated"
  | "All";

export interface ClusterEvent {
  resource: EventResource;
  /** One action for an incoming event; a registration lists every action it cares about. */
  actions: ActionType[];
  /** A label for the trace, e.g. "NodeAdd", "AssignedPodDelete". */
  label?: string;
}

/** A plugin that says which events may make pods it rejected schedulable [framework.EnqueueExtensions]. */
export interface EnqueueExtensions extends Plugin {
  eventsToRegister(): ClusterEvent[];
}

export function isEnqueueExtensions(p: Plugin): p is EnqueueExtensions {
  return typeof (p as Partial<EnqueueExtensions>).eventsToRegister === "function";
}

/** Well-known incoming events [framework/events.go]. */
export const NodeAdd: ClusterEvent = { resource: "Node", actions: ["Add"], label: "NodeAdd" };
export const NodeDelete: ClusterEvent = { resource: "Node", actions: ["Delete"], label: "NodeDelete" };
export const AssignedPodAdd: ClusterEvent = { resource: "AssignedPod", actions: ["Add"], label: "AssignedPodAdd" };
export const AssignedPodDelete: ClusterEvent = { resource: "AssignedPod", actions: ["Delete"], label: "AssignedPodDelete" };
export const UnschedulableTimeout: ClusterEvent = { resource: "*", actions: ["All"], label: "UnschedulableTimeout" };

const NODE_UPDATES: ActionType[] = ["UpdateNodeAllocatable", "UpdateNodeLabel", "UpdateNodeTaint", "UpdateNodeCondition"];
const POD_UPDATES: ActionType[] = ["UpdatePodLabel", "UpdatePodScaleDown", "UpdatePodTolerations", "UpdatePodSchedulingGatesEliminated"];

function resourceMatches(registered: EventResource, incoming: EventResource): boolean {
  return registered === "*" || registered === incoming || (registered === "Pod" && (incoming === "AssignedPod" || incoming === "UnscheduledPod"));
}

function actionMatches(registered: ActionType, incoming: ActionType): boolean {
  if (registered === "All" || registered === incoming) return true;
  // A registration for "Update" covers every specific update of that resource.
  return registered === "Update" && (NODE_UPDATES.includes(incoming) || POD_UPDATES.includes(incoming) || incoming === "Update");
}

/** Whether an incoming event is one the registration asked for [framework.MatchClusterEvents]. */
export function matchClusterEvent(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  if (incoming.resource === "*") return true; // the periodic flush and forced moves match everything
  if (!resourceMatches(registered.resource, incoming.resource)) return false;
  return registered.actions.some((r) => incoming.actions.some((i) => actionMatches(r, i)));
}

/**
 * What the v1.32 in-tree plugins register (their EventsToRegister, without queueing hints),
 * used for plugins that do not implement eventsToRegister themselves. A plugin missing here
 * and not saying anything is assumed to care about every event (the safe, slow choice).
 */
export const IN_TREE_EVENTS: Record<string, ClusterEvent[]> = {
  NodeUnschedulable: [{ resource: "Node", actions: ["Add", "UpdateNodeTaint"] }, { resource: "UnscheduledPod", actions: ["UpdatePodTolerations"] }],
  NodeName: [{ resource: "Node", actions: ["Add", "Update"] }],
  TaintToleration: [{ resource: "Node", actions: ["Add", "UpdateNodeTaint"] }, { resource: "UnscheduledPod", actions: ["UpdatePodTolerations"] }],
  NodeAffinity: [{ resource: "Node", actions: ["Add", "UpdateNodeLabel"] }],
  NodePorts: [{ resource: "AssignedPod", actions: ["Delete"] }, { resource: "Node", actions: ["Add", "Update"] }],
  NodeResourcesFit: [
    { resource: "AssignedPod", actions: ["Delete", "UpdatePodScaleDown"] },
    { resource: "Node", actions: ["Add", "UpdateNodeAllocatable"] },
    { resource: "UnscheduledPod", actions: ["UpdatePodScaleDown"] },
  ],
  PodTopologySpread: [{ resource: "Pod", actions: ["All"] }, { resource: "Node", actions: ["Add", "Delete", "UpdateNodeLabel", "UpdateNodeTaint"] }],
  InterPodAffinity: [{ resource: "Pod", actions: ["All"] }, { resource: "Node", actions: ["Add", "UpdateNodeLabel"] }],
  NodeResourcesBalancedAllocation: [{ resource: "AssignedPod", actions: ["Delete"] }, { resource: "Node", actions: ["Add", "UpdateNodeAllocatable"] }],
  ImageLocality: [],
  SchedulingGates: [{ resource: "UnscheduledPod", actions: ["UpdatePodSchedulingGatesEliminated"] }],
  DefaultPreemption: [],
  PrioritySort: [],
  DefaultBinder: [],
};

/** The events one plugin cares about. */
export function eventsOf(plugin: Plugin): ClusterEvent[] {
  if (isEnqueueExtensions(plugin)) return plugin.eventsToRegister();
  return IN_TREE_EVENTS[plugin.name] ?? [{ resource: "*", actions: ["All"] }];
}

/** The specific update actions between two versions of a node [eventhandlers.go nodeSchedulingPropertiesChange]. */
export function nodeUpdateActions(oldNode: any, newNode: any): ActionType[] {
  const out: ActionType[] = [];
  const j = (x: unknown) => JSON.stringify(x ?? null);
  if (j(oldNode?.status?.allocatable) !== j(newNode?.status?.allocatable)) out.push("UpdateNodeAllocatable");
  if (j(oldNode?.metadata?.labels) !== j(newNode?.metadata?.labels)) out.push("UpdateNodeLabel");
  if (j(oldNode?.spec?.taints) !== j(newNode?.spec?.taints) || !!oldNode?.spec?.unschedulable !== !!newNode?.spec?.unschedulable) out.push("UpdateNodeTaint");
  if (j(oldNode?.status?.conditions?.map((c: any) => [c.type, c.status])) !== j(newNode?.status?.conditions?.map((c: any) => [c.type, c.status]))) out.push("UpdateNodeCondition");
  return out;
}

/** The specific update actions between two versions of a pod [framework/events.go extractPodChange...]. */
export function podUpdateActions(oldPod: any, newPod: any): ActionType[] {
  const out: ActionType[] = [];
  const j = (x: unknown) => JSON.stringify(x ?? null);
  if (j(oldPod?.metadata?.labels) !== j(newPod?.metadata?.labels)) out.push("UpdatePodLabel");
  if (j(oldPod?.spec?.tolerations) !== j(newPod?.spec?.tolerations)) out.push("UpdatePodTolerations");
  if ((oldPod?.spec?.schedulingGates ?? []).length > 0 && (newPod?.spec?.schedulingGates ?? []).length === 0) out.push("UpdatePodSchedulingGatesEliminated");
  const req = (p: any) => j((p?.spec?.containers ?? []).map((c: any) => c.resources?.requests));
  if (req(oldPod) !== req(newPod)) out.push("UpdatePodScaleDown");
  return out;
}
