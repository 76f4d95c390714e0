// NodeUnschedulable [k/k pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go]:
// a cordoned node (spec.unschedulable, set by `kubectl cordon`) takes no new pods, unless the pod
// tolerates the node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).

import type { CycleState, FilterPlugin, Pod, PluginFactory } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { tolerationsTolerateTaint, type Taint } from "../util/tolerations";

export const NodeUnschedulableName = "NodeUnschedulable";
export const ErrReasonUnschedulable = "node(s) were unschedulable";
const UNSCHEDULABLE_TAINT: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NodeUnschedulableName;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (!node) return Status.error("node not found");
    if (node.spec?.unschedulable !== true) return Status.success();
    if (tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT)) return Status.success();
    return Status.unresolvable(ErrReasonUnschedulable);
  }
}

export const newNodeUnschedulable: PluginFactory = () => new NodeUnschedulable();
