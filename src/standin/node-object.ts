// What a kubelet registers and reports: a real-shaped Node and its status.
// [k/k pkg/kubelet/kubelet_node_status.go initialNode, pkg/kubelet/nodestatus/setters.go]

import type { KubeObject } from "../apiserver/registry/object";

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
  "ephemeral-storage": string;
}

export const DEFAULT_CAPACITY: NodeCapacity = { cpu: "4", memory: "16Gi", pods: "110", "ephemeral-storage": "100Gi" };

export interface NodeShape {
  name: string;
  /** 0-based index: the node's podCIDR is 10.244.<index>.0/24 and its InternalIP 172.18.0.<index+2>. */
  index: number;
  zone?: string;
  region?: string;
  instanceType?: string;
  capacity?: Partial<NodeCapacity>;
  labels?: Record<string, string>;
}

export function podCIDR(index: number): string {
  return `10.244.${index}.0/24`;
}

export function internalIP(index: number): string {
  return `172.18.0.${index + 2}`;
}

/** The Node a kubelet POSTs when it registers (well-known labels set by the kubelet itself). */
export function initialNode(shape: NodeShape): KubeObject {
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": shape.name,
    "kubernetes.io/os": "linux",
  };
  if (shape.instanceType) labels["node.kubernetes.io/instance-type"] = shape.instanceType;
  if (shape.region) labels["topology.kubernetes.io/region"] = shape.region;
  if (shape.zone) labels["topology.kubernetes.io/zone"] = shape.zone;
  Object.assign(labels, shape.labels ?? {});
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: shape.name,
      labels,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    // In a real cluster the node-ipam controller assigns the podCIDR; the stand-in brings its own.
    spec: { podCIDR: podCIDR(shape.index), podCIDRs: [podCIDR(shape.index)] },
  };
}

export type ConditionStatus = "True" | "False" | "Unknown";

export interface NodeCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

/** The kubelet's view of itself: ready or not (why), and no pressure. */
export interface KubeletHealth {
  ready: boolean;
  notReadyMessage?: string;
}

/** The conditions the kubelet's setters produce, in the kubelet's order. */
function conditionsFor(health: KubeletHealth): Omit<NodeCondition, "lastHeartbeatTime" | "lastTransitionTime">[] {
  return [
    { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
    health.ready
      ? { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }
      : { type: "Ready", status: "False", reason: "KubeletNotReady", message: health.notReadyMessage ?? "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized" },
  ];
}

/**
 * The node status the kubelet posts. Every post moves lastHeartbeatTime; lastTransitionTime
 * moves only when a condition's status changes (compared with the previous status).
 */
export function nodeStatus(shape: NodeShape, health: KubeletHealth, now: string, previous: NodeCondition[] | undefined): Record<string, unknown> {
  const cap = { ...DEFAULT_CAPACITY, ...(shape.capacity ?? {}) };
  const conditions: NodeCondition[] = conditionsFor(health).map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    const transition = prev && prev.status === c.status ? prev.lastTransitionTime : now;
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: transition };
  });
  return {
    capacity: { ...cap },
    allocatable: { ...cap },
    conditions,
    addresses: [
      { type: "InternalIP", address: internalIP(shape.index) },
      { type: "Hostname", address: shape.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: "6.8.0-kubelab",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      containerRuntimeVersion: "containerd://1.7.24",
      kubeletVersion: "v1.32.2",
      kubeProxyVersion: "v1.32.2",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/** The condition statuses, for "did anything change?" (heartbeat times excluded). */
export function conditionSignature(conds: readonly { type: string; status: string; reason?: string }[] | undefined): string {
  return (conds ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ""}`).join(",");
}
