// Cluster: everything built so far, assembled for a notebook (and for `kubelab serve`): a
// simulation, etcd (simulated, or a real etcd's client), the API server, and an admin client.
// The notebook helpers (apply, get, delete) run virtual time until the answer is there, so a
// cell reads like a kubectl session.
//
// Until the controller manager (chapter 04) exists, the Cluster stands in for one controller:
// the ServiceAccount controller, which gives every namespace its "default" ServiceAccount (the
// ServiceAccount admission plugin refuses pods whose account does not exist).

import { parseAllDocuments } from "yaml";
import { Duration, Simulation } from "../sim/index";
import { EtcdCluster } from "../etcd/server/etcd-cluster";
import { EtcdClient } from "../etcd/client/client";
import { ApiServer } from "../apiserver/server/apiserver";
import type { KvStore } from "../apiserver/storage/kv";
import type { KubeObject, KubeList } from "../apiserver/registry/object";
import { KubeApiError, KubeCallback, KubeClient, resolveResource } from "../client/kube-client";
import type { DeleteOptions, ListOptions, PatchType } from "../client/kube-client";

export interface ClusterOptions {
  seed?: number | string;
  /** Members of the simulated etcd (default 3). */
  etcdMembers?: number;
  /**
   * "simulated" (default), or a real etcd's client (src/etcd/real's RealEtcdClient), or a
   * function making one from the simulation (so it can inject its callbacks through a LiveBridge
   * on that simulation). With a real etcd, answers take real time: the constructor does not wait
   * for readiness (use onReady) and the synchronous helpers are for the simulated store only.
   */
  store?: "simulated" | KvStore | ((sim: Simulation) => KvStore);
  /** Keep trace rows (default true). */
  trace?: boolean;
  /** The admin's bearer token (default: one drawn from the seeded generator). */
  adminToken?: string;
}

export class Cluster {
  readonly sim: Simulation;
  readonly etcd: EtcdCluster | undefined;
  readonly etcdClient: KvStore;
  readonly apiserver: ApiServer;
  readonly adminToken: string;
  /** kubernetes-admin, group system:masters. */
  readonly admin: KubeClient;
  private clients = 0;

  constructor(options: ClusterOptions = {}) {
    this.sim = new Simulation({ seed: options.seed ?? 1, trace: options.trace ?? true });
    const store = options.store ?? "simulated";
    if (store === "simulated") {
      this.etcd = new EtcdCluster(this.sim, { members: options.etcdMembers ?? 3 });
      this.etcdClient = new EtcdClient(this.sim, { name: "apiserver-etcd", endpoints: this.etcd.members });
      this.etcd.raft.runUntilLeader("10s");
    } else {
      this.etcd = undefined;
      this.etcdClient = typeof store === "function" ? store(this.sim) : store;
    }
    this.adminToken = options.adminToken ?? tokenFrom(this.sim.rng.fork("admin-token").bytes(24));
    this.apiserver = new ApiServer(this.sim, {
      etcd: this.etcdClient,
      tokens: [{ token: this.adminToken, user: "kubernetes-admin", uid: "kubernetes-admin", groups: ["system:masters"] }],
    });
    this.admin = new KubeClient(this.sim, { name: "kubernetes-admin", token: this.adminToken });
    this.apiserver.onReady(() => this.startServiceAccountStandIn());
    if (store !== "simulated") return; // real time: see onReady
    if (!this.sim.runUntil(() => this.apiserver.ready, "60s")) throw new Error("cluster: the API server did not become ready within 60s of virtual time");
    this.wait<unknown>((cb) => this.ensureDefaultServiceAccounts(cb));
  }

  /** Calls fn once the API server is ready and every namespace has its default ServiceAccount. */
  onReady(fn: () => void): void {
    this.apiserver.onReady(() => this.ensureDefaultServiceAccounts(() => fn()));
  }

  /** A new client with its own endpoint (for a component, or a user with another token). */
  client(name: string, token: string): KubeClient {
    return new KubeClient(this.sim, { name: name || `client-${++this.clients}`, token });
  }

  /** Runs virtual time forward. */
  runFor(d: Duration): this {
    this.sim.runFor(d);
    return this;
  }

  // ---- notebook helpers (synchronous: they run virtual time until the answer) ----

  /** kubectl apply, simply: create each document, or update it if it exists. Returns the stored objects. */
  apply(yamlText: string): KubeObject[] {
    const docs = parseAllDocuments(yamlText);
    const out: KubeObject[] = [];
    for (const doc of docs) {
      if (doc.errors.length) throw new Error(`apply: the YAML does not parse: ${doc.errors[0].message}`);
      const obj = doc.toJS() as KubeObject | null;
      if (obj === null || obj === undefined) continue;
      if (typeof obj !== "object" || Array.isArray(obj)) throw new Error("apply: each YAML document must be an object (a Kubernetes manifest)");
      const info = resolveResource({ apiVersion: obj.apiVersion, kind: obj.kind });
      obj.metadata = obj.metadata ?? {};
      if (info.namespaced && !obj.metadata.namespace) obj.metadata.namespace = "default";
      try {
        out.push(this.wait<KubeObject>((cb) => this.admin.create(obj, cb)));
        // A pod right after its namespace would race the ServiceAccount controller (as on a real
        // cluster); a notebook should not see that race, so wait for the default account.
        if (obj.kind === "Namespace") this.waitForDefaultServiceAccount(obj.metadata.name!);
      } catch (e) {
        if (!(e instanceof KubeApiError) || e.reason !== "AlreadyExists") throw e;
        const cur = this.wait<KubeObject>((cb) => this.admin.get(info, obj.metadata.name!, obj.metadata.namespace, cb));
        const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } };
        if (cur.status !== undefined && next.status === undefined) next.status = cur.status;
        out.push(this.wait<KubeObject>((cb) => this.admin.update(next, cb)));
      }
    }
    return out;
  }

  /** One object, or the list when name is omitted (namespace undefined with no name: all namespaces). */
  get(kindOrResource: string, name?: string, namespace: string | undefined = "default", options: ListOptions = {}): KubeObject | KubeList {
    const info = resolveResource(kindOrResource);
    if (name) return this.wait<KubeObject>((cb) => this.admin.get(info, name, info.namespaced ? namespace : undefined, cb));
    return this.wait<KubeList>((cb) => this.admin.list(info, info.namespaced ? namespace : undefined, options, cb));
  }

  delete(kindOrResource: string, name: string, namespace = "default", options: DeleteOptions = {}): KubeObject {
    const info = resolveResource(kindOrResource);
    return this.wait<KubeObject>((cb) => this.admin.delete(info, name, info.namespaced ? namespace : undefined, options, cb));
  }

  patch(kindOrResource: string, name: string, patch: unknown, type: PatchType = "strategic", namespace = "default"): KubeObject {
    const info = resolveResource(kindOrResource);
    return this.wait<KubeObject>((cb) => this.admin.patch(info, name, info.namespaced ? namespace : undefined, type, patch, cb));
  }

  /** A bearer token for a ServiceAccount (its user is system:serviceaccount:<ns>:<name>). */
  serviceAccountToken(namespace: string, name: string): string {
    return this.apiserver.mintServiceAccountToken(namespace, name);
  }

  /** Runs virtual time until a callback API answers; throws its error (a KubeApiError). */
  wait<T>(start: (cb: KubeCallback<T>) => void, limit: Duration = "60s"): T {
    let done = false;
    let err: unknown;
    let result: T | undefined;
    start((e, r) => {
      done = true;
      err = e;
      result = r;
    });
    if (!this.sim.runUntil(() => done, limit)) throw new Error(`cluster: no answer within ${String(limit)} of virtual time`);
    if (err) throw err;
    return result as T;
  }

  private waitForDefaultServiceAccount(namespace: string): void {
    const found = () => {
      let ok: boolean | undefined;
      this.admin.get("serviceaccounts", "default", namespace, (err) => (ok = !err));
      this.sim.runUntil(() => ok !== undefined, "10s");
      return ok === true;
    };
    for (let i = 0; i < 100 && !found(); i++) this.sim.runFor("10ms");
  }

  // ---- the ServiceAccount controller's stand-in ----

  private startServiceAccountStandIn(): void {
    const ensure = (ns: string) =>
      this.admin.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } }, () => {});
    this.admin.watch("namespaces", undefined, { resourceVersion: "0" }, (ev) => {
      if (ev.type === "ADDED" && !ev.object.metadata.deletionTimestamp) ensure(ev.object.metadata.name!);
    });
  }

  private ensureDefaultServiceAccounts(cb: KubeCallback<unknown>): void {
    // Wait until every namespace has its default account.
    const check = () =>
      this.admin.list("namespaces", undefined, {}, (err, nss) => {
        if (err || !nss) return cb(err);
        this.admin.list("serviceaccounts", undefined, {}, (err2, sas) => {
          if (err2 || !sas) return cb(err2);
          const have = new Set(sas.items.filter((s) => s.metadata.name === "default").map((s) => s.metadata.namespace));
          if (nss.items.every((n) => have.has(n.metadata.name))) return cb(undefined, true);
          this.sim.after(50, check, "cluster sa check");
        });
      });
    check();
  }
}

function tokenFrom(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
