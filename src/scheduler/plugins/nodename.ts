// NodeName [k/k pkg/scheduler/framework/plugins/nodename/node_name.go]: a pod that already names
// its node (spec.nodeName) fits only there. Removing pods cannot change that: Unresolvable.

import type { CycleState, FilterPlugin, Pod, PluginFactory } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";

export const NodeNameName = "NodeName";
export const ErrReasonNodeName = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = NodeNameName;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (!nodeInfo.node) return Status.error("node not found");
    const want = pod.spec?.nodeName;
    if (!want || want === nodeInfo.node.metadata.name) return Status.success();
    return Status.unresolvable(ErrReasonNodeName);
  }
}

export const newNodeName: PluginFactory = () => new NodeName();
