// SchedulingGates [k/k pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go]: a pod
// with spec.schedulingGates stays out of the active queue (PreEnqueue) until every gate is
// removed — the hook for quota managers and the like to hold pods back.

import type { Pod, PluginFactory, PreEnqueuePlugin } from "../framework/interface";
import { Status } from "../framework/status";

export const SchedulingGatesName = "SchedulingGates";

export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = SchedulingGatesName;

  preEnqueue(pod: Pod): Status {
    const gates: { name: string }[] = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return Status.success();
    // Go prints the []string with %v: [a b]
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(" ")}]`);
  }
}

export const newSchedulingGates: PluginFactory = () => new SchedulingGates();
