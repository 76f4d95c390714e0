// kube-scheduler [k/k pkg/scheduler/scheduler.go, schedule_one.go, eventhandlers.go]: a client
// of the API server like every other component. It watches pods and nodes; pending pods whose
// spec.schedulerName names one of its profiles enter the scheduling queue; pods with a node
// and all nodes fill its cache. One pod per scheduling cycle:
//
//   pop → snapshot the cache → PreFilter/Filter/Score (runtime.ts) → assume the pod on the
//   chosen node in the cache → Reserve → Permit → (binding cycle, asynchronous) PreBind → Bind
//   (POST pods/binding) → PostBind; event "Scheduled".
//
// A pod that fits nowhere gets a FitError: PostFilter (preemption) may nominate a node; the pod
// waits in the queue; a Warning event FailedScheduling and the condition PodScheduled=False
// (reason Unschedulable) carry the FitError text.
//
// Timing: a scheduling cycle takes `cycleMs` of virtual time (default 0: the cycle is
// instantaneous; the binding's API round trip is what takes time).
//
// Leader election (`leaderElect: true`, kube-scheduler's --leader-elect, on in real clusters):
// several copies may run; each starts its informers and fills its cache and queue, but only the
// holder of the Lease kube-system/kube-scheduler runs scheduling cycles [cmd/kube-scheduler/app/
// server.go Run: informers sync first, then leaderelection.RunOrDie with OnStartedLeading =
// sched.Run]. A leader that cannot renew stops scheduling for good (upstream the process exits
// "leaderelection lost"; its kubelet would restart it as a new candidate).

import type { Simulation } from "../sim/simulation";
import type { Rng } from "../sim/rng";
import { timestamp } from "../apiserver/registry/object";
import type { KubeClient } from "../client/kube-client";
import { EventRecorder } from "../client/events";
import type { SharedInformerFactory } from "../client/informer-factory";
import { DeletedFinalStateUnknown } from "../client/lister";
import { LabelSelectorObject, selectorFromMap } from "../apiserver/registry/selectors";
import { waitForCacheSync } from "../controllers/controller";
import { CycleState, Node, Pod, PluginFactory, Profile, QueuedPodInfo } from "./framework/interface";
import { podKey } from "./framework/node-info";
import { Status } from "./framework/status";
import { Framework } from "./framework/runtime";
import { FitError as FitErrorClass, newDiagnosis } from "./framework/fit-error";
import type { FitError } from "./framework/fit-error";
import { AssignedPodAdd, AssignedPodDelete, eventsOf, NodeAdd, NodeDelete, nodeUpdateActions, podUpdateActions, ClusterEvent } from "./framework/cluster-event";
import type { Explanation } from "./explain";
import { SchedulerCache } from "./cache/cache";
import { Snapshot } from "./cache/snapshot";
import { nominatedNodeNameOf, SchedulingQueue, SchedulingQueueOptions } from "./queue/scheduling-queue";
import { podPriority } from "./plugins/queuesort";
import { defaultProfile, inTreeRegistry } from "./plugins/registry";
import { LeaderElector } from "../client/leaderelection";
import type { Duration } from "../sim/duration";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
const COMPONENT = "kube-scheduler";

export interface SchedulerContext {
  sim: Simulation;
  /** The scheduler's client (user system:kube-scheduler). */
  client: KubeClient;
  /** Shared informers; without them, feed events through the on* handlers (benchmarks, tests). */
  informers?: SharedInformerFactory;
  /** Event recorder: one, or one per component name (events' source is the profile's schedulerName). */
  recorder?: EventRecorder | ((component: string) => EventRecorder);
}

export interface SchedulerOptions {
  /** Default: one profile, the v1.32 default (plugins/registry.ts defaultProfile()). */
  profiles?: Profile[];
  /** Default: the in-tree plugins (plugins/registry.ts inTreeRegistry). */
  registry?: Record<string, PluginFactory>;
  /** The seeded stream for tie-breaking and preemption sampling (default sim.rng.fork("kube-scheduler")). */
  rng?: Rng;
  /** Record a full per-node, per-plugin explanation of each attempt (default true). */
  explain?: boolean;
  /** Virtual time one scheduling cycle takes (default 0). */
  cycleMs?: number;
  /** Assumed-pod expiry after binding finished (default 0 = never, as v1.32). */
  assumedPodTTLMs?: number;
  queue?: SchedulingQueueOptions;
  /** Trace queue moves (default true). */
  traceQueue?: boolean;
  /**
   * --leader-elect: schedule only while holding the Lease (default false here: a notebook runs
   * one scheduler; kube-scheduler's own default, and kubelab serve, is true).
   */
  leaderElect?: boolean;
  /** The host name; the holder identity is "<identity>_<uuid>" (default "kube-scheduler"). */
  identity?: string;
  /** --leader-elect-resource-namespace / -name: kube-system / kube-scheduler. */
  leaseNamespace?: string;
  leaseName?: string;
  /** --leader-elect-lease-duration, -renew-deadline, -retry-period: 15s, 10s, 2s. */
  leaseDuration?: Duration;
  renewDeadline?: Duration;
  retryPeriod?: Duration;
}

export class Scheduler {
  readonly sim: Simulation;
  readonly client: KubeClient;
  readonly cache: SchedulerCache;
  readonly snapshot = new Snapshot();
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  readonly rng: Rng;
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly explanations = new Map<string, Explanation[]>();
  /** Pending (unassigned) pods this scheduler is responsible for, as last seen. */
  private readonly pending = new Map<string, Pod>();
  private readonly cycleMs: number;
  private running = false;
  private cyclePending = false;
  private cancelSync: (() => void) | undefined;
  private cleanupTimer: { cancel(): void } | undefined;
  private readonly namespaceLabelsOf: (ns: string) => Record<string, string> | undefined;
  private elector: LeaderElector | undefined;
  private leading = false;
  /** This process's Lease holder identity ("<identity>_<uuid>"); "" without leader election. */
  readonly leaseIdentity: string;
  /** Counters for tables and benchmarks. */
  readonly stats = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, bindingFailures: 0 };

  constructor(ctx: SchedulerContext, private readonly options: SchedulerOptions = {}) {
    const profiles = options.profiles ?? [defaultProfile()];
    const registry = options.registry ?? inTreeRegistry;
    this.sim = ctx.sim;
    this.client = ctx.client;
    this.rng = options.rng ?? ctx.sim.rng.fork(COMPONENT);
    this.cycleMs = options.cycleMs ?? 0;
    // uuid.NewUUID() in the real process; drawn from a stream of its own so that turning leader
    // election on does not shift the tie-breaking stream; numbered per simulation, so that two
    // copies started with the same host name still get different identities.
    if (options.leaderElect) {
      const n = (instances.get(ctx.sim) ?? 0) + 1;
      instances.set(ctx.sim, n);
      this.leaseIdentity = `${options.identity ?? COMPONENT}_${ctx.sim.rng.fork(`${COMPONENT}/uuid/${n}`).uuid()}`;
    } else this.leaseIdentity = "";
    this.cache = new SchedulerCache(ctx.sim, { assumedPodTTLMs: options.assumedPodTTLMs });
    if (profiles.length === 0) throw new Error("scheduler: at least one profile is needed");
    const nsInformer = ctx.informers?.informerFor("namespaces");
    const pdbInformer = ctx.informers?.informerFor<import("../apiserver/registry/object").KubeObject>("poddisruptionbudgets");
    if (ctx.informers) {
      // What PodTopologySpread's system default constraints need to know which workloads select
      // a pod [helper.DefaultSelector]: Services and the pod's controller (RS / RC / StatefulSet).
      for (const r of ["services", "replicasets", "replicationcontrollers", "statefulsets"]) {
        try {
          this.selectorInformers.set(r, ctx.informers.informerFor(r));
        } catch {
          /* not served by this API server yet */
        }
      }
    }
    this.namespaceLabelsOf = (ns) => (nsInformer?.indexer.getByKey(ns) as any)?.metadata?.labels;
    const recorderFor = (name: string): EventRecorder => {
      if (!ctx.recorder) return new EventRecorder(ctx.sim, ctx.client, name);
      return typeof ctx.recorder === "function" ? ctx.recorder(name) : ctx.recorder;
    };
    for (const profile of profiles) {
      if (this.frameworks.has(profile.schedulerName)) throw new Error(`scheduler: two profiles named "${profile.schedulerName}"`);
      const recorder = recorderFor(profile.schedulerName);
      this.recorders.set(profile.schedulerName, recorder);
      const fw = new Framework(profile, registry, {
        sim: ctx.sim,
        client: ctx.client,
        recorder,
        rng: this.rng,
        snapshot: () => this.snapshot,
        namespaceLabels: this.namespaceLabelsOf,
        selectorsFor: ctx.informers ? (pod) => this.selectorsFor(pod) : undefined,
        // DefaultPreemption prefers victims no PodDisruptionBudget protects [NewInTreeRegistry's PDB lister].
        pdbs: pdbInformer ? () => pdbInformer.indexer.list() : undefined,
        nominator: { nominatedPodsForNode: (n) => this.queue.nominatedPodsForNode(n) },
      });
      fw.explain = options.explain ?? true;
      this.frameworks.set(profile.schedulerName, fw);
    }
    const first = this.frameworks.values().next().value as Framework;
    if (!first.queueSort) throw new Error(`scheduler: profile "${first.profile.schedulerName}" has no QueueSort plugin`);
    const less = first.queueSort.less.bind(first.queueSort);
    const pluginByName = new Map<string, import("./framework/interface").Plugin>();
    for (const fw of this.frameworks.values()) for (const [n, p] of fw.plugins) if (!pluginByName.has(n)) pluginByName.set(n, p);
    this.queue = new SchedulingQueue(
      ctx.sim,
      {
        less,
        preEnqueue: (pod) => this.frameworkFor(pod)?.runPreEnqueuePlugins(pod) ?? Status.success(),
        eventsOf: (name) => {
          const p = pluginByName.get(name);
          return p ? eventsOf(p) : [{ resource: "*", actions: ["All"] }];
        },
      },
      { ...options.queue, trace: options.traceQueue ?? options.queue?.trace },
    );
    this.queue.onActive = () => this.kick();
    if (ctx.informers) this.registerHandlers(ctx.informers);
  }

  // ---- lifecycle ----
  private informers: SharedInformerFactory | undefined;

  private registerHandlers(informers: SharedInformerFactory): void {
    this.informers = informers;
    informers.informerFor<Pod>("pods").addEventHandler({
      onAdd: (p) => this.onPodAdd(p),
      onUpdate: (o, n) => this.onPodUpdate(o, n),
      onDelete: (p) => this.onPodDelete(p instanceof DeletedFinalStateUnknown ? (p.obj as Pod) : p),
    });
    informers.informerFor<Node>("nodes").addEventHandler({
      onAdd: (n) => this.onNodeAdd(n),
      onUpdate: (o, n) => this.onNodeUpdate(o, n),
      onDelete: (n) => this.onNodeDelete(n instanceof DeletedFinalStateUnknown ? (n.obj as Node) : n),
    });
  }

  /**
   * Starts the informers (if given); once they synced, the queue and the cycles — at once, or,
   * with leaderElect, when this process acquires the Lease.
   */
  start(): void {
    if (this.running || this.started) return;
    this.started = true;
    const begin = () => {
      this.running = true;
      this.queue.run();
      if ((this.options.assumedPodTTLMs ?? 0) > 0) this.cleanupTimer = this.sim.every(1000, () => this.cache.cleanupAssumedPods(), "scheduler: cleanup assumed pods");
      this.sim.trace.record(COMPONENT, "started", { profiles: [...this.frameworks.keys()].join(","), ...(this.leaseIdentity ? { identity: this.leaseIdentity } : {}) });
      this.kick();
    };
    const ready = () => (this.options.leaderElect ? this.campaign(begin) : begin());
    if (!this.informers) return ready();
    this.informers.start();
    this.cancelSync = waitForCacheSync(this.sim, [() => this.informers!.hasSynced()], ready);
  }
  private started = false;

  /** leaderelection.RunOrDie: wait for the Lease, schedule while holding it. */
  private campaign(begin: () => void): void {
    this.sim.trace.record(COMPONENT, "standby", { identity: this.leaseIdentity });
    this.elector = new LeaderElector(this.sim, {
      client: this.client,
      lock: { namespace: this.options.leaseNamespace ?? "kube-system", name: this.options.leaseName ?? COMPONENT },
      identity: this.leaseIdentity,
      leaseDuration: this.options.leaseDuration ?? "15s",
      renewDeadline: this.options.renewDeadline ?? "10s",
      retryPeriod: this.options.retryPeriod ?? "2s",
      // kube-scheduler's LeaderElectionConfig sets ReleaseOnCancel: a clean shutdown hands over
      // at once [cmd/kube-scheduler/app/options/options.go makeLeaderElectionConfig].
      releaseOnCancel: true,
      rng: this.sim.rng.fork(`${COMPONENT}/${this.leaseIdentity}/elector`),
      callbacks: {
        onStartedLeading: () => {
          this.leading = true;
          this.sim.trace.record(COMPONENT, "started-leading", { identity: this.leaseIdentity });
          begin();
        },
        onStoppedLeading: () => {
          const was = this.leading;
          this.leading = false;
          this.elector = undefined;
          // OnStoppedLeading: "leaderelection lost", os.Exit(1) — no more scheduling cycles.
          this.sim.trace.record(COMPONENT, was ? "leaderelection-lost" : "stopped", { identity: this.leaseIdentity });
          this.halt();
        },
      },
    });
    this.elector.run();
  }

  /** Whether this scheduler runs scheduling cycles now (always true once started without leader election). */
  get isLeader(): boolean {
    return this.options.leaderElect ? this.leading : this.running;
  }

  /** The Lease holder this scheduler last observed ("" if none / no leader election). */
  get leader(): string {
    return this.elector?.getLeader() ?? "";
  }

  /**
   * The process dies (kill -9, node crash): scheduling stops, the Lease is NOT released — a
   * standby takes over once it has seen the lease unchanged for leaseDuration.
   */
  stop(): void {
    this.elector?.kill();
    this.elector = undefined;
    if (this.leading) this.sim.trace.record(COMPONENT, "killed", { identity: this.leaseIdentity });
    this.leading = false;
    this.halt();
  }

  /** A clean shutdown (SIGTERM): a leader releases the Lease so a standby takes over at once. */
  shutdown(): void {
    if (this.elector) this.elector.cancel();
    else this.halt();
  }

  private halt(): void {
    this.running = false;
    this.cancelSync?.();
    this.cleanupTimer?.cancel();
    this.queue.close();
  }

  /** Schedules the next cycle if there is work. */
  private kick(): void {
    if (!this.running || this.cyclePending || this.queue.activeCount() === 0) return;
    this.cyclePending = true;
    this.sim.after(
      this.cycleMs,
      () => {
        this.cyclePending = false;
        if (!this.running) return;
        this.scheduleOne();
        this.kick();
      },
      "scheduler: scheduling cycle",
    );
  }

  // ---- event handlers [eventhandlers.go] ----
  private responsibleFor(pod: Pod): boolean {
    return this.frameworks.has(schedulerNameOf(pod));
  }

  private frameworkFor(pod: Pod): Framework | undefined {
    return this.frameworks.get(schedulerNameOf(pod));
  }

  onPodAdd(pod: Pod): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoffQueue(AssignedPodAdd);
      return;
    }
    if (!this.responsibleFor(pod) || pod.metadata.deletionTimestamp) return;
    this.pending.set(podKey(pod), pod);
    this.queue.add(pod);
  }

  onPodUpdate(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    if (isAssigned(newPod)) {
      if (!isAssigned(oldPod) || this.pending.has(key)) {
        // Just bound (by us or someone else): out of the queue, into the cache.
        this.pending.delete(key);
        this.queue.delete(newPod);
      }
      if (isTerminal(newPod)) {
        // A finished pod frees its resources [eventhandlers.go: terminal pods leave the cache].
        this.cache.removePod(newPod);
        this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
        return;
      }
      const known = this.cache.getPod(newPod) !== undefined;
      if (!known || this.cache.isAssumedPod(newPod)) {
        this.cache.addPod(newPod);
        this.queue.moveAllToActiveOrBackoffQueue(AssignedPodAdd);
      } else {
        this.cache.updatePod(oldPod, newPod);
        const actions = podUpdateActions(oldPod, newPod);
        if (actions.length) this.queue.moveAllToActiveOrBackoffQueue({ resource: "AssignedPod", actions: actions as ClusterEvent["actions"], label: "AssignedPodUpdate" });
      }
      return;
    }
    if (!this.responsibleFor(newPod)) return;
    if (newPod.metadata.deletionTimestamp) {
      this.pending.delete(key);
      this.queue.delete(newPod);
      return;
    }
    this.pending.set(key, newPod);
    this.queue.update(oldPod, newPod, podUpdateActions(oldPod, newPod));
    // [eventhandlers.go updatePodInSchedulingQueue, hasNominatedNodeNameChanged] A nomination
    // that went away or moved is, for the pods it kept out, like a pod deleted from that node.
    const was = nominatedNodeNameOf(oldPod);
    if (was !== "" && was !== nominatedNodeNameOf(newPod)) this.moveLowerOrEqualPriority(oldPod);
  }

  /** AssignedPodDelete for the pods of priority ≤ the pod's [getLEPriorityPreCheck]. */
  private moveLowerOrEqualPriority(pod: Pod): void {
    const prio = podPriority(pod);
    this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete, (p) => podPriority(p) <= prio);
  }

  onPodDelete(pod: Pod): void {
    const key = podKey(pod);
    if (isAssigned(pod) || this.cache.getPod(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
    }
    this.pending.delete(key);
    this.queue.delete(pod);
    const fw = this.frameworkFor(pod);
    fw?.getWaitingPod(pod)?.reject("", "pod deleted");
    // [eventhandlers.go deletePodFromSchedulingQueue] A deleted pending pod's nomination no
    // longer holds room: pods of lower or equal priority get another try.
    if (!isAssigned(pod) && nominatedNodeNameOf(pod) !== "") this.moveLowerOrEqualPriority(pod);
  }

  onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue(NodeAdd);
  }

  onNodeUpdate(oldNode: Node, newNode: Node): void {
    this.cache.updateNode(oldNode, newNode);
    const actions = nodeUpdateActions(oldNode, newNode);
    if (actions.length) this.queue.moveAllToActiveOrBackoffQueue({ resource: "Node", actions, label: `Node${actions.join("|")}` });
  }

  onNodeDelete(node: Node): void {
    this.cache.removeNode(node);
    this.queue.moveAllToActiveOrBackoffQueue(NodeDelete);
  }

  // ---- one scheduling cycle [schedule_one.go ScheduleOne] ----

  /** Pops one pod and tries it; false if the active queue was empty. */
  scheduleOne(): boolean {
    const p = this.queue.pop();
    if (!p) return false;
    const pod = p.pod;
    const fw = this.frameworkFor(pod);
    if (!fw) return true;
    // A pod being deleted, or already assumed, is skipped [skipPodSchedule].
    if (pod.metadata.deletionTimestamp || this.cache.isAssumedPod(pod)) return true;
    this.stats.attempts++;
    this.cache.updateSnapshot(this.snapshot);
    const state = new CycleState();
    fw.beginExplanation(pod, p.attempts, this.snapshot.numNodes());
    const r = fw.schedulePod(state, pod, this.snapshot);
    if (r.fitError) {
      this.handleFitError(fw, state, p, r.fitError);
      return true;
    }
    if (r.error) {
      // An error, or no nodes at all (ErrNoNodesAvailable, a rejection no plugin made): no
      // plugin to blame, so the pod waits out a back-off rather than a cluster event (upstream
      // clears UnschedulablePlugins at each Pop); a stale nomination is cleared.
      p.unschedulablePlugins = new Set();
      this.handleFailure(fw, p, r.error.message(), r.error.isRejected() ? "Unschedulable" : "SchedulerError", r.error, false, CLEAR_NOMINATED_NODE);
      return true;
    }
    const host = r.result!.suggestedHost;
    // Assume: the next cycle sees this pod on host even before the binding is confirmed.
    const assumed = { ...pod, spec: { ...(pod as any).spec, nodeName: host } } as Pod;
    this.cache.assumePod(assumed);
    this.queue.deleteNominatedPodIfExists(pod);
    const rs = fw.runReservePluginsReserve(state, assumed, host);
    if (!rs.isSuccess()) {
      fw.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      this.handleAfterAssumeFailure(fw, p, rs, host);
      return true;
    }
    const ps = fw.runPermitPlugins(state, assumed, host);
    if (!ps.isSuccess() && ps.code !== "Wait") {
      fw.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      this.handleAfterAssumeFailure(fw, p, ps, host);
      return true;
    }
    this.recordDecision(fw, p, "Scheduled", { node: host, feasible: r.result!.feasibleNodes, evaluated: r.result!.evaluatedNodes });
    this.bindingCycle(fw, state, p, assumed, host);
    return true;
  }

  /** WaitOnPermit → PreBind → Bind → PostBind, on the virtual clock [schedule_one.go bindingCycle]. */
  private bindingCycle(fw: Framework, state: CycleState, p: QueuedPodInfo, assumed: Pod, host: string): void {
    const fail = (s: Status) => {
      this.stats.bindingFailures++;
      fw.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      // The room the pod held is free again [handleBindingCycleError].
      this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
      p.unschedulablePlugins = s.isRejected() && s.plugin ? new Set([s.plugin]) : new Set();
      this.handleFailure(fw, p, s.message(), s.isRejected() ? "Unschedulable" : "SchedulerError", s, true, CLEAR_NOMINATED_NODE);
    };
    fw.waitOnPermit(assumed, (s) => {
      // A Permit rejection is a FitError on the chosen node, as in the scheduling cycle.
      if (!s.isSuccess()) return s.isRejected() ? fail(new Status(s.code, [rejectedOnNode(assumed, host, s)]).withPlugin(s.plugin ?? "")) : fail(s);
      fw.runPreBindPlugins(state, assumed, host, (s2) => {
        if (!s2.isSuccess()) return fail(s2);
        fw.runBindPlugins(state, assumed, host, (s3) => {
          if (!s3.isSuccess()) return fail(s3.isSkip() ? Status.error("no bind plugin bound the pod") : s3);
          this.cache.finishBinding(assumed);
          this.stats.scheduled++;
          const ns = pod_ns(assumed);
          this.recorders.get(fw.profile.schedulerName)!.event(podRef(assumed), "Normal", "Scheduled", `Successfully assigned ${ns}/${assumed.metadata.name} to ${host}`);
          fw.runPostBindPlugins(state, assumed, host);
        });
      });
    });
  }

  /**
   * A Reserve or Permit failure after the pod was assumed [schedulingCycle]: a rejection is
   * wrapped in a FitError on the one chosen node ("0/1 nodes are available: 1 <reason>.") with
   * its plugin recorded; either way a stale nomination is cleared.
   */
  private handleAfterAssumeFailure(fw: Framework, p: QueuedPodInfo, s: Status, host: string): void {
    if (s.isRejected()) {
      if (s.plugin) p.unschedulablePlugins = new Set([s.plugin]);
      this.handleFailure(fw, p, rejectedOnNode(p.pod, host, s), "Unschedulable", s, false, CLEAR_NOMINATED_NODE);
    } else this.handleFailure(fw, p, s.message(), "SchedulerError", s, false, CLEAR_NOMINATED_NODE);
  }

  private handleFitError(fw: Framework, state: CycleState, p: QueuedPodInfo, fitError: FitError): void {
    const d = fitError.diagnosis;
    // Without PostFilter plugins a stale nomination is cleared; with them, PostFilter's result
    // decides (preemption: a node, or "" when it found no candidate; no result: unchanged).
    let nominatedNodeName: string | undefined = CLEAR_NOMINATED_NODE;
    if (fw.postFilterPlugins.length > 0) {
      const { result, status } = fw.runPostFilterPlugins(state, p.pod, d.nodeToStatus);
      if (status.code !== "Error") d.postFilterMsg = status.message();
      nominatedNodeName = result?.nominatedNodeName;
    }
    p.unschedulablePlugins = new Set(d.unschedulablePlugins);
    this.handleFailure(fw, p, fitError.error(), "Unschedulable", undefined, false, nominatedNodeName);
  }

  /**
   * A failed attempt [schedule_one.go handleSchedulingFailure]: event FailedScheduling, back to
   * the queue, condition PodScheduled=False with the message, nominatedNodeName if preemption
   * made room. `nominatedNodeName`: undefined leaves the nomination alone (ModeNoop), "" clears
   * it, a name sets it (ModeOverride).
   */
  private handleFailure(fw: Framework, p: QueuedPodInfo, message: string, reason: "Unschedulable" | "SchedulerError", status?: Status, afterBinding = false, nominatedNodeName?: string): void {
    if (reason === "Unschedulable") this.stats.unschedulable++;
    else this.stats.errors++;
    if (!afterBinding) this.recordDecision(fw, p, reason === "Unschedulable" ? "Unschedulable" : "Error", { message, nominatedNodeName, plugin: status?.plugin });
    else this.sim.trace.record(COMPONENT, "binding-failed", { pod: podKey(p.pod), message });
    const pod = p.pod;
    // The event's note is cut to the Events API's limit; the condition keeps the whole text.
    this.recorders.get(fw.profile.schedulerName)!.event(podRef(pod), "Warning", "FailedScheduling", truncateMessage(message));
    const key = podKey(pod);
    const current = this.pending.get(key);
    if (!current) return; // deleted or bound meanwhile: nothing to requeue
    p.pod = current;
    // Back to the queue (which re-reads the nomination in the pod's status), then the
    // attempt's own nominating info overrides it [AddUnschedulableIfNotPresent, AddNominatedPod].
    this.queue.addUnschedulableIfNotPresent(p);
    if (nominatedNodeName) this.queue.addNominatedPod(current, nominatedNodeName);
    else if (nominatedNodeName === CLEAR_NOMINATED_NODE) this.queue.deleteNominatedPodIfExists(current);
    this.updatePodStatus(current, message, reason, nominatedNodeName);
  }

  /** PATCH pods/<name>/status: the PodScheduled condition and nominatedNodeName [util.PatchPodStatus]. */
  private updatePodStatus(pod: Pod, message: string, reason: string, nominatedNodeName: string | undefined): void {
    const status = (pod as any).status ?? {};
    const conditions: any[] = (status.conditions ?? []).slice();
    const i = conditions.findIndex((c) => c.type === "PodScheduled");
    const old = i >= 0 ? conditions[i] : undefined;
    const cond = {
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: old && old.status === "False" ? old.lastTransitionTime : timestamp(this.sim.now),
      reason,
      message,
    };
    const nnnChanged = nominatedNodeName !== undefined && nominatedNodeName !== (status.nominatedNodeName ?? "");
    if (old && old.status === cond.status && old.reason === cond.reason && old.message === cond.message && !nnnChanged) return;
    if (i >= 0) conditions[i] = cond;
    else conditions.push(cond);
    const patch: any = { status: { conditions } };
    if (nnnChanged) patch.status.nominatedNodeName = nominatedNodeName || null;
    this.client.patch("pods", pod.metadata.name!, pod_ns(pod), "merge", patch, (err) => {
      if (err) this.sim.trace.record(COMPONENT, "status-patch-failed", { pod: podKey(pod), error: err.message });
    }, "status");
  }

  private recordDecision(fw: Framework, p: QueuedPodInfo, result: "Scheduled" | "Unschedulable" | "Error", fields: Record<string, unknown>): void {
    const e = fw.endExplanation();
    const key = podKey(p.pod);
    if (e) {
      e.result = result;
      if (fields.message) e.message = String(fields.message);
      const list = this.explanations.get(key) ?? [];
      list.push(e);
      if (list.length > 20) list.shift();
      this.explanations.set(key, list);
    }
    const row: Record<string, unknown> = { pod: key, result, attempt: p.attempts, nodes: this.snapshot.numNodes() };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) row[k] = v;
    if (e) {
      row.feasible = e.feasibleNodes;
      row.evaluated = e.evaluatedNodes;
    }
    this.sim.trace.record(COMPONENT, "decision", row);
  }

  private readonly selectorInformers = new Map<string, import("../client/informer").SharedIndexInformer<any>>();

  /** The selectors of the Services and the controller that select this pod [helper.DefaultSelector]. */
  selectorsFor(pod: Pod): LabelSelectorObject[] {
    const out: LabelSelectorObject[] = [];
    const ns = pod.metadata.namespace ?? "default";
    const labels = pod.metadata.labels ?? {};
    const services = this.selectorInformers.get("services");
    for (const svc of services ? (services.indexer.byIndex("namespace", ns) as any[]) : []) {
      const sel = svc.spec?.selector as Record<string, string> | undefined;
      if (!sel || Object.keys(sel).length === 0) continue;
      if (selectorFromMap(sel).matches(labels)) out.push({ matchLabels: sel });
    }
    const owner = (pod.metadata.ownerReferences ?? []).find((o: any) => o.controller === true) as { kind: string; name: string } | undefined;
    const resource = owner && ({ ReplicaSet: "replicasets", ReplicationController: "replicationcontrollers", StatefulSet: "statefulsets" } as Record<string, string>)[owner.kind];
    const inf = resource ? this.selectorInformers.get(resource) : undefined;
    const ctrl = inf?.indexer.getByKey(`${ns}/${owner!.name}`) as any;
    if (ctrl?.spec?.selector) {
      // ReplicationControllers have a map selector; the others a LabelSelector.
      out.push(owner!.kind === "ReplicationController" ? { matchLabels: ctrl.spec.selector } : ctrl.spec.selector);
    }
    return out;
  }

  // ---- explainability ----
  /** The explanation of the pod's last attempt ("namespace/name"), if explain is on. */
  explain(key: string): Explanation | undefined {
    const list = this.explanations.get(key);
    return list?.[list.length - 1];
  }
  /** Every recorded attempt of the pod (at most the last 20). */
  explainHistory(key: string): Explanation[] {
    return this.explanations.get(key)?.slice() ?? [];
  }
}

/** NominatingInfo{ModeOverride, ""}: the attempt clears the pod's nomination [schedule_one.go clearNominatedNode]. */
const CLEAR_NOMINATED_NODE = "";

/** [schedule_one.go truncateMessage] an Event's note is at most 1024 bytes (validation.NoteLengthLimit). */
const NOTE_LENGTH_LIMIT = 1024;
function truncateMessage(message: string): string {
  if (message.length <= NOTE_LENGTH_LIMIT) return message;
  const suffix = " ...";
  return message.slice(0, NOTE_LENGTH_LIMIT - suffix.length) + suffix;
}

/** A Reserve/Permit rejection as upstream words it: a FitError with the one chosen node. */
function rejectedOnNode(pod: Pod, host: string, s: Status): string {
  const d = newDiagnosis();
  d.nodeToStatus.set(host, s);
  return new FitErrorClass(pod, 1, d).error();
}

export function schedulerNameOf(pod: Pod): string {
  return ((pod as any).spec?.schedulerName as string) || DEFAULT_SCHEDULER_NAME;
}

/** Schedulers with leader election created per simulation (their uuid streams). */
const instances = new WeakMap<Simulation, number>();


function isAssigned(pod: Pod): boolean {
  return !!(pod as any).spec?.nodeName;
}

function isTerminal(pod: Pod): boolean {
  const phase = (pod as any).status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

function pod_ns(pod: Pod): string {
  return pod.metadata.namespace || "default";
}

function podRef(pod: Pod): Pod {
  return { ...pod, apiVersion: pod.apiVersion ?? "v1", kind: pod.kind ?? "Pod" } as Pod;
}
