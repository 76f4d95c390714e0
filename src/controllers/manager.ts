// kube-controller-manager: one process running many controllers, only while it holds the
// kube-system/kube-controller-manager Lease [k/k cmd/kube-controller-manager/app/controllermanager.go].
//
// A production control plane runs two or three copies for availability. Each one starts,
// generates an identity "<hostname>_<uuid>", and campaigns for the lease. The winner builds the
// shared informer factory, constructs every enabled controller (each registers its informers
// and event handlers), starts them, then starts the informers. The others stand by, retrying
// every retryPeriod. When the leader can no longer renew its lease it does not try to "pause":
// OnStoppedLeading logs "leaderelection lost" and the process exits; the kubelet restarts the
// static pod, which then campaigns again as a new candidate.
//
// stop() is a process dying (kill -9, node crash): nothing is released, the lease just stops
// being renewed, and a standby takes over once it has seen the lease unchanged for leaseDuration.

import type { Simulation } from "../sim/simulation";
import type { Rng } from "../sim/rng";
import type { Duration } from "../sim/duration";
import { parseDuration } from "../sim/duration";
import type { KubeClient } from "../client/kube-client";
import { SharedInformerFactory } from "../client/informer-factory";
import { LeaderElector } from "../client/leaderelection";
import type { Controller, ControllerFactory } from "./controller";
import { newControllerContext } from "./controller";

export interface NamedControllerFactory {
  name: string;
  factory: ControllerFactory;
}

export interface ControllerManagerOptions {
  /** The host name; the lease holder identity is "<identity>_<uuid>", a new uuid per start. */
  identity: string;
  client: KubeClient;
  /** The controllers to run, by name (as --controllers names them), in start order. */
  controllers: Record<string, ControllerFactory> | NamedControllerFactory[];
  /** --leader-elect (default true). Without it, controllers start at once. */
  leaderElect?: boolean;
  /** --leader-elect-resource-name / -namespace (default kube-controller-manager in kube-system). */
  leaseName?: string;
  leaseNamespace?: string;
  /** --leader-elect-lease-duration, -renew-deadline, -retry-period: 15s, 10s, 2s. */
  leaseDuration?: Duration;
  renewDeadline?: Duration;
  retryPeriod?: Duration;
  /** Informer resync period (the real one is 12h × [1,2); default none). */
  resyncPeriod?: Duration;
  /**
   * After the process exits (lease lost), the kubelet restarts it after this long (its first
   * CrashLoopBackOff delay, 10s). false: it stays down until start() is called.
   */
  restartAfterExit?: Duration | false;
}

export type ManagerState = "stopped" | "standby" | "leading";

export class ControllerManager {
  readonly name: string;
  /** Names of the controllers this manager runs (whether or not it leads right now). */
  readonly controllerNames: readonly string[];
  /** Starts of the process so far. */
  incarnation = 0;
  private readonly sim: Simulation;
  private readonly factories: NamedControllerFactory[];
  private readonly uuidRng: Rng;
  private elector: LeaderElector | undefined;
  private informerFactory: SharedInformerFactory | undefined;
  private running: Controller[] = [];
  private state: ManagerState = "stopped";
  private holder = "";
  private currentIdentity = "";
  private restartTimer: { cancel(): void } | undefined;

  constructor(sim: Simulation, private readonly options: ControllerManagerOptions) {
    this.sim = sim;
    this.name = options.identity;
    this.factories = Array.isArray(options.controllers)
      ? options.controllers.slice()
      : Object.entries(options.controllers).map(([name, factory]) => ({ name, factory }));
    this.controllerNames = this.factories.map((f) => f.name);
    this.uuidRng = sim.rng.fork(`kube-controller-manager/${options.identity}`);
  }

  /** Whether this process is running its controllers now. */
  get isLeader(): boolean {
    return this.state === "leading";
  }

  get status(): ManagerState {
    return this.state;
  }

  /** This incarnation's lease identity ("<host>_<uuid>"). */
  get identity(): string {
    return this.currentIdentity;
  }

  /** The holder this manager last observed in the lease ("" if none). */
  get leader(): string {
    return this.holder;
  }

  /** The controllers running now (empty unless leading). */
  get controllers(): readonly Controller[] {
    return this.running;
  }

  /** The shared informers of the current term (undefined unless leading). */
  get informers(): SharedInformerFactory | undefined {
    return this.informerFactory;
  }

  /** Starts the process (a new incarnation with a new identity). */
  start(): this {
    if (this.state !== "stopped") return this;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.incarnation++;
    this.currentIdentity = `${this.options.identity}_${this.uuidRng.uuid()}`;
    this.holder = "";
    this.state = "standby";
    this.record("start", { incarnation: this.incarnation, leaderElect: this.options.leaderElect !== false });
    if (this.options.leaderElect === false) {
      this.startControllers();
      return this;
    }
    const incarnation = this.incarnation;
    this.elector = new LeaderElector(this.sim, {
      client: this.options.client,
      lock: { namespace: this.options.leaseNamespace ?? "kube-system", name: this.options.leaseName ?? "kube-controller-manager" },
      identity: this.currentIdentity,
      leaseDuration: this.options.leaseDuration,
      renewDeadline: this.options.renewDeadline,
      retryPeriod: this.options.retryPeriod,
      rng: this.uuidRng.fork(`elector/${this.incarnation}`),
      callbacks: {
        onStartedLeading: () => this.startControllers(),
        onStoppedLeading: () => {
          if (incarnation === this.incarnation) this.exit("leaderelection lost");
        },
        onNewLeader: (id) => {
          this.holder = id;
        },
      },
    });
    this.elector.run();
    return this;
  }

  /** The process dies: controllers and informers stop, the lease is not released. */
  stop(): this {
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    if (this.state === "stopped") return this;
    this.record("killed", { wasLeading: this.state === "leading" });
    this.elector?.kill();
    this.elector = undefined;
    this.stopControllers();
    this.state = "stopped";
    return this;
  }

  private startControllers(): void {
    this.state = "leading";
    this.record("started-leading", {});
    const informers = new SharedInformerFactory(this.sim, this.options.client, { resyncPeriod: this.options.resyncPeriod ?? 0 });
    this.informerFactory = informers;
    const ctx = newControllerContext(this.sim, this.options.client, informers);
    for (const f of this.factories) {
      const c = f.factory(ctx);
      this.running.push(c);
      c.start();
      this.record("started-controller", { controller: f.name });
    }
    informers.start();
  }

  private stopControllers(): void {
    for (const c of this.running) c.stop();
    this.running = [];
    this.informerFactory?.shutdown();
    this.informerFactory = undefined;
  }

  /** OnStoppedLeading: klog "leaderelection lost", os.Exit(1); the kubelet restarts us later. */
  private exit(reason: string): void {
    this.record("exit", { reason, wasLeading: this.state === "leading" });
    this.elector = undefined;
    this.stopControllers();
    this.state = "stopped";
    const restart = this.options.restartAfterExit ?? "10s";
    if (restart === false) return;
    this.restartTimer = this.sim.after(parseDuration(restart), () => this.start(), "kube-controller-manager restart");
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record("kube-controller-manager", kind, { manager: this.options.identity, identity: this.currentIdentity, ...fields });
  }
}

