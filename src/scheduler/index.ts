// The scheduler chapter's public surface.
export * from "./framework/interface";
export * from "./framework/status";
export * from "./framework/node-info";
export * from "./framework/runtime";
export * from "./framework/fit-error";
export * from "./framework/cluster-event";
export * from "./explain";
export * from "./cache/cache";
export * from "./cache/snapshot";
export * from "./queue/scheduling-queue";
export * from "./scheduler";
export { PrioritySort, newPrioritySort, podPriority, PRIORITY_SORT } from "./plugins/queuesort";
export { DefaultBinder, newDefaultBinder, DEFAULT_BINDER } from "./plugins/defaultbinder";
export { DefaultPreemption, newDefaultPreemption, DEFAULT_PREEMPTION, moreImportantPod } from "./plugins/defaultpreemption";
export { inTreeRegistry, defaultProfile, defaultPluginConfig } from "./plugins/registry";
