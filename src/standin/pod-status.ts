// The status a kubelet reports for a pod whose containers all started.
// [k/k pkg/kubelet/kubelet_pods.go generateAPIPodStatus, pkg/kubelet/status/generate.go]

import type { KubeObject } from "../apiserver/registry/object";

export interface RunningPodFacts {
  now: string;
  startTime: string;
  hostIP: string;
  podIP: string;
  ready: boolean;
  /** containerd://<64 hex> per container name. */
  containerIDs: Record<string, string>;
}

/** "nginx" → "docker.io/library/nginx:latest", as containerd reports the image. */
export function normalizeImage(image: string): string {
  let ref = image;
  const slash = ref.indexOf("/");
  const first = slash < 0 ? "" : ref.slice(0, slash);
  if (slash < 0) ref = `docker.io/library/${ref}`;
  else if (!first.includes(".") && !first.includes(":") && first !== "localhost") ref = `docker.io/${ref}`;
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  if (!last.includes(":") && !ref.includes("@")) ref += ":latest";
  return ref;
}

/** A stable fake digest of an image name (so imageID is the same on every node). */
export function imageDigest(image: string): string {
  let h1 = 0x811c9dc5;
  let out = "";
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < image.length; i++) h1 = Math.imul(h1 ^ image.charCodeAt(i), 0x01000193) >>> 0;
    h1 = Math.imul(h1 ^ round, 0x01000193) >>> 0;
    out += h1.toString(16).padStart(8, "0");
  }
  return out;
}

function condition(type: string, status: boolean, now: string, prev: any[] | undefined, reason?: string, message?: string) {
  const s = status ? "True" : "False";
  const old = prev?.find((c) => c.type === type);
  const c: Record<string, unknown> = { type, status: s, lastProbeTime: null, lastTransitionTime: old && old.status === s ? old.lastTransitionTime : now };
  if (!status && reason) {
    c.reason = reason;
    c.message = message;
  }
  return c;
}

/** status of a pod running on this node: phase Running, the five conditions, one status per container. */
export function runningPodStatus(pod: KubeObject, f: RunningPodFacts): Record<string, unknown> {
  const prev: any[] | undefined = pod.status?.conditions;
  const containers: any[] = pod.spec?.containers ?? [];
  const initContainers: any[] = pod.spec?.initContainers ?? [];
  const names = containers.map((c) => c.name);
  const notReady = `containers with unready status: [${names.join(" ")}]`;
  const startedAt = f.startTime;
  const status: Record<string, unknown> = {
    ...(pod.status ?? {}),
    phase: "Running",
    conditions: [
      condition("PodReadyToStartContainers", true, f.now, prev),
      condition("Initialized", true, f.now, prev),
      condition("Ready", f.ready, f.now, prev, "ContainersNotReady", notReady),
      condition("ContainersReady", f.ready, f.now, prev, "ContainersNotReady", notReady),
      condition("PodScheduled", true, f.now, prev),
    ],
    hostIP: f.hostIP,
    hostIPs: [{ ip: f.hostIP }],
    podIP: f.podIP,
    podIPs: [{ ip: f.podIP }],
    startTime: f.startTime,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      state: { running: { startedAt } },
      lastState: {},
      ready: f.ready,
      restartCount: 0,
      image: normalizeImage(c.image ?? ""),
      imageID: `${normalizeImage(c.image ?? "").replace(/:[^:/]*$/, "")}@sha256:${imageDigest(normalizeImage(c.image ?? ""))}`,
      containerID: f.containerIDs[c.name],
      started: true,
    })),
  };
  if (initContainers.length) {
    status.initContainerStatuses = initContainers.map((c) => ({
      name: c.name,
      state: { terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: startedAt, containerID: f.containerIDs[c.name] } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: normalizeImage(c.image ?? ""),
      imageID: `${normalizeImage(c.image ?? "").replace(/:[^:/]*$/, "")}@sha256:${imageDigest(normalizeImage(c.image ?? ""))}`,
      containerID: f.containerIDs[c.name],
      started: false,
    }));
  }
  return status;
}


