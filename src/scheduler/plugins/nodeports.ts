// NodePorts [k/k pkg/scheduler/framework/plugins/nodeports/node_ports.go]: two pods cannot bind
// the same hostPort/protocol on a node when either listens on 0.0.0.0 or both on the same IP
// [framework.HostPortInfo.CheckConflict]. Removing a pod that holds the port helps, so the
// verdict is Unschedulable (preemption may try).

import type { CycleState, FilterPlugin, Pod, PluginFactory, PreFilterPlugin, PreFilterResult } from "../framework/interface";
import { podHostPorts, type HostPort, type NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";

export const NodePortsName = "NodePorts";
export const ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";
const STATE_KEY = "PreFilter" + NodePortsName;

/** Would `want` conflict with a port already used on the node? */
export function portsConflict(used: HostPort[], want: HostPort): boolean {
  for (let i = 0; i < used.length; i++) {
    const u = used[i];
    if (u.port !== want.port || u.protocol !== want.protocol) continue;
    if (want.ip === "0.0.0.0" || u.ip === "0.0.0.0" || u.ip === want.ip) return true;
  }
  return false;
}

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NodePortsName;

  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    const ports = podHostPorts(pod);
    if (ports.length === 0) return { status: Status.skip() };
    state.write(STATE_KEY, ports);
    return { status: Status.success() };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const want = state.read<HostPort[]>(STATE_KEY) ?? podHostPorts(pod);
    for (const p of want) if (portsConflict(nodeInfo.usedPorts, p)) return Status.unschedulable(ErrReasonNodePorts);
    return Status.success();
  }
}

export const newNodePorts: PluginFactory = () => new NodePorts();
