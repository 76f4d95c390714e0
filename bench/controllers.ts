// Controller figures for `npm run bench` (issue: "wall time for a 1,000-replica Deployment to roll
// out to a new version on 100 stand-in nodes, and for 100 Deployments of 100 replicas; controller
// work-queue adds/s"):
//
//   controllers.create1000   a 1,000-replica Deployment created until every replica is available;
//   controllers.rollout1000  then an image change until the rollout completes (25% surge and
//                            unavailable, the defaults);
//   controllers.100x100      100 Deployments of 100 replicas created until all are available;
//   controllers.workqueue    RateLimitingQueue add + get + done, distinct and duplicate keys,
//                            in-process (as client-go's workqueue benchmarks do).
//
// The cluster is the chapter-04 one: 3-member simulated etcd, API server, one controller manager
// with every controller, 100 stand-in nodes and the stand-in binder; no trace rows. Each line
// gives the wall time (value, ms) and the virtual time the cluster took (virtualMs).
import { performance } from "perf_hooks";
import { Cluster } from "../src/cluster/cluster";
import { Simulation } from "../src/sim/index";
import { RateLimitingQueue } from "../src/client/workqueue";
import type { KubeObject } from "../src/apiserver/registry/object";
import { report } from "./report";

function deployment(name: string, replicas: number, image: string): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
    },
  };
}

/** Every Deployment's rollout complete: status of the current generation, all updated and available. */
function complete(c: Cluster, names: string[]): boolean {
  const obs = c.observe<KubeObject>("deployments");
  return names.every((n) => {
    const d = obs.get(n, "default");
    const s = d?.status;
    const want = d?.spec.replicas;
    return !!s && s.observedGeneration === d!.metadata.generation && s.updatedReplicas === want && s.availableReplicas === want && s.replicas === want;
  });
}

/** Runs virtual time (1 s steps) until done; returns wall and virtual ms. */
function timed(c: Cluster, done: () => boolean, limit = 3_600_000): { wallMs: number; virtualMs: number } {
  const t0 = performance.now();
  const v0 = c.sim.now;
  while (!done()) {
    if (c.sim.now - v0 > limit) throw new Error(`bench: not done within ${limit / 1000}s of virtual time`);
    c.sim.runFor(1000);
  }
  return { wallMs: Math.round(performance.now() - t0), virtualMs: Math.round(c.sim.now - v0) };
}

function cluster(seed: string, podsPerNode: number): Cluster {
  return new Cluster({ seed, trace: false, controllers: true, nodes: { count: 100, capacity: { pods: String(podsPerNode) } } });
}

export function benchRollout1000(): void {
  const t0 = performance.now();
  const c = cluster("bench-rollout1000", 110);
  c.runFor("5s"); // nodes register, the controller manager leads
  const setupMs = Math.round(performance.now() - t0);
  c.wait((cb) => c.admin.create(deployment("big", 1000, "app:1"), cb));
  const create = timed(c, () => complete(c, ["big"]));
  report("controllers.create1000", create.wallMs, "ms", { virtualMs: create.virtualMs, replicas: 1000, nodes: 100, setupWallMs: setupMs });
  c.patch("deployments", "big", { spec: { template: { spec: { containers: [{ name: "app", image: "app:2" }] } } } });
  const rollout = timed(c, () => complete(c, ["big"]));
  report("controllers.rollout1000", rollout.wallMs, "ms", { virtualMs: rollout.virtualMs, replicas: 1000, nodes: 100 });
}

export function bench100x100(count = 100): void {
  const c = cluster("bench-100x100", 250);
  c.runFor("5s");
  const names = Array.from({ length: count }, (_, i) => `app-${i}`);
  const t0 = performance.now();
  const v0 = c.sim.now;
  for (const n of names) c.admin.create(deployment(n, 100, "app:1"), () => {});
  const r = timed(c, () => complete(c, names));
  report(`controllers.${count}x100`, Math.round(performance.now() - t0), "ms", { virtualMs: Math.round(c.sim.now - v0), deployments: count, replicas: 100, nodes: 100, podsPerNode: 250, loopWallMs: r.wallMs });
}

/** add + get + done through the queue: n distinct keys, then n adds over only 10 keys. */
export function benchWorkqueue(n = 200_000): void {
  for (const [shape, keys] of [["distinct", n], ["duplicate", 10]] as const) {
    const sim = new Simulation({ seed: 1, trace: false });
    const q = new RateLimitingQueue<string>(sim);
    const names = Array.from({ length: keys }, (_, i) => `default/key-${i}`);
    let processed = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      q.add(names[i % keys]);
      // Drain every 100 adds, as workers would between events.
      if (i % 100 === 99 || i === n - 1) {
        while (q.len() > 0) {
          q.get((key) => {
            q.forget(key!);
            q.done(key!);
            processed++;
          });
        }
      }
    }
    sim.runFor(1);
    const ms = performance.now() - t0;
    report(`controllers.workqueue.${shape}`, Math.round(n / (ms / 1000)), "adds/s", { adds: n, keys, processed, wallMs: Math.round(ms) });
  }
}

export function run(): void {
  benchWorkqueue();
  benchRollout1000();
  bench100x100();
}

if (require.main === module) run();
