// Stand-in nodes, as KWOK fakes them, until chapter 06 brings the kubelet: each one registers a
// real-shaped Node, heartbeats (a Lease renewed every 10 s plus a node status post when something
// changed or every 5 min), and "runs" the pods bound to it — after a short startup delay it
// reports them Running and Ready with an IP from its podCIDR, and when a pod is deleted it
// "stops" it and removes the API object (grace period 0), as the kubelet does at the end.
// Nothing runs: no containers, no probes. Faults for experiments: stop() (the kubelet dies:
// no heartbeats, pods left as they are), start() (it comes back), setReady(false) (the kubelet
// reports Ready=False, e.g. its network plugin broke).
//
// Each node is a client of the API server with its own endpoint, and learns its pods by
// list + watch with the field selector spec.nodeName=<node>, as the kubelet does.
// [k/k pkg/kubelet/kubelet_node_status.go, pkg/kubelet/nodelease, pkg/kubelet/status/status_manager.go]

import type { Simulation, Timer } from "../sim/simulation";
import { Duration, parseDuration } from "../sim/duration";
import type { Rng } from "../sim/rng";
import type { KubeObject } from "../apiserver/registry/object";
import { microTime, timestamp } from "../apiserver/registry/object";
import type { KubeApiError, KubeClient } from "../client/kube-client";
import { SharedIndexInformer } from "../client/informer";
import { listWatchFromClient } from "../client/list-watch";
import { DeletedFinalStateUnknown } from "../client/lister";
import { conditionSignature, initialNode, internalIP, NodeCapacity, NodeShape, nodeStatus, KubeletHealth } from "./node-object";
import { runningPodStatus } from "./pod-status";
import { isPodReady } from "../apiserver/registry/pod";

export const COMPONENT = "kubelet-standin";
/** Annotation a notebook sets to "false" to keep a pod's containers unready (a rollout then stalls). */
export const READY_ANNOTATION = "kubelab.dev/ready";
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

// kubelet defaults [k/k pkg/kubelet/apis/config/v1beta1/defaults.go]
const NODE_STATUS_UPDATE_FREQUENCY = 10_000;
const NODE_STATUS_REPORT_FREQUENCY = 5 * 60_000;
const NODE_LEASE_DURATION_SECONDS = 40;
/** nodeLeaseRenewIntervalFraction 0.25 × 40 s [pkg/kubelet/kubelet.go]. */
const NODE_LEASE_RENEW_INTERVAL = NODE_LEASE_DURATION_SECONDS * 1000 * 0.25;

/** Makes the client a component uses (its endpoint name must be unique on the network). */
export type ClientFactory = (name: string) => KubeClient;

export interface StandInNodeOptions extends NodeShape {
  /** Time from "bound to me" to "Running" (default 1s), plus a seeded jitter in [0, startupJitter) (default 1s). */
  startupDelay?: Duration;
  startupJitter?: Duration;
  /** Time the stand-in takes to stop a pod's containers; capped by the pod's grace period (default 1s). */
  stopDelay?: Duration;
  /** Overrides readiness per pod (undefined: the annotation decides, default ready). */
  readiness?: (pod: KubeObject) => boolean | undefined;
}


export class StandInNode {
  readonly name: string;
  readonly client: KubeClient;
  /** The last error registering or reporting (e.g. the API server refused the Node as invalid). */
  lastError: KubeApiError | undefined;
  registered = false;
  private running = false;
  /** Bumped on every start/stop: answers to requests of an older life are ignored. */
  private life = 0;
  private readonly rng: Rng;
  private health: KubeletHealth = { ready: true };
  private timers: Timer[] = [];
  private informer: SharedIndexInformer<KubeObject> | undefined;
  private lease: KubeObject | undefined;
  private lastReport = -Infinity;
  private readonly starting = new Map<string, Timer>();
  private readonly killing = new Map<string, Timer>();
  private readonly patching = new Set<string>();
  /** Pod IPs by pod UID (host-local IPAM keeps them on disk, so they survive a kubelet restart). */
  private readonly podIPs = new Map<string, string>();
  private nextIP = 2;

  constructor(private readonly sim: Simulation, clientFactory: ClientFactory, private readonly options: StandInNodeOptions) {
    this.name = options.name;
    this.client = clientFactory(`kubelet-${options.name}`);
    this.rng = sim.rng.fork(`standin/${options.name}`);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get internalIP(): string {
    return internalIP(this.options.index);
  }

  /** The kubelet starts: registers its Node (or finds it), then heartbeats and runs its pods. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const life = ++this.life;
    this.record("start", {});
    this.register(life, 0);
  }

  /** The kubelet dies: no more heartbeats or status; its pods stay as the API last saw them. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.life++;
    for (const t of this.timers) t.cancel();
    for (const t of this.starting.values()) t.cancel();
    for (const t of this.killing.values()) t.cancel();
    this.timers = [];
    this.starting.clear();
    this.killing.clear();
    this.patching.clear();
    this.informer?.stop();
    this.informer = undefined;
    this.lease = undefined;
    this.record("stop", {});
  }

  /** The kubelet reports Ready=False (true again: Ready). Posted at once, as a status change is. */
  setReady(ready: boolean, message?: string): void {
    this.health = { ready, notReadyMessage: message };
    this.record("set-ready", { ready });
    if (this.running && this.registered) this.syncNodeStatus(this.life);
  }

  // ---- registration and heartbeats ----

  private register(life: number, attempt: number): void {
    this.client.create(initialNode(this.options), (err) => {
      if (life !== this.life) return;
      if (err && err.reason !== "AlreadyExists") {
        // The kubelet retries registration forever, backing off from 100 ms to 7 s.
        this.lastError = err;
        this.record("register-failed", { reason: err.reason, message: err.message });
        const delay = Math.min(100 * 2 ** attempt, 7000);
        this.timers.push(this.sim.after(delay, () => life === this.life && this.register(life, attempt + 1), "kubelet register retry"));
        return;
      }
      this.registered = true;
      this.lastError = undefined;
      this.record("registered", { existed: !!err });
      this.syncNodeStatus(life);
      this.renewLease(life);
      this.timers.push(this.sim.every(NODE_STATUS_UPDATE_FREQUENCY, () => this.syncNodeStatus(life), "kubelet node status"));
      this.timers.push(this.sim.every(NODE_LEASE_RENEW_INTERVAL, () => this.renewLease(life), "kubelet lease renew"));
      this.runPodInformer(life);
    });
  }

  /**
   * Every 10 s the kubelet computes its status against the Node as the API server has it, and
   * posts it only if a condition changed or 5 min passed since the last post
   * [kubelet_node_status.go tryUpdateNodeStatus].
   */
  private syncNodeStatus(life: number): void {
    this.client.get("nodes", this.name, undefined, (err, node) => {
      if (life !== this.life) return;
      if (err || !node) {
        this.lastError = err;
        return;
      }
      const now = timestamp(this.sim.now);
      const status = nodeStatus(this.options, this.health, now, node.status?.conditions);
      const changed = conditionSignature(node.status?.conditions) !== conditionSignature(status.conditions as any[]);
      if (!changed && this.sim.now - this.lastReport < NODE_STATUS_REPORT_FREQUENCY) return;
      this.client.patch("nodes", this.name, undefined, "merge", { status }, (err2) => {
        if (life !== this.life) return;
        if (err2) {
          this.lastError = err2;
          return;
        }
        this.lastReport = this.sim.now;
        this.record("node-status", { ready: this.health.ready, changed });
      }, "status");
    });
  }

  /** The node lease: create it once (owned by the Node), then move renewTime every 10 s [pkg/kubelet/nodelease]. */
  private renewLease(life: number): void {
    const renewTime = microTime(this.sim.now);
    if (!this.lease) {
      this.client.get("leases", this.name, NODE_LEASE_NAMESPACE, (err, lease) => {
        if (life !== this.life) return;
        if (!err && lease) {
          this.lease = lease;
          return this.renewLease(life);
        }
        if (err && err.reason !== "NotFound") return;
        this.client.get("nodes", this.name, undefined, (errN, node) => {
          if (life !== this.life || errN || !node) return;
          const fresh: KubeObject = {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: {
              name: this.name,
              namespace: NODE_LEASE_NAMESPACE,
              ownerReferences: [{ apiVersion: "v1", kind: "Node", name: this.name, uid: node.metadata.uid! }],
            },
            spec: { holderIdentity: this.name, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime },
          };
          this.client.create(fresh, (errC, created) => {
            if (life !== this.life) return;
            if (errC || !created) return;
            this.lease = created;
            this.record("lease", { renewTime });
          });
        });
      });
      return;
    }
    const next = { ...this.lease, spec: { ...this.lease.spec, renewTime } };
    this.client.update(next, (err, updated) => {
      if (life !== this.life) return;
      // On a conflict or a lost lease, read it again at the next renewal.
      if (err || !updated) {
        this.lease = undefined;
        return;
      }
      this.lease = updated;
      this.record("lease", { renewTime });
    });
  }

  // ---- pods ----

  private runPodInformer(life: number): void {
    const inf = new SharedIndexInformer<KubeObject>(this.sim, listWatchFromClient(this.client, "pods", undefined, { fieldSelector: `spec.nodeName=${this.name}` }), {
      name: `${COMPONENT}/${this.name}/pods`,
    });
    inf.addEventHandler({
      onAdd: (pod) => this.syncPod(life, pod),
      onUpdate: (_old, pod) => this.syncPod(life, pod),
      onDelete: (obj) => this.forgetPod(obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj),
    });
    this.informer = inf;
    inf.run();
  }

  private key(pod: KubeObject): string {
    return `${pod.metadata.namespace}/${pod.metadata.name}`;
  }

  private syncPod(life: number, pod: KubeObject): void {
    if (life !== this.life) return;
    const key = this.key(pod);
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp) return this.killPod(life, pod);
    if (phase === "Succeeded" || phase === "Failed") return;
    if (phase !== "Running") {
      if (this.starting.has(key)) return;
      const delay = parseDuration(this.options.startupDelay ?? "1s") + this.rng.next() * parseDuration(this.options.startupJitter ?? "1s");
      this.record("pod-starting", { pod: key, delay: Math.round(delay) });
      this.starting.set(key, this.sim.after(delay, () => this.startPod(life, key), "kubelet start pod"));
      return;
    }
    // Running: keep the IP it has, and report readiness as it should be now.
    if (pod.status?.podIP && pod.metadata.uid) this.podIPs.set(pod.metadata.uid, pod.status.podIP);
    if (isPodReady(pod) !== this.wantsReady(pod)) this.writeRunning(life, pod, "pod-readiness");
  }

  private wantsReady(pod: KubeObject): boolean {
    const hook = this.options.readiness?.(pod);
    if (hook !== undefined) return hook;
    return pod.metadata.annotations?.[READY_ANNOTATION] !== "false";
  }

  private startPod(life: number, key: string): void {
    this.starting.delete(key);
    if (life !== this.life || !this.informer) return;
    const [ns, name] = key.split("/");
    const pod = this.informer.lister().namespace(ns).get(name);
    if (!pod || pod.metadata.deletionTimestamp || pod.status?.phase === "Running") return;
    this.writeRunning(life, pod, "pod-running");
  }

  private writeRunning(life: number, pod: KubeObject, kind: string): void {
    const key = this.key(pod);
    if (this.patching.has(key)) return;
    const uid = pod.metadata.uid ?? key;
    const podIP = this.podIPs.get(uid) ?? this.allocateIP(uid);
    const now = timestamp(this.sim.now);
    const containerIDs: Record<string, string> = {};
    for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) if (s.containerID) containerIDs[s.name] = s.containerID;
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) containerIDs[c.name] ??= `containerd://${hex(this.rng.bytes(32))}`;
    const ready = this.wantsReady(pod);
    const status = runningPodStatus(pod, { now, startTime: pod.status?.startTime ?? now, hostIP: this.internalIP, podIP, ready, containerIDs });
    this.patching.add(key);
    this.client.patch("pods", pod.metadata.name!, pod.metadata.namespace, "merge", { status }, (err) => {
      if (life !== this.life) return;
      this.patching.delete(key);
      if (err) {
        this.record("pod-status-failed", { pod: key, reason: err.reason });
        return;
      }
      this.record(kind, { pod: key, podIP, ready });
    }, "status");
  }

  private allocateIP(uid: string): string {
    const used = new Set(this.podIPs.values());
    const base = `10.244.${this.options.index}.`;
    // host-local IPAM hands out addresses round robin from .2 to .254.
    for (let i = 0; i < 253; i++) {
      const n = this.nextIP;
      this.nextIP = n >= 254 ? 2 : n + 1;
      if (!used.has(base + n)) {
        this.podIPs.set(uid, base + n);
        return base + n;
      }
    }
    throw new Error(`${this.name}: no pod IP left in ${base}0/24`);
  }

  /**
   * A pod with a deletionTimestamp: stop its containers (the stand-in just waits min(grace,
   * stopDelay)), then delete the API object with grace 0 — the last step of every pod's life.
   */
  private killPod(life: number, pod: KubeObject): void {
    const key = this.key(pod);
    this.starting.get(key)?.cancel();
    this.starting.delete(key);
    if (this.killing.has(key)) return;
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    const delay = Math.min(grace, parseDuration(this.options.stopDelay ?? "1s"));
    this.record("pod-killing", { pod: key, grace: grace / 1000 });
    const uid = pod.metadata.uid;
    this.killing.set(key, this.sim.after(delay, () => {
      this.client.delete("pods", pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: uid ? { uid } : undefined }, (err) => {
        if (life !== this.life) return;
        if (err && err.reason !== "NotFound" && err.reason !== "Conflict") {
          // Try again at the next update of the pod (or the informer's relist).
          this.killing.delete(key);
          this.record("pod-delete-failed", { pod: key, reason: err.reason });
          return;
        }
        this.record("pod-deleted", { pod: key });
      });
    }, "kubelet kill pod"));
  }

  private forgetPod(pod: KubeObject): void {
    const key = this.key(pod);
    this.starting.get(key)?.cancel();
    this.starting.delete(key);
    this.killing.get(key)?.cancel();
    this.killing.delete(key);
    if (pod.metadata.uid) this.podIPs.delete(pod.metadata.uid);
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record(COMPONENT, kind, { node: this.name, ...fields });
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface StandInNodesOptions {
  /** How many nodes (named prefix + 1 … prefix + count). */
  count: number;
  /** Default "node-". */
  prefix?: string;
  /** Zones, dealt round robin (topology.kubernetes.io/zone); none: no zone label. */
  zones?: string[];
  region?: string;
  instanceType?: string;
  capacity?: Partial<NodeCapacity>;
  startupDelay?: Duration;
  startupJitter?: Duration;
  stopDelay?: Duration;
  readiness?: (pod: KubeObject) => boolean | undefined;
}

/** N stand-in nodes. start() brings them all up; stop(name)/start(name) are the node faults. */
export class StandInNodes {
  readonly nodes: StandInNode[] = [];

  constructor(sim: Simulation, clientFactory: ClientFactory, options: StandInNodesOptions) {
    const prefix = options.prefix ?? "node-";
    for (let i = 0; i < options.count; i++) {
      const zones = options.zones ?? [];
      this.nodes.push(
        new StandInNode(sim, clientFactory, {
          name: `${prefix}${i + 1}`,
          index: i,
          zone: zones.length ? zones[i % zones.length] : undefined,
          region: options.region,
          instanceType: options.instanceType,
          capacity: options.capacity,
          startupDelay: options.startupDelay,
          startupJitter: options.startupJitter,
          stopDelay: options.stopDelay,
          readiness: options.readiness,
        }),
      );
    }
  }

  get names(): string[] {
    return this.nodes.map((n) => n.name);
  }

  get(name: string): StandInNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no stand-in node "${name}" (have: ${this.names.join(", ")})`);
    return n;
  }

  /** Starts one node, or all of them. */
  start(name?: string): void {
    for (const n of name === undefined ? this.nodes : [this.get(name)]) n.start();
  }

  /** Stops one node's kubelet, or all of them. */
  stop(name?: string): void {
    for (const n of name === undefined ? this.nodes : [this.get(name)]) n.stop();
  }

  setReady(name: string, ready: boolean, message?: string): void {
    this.get(name).setReady(ready, message);
  }
}
