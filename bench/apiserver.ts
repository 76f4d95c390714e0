// API server throughput and latency on the simulated store: create, get, list and watch at 10k
// objects (ConfigMaps), many concurrent clients. Virtual latency = the simulation's time from call
// to answer; wall latency = real time for the same call.
import { performance } from "perf_hooks";
import { Cluster } from "../src/cluster/cluster";
import type { KubeClient } from "../src/client/kube-client";
import { report } from "./report";

const N = 10_000;
const CLIENTS = 32;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 1000) / 1000;
}

/** Runs `total` calls spread over the clients, each client one call at a time. */
function drive(c: Cluster, clients: KubeClient[], total: number, call: (cl: KubeClient, i: number, done: () => void) => void) {
  const virt: number[] = [];
  const wall: number[] = [];
  let next = 0;
  let finished = 0;
  const loop = (cl: KubeClient) => {
    if (next >= total) return;
    const i = next++;
    const v0 = c.sim.now;
    const w0 = performance.now();
    call(cl, i, () => {
      virt.push(c.sim.now - v0);
      wall.push(performance.now() - w0);
      finished++;
      loop(cl);
    });
  };
  const t0 = performance.now();
  const v0 = c.sim.now;
  for (const cl of clients) loop(cl);
  c.sim.runUntil(() => finished === total, "1h");
  return { wallMs: performance.now() - t0, virtualMs: c.sim.now - v0, virt, wall };
}

export function run(): void {
  const c = new Cluster({ seed: "bench", trace: false });
  c.sim.network.traceMessages = false;
  const clients = Array.from({ length: CLIENTS }, (_, i) => c.client(`bench-${i}`, c.adminToken));
  const must = (done: () => void) => (err: unknown) => {
    if (err) throw err;
    done();
  };
  const phases: [string, number, (cl: KubeClient, i: number, done: () => void) => void][] = [
    ["create", N, (cl, i, done) => cl.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: "default" }, data: { i: String(i) } }, must(done))],
    ["get", N, (cl, i, done) => cl.get("configmaps", `cm-${(i * 7919) % N}`, "default", must(done))],
    ["list (limit 500)", 200, (cl, _i, done) => cl.list("configmaps", "default", { limit: 500 }, must(done))],
  ];
  for (const [name, total, call] of phases) {
    const r = drive(c, clients, total, call);
    report(`apiserver.sim.${name.split(" ")[0]}_per_second`, Math.round(total / (r.wallMs / 1000)), "requests/s (wall)", {
      objects: N, clients: CLIENTS, requests: total,
      virtual_p50_ms: percentile(r.virt, 50), virtual_p99_ms: percentile(r.virt, 99),
      wall_p50_ms: percentile(r.wall, 50), wall_p99_ms: percentile(r.wall, 99),
    });
  }
  // Watch: 32 watchers on configmaps; 2,000 updates; events delivered per wall second and the
  // virtual delay from the update's answer to each watcher's event.
  let events = 0;
  const handles = clients.map((cl) => cl.watch("configmaps", "default", { resourceVersion: (c.get("configmaps", undefined, "default", { limit: 1 }) as any).metadata.resourceVersion }, () => events++));
  const U = 2000;
  const r = drive(c, clients, U, (cl, i, done) => cl.patch("configmaps", `cm-${i}`, "default", "merge", { data: { touched: "yes" } }, must(done)));
  c.sim.runFor("2s");
  report("apiserver.sim.watch_events_per_second", Math.round(events / (r.wallMs / 1000)), "events/s (wall)", {
    watchers: CLIENTS, updates: U, events, update_virtual_p50_ms: percentile(r.virt, 50), update_virtual_p99_ms: percentile(r.virt, 99),
  });
  for (const h of handles) h.stop();
  report("apiserver.real", 0, "skipped", { reason: "the same figures on a real etcd are not measured yet" });
}

if (require.main === module) run();
