// Stand-in nodes for `kubelab serve`, until chapter 04 brings nodes that do something (KWOK-like
// stand-ins) and chapter 06 the kubelet: N Node objects node-1..node-N, created through the API
// like a kubelet registers its node (POST /api/v1/nodes, then the status with a Ready condition
// via /status). Nothing keeps them alive: no heartbeats, no leases, no pods run on them.
//
// Each request enters the simulation through `run` (pass `(fn) => bridge.inject(fn)` in live
// mode); the returned promise settles when the API server has answered every request.

import type { RestRequest, RestResponder } from "../rest";

export interface StandInCluster {
  apiserver: { serve(req: RestRequest, res: RestResponder): void };
  adminToken: string;
}

type Run = (fn: () => void) => void;

function call(cluster: StandInCluster, run: Run, req: Omit<RestRequest, "headers" | "query"> & { contentType?: string }): Promise<any> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${cluster.adminToken}`, accept: "application/json" };
    if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    run(() => cluster.apiserver.serve(
      { method: req.method, path: req.path, query: {}, headers, body: req.body },
      {
        send: (status, body) => (status < 300 ? resolve(body) : reject(new Error(`${req.method} ${req.path}: ${status} ${(body as { message?: string })?.message ?? JSON.stringify(body)}`))),
        stream: () => {
          throw new Error("stand-in nodes: unexpected stream");
        },
      },
    ));
  });
}

export async function createStandInNodes(cluster: StandInCluster, n: number, run: Run = (fn) => fn()): Promise<string[]> {
  const names: string[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `node-${i}`;
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubelab.dev/stand-in": "true" },
      },
      spec: {},
    };
    const created = await call(cluster, run, { method: "POST", path: "/api/v1/nodes", body: JSON.stringify(node) });
    const since = created?.metadata?.creationTimestamp;
    const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: since, lastTransitionTime: since });
    const status = {
      status: {
        capacity: { cpu: "4", memory: "8Gi", pods: "110", "ephemeral-storage": "100Gi" },
        allocatable: { cpu: "4", memory: "8Gi", pods: "110", "ephemeral-storage": "100Gi" },
        conditions: [
          cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
          cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
          cond("Ready", "True", "KubeletReady", "kubelet is posting ready status (kubelab stand-in node)"),
        ],
        addresses: [
          { type: "InternalIP", address: `10.0.0.${10 + i}` },
          { type: "Hostname", address: name },
        ],
        nodeInfo: {
          machineID: "",
          systemUUID: "",
          bootID: "",
          kernelVersion: "6.1.0-kubelab",
          osImage: "kubelab stand-in",
          containerRuntimeVersion: "kubelab://0.1.0",
          kubeletVersion: "v1.32.0",
          kubeProxyVersion: "v1.32.0",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    };
    await call(cluster, run, { method: "PATCH", path: `/api/v1/nodes/${name}/status`, body: JSON.stringify(status), contentType: "application/merge-patch+json" });
    names.push(name);
  }
  return names;
}
