// The snapshot's AffinityIndex (cache/affinity-index.ts) must give InterPodAffinity the same
// numbers a fresh walk over every pod gives. A seeded random history of pod and node changes
// (pods with required / preferred (anti-)affinity, label changes, pod and node deletions) runs
// through the cache; after every step the plugin's Filter and Score over the incrementally
// kept snapshot are compared with the same plugin over a freshly built snapshot (no index kept).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import { SchedulerCache } from "../../src/scheduler/cache/cache";
import { Snapshot } from "../../src/scheduler/cache/snapshot";
import { CycleState, type Handle, type NodeScore, type Pod, type SnapshotLister } from "../../src/scheduler/framework/interface";
import { NodeInfo } from "../../src/scheduler/framework/node-info";
import { InterPodAffinity } from "../../src/scheduler/plugins/interpodaffinity";
import { makeNode, makePod, snapshotOf } from "./plugins/helpers";

const ZONES = ["z1", "z2", "z3"];
const APPS = ["web", "db", "cache"];

function handleOver(snapshot: SnapshotLister): Handle {
  return { snapshot: () => snapshot, namespaceLabels: (ns: string) => ({ team: ns === "default" ? "a" : "b" }) } as unknown as Handle;
}

function term(rng: Simulation["rng"], key: string): any {
  const t: any = { labelSelector: { matchLabels: { app: APPS[rng.int(APPS.length)] } }, topologyKey: key };
  const r = rng.int(4);
  if (r === 0) t.namespaceSelector = {};
  else if (r === 1) t.namespaceSelector = { matchLabels: { team: "b" } };
  else if (r === 2) t.namespaces = ["default", "other"];
  return t;
}

function randomAffinity(rng: Simulation["rng"]): any {
  const key = () => (rng.int(2) === 0 ? "kubernetes.io/hostname" : "topology.kubernetes.io/zone");
  const a: any = {};
  const kind = rng.int(6);
  if (kind === 0) a.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term(rng, key())] };
  if (kind === 1) a.podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term(rng, key())] };
  if (kind === 2) a.podAffinity = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + rng.int(100), podAffinityTerm: term(rng, key()) }] };
  if (kind === 3) a.podAntiAffinity = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + rng.int(100), podAffinityTerm: term(rng, key()) }] };
  if (kind === 4) a.podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term(rng, key()), term(rng, key())] };
  return Object.keys(a).length ? a : undefined;
}

function verdicts(plugin: InterPodAffinity, pod: Pod, nodes: NodeInfo[]): string {
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod, nodes);
  const filter = pre.status.isSkip() ? "skip" : nodes.map((n) => `${n.name}:${plugin.filter(state, pod, n).code}`).join(" ");
  const ps = plugin.preScore(state, pod, nodes);
  let score = "skip";
  if (!ps.isSkip()) {
    const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pod, n).score }));
    const raw = scores.map((s) => s.score).join(",");
    plugin.normalizeScore(state, pod, scores);
    score = `${raw} → ${scores.map((s) => s.score).join(",")}`;
  }
  return `${filter} | ${score}`;
}

test("InterPodAffinity over the incrementally kept index = over a fresh walk, through 300 random changes", () => {
  const sim = new Simulation({ seed: "affinity-index" });
  const rng = sim.rng.fork("history");
  const cache = new SchedulerCache(sim);
  const snapshot = new Snapshot();
  const nodes = Array.from({ length: 8 }, (_, i) => makeNode(`n${i}`, { labels: { "kubernetes.io/hostname": `n${i}`, "topology.kubernetes.io/zone": ZONES[i % 3] } }));
  for (const n of nodes) cache.addNode(n);
  const placed: Pod[] = [];
  let compared = 0;
  for (let step = 0; step < 300; step++) {
    const r = rng.int(10);
    if (r < 6 || placed.length === 0) {
      const p = makePod(`p${step}`, { ns: rng.int(3) === 0 ? "other" : "default", labels: { app: APPS[rng.int(APPS.length)] }, affinity: randomAffinity(rng), nodeName: `n${rng.int(nodes.length)}` });
      cache.addPod(p);
      placed.push(p);
    } else if (r < 8) {
      cache.removePod(placed.splice(rng.int(placed.length), 1)[0]);
    } else if (r < 9) {
      // A node moves zone (its label changes: every pod on it now counts elsewhere).
      const i = rng.int(nodes.length);
      const old = nodes[i];
      nodes[i] = makeNode(old.metadata.name!, { labels: { ...old.metadata.labels, "topology.kubernetes.io/zone": ZONES[rng.int(3)] } });
      cache.updateNode(old, nodes[i]);
    } else {
      // A node goes away and comes back (its pods stay in the cache meanwhile).
      const i = rng.int(nodes.length);
      cache.removeNode(nodes[i]);
      cache.updateSnapshot(snapshot);
      cache.addNode(nodes[i]);
    }
    cache.updateSnapshot(snapshot);
    const kept = new InterPodAffinity(handleOver(snapshot));
    // The reference: the same NodeInfos copied into a snapshot that keeps nothing between calls.
    const copies = snapshot.list().map((ni) => ni.clone());
    const fresh = new InterPodAffinity(handleOver(snapshotOf(copies)));
    for (let k = 0; k < 3; k++) {
      const incoming = makePod(`in${step}-${k}`, { ns: k === 2 ? "other" : "default", labels: { app: APPS[(step + k) % 3] }, affinity: randomAffinity(rng) });
      assert.is(verdicts(kept, incoming, snapshot.list()), verdicts(fresh, incoming, copies), `step ${step}, pod ${k}: ${JSON.stringify(incoming.spec.affinity)}`);
      compared++;
    }
  }
  assert.is(compared, 900);
  // The history did exercise the index: terms and groups are kept.
  assert.ok([...snapshot.affinity.existingTermGroups()].length > 0);
});

test.run();
