// Cluster: everything built so far, assembled for a notebook (and for `kubelab serve`): a
// simulation, etcd (simulated, or a real etcd's client), the API server, and an admin client.
// The notebook helpers (apply, get, delete) run virtual time until the answer is there, so a
// cell reads like a kubectl session.
//
// Components join chapter by chapter, each switched on by an option, so that a chapter's cluster
// holds only what the course has built so far:
// - chapter 04: `controllers` (a kube-controller-manager, or two with leader election) and
//   `nodes` (stand-in nodes, as KWOK has them) with a stand-in binder that places pods;
// - chapter 05: `scheduler: true` (kube-scheduler) replaces the stand-in binder.
// Every component logs in with its own identity (system:kube-controller-manager,
// system:node:<name>, system:kube-scheduler) and gets only what RBAC grants it.
//
// Without a controller manager (chapters 00-03) the Cluster stands in for one controller: the
// ServiceAccount controller, which gives every namespace its "default" ServiceAccount (the
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
import { SharedInformerFactory } from "../client/informer-factory";
import { COMPONENT_IDENTITIES } from "../apiserver/server/bootstrap";
import { ControllerManager } from "../controllers/manager";
import { controllersNamed, KUBE_CONTROLLERS } from "../controllers/all";
import { StandInNodes } from "../standin/nodes";
import type { StandInNodesOptions } from "../standin/nodes";
import { StandInBinder } from "../standin/binder";
import { Scheduler } from "../scheduler/scheduler";
import type { SchedulerOptions } from "../scheduler/scheduler";

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
  /**
   * Run kube-controller-manager (chapter 04): true for every controller built, or a list of
   * --controllers names (see src/controllers/all.ts).
   */
  controllers?: boolean | string[];
  /** How many controller managers compete for the leader Lease (default 1). */
  controllerManagers?: number;
  /** Stand-in nodes (chapter 04): how many, or their options. Default none. */
  nodes?: number | StandInNodesOptions;
  /** What places pods on nodes: the stand-in binder (default when there are nodes) or none. */
  binder?: "standin" | "none";
  /**
   * Run kube-scheduler (chapter 05) instead of the stand-in binder: true, or its options
   * (profiles, explain, ...).
   */
  scheduler?: boolean | SchedulerOptions;
  /** How many kube-scheduler instances (default 1); more than one compete for the leader Lease. */
  schedulers?: number;
}

export class Cluster {
  readonly sim: Simulation;
  readonly etcd: EtcdCluster | undefined;
  readonly etcdClient: KvStore;
  readonly apiserver: ApiServer;
  readonly adminToken: string;
  /** kubernetes-admin, group system:masters. */
  readonly admin: KubeClient;
  /** kube-controller-manager instances (empty unless options.controllers). */
  readonly controllerManagers: ControllerManager[] = [];
  /** Stand-in nodes (undefined unless options.nodes). */
  readonly nodes: StandInNodes | undefined;
  readonly binder: StandInBinder | undefined;
  /** kube-scheduler (the first instance; undefined unless options.scheduler). */
  readonly scheduler: Scheduler | undefined;
  /** Every kube-scheduler instance. */
  readonly schedulers: Scheduler[] = [];
  private clients = 0;
  private observer: SharedInformerFactory | undefined;

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

    const controllers = options.controllers === true ? KUBE_CONTROLLERS : options.controllers ? controllersNamed(options.controllers) : undefined;
    if (controllers) {
      for (let i = 0; i < (options.controllerManagers ?? 1); i++) {
        const host = `control-plane-${i + 1}`;
        const client = this.componentClient(`kube-controller-manager@${host}`, COMPONENT_IDENTITIES.kubeControllerManager);
        this.controllerManagers.push(new ControllerManager(this.sim, { identity: host, client, controllers }));
      }
    }
    if (!controllers || !("serviceaccount" in controllers)) this.apiserver.onReady(() => this.startServiceAccountStandIn());
    const nodeOptions = typeof options.nodes === "number" ? { count: options.nodes } : options.nodes;
    if (nodeOptions && nodeOptions.count > 0) {
      this.nodes = new StandInNodes(this.sim, (name) => this.componentClient(name, COMPONENT_IDENTITIES.node(name.replace(/^kubelet-/, ""))), nodeOptions);
      if (!options.scheduler && (options.binder ?? "standin") === "standin") this.binder = new StandInBinder(this.sim, (name) => this.componentClient(name, COMPONENT_IDENTITIES.kubeScheduler));
    }
    if (options.scheduler) {
      const n = options.schedulers ?? 1;
      const base = options.scheduler === true ? {} : options.scheduler;
      for (let i = 0; i < n; i++) {
        const host = `control-plane-${i + 1}`;
        const client = this.componentClient(n === 1 ? "kube-scheduler" : `kube-scheduler@${host}`, COMPONENT_IDENTITIES.kubeScheduler);
        // Several instances: only the holder of kube-system/kube-scheduler schedules.
        const opts: SchedulerOptions = n === 1 ? base : { identity: host, ...base, leaderElect: true };
        this.schedulers.push(new Scheduler({ sim: this.sim, client, informers: new SharedInformerFactory(this.sim, client) }, opts));
      }
      this.scheduler = this.schedulers[0];
    }
    this.apiserver.onReady(() => {
      for (const s of this.schedulers) s.start();
      for (const cm of this.controllerManagers) cm.start();
      this.nodes?.start();
      this.binder?.start();
    });
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

  /**
   * A client for a component, logged in as identity (a static token drawn from the seeded
   * generator and registered with the API server, as --token-auth-file would).
   */
  componentClient(endpoint: string, identity: { user: string; groups: string[] }): KubeClient {
    const token = tokenFrom(this.sim.rng.fork(`token/${endpoint}`).bytes(24));
    this.apiserver.addToken({ token, user: identity.user, uid: identity.user, groups: identity.groups });
    return new KubeClient(this.sim, { name: endpoint, token });
  }

  /** The leading controller manager, if one leads. */
  get leadingControllerManager(): ControllerManager | undefined {
    return this.controllerManagers.find((cm) => cm.isLeader);
  }

  /**
   * A cache of resource as an observer sees it (an informer of the admin's, like
   * `kubectl get -w`): notebooks read it inside sim.every(...) callbacks to sample the cluster
   * over time without running virtual time themselves.
   */
  observe<T extends KubeObject = KubeObject>(resource: string): { list(namespace?: string): T[]; get(name: string, namespace?: string): T | undefined } {
    if (!this.observer) this.observer = new SharedInformerFactory(this.sim, this.admin);
    const inf = this.observer.informerFor<T>(resource);
    this.observer.start();
    const lister = inf.lister();
    return {
      list: (namespace?: string) => (namespace === undefined ? lister.list() : lister.namespace(namespace).list()),
      get: (name: string, namespace?: string) => (namespace === undefined ? lister.get(name) : lister.namespace(namespace).get(name)),
    };
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
