// API server throughput and latency: create, get, list and watch at 10k objects (ConfigMaps),
// many concurrent clients — first on the simulated etcd, then the same figures with the API
// server on a real etcd 3.4 cluster on this machine. Virtual latency = the simulation's time from
// call to answer; wall latency = real time for the same call.
//
// On the simulated store the simulation runs as fast as it can (virtual time jumps). On a real
// etcd the answers take real time, so a LiveBridge ties virtual time to the wall clock (speed 1:
// virtual and wall latency agree, up to the bridge's granularity) and this file pumps it: advance
// virtual time, let Node's event loop deliver etcd's HTTP answers, again.
import { performance } from "perf_hooks";
import { Cluster } from "../src/cluster/cluster";
import type { KubeClient } from "../src/client/kube-client";
import { LiveBridge } from "../src/sim/index";
import { RealEtcdClient } from "../src/etcd/real/real-client";
import { findEtcd, startLocalEtcd } from "../src/etcd/real/local-etcd";
import type { LocalEtcd } from "../src/etcd/real/local-etcd";
import { report } from "./report";

const N = 10_000;
const CLIENTS = 32;
const LISTS = 200;
const UPDATES = 2000;
/** Members of the real etcd: 3, like the simulated one. */
const REAL_MEMBERS = 3;

type Call = (cl: KubeClient, i: number, done: () => void) => void;
/** Runs virtual time until pred holds: synchronously on the simulated store, in real time on a real one. */
type Pump = (pred: () => boolean) => void | Promise<void>;

interface Measured {
  wallMs: number;
  virtualMs: number;
  virt: number[];
  wall: number[];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 1000) / 1000;
}

const must = (done: () => void) => (err: unknown) => {
  if (err) throw err;
  done();
};

/** Runs `total` calls spread over the clients, each client one call at a time. */
async function drive(c: Cluster, clients: KubeClient[], total: number, call: Call, pump: Pump): Promise<Measured> {
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
  await pump(() => finished === total);
  return { wallMs: performance.now() - t0, virtualMs: c.sim.now - v0, virt, wall };
}

/** The four figures, on whichever store `c` has; `side` is "sim" or "real". */
async function measure(side: "sim" | "real", c: Cluster, n: number, pump: Pump, extra: Record<string, unknown>, inject: <T>(fn: () => T) => T = (fn) => fn()): Promise<void> {
  const clients = inject(() => Array.from({ length: CLIENTS }, (_, i) => c.client(`bench-${i}`, c.adminToken)));
  const phases: [string, number, Call][] = [
    ["create", n, (cl, i, done) => cl.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: "default" }, data: { i: String(i) } }, must(done))],
    ["get", n, (cl, i, done) => cl.get("configmaps", `cm-${(i * 7919) % n}`, "default", must(done))],
    ["list (limit 500)", LISTS, (cl, _i, done) => cl.list("configmaps", "default", { limit: 500 }, must(done))],
  ];
  for (const [name, total, call] of phases) {
    const r = await inject(() => drive(c, clients, total, call, pump));
    report(`apiserver.${side}.${name.split(" ")[0]}_per_second`, Math.round(total / (r.wallMs / 1000)), "requests/s (wall)", {
      objects: n, clients: CLIENTS, requests: total,
      virtual_p50_ms: percentile(r.virt, 50), virtual_p99_ms: percentile(r.virt, 99),
      wall_p50_ms: percentile(r.wall, 50), wall_p99_ms: percentile(r.wall, 99),
      ...extra,
    });
  }
  // Watch: 32 watchers on configmaps from the current resourceVersion; 2,000 updates; events
  // delivered per wall second and the virtual delay from each update's call to its events.
  let rv = "";
  inject(() => c.admin.list("configmaps", "default", { limit: 1 }, (e, l) => (rv = e ? "0" : (l as any).metadata.resourceVersion)));
  await pump(() => rv !== "");
  let events = 0;
  const sent = new Map<string, number>();
  const delays: number[] = [];
  const handles = inject(() =>
    clients.map((cl) =>
      cl.watch("configmaps", "default", { resourceVersion: rv }, (ev) => {
        events++;
        const at = sent.get((ev.object as any).metadata?.name);
        if (at !== undefined) delays.push(c.sim.now - at);
      }),
    ),
  );
  const updates = Math.min(UPDATES, n);
  const r = await inject(() =>
    drive(c, clients, updates, (cl, i, done) => {
      sent.set(`cm-${i}`, c.sim.now);
      cl.patch("configmaps", `cm-${i}`, "default", "merge", { data: { touched: "yes" } }, must(done));
    }, pump),
  );
  const t0 = performance.now();
  await pump(() => events >= updates * CLIENTS || performance.now() - t0 > 10_000);
  report(`apiserver.${side}.watch_events_per_second`, Math.round(events / ((performance.now() - t0 + r.wallMs) / 1000)), "events/s (wall)", {
    watchers: CLIENTS, updates, events, expected_events: updates * CLIENTS,
    update_virtual_p50_ms: percentile(r.virt, 50), update_virtual_p99_ms: percentile(r.virt, 99),
    event_delay_virtual_p50_ms: percentile(delays, 50), event_delay_virtual_p99_ms: percentile(delays, 99),
    ...extra,
  });
  inject(() => handles.forEach((h) => h.stop()));
}

async function benchSim(): Promise<void> {
  const c = new Cluster({ seed: "bench", trace: false });
  c.sim.network.traceMessages = false;
  await measure("sim", c, N, (pred) => void c.sim.runUntil(pred, "1h"), {});
}

/** Pumps a live simulation: advance virtual time to the wall clock, yield to I/O, repeat. */
function livePump(bridge: LiveBridge, timeoutMs: number): Pump {
  return async (pred) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      bridge.advance();
      if (pred()) return;
      if (performance.now() > deadline) throw new Error(`no progress within ${timeoutMs} ms of real time`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
}

async function benchReal(): Promise<void> {
  const bin = findEtcd();
  if (!bin) {
    report("apiserver.real.skipped", 0, "", { reason: "no etcd binary found (install Debian's etcd-server or set ETCD_BIN): API server on a real etcd not measured" });
    return;
  }
  let local: LocalEtcd;
  try {
    local = await startLocalEtcd({ bin, members: REAL_MEMBERS });
  } catch (err) {
    report("apiserver.real.skipped", 0, "", { reason: `etcd did not start: ${(err as Error).message.split("\n")[0]}` });
    return;
  }
  let bridge: LiveBridge | undefined;
  let real: RealEtcdClient | undefined;
  try {
    const c = new Cluster({
      seed: "bench",
      trace: false,
      store: (sim) => {
        bridge = new LiveBridge(sim, { speed: 1 });
        real = new RealEtcdClient({ endpoints: local.endpoints, inject: bridge, timeout: "30s", attemptTimeout: "10s" });
        return real;
      },
    });
    c.sim.network.traceMessages = false;
    const pump = livePump(bridge!, 120_000);
    let ready = false;
    c.onReady(() => (ready = true));
    await pump(() => ready);
    const started = performance.now();
    await measure("real", c, N, pump, {
      etcd: local.version, members: REAL_MEMBERS, data_dir: local.tmpfs ? "tmpfs" : "disk", api: "etcd JSON gateway (HTTP/1.1 keep-alive)", live_bridge_speed: 1,
    }, bridge!.inject);
    report("apiserver.real.total_wall_s", Math.round((performance.now() - started) / 100) / 10, "s (wall)", { objects: N });
  } catch (err) {
    report("apiserver.real.skipped", 0, "", { reason: `failed: ${(err as Error).message.split("\n")[0]}` });
  } finally {
    bridge?.stop();
    real?.close();
    await local.stop("SIGKILL"); // the data is thrown away: no need for a graceful hand-over
  }
}

export async function run(): Promise<void> {
  await benchSim();
  await benchReal();
}

if (require.main === module) run().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
