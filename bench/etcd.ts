// etcd figures for `npm run bench` (issue 4): writes, linearizable reads and watch events per
// WALL-CLOCK second, through the whole simulated stack (EtcdClient → member → Raft → MvccStore,
// 3 members, no faults), then the same three figures for a real etcd 3.4 cluster of 3 members on
// this machine over its JSON API (RealEtcdClient: concurrent HTTP requests on keep-alive
// connections, one HTTP stream per watch), and the ratio sim / real for each.
//
// Both sides run the same closed-loop workload: many concurrent clients, each issuing its next
// request when the previous one answers, for a fixed wall-clock window; 16-byte keys and
// 256-byte values (etcd's benchmark sizes). In the simulation, virtual latency (1 ms a hop) does
// not bound the figure — enough clients are in flight that the engine's CPU time does.
// The real etcd keeps its data on tmpfs when /dev/shm exists (no fsync cost: like the
// simulation, which has no disk), and shares this machine's CPUs with the benchmark's client.

import * as os from "os";
import { performance } from "perf_hooks";
import { Simulation } from "../src/sim/index";
import { EtcdCluster } from "../src/etcd/server/etcd-cluster";
import { EtcdClient } from "../src/etcd/client/client";
import { prefixEnd, utf8 } from "../src/etcd/mvcc/bytes";
import type { WatchResponse } from "../src/etcd/mvcc/types";
import type { KvBackend, Watch } from "../src/etcd/real/backend";
import { RealEtcdClient } from "../src/etcd/real/real-client";
import { findEtcd, startLocalEtcd } from "../src/etcd/real/local-etcd";
import type { LocalEtcd } from "../src/etcd/real/local-etcd";
import { report } from "./report";

const WINDOW_MS = Number(process.env.KUBELAB_BENCH_ETCD_MS ?? 3000);
const CLIENTS = Number(process.env.KUBELAB_BENCH_ETCD_CLIENTS ?? 64);
const WATCHERS = 64;
const WATCH_WRITERS = Number(process.env.KUBELAB_BENCH_ETCD_WATCH_WRITERS ?? 16);
const VALUE = utf8("v".repeat(256));
const key = (prefix: string, c: number, i: number) => utf8(`${prefix}${String(c).padStart(4, "0")}-${String(i).padStart(8, "0")}`.slice(0, 16));

type Figure = "writes" | "reads" | "watch";
const NAMES: Record<Figure, [string, string]> = {
  writes: ["writes_per_second", "writes/s"],
  reads: ["linearizable_reads_per_second", "reads/s"],
  watch: ["watch_events_per_second", "events/s"],
};

interface Driver {
  /** Lets time pass until `until` (a wall-clock instant) or until done() says so. */
  pump(until: number, done?: () => boolean): Promise<void>;
}

interface Measured {
  ops: number;
  wallMs: number;
  errors: number;
}

/** Closed-loop clients issuing `op` for WINDOW_MS of wall time. */
async function closedLoop(driver: Driver, clients: KvBackend[], op: (kv: KvBackend, c: number, i: number, done: (ok: boolean) => void) => void): Promise<Measured> {
  let ops = 0;
  let errors = 0;
  let stop = false;
  let inFlight = 0;
  const start = performance.now();
  const end = start + WINDOW_MS;
  clients.forEach((kv, c) => {
    let i = 0;
    const next = () => {
      if (stop) return;
      inFlight++;
      op(kv, c, i++, (ok) => {
        inFlight--;
        if (ok) ops++;
        else errors++;
        next();
      });
    };
    next();
  });
  await driver.pump(end);
  const wallMs = performance.now() - start;
  const counted = ops;
  stop = true;
  await driver.pump(performance.now() + 10_000, () => inFlight === 0); // drain
  return { ops: counted, wallMs, errors };
}

async function measureWrites(driver: Driver, clients: KvBackend[]): Promise<Measured> {
  return closedLoop(driver, clients, (kv, c, i, done) => kv.put({ key: key("w/", c, i), value: VALUE }, (err) => done(!err)));
}

async function measureReads(driver: Driver, clients: KvBackend[]): Promise<Measured> {
  // A key per client to read, written first.
  let pending = clients.length;
  clients.forEach((kv, c) => kv.put({ key: key("r/", c, 0), value: VALUE }, () => pending--));
  await driver.pump(performance.now() + 10_000, () => pending === 0);
  return closedLoop(driver, clients, (kv, c, _i, done) => kv.range({ key: key("r/", c, 0) }, (err, resp) => done(!err && resp!.kvs.length === 1)));
}

/** Watchers on a prefix, writers into it: events delivered to the watchers per wall second. */
async function measureWatch(driver: Driver, watchers: KvBackend[], writers: KvBackend[]): Promise<Measured & { writes: number }> {
  const prefix = utf8("e/");
  let delivered = 0;
  let created = 0;
  const watches: Watch[] = watchers.map((kv) =>
    kv.watch({ key: prefix, range_end: prefixEnd(prefix) }, (r: WatchResponse) => {
      if (r.created) created++;
      delivered += r.events.length;
    }),
  );
  await driver.pump(performance.now() + 10_000, () => created >= watchers.length);
  const before = delivered;
  const start = performance.now();
  let writes = 0;
  const m = await closedLoop(driver, writers, (kv, c, i, done) =>
    kv.put({ key: key("e/", c, i), value: VALUE }, (err) => {
      if (!err) writes++;
      done(!err);
    }),
  );
  const wallMs = performance.now() - start;
  const events = delivered - before;
  for (const w of watches) w.cancel();
  return { ops: events, wallMs, errors: m.errors, writes };
}

// ---- the simulated cluster ----

function simulated(seed: string): { sim: Simulation; etcd: EtcdCluster; clients: (n: number, name: string) => EtcdClient[]; driver: Driver } {
  const sim = new Simulation({ seed, trace: false });
  sim.network.traceMessages = false;
  const etcd = new EtcdCluster(sim, { members: 3, traceMessages: false });
  if (!etcd.raft.runUntilLeader("10s")) throw new Error("bench: the simulated etcd elected no leader");
  const clients = (n: number, name: string) => Array.from({ length: n }, (_, i) => new EtcdClient(sim, { name: `${name}-${i}`, endpoints: etcd.members }));
  const driver: Driver = {
    pump(until, done) {
      // Virtual time in 2 ms steps until the wall-clock instant (or the condition).
      while (performance.now() < until && !(done && done())) sim.runFor("2ms");
      return Promise.resolve();
    },
  };
  return { sim, etcd, clients, driver };
}

async function benchSimulated(): Promise<Record<Figure, number>> {
  const out = {} as Record<Figure, number>;
  {
    const s = simulated("bench-etcd-writes");
    const v0 = s.sim.now;
    const m = await measureWrites(s.driver, s.clients(CLIENTS, "writer"));
    out.writes = emit("sim", "writes", m, virtualRate(m, s.sim.now - v0, { clients: CLIENTS }));
  }
  {
    const s = simulated("bench-etcd-reads");
    const v0 = s.sim.now;
    const m = await measureReads(s.driver, s.clients(CLIENTS, "reader"));
    out.reads = emit("sim", "reads", m, virtualRate(m, s.sim.now - v0, { clients: CLIENTS, read: "linearizable (ReadIndex)" }));
  }
  {
    const s = simulated("bench-etcd-watch");
    const v0 = s.sim.now;
    const m = await measureWatch(s.driver, s.clients(WATCHERS, "watcher"), s.clients(WATCH_WRITERS, "writer"));
    out.watch = emit("sim", "watch", m, virtualRate(m, s.sim.now - v0, { watchers: WATCHERS, writers: WATCH_WRITERS, writes: m.writes }));
  }
  return out;
}

/** The figure per VIRTUAL second too: what the simulated cluster would sustain in its own time. */
function virtualRate(m: Measured, virtualMs: number, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...extra, virtual_ms: Math.round(virtualMs), per_virtual_second: Math.round(m.ops / (virtualMs / 1000)) };
}

// ---- the real etcd ----

const realDriver: Driver = {
  async pump(until, done) {
    while (performance.now() < until && !(done && done())) await new Promise((r) => setTimeout(r, done ? 2 : Math.min(50, Math.max(1, until - performance.now()))));
  },
};

async function benchReal(): Promise<Record<Figure, number> | undefined> {
  const bin = findEtcd();
  if (!bin) {
    report("etcd.real.skipped", 0, "", { reason: "no etcd binary found (install Debian's etcd-server or set ETCD_BIN): real etcd figures and ratios not measured" });
    return undefined;
  }
  let local: LocalEtcd;
  try {
    local = await startLocalEtcd({ bin, members: 3 });
  } catch (err) {
    report("etcd.real.skipped", 0, "", { reason: `etcd did not start: ${(err as Error).message.split("\n")[0]}` });
    return undefined;
  }
  const made: RealEtcdClient[] = [];
  // One client object per simulated client would open as many connection pools; a real
  // application shares one. The concurrency is the same: CLIENTS requests in flight.
  const client = (maxSockets: number) => {
    const c = new RealEtcdClient({ endpoints: local.endpoints, maxSockets, timeout: "30s", attemptTimeout: "10s" });
    made.push(c);
    return c;
  };
  const extra = { members: 3, etcd: local.version, data_dir: local.tmpfs ? "tmpfs" : "disk", api: "JSON gateway (HTTP/1.1 keep-alive)" };
  const out = {} as Record<Figure, number>;
  try {
    {
      const c = client(CLIENTS);
      await warmUp(c);
      const m = await measureWrites(realDriver, Array.from({ length: CLIENTS }, () => c));
      out.writes = emit("real", "writes", m, { clients: CLIENTS, leader: c.leader !== undefined, ...extra });
    }
    {
      const c = client(CLIENTS);
      await warmUp(c);
      const m = await measureReads(realDriver, Array.from({ length: CLIENTS }, () => c));
      out.reads = emit("real", "reads", m, { clients: CLIENTS, read: "linearizable", ...extra });
    }
    {
      const watcher = client(4);
      const writer = client(WATCH_WRITERS);
      await warmUp(writer);
      const m = await measureWatch(realDriver, Array.from({ length: WATCHERS }, () => watcher), Array.from({ length: WATCH_WRITERS }, () => writer));
      out.watch = emit("real", "watch", m, { watchers: WATCHERS, writers: WATCH_WRITERS, writes: m.writes, streams: WATCHERS, ...extra });
    }
  } finally {
    for (const c of made) c.close();
    await local.stop("SIGKILL"); // the data is thrown away: no need for a graceful hand-over
  }
  return out;
}

/** Connections open and the leader known before the clock starts. */
async function warmUp(c: RealEtcdClient): Promise<void> {
  let left = 32;
  for (let i = 0; i < 32; i++) c.range({ key: utf8("warm-up") }, () => left--);
  await realDriver.pump(performance.now() + 10_000, () => left === 0);
  const t = performance.now();
  while (c.leader === undefined && performance.now() - t < 2000) {
    await new Promise<void>((resolve) => c.range({ key: utf8("warm-up") }, () => resolve()));
  }
}

function emit(side: "sim" | "real", figure: Figure, m: Measured, extra: Record<string, unknown>): number {
  const value = Math.round(m.ops / (m.wallMs / 1000));
  const [name, unit] = NAMES[figure];
  report(`etcd.${side}.${name}`, value, unit, { ...extra, ops: m.ops, wall_ms: Math.round(m.wallMs), ...(m.errors ? { errors: m.errors } : {}) });
  return value;
}

export async function run(): Promise<void> {
  const sim = await benchSimulated();
  const real = await benchReal();
  if (!real) return;
  for (const f of ["writes", "reads", "watch"] as Figure[]) {
    report(`etcd.ratio.${NAMES[f][0]}`, Math.round((sim[f] / real[f]) * 1000) / 1000, "sim/real", { sim: sim[f], real: real[f], cpus: os.cpus().length });
  }
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
