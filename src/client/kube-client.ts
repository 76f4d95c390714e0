// KubeClient: how every component (and a notebook) talks to the API server — an endpoint on the
// simulated network with a bearer token, speaking the REST surface (src/apiserver/rest.ts).
// Callbacks on the virtual clock, like EtcdClient; errors are Kubernetes Status objects, as
// KubeApiError. Resources are named by apiVersion + kind ("apps/v1", "Deployment") or by
// resource name ("deployments", "deploy", "deployments.apps").

import type { Simulation } from "../sim/index";
import { Duration, parseDuration } from "../sim/duration";
import type { RestRequest } from "../apiserver/rest";
import type { Status } from "../apiserver/registry/errors";
import type { KubeList, KubeObject, WatchEvent } from "../apiserver/registry/object";
import { findByKind, groupVersion, ResourceInfo, RESOURCES } from "../apiserver/registry/resources";
import type { ClientBoundMsg } from "../apiserver/server/protocol";

/** A Status error from the server (or the client's own timeout, code 504). */
export class KubeApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = "KubeApiError";
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? "";
  }
}

export type KubeCallback<T> = (err: KubeApiError | undefined, result?: T) => void;

export type PatchType = "merge" | "strategic" | "json";
const PATCH_CONTENT: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

/** A resource by apiVersion + kind, or a resource name / short name / "resource.group". */
export type ResourceRef = string | { apiVersion: string; kind: string } | ResourceInfo;

export function resolveResource(ref: ResourceRef): ResourceInfo {
  if (isInfo(ref)) return ref;
  if (typeof ref !== "string") {
    const info = findByKind(ref.apiVersion, ref.kind);
    if (!info) throw new Error(`kube-client: no resource of kind "${ref.kind}" in "${ref.apiVersion}"`);
    return info;
  }
  const s = ref.toLowerCase();
  const [name, ...groupParts] = s.split(".");
  const group = groupParts.join(".");
  const found = RESOURCES.find(
    (r) => (r.resource === name || r.singular === name || r.shortNames.includes(name) || r.kind.toLowerCase() === name) && (!group || r.group === group),
  );
  if (!found) throw new Error(`kube-client: the server doesn't have a resource type "${ref}"`);
  return found;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchHandle {
  stop(): void;
}

export interface KubeClientOptions {
  /** The client's endpoint name, e.g. "kube-scheduler". */
  name: string;
  token: string;
  /** The API server's endpoint (default "apiserver"). */
  server?: string;
  /** Deadline of one request (default 30s). Watches have none. */
  timeout?: Duration;
}

interface Pending {
  cb: (status: number, body: unknown) => void;
  timer: { cancel(): void } | undefined;
}

interface WatchState {
  onEvent: (ev: WatchEvent) => void;
  onEnd: (err?: KubeApiError) => void;
  status?: number;
  ended: boolean;
}

export class KubeClient {
  readonly name: string;
  private readonly server: string;
  private readonly timeoutMs: number;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly watches = new Map<string, WatchState>();

  constructor(private readonly sim: Simulation, private readonly options: KubeClientOptions) {
    this.name = options.name;
    this.server = options.server ?? "apiserver";
    this.timeoutMs = parseDuration(options.timeout ?? "30s");
    sim.network.register(this.name, { deliver: (env) => this.receive(env.payload as ClientBoundMsg) });
  }

  // ---- typed verbs ----

  get(ref: ResourceRef, name: string, namespace: string | undefined, cb: KubeCallback<KubeObject>): void {
    this.call("GET", this.path(ref, namespace, name), {}, undefined, cb as KubeCallback<unknown>);
  }

  list(ref: ResourceRef, namespace: string | undefined, options: ListOptions, cb: KubeCallback<KubeList>): void {
    this.call("GET", this.path(ref, namespace), toQuery(options), undefined, cb as KubeCallback<unknown>);
  }

  create(obj: KubeObject, cb: KubeCallback<KubeObject>): void {
    const info = resolveResource({ apiVersion: obj.apiVersion, kind: obj.kind });
    this.call("POST", this.path(info, obj.metadata?.namespace ?? (info.namespaced ? "default" : undefined)), {}, JSON.stringify(obj), cb as KubeCallback<unknown>);
  }

  update(obj: KubeObject, cb: KubeCallback<KubeObject>): void {
    this.put(obj, "", cb);
  }

  updateStatus(obj: KubeObject, cb: KubeCallback<KubeObject>): void {
    this.put(obj, "status", cb);
  }

  /**
   * PUT to a subresource that takes the whole object: "status", or a namespace's "finalize"
   * (`PUT /api/v1/namespaces/{name}/finalize`, which changes spec.finalizers only).
   */
  updateSubresource(obj: KubeObject, subresource: string, cb: KubeCallback<KubeObject>): void {
    this.put(obj, subresource, cb);
  }

  patch(ref: ResourceRef, name: string, namespace: string | undefined, type: PatchType, patch: unknown, cb: KubeCallback<KubeObject>, subresource = ""): void {
    this.call("PATCH", this.path(ref, namespace, name, subresource), {}, JSON.stringify(patch), cb as KubeCallback<unknown>, PATCH_CONTENT[type]);
  }

  delete(ref: ResourceRef, name: string, namespace: string | undefined, options: DeleteOptions, cb: KubeCallback<KubeObject>): void {
    this.call("DELETE", this.path(ref, namespace, name), {}, JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", ...options }), cb as KubeCallback<unknown>);
  }

  /** POST pods/<name>/binding: what the scheduler does. */
  /** POST pods/<pod>/binding. With uid, the binding applies only to that incarnation of the pod (DefaultBinder sends it). */
  bind(namespace: string, pod: string, node: string, cb: KubeCallback<Status>, uid?: string): void {
    const body = { apiVersion: "v1", kind: "Binding", metadata: uid ? { name: pod, namespace, uid } : { name: pod, namespace }, target: { apiVersion: "v1", kind: "Node", name: node } };
    this.call("POST", this.path("pods", namespace, pod, "binding"), {}, JSON.stringify(body), cb as KubeCallback<unknown>);
  }

  /**
   * POST pods/<name>/eviction: a delete the pod's PodDisruptionBudget may refuse (429
   * TooManyRequests: retry later), as `kubectl drain` does it.
   */
  evict(namespace: string, pod: string, deleteOptions: DeleteOptions, cb: KubeCallback<Status>): void {
    const body = { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace }, deleteOptions: { kind: "DeleteOptions", apiVersion: "v1", ...deleteOptions } };
    this.call("POST", this.path("pods", namespace, pod, "eviction"), {}, JSON.stringify(body), cb as KubeCallback<unknown>);
  }

  /**
   * Watches a resource. onEvent gets every event (ADDED, MODIFIED, DELETED, BOOKMARK, and ERROR
   * with a Status); onEnd is called once when the server ends the stream or refused it.
   */
  watch(ref: ResourceRef, namespace: string | undefined, options: WatchOptions, onEvent: (ev: WatchEvent) => void, onEnd: (err?: KubeApiError) => void = () => {}): WatchHandle {
    const id = `${this.name}/${++this.seq}`;
    const q = { ...toQuery(options), watch: "true" };
    const w: WatchState = { onEvent, onEnd, ended: false };
    this.watches.set(id, w);
    this.send(id, { method: "GET", path: this.path(ref, namespace), query: q, headers: this.headers() });
    return {
      stop: () => {
        if (w.ended) return;
        w.ended = true;
        this.watches.delete(id);
        this.sim.network.send(this.name, this.server, { type: "api.cancel", id }, { kind: "api.cancel" });
      },
    };
  }

  /** Any request on the REST surface (for what the typed verbs do not cover). */
  request(method: RestRequest["method"], path: string, query: Record<string, string>, body: string | undefined, cb: KubeCallback<unknown>, contentType = "application/json"): void {
    this.call(method, path, query, body, cb, contentType);
  }

  /** The URL path of a collection or an object. */
  path(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
    const info = resolveResource(ref);
    let p = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
    if (info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${info.resource}`;
    if (name) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  // ---- plumbing ----

  private put(obj: KubeObject, subresource: string, cb: KubeCallback<KubeObject>): void {
    const info = resolveResource({ apiVersion: obj.apiVersion, kind: obj.kind });
    this.call("PUT", this.path(info, obj.metadata.namespace, obj.metadata.name, subresource), {}, JSON.stringify(obj), cb as KubeCallback<unknown>);
  }

  private headers(contentType = "application/json"): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}`, "content-type": contentType, accept: "application/json" };
  }

  private call(method: RestRequest["method"], path: string, query: Record<string, string>, body: string | undefined, cb: KubeCallback<unknown>, contentType?: string): void {
    const id = `${this.name}/${++this.seq}`;
    const p: Pending = {
      cb: (status, resp) => {
        if (status >= 400) cb(new KubeApiError(asStatus(status, resp)));
        else cb(undefined, resp);
      },
      timer: this.sim.after(this.timeoutMs, () => {
        this.pending.delete(id);
        cb(new KubeApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Timeout", message: `Timeout: the request to ${path} got no answer within ${this.timeoutMs} ms`, code: 504 }));
      }, "kube-client timeout"),
    };
    this.pending.set(id, p);
    this.send(id, { method, path, query, headers: this.headers(contentType), body });
  }

  private send(id: string, request: RestRequest): void {
    this.sim.network.send(this.name, this.server, { type: "api.request", id, request }, { kind: "api.request" });
  }

  private receive(msg: ClientBoundMsg): void {
    const w = this.watches.get(msg.id);
    if (w) {
      if (msg.type === "api.response") {
        // The watch was refused before it started (401, 403, 400...).
        w.ended = true;
        this.watches.delete(msg.id);
        return w.onEnd(new KubeApiError(asStatus(msg.status, msg.body)));
      }
      if (msg.type === "api.event") return w.onEvent(msg.event as WatchEvent);
      if (msg.type === "api.end") {
        w.ended = true;
        this.watches.delete(msg.id);
        return w.onEnd();
      }
      return;
    }
    if (msg.type !== "api.response") return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    p.timer?.cancel();
    p.cb(msg.status, msg.body);
  }
}

function isInfo(ref: unknown): ref is ResourceInfo {
  return typeof ref === "object" && ref !== null && "resource" in ref && "namespaced" in ref;
}

function toQuery(o: object): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== "") q[k] = String(v);
  return q;
}

function asStatus(code: number, body: unknown): Status {
  if (body && typeof body === "object" && (body as Status).kind === "Status") return body as Status;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: typeof body === "string" ? body : `HTTP ${code}`, code };
}

export { groupVersion };
