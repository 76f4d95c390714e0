// The chaos run behind test/controllers/chaos.test.ts: the chapter-04 cluster (two controller
// managers competing for the lease, five stand-in nodes, the stand-in binder, a 3-member etcd)
// running Deployments, a bare ReplicaSet and a Service while a seeded schedule of faults hits it:
//
//   - a user deletes a random pod (kubectl delete pod: grace 30 s, the kubelet finishes it);
//   - a node's kubelet dies (stand-in stop) and comes back later — some stay down past the
//     node-monitor grace period (50 s: NotReady, NoExecute taint) and the pods' default
//     tolerationSeconds (300 s: evicted, replaced elsewhere);
//   - the leading kube-controller-manager is killed (kill -9: the lease is not released, the
//     standby takes over after leaseDuration) and started again later;
//   - etcd's leader hands leadership to a follower, or a member crashes and restarts from disk;
//   - a user scales a Deployment or the ReplicaSet, or sets a Deployment's image mid-rollout.
//
// Then everything heals and the cluster runs until it is quiet. Invariants that Kubernetes keeps
// at every moment are checked once per virtual second while the faults run (see `sample`); the
// end state is checked by `finalViolations`.

import { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import type { Rng } from "../../src/sim/rng";
import { maxSurge } from "../../src/controllers/deployment/util";

export const DEPLOYMENTS = ["web", "api"] as const;
export const BARE_RS = "cache";
const NS = "default";

const MANIFESTS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1", ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "api:1"}]
      # Leave an unreachable node after 20 s instead of the default 300 s.
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 20}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 20}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache}
spec:
  replicas: 3
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: cache, image: "redis:7"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`;

export interface ChaosOptions {
  seed: number;
  /** How long faults are injected (virtual ms). */
  chaosMs?: number;
  /** Mean gap between two faults (virtual ms). */
  meanGapMs?: number;
  /** After healing, how long the cluster may take to converge (virtual ms). */
  settleLimitMs?: number;
  trace?: boolean;
}

export interface ChaosResult {
  cluster: Cluster;
  /** Faults injected, in order ("12.3s stop node-2"), for a failure message. */
  log: string[];
  /** Invariants broken while the faults ran. */
  during: string[];
  /** End-state checks that failed after healing (empty: converged). */
  final: string[];
  /** Virtual ms from healing until the end state held. */
  settleMs: number;
  /** Pods the taint-eviction controller deleted (its TaintManagerEviction events). */
  evictions: number;
  /** etcd members seen leading, and controller-manager incarnations that led. */
  etcdLeaders: number;
  managerTerms: number;
  /** After converging, the cluster stayed quiet for a minute: no pod made or removed, no RS written. */
  quiet: string[];
  counts: Record<string, number>;
}

const isTerminating = (p: KubeObject) => p.metadata.deletionTimestamp !== undefined;
const controllerOf = (o: KubeObject) => (o.metadata.ownerReferences ?? []).filter((r: any) => r.controller === true);
const matches = (labels: Record<string, string> | undefined, sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);

/** The cluster of the chaos run, with its workload applied and rolled out (20 s). */
export function chaosCluster(seed: number, trace = false): Cluster {
  const c = new Cluster({ seed, controllers: true, controllerManagers: 2, nodes: 5, trace });
  c.apply(MANIFESTS);
  c.runFor("20s");
  return c;
}

export function runChaos(opts: ChaosOptions): ChaosResult {
  const c = chaosCluster(opts.seed, opts.trace);
  const sim = c.sim;
  const rng = sim.rng.fork("chaos");
  const log: string[] = [];
  const during: string[] = [];
  const counts: Record<string, number> = {};
  const note = (what: string) => {
    log.push(`${(sim.now / 1000).toFixed(1)}s ${what}`);
    const kind = what.split(" ")[0];
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  const pods = c.observe("pods");
  const replicaSets = c.observe("replicasets");
  const deployments = c.observe("deployments");
  const etcd = c.etcd!;
  const ignore = () => {};

  const chaosMs = opts.chaosMs ?? 600_000;
  const managerKillsEnd = sim.now + chaosMs / 4;

  // ---- the faults ----
  /** Nodes down now, each with the id of its outage (an outage ends only the one it began). */
  const downNodes = new Map<string, number>();
  let outages = 0;
  const nodeDown = (n: string, ms: number) => {
    const id = ++outages;
    downNodes.set(n, id);
    c.nodes!.stop(n);
    note(`stop-node ${n} for ${ms / 1000}s`);
    sim.after(ms, () => {
      if (downNodes.get(n) !== id) return;
      downNodes.delete(n);
      c.nodes!.start(n);
      note(`start-node ${n}`);
    }, "chaos node back");
  };
  let crashedMember: string | undefined;
  let stoppedManager: (typeof c.controllerManagers)[number] | undefined;
  let image = 1;
  /** Per Deployment: [virtual ms, spec.replicas] each time a user scaled it (for the surge bound). */
  const scaleHistory = new Map<string, Array<[number, number]>>(DEPLOYMENTS.map((d) => [d, [[0, d === "web" ? 4 : 3]]]));

  const faults: Array<[weight: number, inject: (r: Rng) => void]> = [
    [4, (r) => {
      const live = pods.list(NS).filter((p) => !isTerminating(p));
      if (live.length === 0) return;
      const p = live[r.int(live.length)];
      note(`delete-pod ${p.metadata.name}`);
      c.admin.delete("pods", p.metadata.name!, NS, {}, ignore);
    }],
    [2, (r) => {
      // At most 2 of 5 nodes down (1 besides the long outage): 40% NotReady keeps the zone in
      // state Normal (threshold 55%), so evictions proceed; beyond it, in a cluster this small,
      // a PartialDisruption zone evicts nothing.
      if (downNodes.size >= 2 || sim.now >= managerKillsEnd - 30_000 && downNodes.size >= 1) return;
      const up = c.nodes!.names.filter((n) => !downNodes.has(n));
      // A kubelet restart, about the grace period (50 s), well past it (NotReady, NoExecute taint).
      nodeDown(up[r.int(up.length)], [15_000, 40_000, 90_000][r.int(3)] + r.int(10_000));
    }],
    [2, (r) => {
      const leader = c.leadingControllerManager;
      if (!leader || stoppedManager || sim.now >= managerKillsEnd) return;
      stoppedManager = leader;
      leader.stop();
      note(`kill-controller-manager ${leader.name}`);
      sim.after(10_000 + r.int(40_000), () => {
        if (stoppedManager !== leader) return;
        stoppedManager = undefined;
        leader.start();
        note(`start-controller-manager ${leader.name}`);
      }, "chaos kcm back");
    }],
    [2, (r) => {
      const lead = etcd.leader();
      if (!lead || crashedMember) return;
      if (r.bool()) {
        const others = etcd.members.filter((m) => m !== lead && etcd.raft.isUp(m));
        const to = others[r.int(others.length)];
        etcd.raft.transferLeader(to);
        note(`etcd-transfer-leader ${lead}->${to}`);
        return;
      }
      // Crash the leader or a follower; a majority stays up.
      const victim = r.bool() ? lead : etcd.members[r.int(etcd.members.length)];
      crashedMember = victim;
      etcd.crash(victim);
      note(`etcd-crash ${victim}${victim === lead ? " (leader)" : ""}`);
      sim.after(5_000 + r.int(25_000), () => {
        if (crashedMember !== victim) return;
        crashedMember = undefined;
        etcd.restart(victim);
        note(`etcd-restart ${victim}`);
      }, "chaos etcd back");
    }],
    [2, (r) => {
      const d = DEPLOYMENTS[r.int(DEPLOYMENTS.length)];
      const replicas = 1 + r.int(7);
      scaleHistory.get(d)!.push([sim.now, replicas]);
      note(`scale deployment/${d} ${replicas}`);
      c.admin.patch("deployments", d, NS, "merge", { spec: { replicas } }, ignore);
    }],
    [2, (r) => {
      const d = DEPLOYMENTS[r.int(DEPLOYMENTS.length)];
      image++;
      const img = `${d === "web" ? "nginx" : "api"}:${image}`;
      note(`set-image deployment/${d} ${img}`);
      c.admin.patch("deployments", d, NS, "strategic", { spec: { template: { spec: { containers: [{ name: d, image: img }] } } } }, ignore);
    }],
    [1, (r) => {
      const replicas = r.int(6);
      note(`scale replicaset/${BARE_RS} ${replicas}`);
      c.admin.patch("replicasets", BARE_RS, NS, "merge", { spec: { replicas } }, ignore);
    }],
  ];
  const totalWeight = faults.reduce((s, [w]) => s + w, 0);
  const pick = (r: Rng) => {
    let x = r.int(totalWeight);
    for (const [w, f] of faults) if ((x -= w) < 0) return f;
    return faults[0][1];
  };

  // ---- invariants while the faults run, once per virtual second ----
  const WINDOW = 90_000;
  const etcdLeaders = new Set<string>();
  const sample = () => {
    const l = etcd.leader();
    if (l) etcdLeaders.add(l);
    const rsByUid = new Map(replicaSets.list(NS).map((rs) => [rs.metadata.uid!, rs]));
    for (const p of pods.list(NS)) {
      // Only the ReplicaSet controller makes pods here, and it always sets exactly one
      // controller reference [k/k pkg/controller/controller_utils.go, GetPodFromTemplate]; nothing
      // in this run orphans pods (no --cascade=orphan), so every pod has one, at all times.
      const refs = controllerOf(p);
      if (refs.length !== 1 || refs[0].kind !== "ReplicaSet") {
        during.push(`${sim.now}: pod ${p.metadata.name} has controller refs ${JSON.stringify(refs)}`);
        continue;
      }
      // A pod's labels come from its ReplicaSet's template, which must match the RS's immutable
      // selector (validation), and a pod carries the pod-template-hash of the RS it was made by.
      const rs = rsByUid.get(refs[0].uid);
      if (!rs) continue; // not in the observer's cache yet, or being garbage collected
      if (!matches(p.metadata.labels, rs.spec.selector.matchLabels)) during.push(`${sim.now}: pod ${p.metadata.name} does not match its owner ${rs.metadata.name}'s selector`);
      const hash = rs.metadata.labels?.["pod-template-hash"];
      if (hash !== undefined && p.metadata.labels?.["pod-template-hash"] !== hash) during.push(`${sim.now}: pod ${p.metadata.name} hash ${p.metadata.labels?.["pod-template-hash"]} != its RS's ${hash}`);
    }
    for (const d of deployments.list(NS)) {
      const owned = replicaSets.list(NS).filter((rs) => controllerOf(rs)[0]?.uid === d.metadata.uid);
      // The Deployment controller names each RS <deployment>-<hash of its template> and never
      // makes two RSs for one template (a hash collision bumps collisionCount instead).
      const templates = new Set(owned.map((rs) => rs.metadata.labels?.["pod-template-hash"]));
      if (templates.size !== owned.length) during.push(`${sim.now}: deployment ${d.metadata.name} has two RSs with one pod-template-hash`);
      for (const rs of owned) if (rs.metadata.name !== `${d.metadata.name}-${rs.metadata.labels?.["pod-template-hash"]}`) during.push(`${sim.now}: RS ${rs.metadata.name} is not named after its hash`);
      // maxSurge: the rolling updater never scales the new RS so that the RSs' replicas sum past
      // spec.replicas + maxSurge [k/k pkg/controller/deployment/util, NewRSNewReplicas], and the
      // proportional scaler keeps that sum at the new bound when a user rescales. The controller
      // acts on a scale only after it sees it, and a leader change or an etcd election can delay
      // that: so the bound is the largest spec.replicas a user set within the last 90 s (longer
      // than a lease takeover plus an etcd election). This bounds RS *specs*, not pods: pods of
      // an RS being scaled down are Terminating for up to their grace period, and pods on a dead
      // node stay (Terminating, after eviction) until its kubelet returns — both legitimately
      // above the bound. Deleted pods are replaced at once, also legitimately above it.
      const hist = scaleHistory.get(d.metadata.name!)!;
      const recent = hist.filter((_, i) => i === hist.length - 1 || hist[i + 1][0] >= sim.now - WINDOW);
      const bound = Math.max(...recent.map(([, r]) => r + maxSurge({ ...d, spec: { ...d.spec, replicas: r } })));
      const sum = owned.reduce((s, rs) => s + (rs.spec.replicas ?? 0), 0);
      if (sum > bound) during.push(`${sim.now}: deployment ${d.metadata.name}: RSs sum to ${sum} replicas > bound ${bound}`);
    }
  };

  // Every run has one long outage: a node down past its pods' default tolerationSeconds (300 s),
  // so the taint-eviction controller evicts them and their ReplicaSets replace them on other
  // nodes while the evicted pods stay Terminating until the node's kubelet comes back and ends
  // them. A new node-lifecycle controller (after a leader change) gives every node a fresh grace
  // period and re-adds the NoExecute taint with a new timeAdded [k/k
  // pkg/controller/nodelifecycle/node_lifecycle_controller.go, markNodeAsReachable for nodes it
  // has not seen]: under steady leader churn nothing is ever evicted. So the controller
  // managers are left alone once the long outage starts (the other faults go on).
  // At most one other node is down with it: 2 of 5 NotReady (40%) keeps the zone Normal.
  sim.after(managerKillsEnd - sim.now + rng.int(20_000), () => {
    const up = c.nodes!.names.filter((n) => !downNodes.has(n));
    nodeDown(up[rng.int(up.length)], 380_000 + rng.int(40_000));
  }, "chaos long outage");
  const meanGap = opts.meanGapMs ?? 8_000;
  const chaosEnd = sim.now + chaosMs;
  const sampler = sim.every(1000, sample, "chaos invariants");
  const next = () => {
    if (sim.now >= chaosEnd) return;
    pick(rng)(rng);
    sim.after(1 + rng.int(2 * meanGap), next, "chaos fault");
  };
  sim.after(rng.int(meanGap), next, "chaos fault");
  sim.runUntil(() => sim.now >= chaosEnd, chaosMs + 1000);

  // ---- heal ----
  note("heal");
  for (const n of downNodes.keys()) c.nodes!.start(n);
  downNodes.clear();
  if (crashedMember) etcd.restart(crashedMember);
  crashedMember = undefined;
  if (stoppedManager) stoppedManager.start();
  stoppedManager = undefined;
  const healedAt = sim.now;
  // Let the in-flight fault timers fire harmlessly; keep sampling until converged.
  let final: string[] = [];
  const settleLimit = opts.settleLimitMs ?? 600_000;
  while (sim.now < healedAt + settleLimit) {
    sim.runFor(5_000);
    final = finalViolations(c);
    if (final.length === 0) break;
  }
  const settleMs = sim.now - healedAt;
  // Quiet: a converged cluster stays as it is (no controller fighting another, no hot loop).
  const quiet: string[] = [];
  if (final.length === 0) {
    const snapshot = () => {
      const items = (r: string) => ((c.get(r, undefined, NS) as any).items as KubeObject[]).map((o) => `${r}/${o.metadata.name}@${o.metadata.resourceVersion}`);
      return [...items("pods"), ...items("replicasets"), ...items("deployments")].sort();
    };
    const before = snapshot();
    sim.runFor(60_000);
    const after = new Set(snapshot());
    for (const x of before) if (!after.has(x)) quiet.push(`changed while quiet: ${x}`);
    if (after.size !== before.length) quiet.push(`${after.size - before.length} objects appeared while quiet`);
    quiet.push(...finalViolations(c));
  }
  sampler.cancel();
  const events = (c.get("events", undefined, NS) as any).items as KubeObject[];
  const evictions = events.filter((e: any) => e.reason === "TaintManagerEviction" && /^Marking for deletion/.test(e.message)).reduce((n: number, e: any) => n + (e.count ?? 1), 0);
  const managerTerms = c.controllerManagers.reduce((n, m) => n + m.incarnation, 0);
  return { cluster: c, log, during, final, settleMs, counts, evictions, etcdLeaders: etcdLeaders.size, managerTerms, quiet };
}

/** The end state after healing, read from the API server (not a cache). Empty: all good. */
export function finalViolations(c: Cluster): string[] {
  const out: string[] = [];
  const list = (r: string) => (c.get(r, undefined, NS) as any).items as KubeObject[];
  const pods = list("pods");
  const rss = list("replicasets");
  const deps = list("deployments");
  const nodes = (c.get("nodes", undefined, undefined) as any).items as KubeObject[];
  const rsByUid = new Map(rss.map((rs) => [rs.metadata.uid!, rs]));
  const readyNodes = new Set(nodes.filter((n) => n.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True")).map((n) => n.metadata.name));
  if (readyNodes.size !== 5) out.push(`${readyNodes.size}/5 nodes Ready`);

  // No orphans: every pod is controlled by a ReplicaSet that exists (same UID).
  for (const p of pods) {
    const ref = controllerOf(p)[0];
    if (!ref || !rsByUid.has(ref.uid)) out.push(`orphan pod ${p.metadata.name} (controller ${ref ? `${ref.kind}/${ref.name}` : "none"})`);
    if (isTerminating(p)) out.push(`pod ${p.metadata.name} still terminating`);
    else if (p.status?.phase !== "Running" || !readyNodes.has(p.spec?.nodeName)) out.push(`pod ${p.metadata.name} is ${p.status?.phase} on ${p.spec?.nodeName ?? "no node"}`);
  }
  // Every ReplicaSet has exactly spec.replicas pods (no missing, no duplicates), matching its
  // selector, and its status says so for the generation it last saw.
  for (const rs of rss) {
    const mine = pods.filter((p) => controllerOf(p)[0]?.uid === rs.metadata.uid && !isTerminating(p));
    const want = rs.spec.replicas ?? 1;
    if (mine.length !== want) out.push(`RS ${rs.metadata.name}: ${mine.length} pods, wants ${want}`);
    const selected = pods.filter((p) => !isTerminating(p) && matches(p.metadata.labels, rs.spec.selector.matchLabels));
    if (selected.length !== mine.length) out.push(`RS ${rs.metadata.name}: selector matches ${selected.length} pods, owns ${mine.length}`);
    const s = rs.status ?? {};
    if (s.observedGeneration !== rs.metadata.generation) out.push(`RS ${rs.metadata.name}: observedGeneration ${s.observedGeneration} != generation ${rs.metadata.generation}`);
    for (const f of ["replicas", "readyReplicas", "availableReplicas", "fullyLabeledReplicas"]) {
      if ((s[f] ?? 0) !== want) out.push(`RS ${rs.metadata.name}: status.${f} ${s[f] ?? 0} != ${want}`);
    }
  }
  // Every Deployment has completed its rollout: one RS (the one of the current template) holds
  // every replica, all updated and available, and the status is of the current generation.
  for (const d of deps) {
    const s = d.status ?? {};
    const want = d.spec.replicas;
    if (s.observedGeneration !== d.metadata.generation) out.push(`deployment ${d.metadata.name}: observedGeneration ${s.observedGeneration} != ${d.metadata.generation}`);
    for (const f of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"]) if ((s[f] ?? 0) !== want) out.push(`deployment ${d.metadata.name}: status.${f} ${s[f] ?? 0} != ${want}`);
    if ((s.unavailableReplicas ?? 0) !== 0) out.push(`deployment ${d.metadata.name}: ${s.unavailableReplicas} unavailable`);
    const progressing = (s.conditions ?? []).find((x: any) => x.type === "Progressing");
    if (progressing?.reason !== "NewReplicaSetAvailable") out.push(`deployment ${d.metadata.name}: Progressing ${progressing?.reason}`);
    const owned = rss.filter((rs) => controllerOf(rs)[0]?.uid === d.metadata.uid);
    const image = d.spec.template.spec.containers[0].image;
    const active = owned.filter((rs) => (rs.spec.replicas ?? 0) > 0);
    if (active.length !== 1 || active[0].spec.template.spec.containers[0].image !== image) {
      out.push(`deployment ${d.metadata.name}: active RSs ${active.map((rs) => `${rs.metadata.name}=${rs.spec.replicas}`).join(",")}, want one with ${image}`);
    }
    // revisionHistoryLimit (default 10) old RSs at most.
    if (owned.length - 1 > (d.spec.revisionHistoryLimit ?? 10)) out.push(`deployment ${d.metadata.name}: ${owned.length - 1} old RSs kept`);
  }
  // The Service's endpoints are exactly the web pods' IPs.
  const web = pods.filter((p) => p.metadata.labels?.app === "web" && !isTerminating(p)).map((p) => p.status?.podIP).sort();
  const ep = c.get("endpoints", "web", NS) as any;
  const addrs = (ep.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip)).sort();
  if (JSON.stringify(addrs) !== JSON.stringify(web)) out.push(`endpoints web ${addrs.join(",")} != pods ${web.join(",")}`);
  return out;
}
