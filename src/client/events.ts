// client-go's event recorder [tools/record/event.go, events_cache.go]: a component reports what
// it did ("Created pod: web-7d4-abcde") as a core/v1 Event about the object it acted on.
// `kubectl describe` and `kubectl get events` show them.
//
// Like client-go's EventCorrelator, an event identical to one sent recently (same object,
// reason, message, type and source) is not created again: the existing Event's count goes up
// and its lastTimestamp moves (a PATCH), so a crash-looping pod does not flood etcd.
// Recording never blocks and never fails the caller: an event that cannot be written is lost,
// as in Kubernetes.

import type { Simulation } from "../sim/simulation";
import { timestamp } from "../apiserver/registry/object";
import type { KubeClient } from "./kube-client";
import type { KubeObjectLike } from "./list-watch";

export type EventType = "Normal" | "Warning";

interface Sent {
  namespace: string;
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly sent = new Map<string, Sent>();
  private seq = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly client: KubeClient,
    /** source.component, e.g. "replicaset-controller", "default-scheduler", "kubelet". */
    readonly component: string,
    /** source.host (kubelets set their node name). */
    readonly host?: string,
  ) {}

  event(obj: KubeObjectLike & { apiVersion?: string; kind?: string }, type: EventType, reason: string, message: string): void {
    const ns = obj.metadata.namespace || "default";
    const involved = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    };
    this.sim.trace.record(this.component, "event", { type, reason, message, object: `${obj.kind}/${obj.metadata.namespace ? obj.metadata.namespace + "/" : ""}${obj.metadata.name}` });
    const now = timestamp(this.sim.now);
    const key = [this.component, this.host ?? "", involved.kind, involved.namespace ?? "", involved.name, involved.uid ?? "", reason, message, type].join("\u0000");
    const prior = this.sent.get(key);
    if (prior) {
      prior.count++;
      this.client.patch("events", prior.name, prior.namespace, "merge", { count: prior.count, lastTimestamp: now }, () => {});
      return;
    }
    // client-go names events "<object>.<unix nanoseconds in hex>"; the sequence number keeps two
    // events of the same virtual instant apart.
    const name = `${obj.metadata.name}.${(BigInt(Math.round(this.sim.now * 1000)) * 1000n + BigInt(++this.seq)).toString(16)}`;
    const ev = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: ns },
      involvedObject: involved,
      reason,
      message,
      type,
      source: this.host ? { component: this.component, host: this.host } : { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host ?? "",
    };
    this.sent.set(key, { namespace: ns, name, count: 1 });
    // Keep the cache bounded, as client-go's LRU does (4096 entries).
    if (this.sent.size > 4096) this.sent.delete(this.sent.keys().next().value as string);
    this.client.create(ev as any, () => {});
  }
}
