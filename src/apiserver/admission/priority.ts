// Priority admission [k/k plugin/pkg/admission/priority/admission.go]: a pod's
// spec.priorityClassName becomes the integer spec.priority (and spec.preemptionPolicy) the
// scheduler sorts and preempts by. No class named: the globalDefault class (the lowest if
// several), else priority 0. Also guards PriorityClasses themselves: one globalDefault only.

import { Errors } from "../registry/errors";
import type { KubeObject } from "../registry/object";
import type { AdmissionPlugin } from "./plugins";

/** No globalDefault class: pods get this (DefaultPriorityWhenNoDefaultClassExists). */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS = 0;

/** The two classes every cluster has [k/k pkg/apis/scheduling/types.go SystemPriorityClasses]. */
export const SYSTEM_PRIORITY_CLASSES: KubeObject[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical" },
    value: 2000001000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-cluster-critical" },
    value: 2000000000,
    description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
];

function defaultClass(classes: KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const pc of classes) if (pc.globalDefault === true && (!best || (best.value ?? 0) > (pc.value ?? 0))) best = pc;
  return best;
}

export const Priority: AdmissionPlugin = {
  name: "Priority",
  mutate(a, lookups) {
    if (a.info.kind === "PriorityClass") return;
    if (a.info.kind !== "Pod" || a.subresource || !a.object) return;
    const spec = a.object.spec ?? (a.object.spec = {});
    if (a.operation === "UPDATE") {
      // Set on create, never changed after: updates keep the stored values.
      const old = a.oldObject?.spec ?? {};
      if (old.priority === undefined) delete spec.priority;
      else spec.priority = old.priority;
      if (old.preemptionPolicy === undefined) delete spec.preemptionPolicy;
      else spec.preemptionPolicy = old.preemptionPolicy;
      return;
    }
    if (a.operation !== "CREATE") return;
    const classes = lookups.priorityClasses();
    let priority: number;
    let policy: string | undefined;
    if (!spec.priorityClassName) {
      const pc = defaultClass(classes);
      if (pc) spec.priorityClassName = pc.metadata.name;
      priority = pc ? pc.value ?? 0 : DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS;
      policy = pc?.preemptionPolicy;
    } else {
      const pc = classes.find((c) => c.metadata.name === spec.priorityClassName);
      if (!pc) throw Errors.forbidden(a.info, a.object.metadata.name ?? "", `no PriorityClass with name ${spec.priorityClassName} was found`);
      priority = pc.value ?? 0;
      policy = pc.preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority)
      throw Errors.forbidden(
        a.info,
        a.object.metadata.name ?? "",
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      );
    spec.priority = priority;
    if (policy !== undefined) {
      if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy)
        throw Errors.forbidden(
          a.info,
          a.object.metadata.name ?? "",
          `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        );
      spec.preemptionPolicy = policy;
    }
  },
  validate(a, lookups) {
    // Only one class may be the global default [admission.go validatePriorityClass].
    if (a.info.kind !== "PriorityClass" || !a.object || a.object.globalDefault !== true) return;
    if (a.operation !== "CREATE" && a.operation !== "UPDATE") return;
    const other = lookups.priorityClasses().find((c) => c.globalDefault === true && c.metadata.name !== a.object!.metadata.name);
    if (other) throw Errors.forbidden(a.info, a.object.metadata.name ?? "", `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`);
  },
};
